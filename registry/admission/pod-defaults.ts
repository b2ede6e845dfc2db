/**
 * The admission plugins that fill in pods and other objects on create, as
 * kube-apiserver's default plugins do: DefaultTolerationSeconds, Priority,
 * TaintNodesByCondition, StorageObjectInUseProtection, DefaultStorageClass,
 * DefaultIngressClass, LimitRanger (defaults only).
 */
import { errors } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import type { AdmissionPlugin, AdmissionRequest } from './admission.js';
import type { ObjectLookup } from './lookup.js';

/** Whether r writes an object of group/resource itself (not a subresource) by one of operations (a create by default). */
const isWrite = (r: AdmissionRequest, group: string, resource: string, operations: readonly string[] = ['CREATE']): r is AdmissionRequest & { object: KubeObject } =>
  operations.includes(r.operation) && r.subresource === undefined && r.resource.group === group && r.resource.resource === resource && r.object !== undefined;

/**
 * DefaultTolerationSeconds: pods tolerate not-ready and unreachable nodes for 300 s. As in
 * kube-apiserver it admits updates too, so an update that replaces the tolerations gets the
 * two back (and so only adds to them, which the pod update rule allows).
 */
export const defaultTolerationSeconds: AdmissionPlugin = {
  name: 'DefaultTolerationSeconds',
  admit: async (r) => {
    if (!isWrite(r, '', 'pods', ['CREATE', 'UPDATE'])) return;
    const spec = child(r.object, 'spec');
    const tolerations = arrayOf(spec.tolerations);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      const covered = tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
      if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    spec.tolerations = tolerations;
  },
};

/** Priority: a pod's priority comes from its PriorityClass (or the global default, or 0). */
export function priority(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'Priority',
    admit: async (r) => {
      if (!isWrite(r, '', 'pods')) return;
      const spec = child(r.object, 'spec');
      const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      let value = 0;
      let policy = 'PreemptLowerPriority';
      if (className !== '') {
        const pc = await lookup.get('scheduling.k8s.io', 'v1', 'priorityclasses', undefined, className);
        if (pc === undefined) throw errors.forbidden(r.resource, r.name, `no PriorityClass with name ${className} was found`);
        value = Number(pc.value ?? 0);
        policy = String(pc.preemptionPolicy ?? policy);
      } else {
        const global = (await lookup.list('scheduling.k8s.io', 'v1', 'priorityclasses', undefined)).find((pc) => pc.globalDefault === true);
        if (global !== undefined) {
          value = Number(global.value ?? 0);
          policy = String(global.preemptionPolicy ?? policy);
          spec.priorityClassName = global.metadata.name;
        }
      }
      if (spec.priority !== undefined && spec.priority !== value) {
        throw errors.forbidden(r.resource, r.name, `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
      }
      spec.priority = value;
      spec.preemptionPolicy ??= policy;
    },
  };
}

/** TaintNodesByCondition: a new node is not-ready (NoSchedule) until its kubelet says otherwise. */
export const taintNodesByCondition: AdmissionPlugin = {
  name: 'TaintNodesByCondition',
  admit: async (r) => {
    if (!isWrite(r, '', 'nodes')) return;
    const spec = child(r.object, 'spec');
    const taints = arrayOf(spec.taints);
    if (!taints.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoSchedule')) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
    spec.taints = taints;
  },
};

/** StorageObjectInUseProtection: volumes and claims keep a finalizer while in use. */
export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  admit: async (r) => {
    const finalizer = isWrite(r, '', 'persistentvolumes') ? 'kubernetes.io/pv-protection' : isWrite(r, '', 'persistentvolumeclaims') ? 'kubernetes.io/pvc-protection' : undefined;
    if (finalizer === undefined || r.object === undefined) return;
    const m = r.object.metadata;
    if (!(m.finalizers ?? []).includes(finalizer)) m.finalizers = [...(m.finalizers ?? []), finalizer];
  },
};

/** DefaultStorageClass: a claim without a class gets the default one, if there is one. */
export function defaultStorageClass(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    admit: async (r) => {
      if (!isWrite(r, '', 'persistentvolumeclaims')) return;
      const spec = child(r.object, 'spec');
      if (spec.storageClassName !== undefined || r.object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
      const defaults = (await lookup.list('storage.k8s.io', 'v1', 'storageclasses', undefined)).filter(
        (sc) => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' || sc.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true',
      );
      if (defaults.length === 0) return;
      defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
      spec.storageClassName = defaults[0]!.metadata.name;
    },
  };
}

/** DefaultIngressClass: an ingress without a class gets the default one, if there is one. */
export function defaultIngressClass(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'DefaultIngressClass',
    admit: async (r) => {
      if (!isWrite(r, 'networking.k8s.io', 'ingresses')) return;
      const spec = child(r.object, 'spec');
      if (spec.ingressClassName !== undefined || r.object.metadata.annotations?.['kubernetes.io/ingress.class'] !== undefined) return;
      const defaults = (await lookup.list('networking.k8s.io', 'v1', 'ingressclasses', undefined)).filter((c) => c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true');
      if (defaults.length === 1) spec.ingressClassName = defaults[0]!.metadata.name;
      if (defaults.length > 1) throw errors.forbidden(r.resource, r.name, `${defaults.length} default IngressClasses were found, only 1 allowed`);
    },
  };
}

/** LimitRanger (defaults): containers without requests or limits get the namespace's LimitRange defaults. */
export function limitRanger(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    admit: async (r) => {
      if (!isWrite(r, '', 'pods') || r.namespace === undefined) return;
      const ranges = await lookup.list('', 'v1', 'limitranges', r.namespace);
      const items = ranges.flatMap((lr) => arrayOf(field(lr, 'spec')?.limits)).filter((i) => i.type === 'Container');
      if (items.length === 0) return;
      const notes: string[] = [];
      const spec = child(r.object, 'spec');
      for (const [list, word] of [
        ['containers', 'container'],
        ['initContainers', 'init container'],
      ] as const) {
        for (const c of arrayOf(spec[list])) {
          const resources = child(c, 'resources');
          for (const item of items) {
            for (const [kind, source] of [
              ['requests', 'defaultRequest'],
              ['limits', 'default'],
            ] as const) {
              const defaults = field(item, source) ?? {};
              for (const [name, value] of Object.entries(defaults)) {
                const target = child(resources, kind);
                if (target[name] !== undefined) continue;
                target[name] = value;
                notes.push(`${name} ${kind === 'requests' ? 'request' : 'limit'} for ${word} ${String(c.name ?? '')}`);
              }
            }
          }
        }
      }
      if (notes.length > 0) {
        const m = r.object.metadata;
        m.annotations = { ...(m.annotations ?? {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
      }
    },
  };
}
