import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy, VersionConversion } from '../generic/strategy.js';
import { column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import type { KubeObject } from '../generic/types.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { isDns1123Subdomain } from '../validation/names.js';
import { validateObjectMeta } from '../validation/object-meta.js';
import { quantityNumber } from '../../schemas/quantity.js';

/** ValidateCSIStorageCapacity's own checks: the node topology selector, the class name, a capacity not below zero. */
function capacityErrors(o: KubeObject): StatusCause[] {
  const causes = validateLabelSelector(field(o, 'nodeTopology'), 'nodeTopology');
  // An empty class name is an Invalid subdomain, as kube-apiserver checks it.
  const storageClass = typeof o.storageClassName === 'string' ? o.storageClassName : '';
  causes.push(...isDns1123Subdomain(storageClass).map((m) => fieldErrors.invalid('storageClassName', storageClass, m)));
  const q = o.capacity;
  if (quantityNumber(q) < 0) causes.push(fieldErrors.invalid('capacity', q, 'must be greater than or equal to 0'));
  return causes;
}

const info = (version: string, deprecationWarning?: string) =>
  resourceInfo({
    group: 'storage.k8s.io',
    version,
    resource: 'csistoragecapacities',
    singular: 'csistoragecapacity',
    kind: 'CSIStorageCapacity',
    listKind: 'CSIStorageCapacityList',
    namespaced: true,
    storageApiVersion: 'storage.k8s.io/v1',
    ...(deprecationWarning === undefined ? {} : { deprecationWarning }),
  });

const behaviour: Partial<Strategy> = {
  unconditionalUpdate: false,
  // kube-apiserver 1.26 runs its CSIStorageCapacity checks twice (so every cause, metadata's
  // too, comes twice) and never checks maximumVolumeSize.
  validate: (o) => {
    const own = capacityErrors(o);
    return [...own, ...validateObjectMeta(o, 'dns1123Subdomain', true, true), ...own];
  },
  table: {
    columns: [nameColumn, column('Created At', 'When the object was created.', 0, 'date')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
  },
};

/** csistoragecapacities (storage.k8s.io/v1): capacity a driver offers in a topology segment. */
export const csiStorageCapacityStrategy: Strategy = baseStrategy(info('v1'), behaviour);

/** The same fields at storage.k8s.io/v1beta1 (deprecated, still served by 1.26): only the apiVersion differs. */
const v1beta1Conversion: VersionConversion = {
  storageApiVersion: 'storage.k8s.io/v1',
  storageKind: 'CSIStorageCapacity',
  toStorage: (o) => ({ ...o, apiVersion: 'storage.k8s.io/v1' }),
  fromStorage: (o) => ({ ...o, apiVersion: 'storage.k8s.io/v1beta1' }),
};

export const csiStorageCapacityV1beta1Strategy: Strategy = baseStrategy(
  info('v1beta1', 'storage.k8s.io/v1beta1 CSIStorageCapacity is deprecated in v1.24+, unavailable in v1.27+; use storage.k8s.io/v1 CSIStorageCapacity'),
  { ...behaviour, conversion: v1beta1Conversion },
);
