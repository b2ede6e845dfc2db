import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { quantityNumber } from '../../schemas/quantity.js';

/** The resources quota tracks, by name (kube-apiserver's standard quota resources); hugepages-<size> too. */
const quotaResources = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers']);
/** The resources the system knows by name: the quota ones and storage. */
const standardResources = new Set([...quotaResources, 'storage']);
const isHugePages = (name: string): boolean => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');

/** What kube-apiserver says of a name in spec.hard: a qualified name, and without a domain a resource quota knows. */
function hardNameErrors(name: string, at: string): StatusCause[] {
  const causes = isQualifiedName(name).map((m) => fieldErrors.invalid(at, name, m));
  if (name.includes('/')) return causes;
  if (causes.length === 0 && !standardResources.has(name) && !isHugePages(name)) causes.push(fieldErrors.invalid(at, name, 'must be a standard resource type or fully qualified'));
  if (!quotaResources.has(name) && !isHugePages(name)) causes.push(fieldErrors.invalid(at, name, 'must be a standard resource for quota'));
  return causes;
}

const scopes = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

function usage(o: KubeObject, prefix: 'requests.' | 'limits.'): string {
  const hard = field(field(o, 'status'), 'hard') ?? field(field(o, 'spec'), 'hard') ?? {};
  const used = field(field(o, 'status'), 'used') ?? {};
  const names = Object.keys(hard)
    .filter((k) => k.startsWith(prefix) || (prefix === 'requests.' && (k === 'cpu' || k === 'memory')))
    .sort();
  return names.map((k) => `${k}: ${String(used[k] ?? '0')}/${String(hard[k])}`).join(', ');
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
      const sc = field(o, 'spec')?.scopes;
      if (Array.isArray(sc)) sc.forEach((s, i) => {
        if (!scopes.includes(String(s))) causes.push(fieldErrors.notSupported(`spec.scopes[${i}]`, s, scopes));
      });
      return causes;
    },
    table: {
      columns: [nameColumn, ageColumn, column('Request', 'Requests used out of the quota.'), column('Limit', 'Limits used out of the quota.')],
      cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now), usage(o, 'requests.'), usage(o, 'limits.')],
    },
  },
);
