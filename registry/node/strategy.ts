import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';
import { quantityValue } from '../pod/pod-spec.js';

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateNode(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const taints = arrayOf(field(o, 'spec')?.taints);
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const at = `spec.taints[${i}]`;
    const key = String(t.key ?? '');
    if (key === '') causes.push(fieldErrors.required(`${at}.key`));
    else for (const m of isQualifiedName(key)) causes.push(fieldErrors.invalid(`${at}.key`, key, m));
    if (typeof t.value === 'string') for (const m of isValidLabelValue(t.value)) causes.push(fieldErrors.invalid(`${at}.value`, t.value, m));
    if (t.effect === undefined || t.effect === '') causes.push(fieldErrors.required(`${at}.effect`));
    else if (!effects.includes(String(t.effect))) causes.push(fieldErrors.notSupported(`${at}.effect`, t.effect, effects));
    const id = `${key}:${String(t.effect)}`;
    if (seen.has(id)) causes.push(fieldErrors.duplicate(at, `${key}=${String(t.value ?? '')}:${String(t.effect)}`));
    seen.add(id);
  });
  return causes;
}

/** The STATUS cell: Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned. */
function nodeStatus(o: KubeObject): string {
  const ready = arrayOf(field(o, 'status')?.conditions).find((c) => c.type === 'Ready');
  const state = ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  return field(o, 'spec')?.unschedulable === true ? `${state},SchedulingDisabled` : state;
}

function roles(o: KubeObject): string {
  const out = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/') || k === 'kubernetes.io/role')
    .map((k) => (k === 'kubernetes.io/role' ? (o.metadata.labels?.[k] ?? '') : k.slice('node-role.kubernetes.io/'.length)))
    .filter((r) => r !== '')
    .sort();
  return out.length === 0 ? '<none>' : out.join(',');
}

function address(o: KubeObject, type: string): string {
  const a = arrayOf(field(o, 'status')?.addresses).find((x) => x.type === type);
  return a === undefined ? '<none>' : String(a.address ?? '');
}

function info(o: KubeObject, f: string): string {
  const v = field(field(o, 'status'), 'nodeInfo')?.[f];
  return typeof v === 'string' && v !== '' ? v : '<unknown>';
}

/** nodes (v1, cluster-scoped): registered by kubelets (or by hand); status subresource; new nodes are tainted not-ready by admission. */
export const nodeStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', listKind: 'NodeList', namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  {
    validate: validateNode,
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validateStatusUpdate: (o) => {
      const causes: StatusCause[] = [];
      for (const m of ['capacity', 'allocatable']) {
        for (const [name, q] of Object.entries(field(field(o, 'status'), m) ?? {})) {
          if (quantityValue(q) < 0) causes.push(fieldErrors.invalid(`status.${m}.${name}`, q, 'must be greater than or equal to 0'));
        }
      }
      return causes;
    },
    fieldSelectorValue: (o, f) => (f === 'spec.unschedulable' ? String(field(o, 'spec')?.unschedulable === true) : undefined),
    table: {
      columns: [
        nameColumn,
        column('Status', 'Whether the node is ready.'),
        column('Roles', 'The roles of the node.'),
        ageColumn,
        column('Version', 'The kubelet version the node reports.'),
        column('Internal-IP', 'The node\'s internal address.', 1),
        column('External-IP', 'The node\'s external address.', 1),
        column('OS-Image', 'The operating system the node reports.', 1),
        column('Kernel-Version', 'The kernel version the node reports.', 1),
        column('Container-Runtime', 'The container runtime the node reports.', 1),
      ],
      cells: (o, now) => [
        o.metadata.name,
        nodeStatus(o),
        roles(o),
        age(o.metadata.creationTimestamp, now),
        String(field(field(o, 'status'), 'nodeInfo')?.kubeletVersion ?? ''),
        address(o, 'InternalIP'),
        address(o, 'ExternalIP'),
        info(o, 'osImage'),
        info(o, 'kernelVersion'),
        info(o, 'containerRuntimeVersion'),
      ],
    },
  },
);
