import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';

const fsGroupPolicies = ['File', 'None', 'ReadWriteOnceWithFSType'];
const lifecycleModes = ['Persistent', 'Ephemeral'];

/** csidrivers (storage.k8s.io/v1, cluster-scoped): what a CSI driver needs from Kubernetes. */
export const csiDriverStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'storage.k8s.io', version: 'v1', resource: 'csidrivers', singular: 'csidriver', kind: 'CSIDriver', listKind: 'CSIDriverList', namespaced: false }),
  {
    unconditionalUpdate: false,
    returnDeletedObject: true,
    applyDefaults: (o) => {
      const s = child(o, 'spec');
      s.attachRequired ??= true;
      s.podInfoOnMount ??= false;
      s.volumeLifecycleModes ??= ['Persistent'];
      s.storageCapacity ??= false;
      s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
      s.requiresRepublish ??= false;
    },
    validate: (o) => {
      const causes: StatusCause[] = (o.metadata.name ?? '').length > 63 ? [fieldErrors.invalid('metadata.name', o.metadata.name, 'must be no more than 63 characters')] : [];
      const s = field(o, 'spec') ?? {};
      if (s.fsGroupPolicy !== undefined && !fsGroupPolicies.includes(String(s.fsGroupPolicy))) causes.push(fieldErrors.notSupported('spec.fsGroupPolicy', s.fsGroupPolicy, fsGroupPolicies));
      // Each mode is checked, and named at the list's path, as Kubernetes does.
      for (const mode of Array.isArray(s.volumeLifecycleModes) ? (s.volumeLifecycleModes as unknown[]) : []) {
        if (!lifecycleModes.includes(String(mode))) causes.push(fieldErrors.notSupported('spec.volumeLifecycleModes', mode, lifecycleModes));
      }
      return causes;
    },
    validateUpdate: (o, old) => (field(o, 'spec')?.attachRequired === field(old, 'spec')?.attachRequired ? [] : [fieldErrors.immutable('spec.attachedRequired', field(o, 'spec')?.attachRequired)]),
    table: {
      columns: [
        nameColumn,
        column('AttachRequired', 'Whether volumes are attached before mount.', 0, 'boolean'),
        column('PodInfoOnMount', 'Whether mounts get pod information.', 0, 'boolean'),
        column('StorageCapacity', 'Whether scheduling considers capacity.', 0, 'boolean'),
        column('TokenRequests', 'Service account tokens the driver gets.'),
        column('RequiresRepublish', 'Whether volumes are republished periodically.', 0, 'boolean'),
        column('Modes', 'Volume lifecycle modes.'),
        ageColumn,
      ],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        const tokens = Array.isArray(s.tokenRequests) ? s.tokenRequests.map((t) => String((t as Record<string, unknown>).audience ?? '')).join(',') : '<unset>';
        const modes = Array.isArray(s.volumeLifecycleModes) ? s.volumeLifecycleModes.join(',') : '<none>';
        return [o.metadata.name, s.attachRequired === true, s.podInfoOnMount === true, s.storageCapacity === true, tokens, s.requiresRepublish === true, modes, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
