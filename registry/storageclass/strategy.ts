import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';

/** The annotation that marks the default storage class. */
export const defaultStorageClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
const reclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];

/** storageclasses (storage.k8s.io/v1, cluster-scoped): how volumes are provisioned. */
export const storageClassStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', singular: 'storageclass', kind: 'StorageClass', listKind: 'StorageClassList', namespaced: false, shortNames: ['sc'] }),
  {
    returnDeletedObject: true,
    applyDefaults: (o) => {
      o.reclaimPolicy ??= 'Delete';
      o.volumeBindingMode ??= 'Immediate';
    },
    validate: (o) => {
      const causes: StatusCause[] = [];
      const provisioner = typeof o.provisioner === 'string' ? o.provisioner : '';
      if (provisioner === '') causes.push(fieldErrors.required('provisioner'));
      else for (const m of isQualifiedName(provisioner.toLowerCase())) causes.push(fieldErrors.invalid('provisioner', provisioner, m));
      if (!reclaimPolicies.includes(String(o.reclaimPolicy))) causes.push(fieldErrors.notSupported('reclaimPolicy', o.reclaimPolicy ?? '', reclaimPolicies));
      if (!bindingModes.includes(String(o.volumeBindingMode))) causes.push(fieldErrors.notSupported('volumeBindingMode', o.volumeBindingMode ?? '', bindingModes));
      return causes;
    },
    validateUpdate: (o, old) => {
      const causes: StatusCause[] = [];
      if (!isDeepStrictEqual(o.parameters, old.parameters)) causes.push(fieldErrors.forbidden('parameters', 'updates to parameters are forbidden.'));
      if (o.provisioner !== old.provisioner) causes.push(fieldErrors.forbidden('provisioner', 'updates to provisioner are forbidden.'));
      if (o.reclaimPolicy !== old.reclaimPolicy) causes.push(fieldErrors.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
      if (o.volumeBindingMode !== old.volumeBindingMode) causes.push(fieldErrors.forbidden('volumeBindingMode', 'field is immutable'));
      return causes;
    },
    table: {
      columns: [
        nameColumn,
        column('Provisioner', 'Who provisions volumes of this class.'),
        column('ReclaimPolicy', 'What happens to released volumes.'),
        column('VolumeBindingMode', 'When claims are bound.'),
        column('AllowVolumeExpansion', 'Whether volumes may grow.'),
        ageColumn,
      ],
      cells: (o, now) => {
        const isDefault = o.metadata.annotations?.[defaultStorageClassAnnotation] === 'true' || o.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
        return [`${o.metadata.name ?? ''}${isDefault ? ' (default)' : ''}`, String(o.provisioner ?? ''), String(o.reclaimPolicy ?? 'Delete'), String(o.volumeBindingMode ?? 'Immediate'), o.allowVolumeExpansion === true, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
