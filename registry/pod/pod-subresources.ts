/**
 * The pod subresources with logic of their own: binding (the scheduler's
 * assignment of a pod to a node) and eviction (a delete that disruption budgets
 * may refuse). Those another server answers are in pod-connect.ts.
 */
import { ApiError, errors } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import type { GenericStore } from '../generic/generic-store.js';
import { rfc3339 } from '../generic/generic-store.js';
import type { DeleteOptions, SubresourceHandler, WriteOptions } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import { selectorMatches } from '../validation/label-selector.js';

/** The Status a successful binding or eviction answers with. */
export const created = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * Binds pod name to the node a Binding names: sets spec.nodeName once (a
 * second binding is a Conflict), copies the binding's annotations, and marks
 * the pod PodScheduled.
 */
export async function bindPod(pods: GenericStore, namespace: string | undefined, name: string, body: unknown, options: WriteOptions, now: () => Date): Promise<{ code: number; body: unknown }> {
  const binding = asObject(body);
  const meta = asObject(binding.metadata);
  const target = asObject(binding.target);
  const bindingRef = { resource: 'pods/binding', group: '' };
  if (typeof meta.name === 'string' && meta.name !== '' && meta.name !== name) throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  const node = typeof target.name === 'string' ? target.name : '';
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') {
    throw errors.invalid({ resource: 'bindings', group: '' }, 'Binding', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: ${JSON.stringify(target.kind)}: supported values: "Node", ""` }]);
  }
  if (node === '') throw errors.invalid({ resource: 'bindings', group: '' }, 'Binding', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  await pods.guaranteedUpdate(
    namespace,
    name,
    (pod) => {
      if (typeof meta.uid === 'string' && meta.uid !== '' && meta.uid !== pod.metadata.uid) {
        throw errors.conflict(bindingRef, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
      }
      if (pod.metadata.deletionTimestamp !== undefined) throw errors.conflict(bindingRef, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = child(pod, 'spec');
      if (typeof spec.nodeName === 'string' && spec.nodeName !== '') throw errors.conflict(bindingRef, name, `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
      spec.nodeName = node;
      const annotations = asObject(meta.annotations);
      if (Object.keys(annotations).length > 0) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...(annotations as Record<string, string>) };
      const status = child(pod, 'status');
      const conditions = arrayOf(status.conditions).filter((c) => c.type !== 'PodScheduled');
      conditions.unshift({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now()) });
      status.conditions = conditions;
      return pod;
    },
    options,
  );
  return { code: 201, body: created };
}

/** Whether a pod can be evicted without asking its disruption budget (it is not running, or already going). */
function ignoresBudget(pod: KubeObject): boolean {
  const phase = field(pod, 'status')?.phase;
  return pod.metadata.deletionTimestamp !== undefined || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

/**
 * Evicts a pod: deletes it if its PodDisruptionBudget (at most one may
 * select it) allows one more disruption, recording the disruption in the
 * budget's status; else 429 as Kubernetes words it.
 */
export async function evictPod(pods: GenericStore, budgets: GenericStore, namespace: string | undefined, name: string, body: unknown, options: WriteOptions, now: () => Date): Promise<{ code: number; body: unknown }> {
  const eviction = asObject(body);
  if (asObject(eviction.metadata).name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const deleteOptions = asObject(eviction.deleteOptions);
  const pod = await pods.get(namespace, name);
  const toDelete: DeleteOptions = {
    ...options,
    ...(typeof deleteOptions.gracePeriodSeconds === 'number' ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds } : {}),
    ...(deleteOptions.preconditions !== undefined ? { preconditions: deleteOptions.preconditions as DeleteOptions['preconditions'] } : {}),
    ...(typeof deleteOptions.propagationPolicy === 'string' ? { propagationPolicy: deleteOptions.propagationPolicy as DeleteOptions['propagationPolicy'] } : {}),
    dryRun: options.dryRun === true || (Array.isArray(deleteOptions.dryRun) && deleteOptions.dryRun.includes('All')),
  };
  if (!ignoresBudget(pod)) {
    const matching = (await budgets.list(namespace)).items.filter((pdb) => selectorMatches(field(field(pdb, 'spec'), 'selector'), pod.metadata.labels));
    if (matching.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = matching[0];
    if (pdb !== undefined) {
      const refuse = (message: string): ApiError =>
        errors.tooManyRequests('Cannot evict pod as it would violate the pod\'s disruption budget.', [{ reason: 'DisruptionBudget', message }]);
      const status = field(pdb, 'status') ?? {};
      if (Number(status.observedGeneration ?? 0) < Number(pdb.metadata.generation ?? 0)) throw refuse(`The disruption budget ${pdb.metadata.name ?? ''} is still being processed by the server.`);
      if (Number(status.disruptionsAllowed ?? 0) <= 0) {
        throw refuse(`The disruption budget ${pdb.metadata.name ?? ''} needs ${String(status.desiredHealthy ?? 0)} healthy pods and has ${String(status.currentHealthy ?? 0)} currently`);
      }
      if (!toDelete.dryRun) {
        await budgets.guaranteedUpdate(namespace, pdb.metadata.name!, (current) => {
          const st = child(current, 'status');
          const allowed = Number(st.disruptionsAllowed ?? 0);
          if (allowed <= 0) throw refuse(`The disruption budget ${current.metadata.name ?? ''} needs ${String(st.desiredHealthy ?? 0)} healthy pods and has ${String(st.currentHealthy ?? 0)} currently`);
          st.disruptionsAllowed = allowed - 1;
          st.disruptedPods = { ...(field(st, 'disruptedPods') ?? {}), [name]: rfc3339(now()) };
          return current;
        });
      }
    }
  }
  await pods.delete(namespace, name, toDelete);
  return { code: 201, body: created };
}

/** The subresource handlers of pods. */
export function podSubresources(pods: () => GenericStore, budgets: () => GenericStore, now: () => Date): Record<string, SubresourceHandler> {
  return {
    binding: { create: (ns, name, body, options) => bindPod(pods(), ns, name, body, options, now) },
    eviction: { create: (ns, name, body, options) => evictPod(pods(), budgets(), ns, name, body, options, now) },
  };
}
