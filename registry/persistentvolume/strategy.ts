import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';

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

/** Causes for access modes at path: at least one, each known. */
export function validateAccessModes(modes: unknown, path: string): StatusCause[] {
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) return [fieldErrors.required(path, '')];
  return list.filter((m) => !accessModes.includes(String(m))).map((m) => fieldErrors.notSupported(path, m, accessModes));
}

function validatePv(o: KubeObject): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const modes = Array.isArray(s.accessModes) ? s.accessModes : [];
  if (modes.length === 0) causes.push(fieldErrors.required('spec.accessModes'));
  else for (const m of modes) if (!accessModes.includes(String(m))) causes.push(fieldErrors.notSupported('spec.accessModes', m, accessModes));
  const capacity = field(s, 'capacity');
  if (capacity === undefined || Object.keys(capacity).length === 0) causes.push(fieldErrors.required('spec.capacity'));
  else if (capacity.storage === undefined) causes.push(fieldErrors.required('spec.capacity', ''));
  const given = sources.filter((k) => s[k] !== undefined);
  if (given.length === 0) causes.push(fieldErrors.required('spec', 'must specify a volume type'));
  else if (given.length > 1) causes.push(fieldErrors.forbidden(`spec.${given[1]}`, 'may not specify more than 1 volume type'));
  if (s.persistentVolumeReclaimPolicy !== undefined && !reclaimPolicies.includes(String(s.persistentVolumeReclaimPolicy))) {
    causes.push(fieldErrors.notSupported('spec.persistentVolumeReclaimPolicy', s.persistentVolumeReclaimPolicy, reclaimPolicies));
  }
  if (s.volumeMode !== undefined && !volumeModes.includes(String(s.volumeMode))) causes.push(fieldErrors.notSupported('spec.volumeMode', s.volumeMode, volumeModes));
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
