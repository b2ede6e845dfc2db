import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';

/** namespaces (v1, cluster-scoped): phase Active, finalizer kubernetes; DELETE marks Terminating and the namespace controller empties it. */
export const namespaceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', listKind: 'NamespaceList', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
  {
    nameRule: 'dns1123Label',
    prepareForCreate: (o) => {
      // Every new namespace waits for the namespace controller before it goes.
      child(o, 'spec').finalizers = ['kubernetes'];
      o.status = { phase: 'Active' };
    },
    applyDefaults: (o) => {
      const status = child(o, 'status');
      status.phase ??= 'Active';
      const labels = (o.metadata.labels ??= {});
      labels['kubernetes.io/metadata.name'] = o.metadata.name ?? '';
    },
    prepareForUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validate: (o) => {
      const causes: StatusCause[] = [];
      const finalizers = field(o, 'spec')?.finalizers;
      (Array.isArray(finalizers) ? finalizers : []).forEach((f, i) => {
        const name = String(f);
        const problems = isQualifiedName(name);
        for (const m of problems) causes.push(fieldErrors.invalid(`spec.finalizers[${i}]`, name, m));
        if (problems.length === 0 && !name.includes('/') && name !== 'kubernetes') causes.push(fieldErrors.invalid(`spec.finalizers[${i}]`, name, 'name is neither a standard finalizer name nor is it fully qualified'));
      });
      return causes;
    },
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
