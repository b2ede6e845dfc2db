import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { keepInStep } from '../generic/plural-field.js';
import { goStringSlice } from '../validation/go-values.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';
import { isIP } from 'node:net';
import { goQuote } from '../../schemas/go-url.js';
import { quantityNumber } from '../../schemas/quantity.js';

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A list field's entries (none when it is not a list). */
const strings = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Whether s is a CIDR as Go's ParseCIDR (sloppy) reads one: an address, a slash and a prefix length its family allows. */
function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (m === null) return false;
  const family = isIP(m[1]!.replace(/(^|\.)0+(\d)/g, '$1$2'));
  return family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128);
}

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Go's GoString of a time kube-apiserver decoded (in its local zone, taken to be UTC). */
function goTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '<nil>';
  return `time.Date(${d.getUTCFullYear()}, time.${months[d.getUTCMonth()]!}, ${d.getUTCDate()}, ${d.getUTCHours()}, ${d.getUTCMinutes()}, ${d.getUTCSeconds()}, 0, time.Local)`;
}

/** Go's %#v of a taint, as kube-apiserver prints a duplicate one (an unset TimeAdded prints <nil>). */
function goTaint(t: Record<string, unknown>): string {
  const added = typeof t.timeAdded === 'string' ? goTime(t.timeAdded) : '<nil>';
  return `core.Taint{Key:${goQuote(String(t.key ?? ''))}, Value:${goQuote(String(t.value ?? ''))}, Effect:${goQuote(String(t.effect ?? ''))}, TimeAdded:${added}}`;
}

function validateNode(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const cidrs = strings(field(o, 'spec')?.podCIDRs);
  cidrs.forEach((c, i) => {
    // kube-apiserver prints the whole list as the invalid value.
    if (!isCidr(String(c))) causes.push(fieldErrors.invalidPrinted(`spec.podCIDRs[${i}]`, goStringSlice(cidrs), 'must be valid CIDR'));
  });
  const taints = arrayOf(field(o, 'spec')?.taints);
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    // kube-apiserver validates taints under the path metadata.taints.
    const at = `metadata.taints[${i}]`;
    const key = String(t.key ?? '');
    if (key === '') causes.push(fieldErrors.required(`${at}.key`));
    else for (const m of isQualifiedName(key)) causes.push(fieldErrors.invalid(`${at}.key`, key, m));
    if (typeof t.value === 'string') for (const m of isValidLabelValue(t.value)) causes.push(fieldErrors.invalid(`${at}.value`, t.value, m));
    if (t.effect === undefined || t.effect === '') causes.push(fieldErrors.required(`${at}.effect`));
    else if (!effects.includes(String(t.effect))) causes.push(fieldErrors.notSupported(`${at}.effect`, t.effect, effects));
    const id = `${key}:${String(t.effect)}`;
    if (seen.has(id)) causes.push({ reason: 'FieldValueDuplicate', field: at, message: `Duplicate value: ${goTaint(t)}: taints must be unique by key and effect pair` });
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
  resourceInfo({ group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', listKind: 'NodeList', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'] }),
  {
    applyDefaults: (o) => keepInStep(o.spec, 'podCIDR', 'podCIDRs'),
    validate: validateNode,
    validateUpdate: (o, old) => {
      const causes: StatusCause[] = [];
      const before = strings(field(old, 'spec')?.podCIDRs);
      const after = strings(field(o, 'spec')?.podCIDRs);
      // A node's pod CIDRs and provider ID may be set once, from nothing.
      if (before.length > 0 && (before.length !== after.length || before.some((c, i) => c !== after[i]))) {
        causes.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
      }
      const provider = field(old, 'spec')?.providerID;
      if (typeof provider === 'string' && provider !== '' && provider !== field(o, 'spec')?.providerID) {
        causes.push(fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
      }
      return causes;
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validateStatusUpdate: (o) => {
      const causes: StatusCause[] = [];
      for (const m of ['capacity', 'allocatable']) {
        for (const [name, q] of Object.entries(field(field(o, 'status'), m) ?? {})) {
          if (quantityNumber(q) < 0) causes.push(fieldErrors.invalid(`status.${m}.${name}`, q, 'must be greater than or equal to 0'));
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
