import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { hasCelRules, loadCelEngine } from '../../schemas/cel-engine.js';
import { setCondition } from './conditions.js';
import { validateCrd, validateCrdUpdate } from './validation.js';

/** The finalizer kube-apiserver puts on a CRD being deleted until its custom resources are gone. */
export const cleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

/** Adds the storage version to status.storedVersions when it is not there yet. */
function recordStorageVersion(crd: KubeObject): void {
  // The first version marked storage, as kube-apiserver records it (validation refuses more than one).
  const storage = crdVersions(crd).find((v) => v.storage === true)?.name;
  if (typeof storage !== 'string') return;
  const status = child(crd, 'status');
  const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
  if (!stored.includes(storage)) status.storedVersions = [...stored, storage];
}

/**
 * customresourcedefinitions (apiextensions.k8s.io/v1): cluster-scoped, with a
 * status subresource the CRD controllers write (accepted names, conditions).
 * A DELETE marks the CRD Terminating with the cleanup finalizer; the
 * controller deletes its custom resources, then removes the finalizer.
 */
export const customResourceDefinitionStrategy: Strategy = baseStrategy(
  resourceInfo({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
    storagePrefix: '/registry/apiextensions.k8s.io/customresourcedefinitions/',
  }),
  {
    generation: true,
    applyDefaults: (crd) => {
      const spec = child(crd, 'spec');
      const names = child(spec, 'names');
      if (typeof names.kind === 'string' && names.kind !== '') {
        if (names.singular === undefined || names.singular === '') names.singular = names.kind.toLowerCase();
        if (names.listKind === undefined || names.listKind === '') names.listKind = `${names.kind}List`;
      }
      const conversion = child(spec, 'conversion');
      if (conversion.strategy === undefined || conversion.strategy === '') conversion.strategy = 'None';
    },
    prepareForCreate: (crd) => {
      crd.status = { acceptedNames: { plural: '', kind: '' } };
      recordStorageVersion(crd);
    },
    prepareForUpdate: (crd) => recordStorageVersion(crd),
    loadValidation: async (crd) => {
      if (hasCelRules(crd.spec)) await loadCelEngine();
    },
    validate: (crd) => validateCrd(crd),
    validateUpdate: (crd, old) => validateCrdUpdate(crd, old),
    validateStatusUpdate: (): StatusCause[] => [],
    beginGracefulDelete: (crd) => {
      const m = crd.metadata;
      if (m.deletionTimestamp !== undefined) return (m.finalizers ?? []).includes(cleanupFinalizer);
      if (!(m.finalizers ?? []).includes(cleanupFinalizer)) m.finalizers = [...(m.finalizers ?? []), cleanupFinalizer];
      setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' });
      return true;
    },
    table: {
      columns: [nameColumn, column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', 0, 'date')],
      cells: (crd) => [crd.metadata.name ?? '', crd.metadata.creationTimestamp ?? null],
    },
  },
);

/** The versions of a CRD, as records. */
export function crdVersions(crd: KubeObject): Record<string, unknown>[] {
  return arrayOf(field(crd, 'spec')?.versions);
}
