import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { PartialUpdate, Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { keepInStep } from '../generic/plural-field.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defaultPod, defaultPodSpec, validatePodSpec, validatePodStatus } from './pod-spec.js';
import { podSpecWarnings } from './pod-warnings.js';

type Obj = Record<string, unknown>;

function podStatus(o: KubeObject): { phase?: string; podIP?: string; reason?: string; nominatedNodeName?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] } {
  return (o.status as ReturnType<typeof podStatus> | undefined) ?? {};
}

/** The pod's QoS class: Guaranteed (limits equal requests for cpu and memory everywhere), BestEffort (none at all), else Burstable. */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = field(c, 'resources');
    const requests = field(resources, 'requests') ?? {};
    const limits = field(resources, 'limits') ?? {};
    const relevant = (m: Obj) => Object.entries(m).filter(([k]) => k === 'cpu' || k === 'memory');
    if (relevant(requests).length > 0 || relevant(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The spec fields a pod update may change: images, activeDeadlineSeconds, tolerations (added), terminationGracePeriodSeconds. */
function mutableView(spec: Obj): Obj {
  const copy = structuredClone(spec);
  for (const c of [...arrayOf(copy.containers), ...arrayOf(copy.initContainers)]) delete c.image;
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  return copy;
}

/** ValidateContainerUpdates: the same number of containers (else only that is said), each with an image without spaces around it. */
function containerUpdateErrors(now: unknown, before: unknown, path: string): { causes: StatusCause[]; stop: boolean } {
  const list = arrayOf(now);
  if (list.length !== arrayOf(before).length) return { causes: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const causes: StatusCause[] = [];
  list.forEach((c, i) => {
    const image = typeof c.image === 'string' ? c.image : '';
    if (image === '') causes.push(fieldErrors.required(`${path}[${i}].image`));
    if (image.trim() !== image) causes.push(fieldErrors.invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { causes, stop: false };
}

function validatePodUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const a = field(o, 'spec') ?? {};
  const b = field(old, 'spec') ?? {};
  const causes: StatusCause[] = [];
  for (const list of ['containers', 'initContainers']) {
    const checked = containerUpdateErrors(a[list], b[list], `spec.${list}`);
    causes.push(...checked.causes);
    if (checked.stop) return causes;
  }
  if (isDeepStrictEqual(mutableView(a), mutableView(b))) return causes;
  return [
    ...causes,
    fieldErrors.forbidden(
      'spec',
      'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ),
  ];
}

/**
 * pods/ephemeralcontainers (kubectl debug): an update takes only spec.ephemeralContainers;
 * containers already there may be neither removed nor changed (matched by name, as a
 * patch may reorder them).
 */
const ephemeralContainersUpdate: PartialUpdate = {
  keepsManagedFields: true,
  take: (obj: KubeObject, requested: KubeObject): void => {
    const spec = child(obj, 'spec');
    const wanted = field(requested, 'spec')?.ephemeralContainers;
    if (wanted === undefined || wanted === null) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = structuredClone(wanted);
  },
  validateUpdate: (o: KubeObject, old: KubeObject): StatusCause[] => {
    const causes: StatusCause[] = [];
    const now = new Map(arrayOf(field(o, 'spec')?.ephemeralContainers).map((c) => [String(c.name ?? ''), c]));
    for (const before of arrayOf(field(old, 'spec')?.ephemeralContainers)) {
      const name = String(before.name ?? '');
      const after = now.get(name);
      // kube-apiserver's messages end with a newline (and, for a change, a Go diff Kite does not print).
      if (after === undefined) causes.push(fieldErrors.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
      else if (!isDeepStrictEqual(after, before)) causes.push(fieldErrors.forbidden(`spec.ephemeralContainers[${name}]`, `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n`));
    }
    return causes;
  },
};

/** pods (v1): phase Pending and a QoS class on create; a graceful deletion while on a node; NAME READY STATUS RESTARTS AGE (wide: IP NODE). */
export const podStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding', 'ephemeralcontainers', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'] }),
  {
    returnDeletedObject: true,
    prepareForCreate: (o) => {
      o.status = { phase: 'Pending', qosClass: qosClass(child(o, 'spec')) };
    },
    applyDefaults: (o) => {
      const spec = child(o, 'spec');
      defaultPodSpec(spec);
      defaultPod(spec);
      keepInStep(o.status, 'podIP', 'podIPs', { entry: (ip) => ({ ip }), read: (e) => (e !== null && typeof e === 'object' ? (e as { ip?: unknown }).ip : undefined) });
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    // kube-apiserver's Warnings for a pod spec that is valid but probably not meant (on create; an update of a pod warns of nothing).
    warnings: (o, old) => (old === undefined ? podSpecWarnings(field(o, 'spec'), 'spec') : []),
    validate: (o) => validatePodSpec(field(o, 'spec') ?? {}, 'spec'),
    validateStatusUpdate: (o) => validatePodStatus(field(o, 'status')),
    validateUpdate: validatePodUpdate,
    validateCreate: (o) => (arrayOf(field(o, 'spec')?.ephemeralContainers).length > 0 ? [fieldErrors.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : []),
    partialUpdates: { ephemeralcontainers: ephemeralContainersUpdate },
    gracePeriodSeconds: (o, requested) => {
      const spec = field(o, 'spec') ?? {};
      const phase = podStatus(o).phase;
      // Not on a node yet, or finished: nothing waits, it goes now.
      if (spec.nodeName === undefined || spec.nodeName === '' || phase === 'Succeeded' || phase === 'Failed') return 0;
      const grace = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
      return Math.max(0, grace);
    },
    fieldSelectorValue: (o, f) => {
      const spec = (o.spec as Record<string, unknown> | undefined) ?? {};
      switch (f) {
        case 'status.phase':
          return podStatus(o).phase ?? '';
        case 'spec.nodeName':
          return String(spec.nodeName ?? '');
        case 'spec.restartPolicy':
          return String(spec.restartPolicy ?? '');
        case 'spec.schedulerName':
          return String(spec.schedulerName ?? '');
        case 'spec.serviceAccountName':
          return String(spec.serviceAccountName ?? '');
        case 'status.podIP':
          return podStatus(o).podIP ?? '';
        case 'status.nominatedNodeName':
          return podStatus(o).nominatedNodeName ?? '';
        default:
          return undefined;
      }
    },
    table: {
      columns: [
        nameColumn,
        column('Ready', 'Ready containers out of all containers.'),
        column('Status', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'The number of times the containers in this pod have been restarted.', 0, 'string'),
        ageColumn,
        column('IP', 'IP address allocated to the pod.', 1),
        column('Node', 'Name of the node the pod is assigned to.', 1),
        column('Nominated Node', 'Node the scheduler nominated for the pod.', 1),
        column('Readiness Gates', 'Readiness gates met out of those declared.', 1),
      ],
      cells: (o, now) => {
        const st = podStatus(o);
        const spec = field(o, 'spec') ?? {};
        const total = arrayOf(spec.containers).length;
        const cs = st.containerStatuses ?? [];
        const ready = cs.filter((c) => c.ready === true).length;
        const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
        const status = o.metadata.deletionTimestamp !== undefined ? 'Terminating' : (st.reason ?? st.phase ?? '');
        const gates = arrayOf(spec.readinessGates);
        return [
          o.metadata.name,
          `${ready}/${total}`,
          status,
          String(restarts),
          age(o.metadata.creationTimestamp, now),
          st.podIP ?? '<none>',
          typeof spec.nodeName === 'string' && spec.nodeName !== '' ? spec.nodeName : '<none>',
          st.nominatedNodeName ?? '<none>',
          gates.length === 0 ? '<none>' : `0/${gates.length}`,
        ];
      },
    },
  },
);
