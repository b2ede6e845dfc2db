/**
 * Field ownership through the scale subresource. A Scale is a view of its parent's
 * replica count, so what managers own of it is translated both ways, as
 * kube-apiserver's scale handler does: the parent's entries that own the replicas
 * field are shown to the Scale as owning .spec.replicas at autoscaling/v1; after a
 * write to the Scale, the parent keeps its entries, minus the replicas field for
 * those that no longer own it there, and gains an entry for each new owner
 * (at the parent's apiVersion, with no time).
 */
import { difference, FieldSet } from './field-set.js';
import type { Managed } from './managed-fields.js';

/** The Scale's API version, which the translated entries are shown at. */
export const scaleApiVersion = 'autoscaling/v1';

const scaleReplicas = ['f:spec', 'f:replicas'];

function only(path: readonly string[]): FieldSet {
  const s = new FieldSet();
  s.insert(path);
  return s;
}

/** The parent's entries as the Scale sees them; replicasPath is the parent's field (FieldsV1 elements, e.g. f:spec, f:replicas). */
export function toScaleManaged(parent: Managed, replicasPath: readonly string[]): Managed {
  const out: Managed = new Map();
  for (const [id, e] of parent) {
    if (e.fields.has(replicasPath)) out.set(id, { ...e, apiVersion: scaleApiVersion, fields: only(scaleReplicas) });
  }
  return out;
}

/** The parent's entries after a write to its Scale left scale as the Scale's entries. */
export function toParentManaged(parent: Managed, scale: Managed, replicasPath: readonly string[], parentVersion: string): Managed {
  const out: Managed = new Map();
  const fromScale = new Map(scale);
  for (const [id, e] of parent) {
    if (!e.fields.has(replicasPath)) {
      out.set(id, e);
      continue;
    }
    if (fromScale.delete(id)) {
      out.set(id, e);
      continue;
    }
    const rest = difference(e.fields, only(replicasPath));
    if (!rest.isEmpty()) out.set(id, { ...e, fields: rest });
  }
  for (const [id, e] of fromScale) {
    if (e.fields.has(scaleReplicas)) out.set(id, { ...e, apiVersion: parentVersion, time: parent.get(id)?.time, fields: only(replicasPath) });
  }
  return out;
}
