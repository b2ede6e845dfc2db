import type { StatusCause } from '../generic/api-error.js';
import { quantityValue } from '../pod/pod-spec.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';

/** csistoragecapacities (storage.k8s.io/v1): capacity a driver offers in a topology segment. */
export const csiStorageCapacityStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'csistoragecapacities', singular: 'csistoragecapacity', kind: 'CSIStorageCapacity', listKind: 'CSIStorageCapacityList', namespaced: true }),
  {
    unconditionalUpdate: false,
    validate: (o) => {
      const causes: StatusCause[] = typeof o.storageClassName === 'string' && o.storageClassName !== '' ? [] : [fieldErrors.required('storageClassName')];
      for (const f of ['capacity', 'maximumVolumeSize']) {
        const q = o[f];
        if ((typeof q === 'string' || typeof q === 'number') && quantityValue(q) < 0) causes.push(fieldErrors.invalid(f, q, 'must be greater than or equal to 0'));
      }
      return causes;
    },
    table: {
      columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
      cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
    },
  },
);
