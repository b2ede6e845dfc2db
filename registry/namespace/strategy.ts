import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { PartialUpdate, Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { isStandardFinalizerName } from '../validation/object-meta.js';
import type { KubeObject } from '../generic/types.js';

/** Each of spec.finalizers a qualified name and, without a domain, a standard finalizer (both checked), on the path at's. */
function finalizerCauses(o: KubeObject, at: (i: number) => string): StatusCause[] {
  const causes: StatusCause[] = [];
  const finalizers = field(o, 'spec')?.finalizers;
  (Array.isArray(finalizers) ? finalizers : []).forEach((f, i) => {
    const name = String(f);
    for (const m of isQualifiedName(name)) causes.push(fieldErrors.invalid(at(i), name, m));
    if (!name.includes('/') && !isStandardFinalizerName(name)) causes.push(fieldErrors.invalid(at(i), name, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return causes;
}

/**
 * namespaces/finalize (the namespace controller clears its finalizer with it): a PUT of the
 * whole namespace but its status, checked only for its metadata change and finalizer names
 * (on their index), as kube-apiserver's finalize strategy does. (An empty list is left out
 * as every empty omitempty list is, by the schema's finish.)
 */
const finalizeUpdate: PartialUpdate = {
  validatesAlone: true,
  take: (obj, requested) => {
    const status = obj.status;
    for (const key of Object.keys(obj)) delete obj[key];
    Object.assign(obj, structuredClone(requested));
    if (status === undefined) delete obj.status;
    else obj.status = status;
  },
  validateUpdate: (o) => finalizerCauses(o, (i) => `spec.finalizers[${i}]`),
};

/** namespaces (v1, cluster-scoped): phase Active, finalizer kubernetes; DELETE marks Terminating and the namespace controller empties it. */
export const namespaceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
  {
    nameRule: 'dns1123Label',
    prepareForCreate: (o) => {
      // Every new namespace waits for the namespace controller before it goes (its finalizer
      // is added to those asked for).
      const spec = child(o, 'spec');
      const asked = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      spec.finalizers = asked.includes('kubernetes') ? asked : [...asked, 'kubernetes'];
      o.status = { phase: 'Active' };
      // A generated name gets its label here, after the field manager counted the request (kube-apiserver's Canonicalize).
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
    },
    applyDefaults: (o) => {
      const status = child(o, 'status');
      status.phase ??= 'Active';
      // Defaulting labels a namespace by its name when the request names it.
      if (o.metadata.name !== undefined && o.metadata.name !== '') o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
    },
    // An update keeps the spec, after the field manager counted the request's (kube-apiserver
    // resets it in its strategy, after its field manager).
    finishUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    // A create or update checks the finalizers on the list's path, as kube-apiserver's ValidateNamespace does.
    validate: (o) => finalizerCauses(o, () => 'spec.finalizers'),
    partialUpdates: { finalize: finalizeUpdate },
    isSpecChange: () => false,
    fieldSelectorValue: (o, f) => (f === 'status.phase' ? String((o.status as { phase?: string } | undefined)?.phase ?? '') : undefined),
    uidPreconditionWording: 'meta',
    beginGracefulDelete: (o) => {
      // A terminating namespace whose finalizers are all gone goes; a first delete always marks it.
      const finalizers = field(o, 'spec')?.finalizers;
      if (o.metadata.deletionTimestamp !== undefined && (!Array.isArray(finalizers) || finalizers.length === 0)) return false;
      child(o, 'status').phase = 'Terminating';
      return true;
    },
    table: {
      columns: [nameColumn, column('Status', 'Active, or Terminating once deletion began.'), ageColumn],
      cells: (o, now) => [o.metadata.name, (o.status as { phase?: string } | undefined)?.phase ?? '', age(o.metadata.creationTimestamp, now)],
    },
  },
);
