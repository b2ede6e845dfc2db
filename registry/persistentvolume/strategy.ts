import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { isDeepStrictEqual } from 'node:util';
import { fieldErrors } from '../validation/field-errors.js';
import { goQuantity } from '../validation/go-values.js';
import { isJsonObject } from '../../schemas/json.js';
import { parseQuantity, quantityText, roundUpToMilli } from '../../schemas/quantity.js';

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const volumeModes = ['Block', 'Filesystem'];
const shortModes: Readonly<Record<string, string>> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const sources = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume', 'azureFile',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
];

/** Access modes as kubectl prints them: RWO,ROX. */
export function accessModesCell(modes: unknown): string {
  return Array.isArray(modes) ? modes.map((m) => shortModes[String(m)] ?? String(m)).join(',') : '';
}

/** The storage class of a PV or PVC: the field, or the old beta annotation. */
export function storageClassOf(o: KubeObject): string {
  const s = field(o, 'spec')?.storageClassName;
  if (typeof s === 'string') return s;
  return o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

/**
 * Causes for access modes at path: each known (the message lists the three that need no
 * feature gate, as kube-apiserver's does), and ReadWriteOncePod alone or not at all.
 */
export function validateAccessModes(modes: readonly unknown[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const m of modes) if (!accessModes.includes(String(m))) causes.push(fieldErrors.notSupported(path, m, accessModes.filter((a) => a !== 'ReadWriteOncePod')));
  if (modes.includes('ReadWriteOncePod') && modes.some((m) => m !== 'ReadWriteOncePod' && accessModes.includes(String(m)))) {
    causes.push(fieldErrors.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return causes;
}

/** A quantity that must be above zero (ValidatePositiveQuantityValue). */
export function positiveQuantityErrors(value: unknown, path: string): StatusCause[] {
  const q = parseQuantity(value);
  return q !== undefined && q.mantissa <= 0n ? [fieldErrors.invalid(path, quantityText(q), 'must be greater than zero')] : [];
}

/** Go's %#v of a core.ResourceList: nil when absent, else its quantities by sorted name. */
function goResourceList(list: Readonly<Record<string, unknown>> | undefined): string {
  if (list === undefined) return 'core.ResourceList(nil)';
  const entries = Object.keys(list)
    .sort()
    .map((k) => {
      const v = list[k];
      const q = parseQuantity(v);
      return `${JSON.stringify(k)}:${q === undefined ? 'resource.Quantity{}' : goQuantity(roundUpToMilli(q))}`;
    });
  return `core.ResourceList{${entries.join(', ')}}`;
}

function validatePv(o: KubeObject): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(fieldErrors.required('spec.accessModes'));
  causes.push(...validateAccessModes(modes, 'spec.accessModes'));
  const capacity = field(s, 'capacity');
  const names = Object.keys(capacity ?? {});
  if (names.length === 0) causes.push(fieldErrors.required('spec.capacity', ''));
  if (capacity?.storage === undefined || names.length > 1) causes.push(fieldErrors.notSupportedPrinted('spec.capacity', goResourceList(capacity), ['storage']));
  for (const name of names) causes.push(...positiveQuantityErrors(capacity?.[name], `spec.capacity[${name}]`));
  const given = sources.filter((k) => s[k] !== undefined);
  if (given.length === 0) causes.push(fieldErrors.required('spec', 'must specify a volume type'));
  else if (given.length > 1) causes.push(fieldErrors.forbidden(`spec.${given[1]}`, 'may not specify more than 1 volume type'));
  if (s.persistentVolumeReclaimPolicy !== undefined && !reclaimPolicies.includes(String(s.persistentVolumeReclaimPolicy))) {
    causes.push(fieldErrors.notSupported('spec.persistentVolumeReclaimPolicy', s.persistentVolumeReclaimPolicy, reclaimPolicies));
  }
  if (s.volumeMode !== undefined && !volumeModes.includes(String(s.volumeMode))) causes.push(fieldErrors.notSupported('spec.volumeMode', s.volumeMode, volumeModes));
  return causes;
}

/**
 * ValidatePersistentVolumeUpdate: the volume source is fixed at creation (a CSI volume may gain
 * its controllerExpandSecretRef), and so is volumeMode (reported at "volumeMode", as kube-apiserver
 * does). kube-apiserver's message also carries a Go diff of the two sources, which Kite does not print.
 */
function validatePvUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const spec = field(o, 'spec') ?? {};
  const oldSpec = field(old, 'spec') ?? {};
  const source = (x: Record<string, unknown>, dropExpandSecret: boolean): Record<string, unknown> => {
    const picked: Record<string, unknown> = {};
    for (const k of sources) if (x[k] !== undefined && x[k] !== null) picked[k] = x[k];
    if (dropExpandSecret && isJsonObject(picked.csi)) picked.csi = { ...picked.csi, controllerExpandSecretRef: undefined };
    return JSON.parse(JSON.stringify(picked)) as Record<string, unknown>;
  };
  const gainsExpandSecret = field(oldSpec, 'csi') !== undefined && field(oldSpec, 'csi')?.controllerExpandSecretRef === undefined && field(spec, 'csi')?.controllerExpandSecretRef !== undefined;
  const causes: StatusCause[] = [];
  if (!isDeepStrictEqual(source(spec, gainsExpandSecret), source(oldSpec, false))) {
    causes.push(fieldErrors.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if (spec.volumeMode !== oldSpec.volumeMode) causes.push(fieldErrors.immutable('volumeMode', spec.volumeMode ?? null));
  return causes;
}

/** persistentvolumes (v1, cluster-scoped): storage in the cluster; phase Pending on create. */
export const persistentVolumeStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'persistentvolumes', singular: 'persistentvolume', kind: 'PersistentVolume', listKind: 'PersistentVolumeList', namespaced: false, shortNames: ['pv'], subresources: ['status'] }),
  {
    prepareForCreate: (o) => {
      o.status = { phase: 'Pending' };
    },
    applyDefaults: (o) => {
      const s = child(o, 'spec');
      s.persistentVolumeReclaimPolicy ??= 'Retain';
      s.volumeMode ??= 'Filesystem';
      const hostPath = field(s, 'hostPath');
      if (hostPath !== undefined) hostPath.type ??= '';
    },
    validate: validatePv,
    validateUpdate: validatePvUpdate,
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    fieldSelectorValue: () => undefined,
    table: {
      columns: [
        nameColumn,
        column('Capacity', 'The volume\'s capacity.'),
        column('Access Modes', 'How the volume can be mounted.'),
        column('Reclaim Policy', 'What happens to the volume when its claim is released.'),
        column('Status', 'Whether the volume is available, bound or released.'),
        column('Claim', 'The claim bound to the volume.'),
        column('StorageClass', 'The storage class of the volume.'),
        column('Reason', 'Why the volume is in its phase.'),
        ageColumn,
        column('VolumeMode', 'Filesystem or Block.', 1),
      ],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        const claim = field(s, 'claimRef');
        return [
          o.metadata.name,
          String(field(s, 'capacity')?.storage ?? ''),
          accessModesCell(s.accessModes),
          String(s.persistentVolumeReclaimPolicy ?? ''),
          String(field(o, 'status')?.phase ?? ''),
          claim === undefined ? '' : `${String(claim.namespace ?? '')}/${String(claim.name ?? '')}`,
          storageClassOf(o),
          String(field(o, 'status')?.reason ?? ''),
          age(o.metadata.creationTimestamp, now),
          String(s.volumeMode ?? '<unset>'),
        ];
      },
    },
  },
);
