import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';

/** csistoragecapacities (storage.k8s.io/v1): capacity a driver offers in a topology segment. */
export const csiStorageCapacityStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'csistoragecapacities', singular: 'csistoragecapacity', kind: 'CSIStorageCapacity', listKind: 'CSIStorageCapacityList', namespaced: true }),
  {
    unconditionalUpdate: false,
    validate: (o) => (typeof o.storageClassName === 'string' && o.storageClassName !== '' ? [] : [fieldErrors.required('storageClassName')]),
    table: {
      columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
      cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
    },
  },
);
