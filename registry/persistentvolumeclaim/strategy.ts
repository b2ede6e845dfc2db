import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { accessModesCell, storageClassOf, validateAccessModes } from '../persistentvolume/strategy.js';
import { fieldErrors } from '../validation/field-errors.js';
import { quantityNumber } from '../../schemas/quantity.js';

function validatePvc(o: KubeObject): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(fieldErrors.required('spec.accessModes', 'at least 1 access mode is required'));
  else causes.push(...validateAccessModes(modes, 'spec.accessModes'));
  const requests = field(field(s, 'resources'), 'requests');
  const storage = requests?.storage;
  if (storage === undefined) causes.push(fieldErrors.required('spec.resources[storage]', ''));
  else if ((typeof storage === 'string' || typeof storage === 'number') && quantityNumber(storage) <= 0) causes.push(fieldErrors.invalid('spec.resources[storage]', storage, 'must be greater than zero'));
  return causes;
}

/** The spec without what an update may change (the storage request, for expansion; a volume name once bound). */
function fixedSpec(o: KubeObject): Record<string, unknown> {
  const s = structuredClone(field(o, 'spec') ?? {});
  delete s.resources;
  delete s.volumeName;
  return s;
}

/** persistentvolumeclaims (v1): a request for storage; phase Pending on create; spec immutable but for the storage request. */
export const persistentVolumeClaimStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', listKind: 'PersistentVolumeClaimList', namespaced: true, shortNames: ['pvc'], subresources: ['status'] }),
  {
    prepareForCreate: (o) => {
      o.status = { phase: 'Pending' };
    },
    applyDefaults: (o) => {
      child(o, 'spec').volumeMode ??= 'Filesystem';
    },
    validate: validatePvc,
    validateUpdate: (o, old) =>
      isDeepStrictEqual(fixedSpec(o), fixedSpec(old)) ? [] : [fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims')],
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    table: {
      columns: [
        nameColumn,
        column('Status', 'Whether the claim is bound.'),
        column('Volume', 'The volume bound to the claim.'),
        column('Capacity', 'The capacity of the bound volume.'),
        column('Access Modes', 'How the bound volume can be mounted.'),
        column('StorageClass', 'The storage class of the claim.'),
        ageColumn,
        column('VolumeMode', 'Filesystem or Block.', 1),
      ],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        const st = field(o, 'status') ?? {};
        return [
          o.metadata.name,
          String(st.phase ?? ''),
          String(s.volumeName ?? ''),
          String(field(st, 'capacity')?.storage ?? ''),
          accessModesCell(st.accessModes),
          storageClassOf(o),
          age(o.metadata.creationTimestamp, now),
          String(s.volumeMode ?? '<unset>'),
        ];
      },
    },
  },
);
