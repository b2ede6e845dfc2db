import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defaultReplicated, labelSelectorString, nonNegative, readSpec, readStatus, replicasScale, specOf, templateContainers, validateSelectorAndTemplate } from '../workload/replicated.js';
import { replicatedStatus } from '../validation/status.js';
import { specTemplateWarnings } from '../pod/pod-warnings.js';

const podManagementPolicies = ['OrderedReady', 'Parallel'];
const updateStrategies = ['RollingUpdate', 'OnDelete'];
/** The spec fields an update may change; the rest are immutable. */
const mutableFields = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSet(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  if (!podManagementPolicies.includes(String(s.podManagementPolicy))) causes.push(fieldErrors.invalid('spec.podManagementPolicy', s.podManagementPolicy ?? '', "must be 'OrderedReady' or 'Parallel'"));
  const us = field(s, 'updateStrategy') ?? {};
  if (!updateStrategies.includes(String(us.type))) {
    const rolling = us.rollingUpdate === undefined ? '(*apps.RollingUpdateStatefulSetStrategy)(nil)' : '(*apps.RollingUpdateStatefulSetStrategy)(0x0)';
    causes.push(fieldErrors.invalidPrinted('spec.updateStrategy', `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(String(us.type ?? ''))}, RollingUpdate:${rolling}}`, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  causes.push(...nonNegative(s.replicas, 'spec.replicas'));
  causes.push(...validateSelectorAndTemplate(s, { kindWord: 'statefulset', allowedRestart: ['Always'], deadlineWord: 'StatefulSet', podSpec: false, unconvertibleSelector: '' }));
  causes.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  return causes;
}

/** statefulsets (apps/v1): ordered pods with stable names and claims; status and scale subresources. */
export const statefulSetStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', listKind: 'StatefulSetList', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] }),
  {
    validateStatusUpdate: (o) => replicatedStatus(o, ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'collisionCount'], ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']),
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    applyDefaults: (o) => {
      const s = specOf(o);
      defaultReplicated(s, true);
      s.podManagementPolicy ??= 'OrderedReady';
      const us = child(s, 'updateStrategy');
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') child(us, 'rollingUpdate').partition ??= 0;
      s.revisionHistoryLimit ??= 10;
      for (const claim of arrayOf(s.volumeClaimTemplates)) {
        claim.apiVersion ??= 'v1';
        claim.kind ??= 'PersistentVolumeClaim';
        child(child(claim, 'spec'), 'resources');
        child(claim, 'spec').volumeMode ??= 'Filesystem';
        child(claim, 'status').phase ??= 'Pending';
      }
    },
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: specTemplateWarnings,
    validate: validateStatefulSet,
    validateUpdate: (o, old) => {
      const a = { ...readSpec(o) };
      const b = { ...readSpec(old) };
      for (const f of mutableFields) {
        delete a[f];
        delete b[f];
      }
      return isDeepStrictEqual(a, b)
        ? []
        : [fieldErrors.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    scale: replicasScale(labelSelectorString),
    table: {
      columns: [nameColumn, column('Ready', 'Ready pods out of the desired replicas.'), ageColumn, column('Containers', 'Names of each container in the template.', 1), column('Images', 'Images referenced by each container in the template.', 1)],
      cells: (o, now) => {
        const { names, images } = templateContainers(o);
        return [o.metadata.name, `${Number(readStatus(o).readyReplicas ?? 0)}/${Number(readSpec(o).replicas ?? 0)}`, age(o.metadata.creationTimestamp, now), names, images];
      },
    },
  },
);
