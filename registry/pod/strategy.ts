import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, resourceInfo } from '../generic/base-strategy.js';
import { nameErrors } from '../generic/name-validation.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';

/** Kubernetes' image pull policy default: Always for :latest or no tag, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const lastPart = image.split('@')[0]!.split('/').pop() ?? '';
  const colon = lastPart.indexOf(':');
  const tag = colon < 0 ? '' : lastPart.slice(colon + 1);
  return image.includes('@') ? 'IfNotPresent' : tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Defaults of a pod spec (also used for a deployment's pod template). */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    if (typeof c.image === 'string') c.imagePullPolicy ??= defaultPullPolicy(c.image);
    c.resources ??= {};
    for (const p of arrayOf(c.ports)) p.protocol ??= 'TCP';
  }
}

/** Field errors of a pod spec at path. */
export function validatePodSpec(spec: Record<string, unknown>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = arrayOf(spec.containers);
  if (containers.length === 0) causes.push({ reason: 'FieldValueRequired', field: `${path}.containers`, message: 'Required value' });
  const seen = new Set<string>();
  for (const [list, cs] of [['containers', containers], ['initContainers', arrayOf(spec.initContainers)]] as const) {
    cs.forEach((c, i) => {
      const at = `${path}.${list}[${i}]`;
      if (typeof c.name !== 'string' || c.name === '') causes.push({ reason: 'FieldValueRequired', field: `${at}.name`, message: 'Required value' });
      else {
        for (const m of nameErrors('dns1123Label', c.name)) causes.push({ reason: 'FieldValueInvalid', field: `${at}.name`, message: `Invalid value: ${JSON.stringify(c.name)}: ${m}` });
        if (seen.has(c.name)) causes.push({ reason: 'FieldValueDuplicate', field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
        seen.add(c.name);
      }
      if (typeof c.image !== 'string' || c.image.trim() === '') causes.push({ reason: 'FieldValueRequired', field: `${at}.image`, message: 'Required value' });
    });
  }
  return causes;
}

function podStatus(o: KubeObject): { phase?: string; podIP?: string; reason?: string; containerStatuses?: { ready?: boolean; restartCount?: number }[] } {
  return (o.status as ReturnType<typeof podStatus> | undefined) ?? {};
}

/** pods (v1): phase Pending on create; NAME READY STATUS RESTARTS AGE (wide: IP NODE). */
export const podStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status'] }),
  {
    prepareForCreate: (o) => {
      o.status = { phase: 'Pending', qosClass: 'BestEffort' };
    },
    applyDefaults: (o) => {
      defaultPodSpec(child(o, 'spec'));
      const sa = child(o, 'spec');
      sa.serviceAccountName ??= 'default';
      sa.serviceAccount ??= sa.serviceAccountName;
    },
    validate: (o) => validatePodSpec(child(structuredClone(o), 'spec'), 'spec'),
    fieldSelectorValue: (o, f) => {
      const spec = (o.spec as Record<string, unknown> | undefined) ?? {};
      switch (f) {
        case 'status.phase':
          return podStatus(o).phase ?? '';
        case 'spec.nodeName':
          return String(spec.nodeName ?? '');
        case 'spec.restartPolicy':
          return String(spec.restartPolicy ?? '');
        case 'spec.serviceAccountName':
          return String(spec.serviceAccountName ?? '');
        case 'status.podIP':
          return podStatus(o).podIP ?? '';
        default:
          return undefined;
      }
    },
    table: {
      columns: [
        nameColumn,
        column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
        column('Status', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'The number of times the containers in this pod have been restarted.', 0, 'string'),
        ageColumn,
        column('IP', 'IP address allocated to the pod.', 1),
        column('Node', 'Name of the node the pod is assigned to.', 1),
      ],
      cells: (o, now) => {
        const st = podStatus(o);
        const total = arrayOf((o.spec as Record<string, unknown> | undefined)?.containers).length;
        const cs = st.containerStatuses ?? [];
        const ready = cs.filter((c) => c.ready === true).length;
        const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
        const status = o.metadata.deletionTimestamp !== undefined ? 'Terminating' : (st.reason ?? st.phase ?? '');
        const node = (o.spec as { nodeName?: string } | undefined)?.nodeName;
        return [o.metadata.name, `${ready}/${total}`, status, String(restarts), age(o.metadata.creationTimestamp, now), st.podIP ?? '<none>', node ?? '<none>'];
      },
    },
  },
);
