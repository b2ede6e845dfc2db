import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Subdomain } from '../validation/names.js';

/** volumeattachments (storage.k8s.io/v1, cluster-scoped): a volume attached to a node; spec immutable. */
export const volumeAttachmentStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'volumeattachments', singular: 'volumeattachment', kind: 'VolumeAttachment', listKind: 'VolumeAttachmentList', namespaced: false, subresources: ['status'] }),
  {
    unconditionalUpdate: false,
    returnDeletedObject: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validate: (o) => {
      const s = field(o, 'spec') ?? {};
      const attacher = typeof s.attacher === 'string' ? s.attacher : '';
      const causes: StatusCause[] = [];
      // The spec's checks (ValidateVolumeAttachment)...
      if (attacher === '') causes.push(fieldErrors.required('spec.attacher'));
      const source = field(s, 'source') ?? {};
      const pvName = source.persistentVolumeName;
      const given = ['persistentVolumeName', 'inlineVolumeSpec'].filter((k) => source[k] !== undefined && source[k] !== null);
      if (given.length === 0) causes.push(fieldErrors.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
      else if (given.length === 2) causes.push(fieldErrors.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
      else if (pvName === '') causes.push(fieldErrors.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
      // An empty node name is an Invalid subdomain, as kube-apiserver checks it.
      const node = typeof s.nodeName === 'string' ? s.nodeName : '';
      for (const m of isDns1123Subdomain(node)) causes.push(fieldErrors.invalid('spec.nodeName', node, m));
      // ...then v1's own (ValidateVolumeAttachmentV1): the attacher as a CSI driver name, the volume's name.
      if (attacher === '') causes.push(fieldErrors.required('spec.attacher'));
      if (attacher.length > 63) causes.push(fieldErrors.tooLong('spec.attacher', 63));
      for (const m of isDns1123Subdomain(attacher.toLowerCase())) causes.push(fieldErrors.invalid('spec.attacher', attacher, m));
      if (typeof pvName === 'string') for (const m of isDns1123Subdomain(pvName)) causes.push(fieldErrors.invalid('spec.source.persistentVolumeName', pvName, m));
      return causes;
    },
    validateUpdate: (o, old) => (isDeepStrictEqual(o.spec, old.spec) ? [] : [fieldErrors.invalid('spec', '', 'field is immutable')]),
    table: {
      columns: [
        nameColumn,
        column('Attacher', 'The volume driver that attaches.', 0, 'string', 'name'),
        column('PV', 'The persistent volume.'),
        column('Node', 'The node it is attached to.'),
        column('Attached', 'Whether it is attached.', 0, 'boolean'),
        ageColumn,
      ],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        return [o.metadata.name, String(s.attacher ?? ''), String(field(s, 'source')?.persistentVolumeName ?? ''), String(s.nodeName ?? ''), field(o, 'status')?.attached === true, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
