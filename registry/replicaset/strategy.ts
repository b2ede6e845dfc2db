import { isDeepStrictEqual } from 'node:util';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { defaultReplicated, immutableSelector, labelSelectorString, nonNegative, readSpec, readStatus, replicasScale, specOf, templateContainers, validateSelectorAndTemplate } from '../workload/replicated.js';
import { replicatedStatus } from '../validation/status.js';
import { specTemplateWarnings } from '../pod/pod-warnings.js';

/** replicasets (apps/v1): replicas of a pod template; status and scale subresources. */
export const replicaSetStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', listKind: 'ReplicaSetList', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  {
    validateStatusUpdate: (o) => replicatedStatus(o, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']),
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    applyDefaults: (o) => defaultReplicated(specOf(o), true),
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: specTemplateWarnings,
    validate: (o) => {
      const s = readSpec(o);
      return [...nonNegative(s.replicas, 'spec.replicas'), ...validateSelectorAndTemplate(s, { kindWord: 'deployment', allowedRestart: ['Always'], deadlineWord: 'ReplicaSet', unconvertibleSelector: 'invalid label selector' }), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds')];
    },
    validateUpdate: immutableSelector,
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    fieldSelectorValue: (o, f) => (f === 'status.replicas' ? String(readStatus(o).replicas ?? 0) : undefined),
    scale: replicasScale(labelSelectorString),
    table: {
      columns: [
        nameColumn,
        column('Desired', 'Desired number of replicas.', 0, 'integer'),
        column('Current', 'Most recently observed number of replicas.', 0, 'integer'),
        column('Ready', 'Number of ready replicas.', 0, 'integer'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for the pods.', 1),
      ],
      cells: (o, now) => {
        const st = readStatus(o);
        const { names, images } = templateContainers(o);
        return [o.metadata.name, Number(readSpec(o).replicas ?? 0), Number(st.replicas ?? 0), Number(st.readyReplicas ?? 0), age(o.metadata.creationTimestamp, now), names, images, labelSelectorString(o)];
      },
    },
  },
);
