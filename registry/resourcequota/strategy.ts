import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isHugePages, quotaResources, resourceNameErrors } from '../validation/resource-names.js';
import { quantityNumber } from '../../schemas/quantity.js';

/** What kube-apiserver says of a name in spec.hard: a resource name, and without a domain one a resource quota knows. */
function hardNameErrors(name: string, at: string): StatusCause[] {
  const causes = resourceNameErrors(name, at);
  if (name.includes('/')) return causes;
  if (!quotaResources.has(name) && !isHugePages(name)) causes.push(fieldErrors.invalid(at, name, 'must be a standard resource for quota'));
  return causes;
}

const scopes = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
/** What the pod scopes can limit: pod counts and pods' compute resources (BestEffort only the count). */
const podCount = new Set(['pods']);
const podCompute = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

function scopeFits(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return podCount.has(resource);
  if (scopes.includes(scope)) return podCount.has(resource) || podCompute.has(resource);
  return true;
}

/** validateResourceQuotaScopes: each error quotes the whole list of scopes, as Go's []core.ResourceQuotaScope. */
function scopeErrors(spec: Record<string, unknown>): StatusCause[] {
  const list = Array.isArray(spec.scopes) ? spec.scopes.map(String) : [];
  if (list.length === 0) return [];
  const printed = `[]core.ResourceQuotaScope{${list.map((x) => JSON.stringify(x)).join(', ')}}`;
  const hard = Object.keys(field(spec, 'hard') ?? {}).sort();
  const causes: StatusCause[] = [];
  for (const scope of list) {
    if (!scopes.includes(scope)) causes.push(fieldErrors.invalidPrinted('spec.scopes', printed, 'unsupported scope'));
    for (const resource of hard) {
      if ((quotaResources.has(resource) || isHugePages(resource)) && !scopeFits(scope, resource)) causes.push(fieldErrors.invalidPrinted('spec.scopes', printed, 'unsupported scope applied to resource'));
    }
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']]) {
    if (list.includes(a!) && list.includes(b!)) causes.push(fieldErrors.invalidPrinted('spec.scopes', printed, 'conflicting scopes'));
  }
  return causes;
}

/**
 * The Request and Limit cells kubectl shows: each resource of status.hard (what the quota
 * controller has seen; nothing before it has run) as "name: used/hard", sorted, the
 * limits.* ones in Limit and every other one in Request.
 */
function usage(o: KubeObject): [string, string] {
  const hard = field(field(o, 'status'), 'hard') ?? {};
  const used = field(field(o, 'status'), 'used') ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const k of Object.keys(hard).sort()) (k.startsWith('limits.') ? limits : requests).push(`${k}: ${String(used[k] ?? '0')}/${String(hard[k])}`);
  return [requests.join(', '), limits.join(', ')];
}

/** resourcequotas (v1): per-namespace totals; status holds what is used (kept by a quota controller). */
export const resourceQuotaStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'resourcequotas', singular: 'resourcequota', kind: 'ResourceQuota', listKind: 'ResourceQuotaList', namespaced: true, shortNames: ['quota'], subresources: ['status'] }),
  {
    returnDeletedObject: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validate: (o) => {
      const causes: StatusCause[] = [];
      for (const [k, v] of Object.entries(field(field(o, 'spec'), 'hard') ?? {})) {
        causes.push(...hardNameErrors(k, `spec.hard[${k}]`));
        if (quantityNumber(v) < 0) causes.push(fieldErrors.invalid(`spec.hard[${k}]`, v, 'must be greater than or equal to 0'));
      }
      causes.push(...scopeErrors(field(o, 'spec') ?? {}));
      return causes;
    },
    table: {
      columns: [
        nameColumn,
        ageColumn,
        column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
        column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
      ],
      cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now), ...usage(o)],
    },
  },
);
