import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Subdomain } from '../validation/names.js';
import { quantityNumber } from '../../schemas/quantity.js';

/** csistoragecapacities (storage.k8s.io/v1): capacity a driver offers in a topology segment. */
export const csiStorageCapacityStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'csistoragecapacities', singular: 'csistoragecapacity', kind: 'CSIStorageCapacity', listKind: 'CSIStorageCapacityList', namespaced: true }),
  {
    unconditionalUpdate: false,
    validate: (o) => {
      // An empty class name is an Invalid subdomain, as kube-apiserver checks it.
      const storageClass = typeof o.storageClassName === 'string' ? o.storageClassName : '';
      const causes: StatusCause[] = isDns1123Subdomain(storageClass).map((m) => fieldErrors.invalid('storageClassName', storageClass, m));
      for (const f of ['capacity', 'maximumVolumeSize']) {
        const q = o[f];
        if ((typeof q === 'string' || typeof q === 'number') && quantityNumber(q) < 0) causes.push(fieldErrors.invalid(f, q, 'must be greater than or equal to 0'));
      }
      return causes;
    },
    table: {
      columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
      cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
    },
  },
);
