import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { accessModesCell, positiveQuantityErrors, storageClassOf, validateAccessModes } from '../persistentvolume/strategy.js';
import { fieldErrors } from '../validation/field-errors.js';
import { compareQuantities, parseQuantity, type Quantity } from '../../schemas/quantity.js';

function validatePvc(o: KubeObject): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(fieldErrors.required('spec.accessModes', 'at least 1 access mode is required'));
  causes.push(...validateAccessModes(modes, 'spec.accessModes'));
  const storage = field(field(s, 'resources'), 'requests')?.storage;
  if (storage === undefined) causes.push(fieldErrors.required('spec.resources[storage]', ''));
  else causes.push(...positiveQuantityErrors(storage, 'spec.resources[storage]'));
  return causes;
}

const storageRequest = (o: KubeObject): unknown => field(field(field(o, 'spec'), 'resources'), 'requests')?.storage;

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed but for a volume name set once and,
 * on a bound claim, the storage request, which may grow and not shrink; volumeMode is also
 * reported on its own (at "volumeMode", as kube-apiserver does). kube-apiserver's message also
 * carries a Go diff of the two specs, which Kite does not print.
 */
function validatePvcUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const spec = structuredClone(field(o, 'spec') ?? {});
  const oldSpec = structuredClone(field(old, 'spec') ?? {});
  if (oldSpec.volumeName === undefined || oldSpec.volumeName === '') {
    if (spec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = spec.volumeName;
  }
  const requests = field(field(spec, 'resources'), 'requests');
  if (field(o, 'status')?.phase === 'Bound' && requests !== undefined) {
    const before = storageRequest(old);
    if (before === undefined) delete requests.storage;
    else requests.storage = before;
  }
  const causes: StatusCause[] = [];
  if (!isDeepStrictEqual(spec, oldSpec)) causes.push(fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims'));
  const size = (x: unknown): Quantity => parseQuantity(x) ?? { mantissa: 0n, exponent: 0, format: 'DecimalSI' };
  if (compareQuantities(size(storageRequest(o)), size(storageRequest(old))) < 0) causes.push(fieldErrors.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  const mode = field(o, 'spec')?.volumeMode;
  if (mode !== field(old, 'spec')?.volumeMode) causes.push(fieldErrors.immutable('volumeMode', mode ?? null));
  return causes;
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
    validateUpdate: validatePvcUpdate,
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
