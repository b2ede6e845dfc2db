import { goIntOrString, intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent } from '../validation/int-or-percent.js';
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defaultReplicated, immutableSelector, labelSelectorString, nonNegative, readSpec, readStatus, replicasScale, specOf, templateContainers, validateSelectorAndTemplate } from '../workload/replicated.js';
import { replicatedStatus } from '../validation/status.js';
import { specTemplateWarnings } from '../pod/pod-warnings.js';

const strategyTypes = ['Recreate', 'RollingUpdate'];

/** Go's %#v of an apps.DeploymentStrategy, as an unsupported strategy's message prints it. */
function goStrategy(s: Record<string, unknown>): string {
  const ru = field(s, 'rollingUpdate');
  const rolling = ru === undefined ? '(*apps.RollingUpdateDeployment)(nil)' : '(*apps.RollingUpdateDeployment)(0x0)';
  return `apps.DeploymentStrategy{Type:${JSON.stringify(String(s.type ?? ''))}, RollingUpdate:${rolling}}`;
}

function validateDeployment(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [...nonNegative(s.replicas, 'spec.replicas')];
  causes.push(...validateSelectorAndTemplate(s, { kindWord: 'deployment', allowedRestart: ['Always'], deadlineWord: 'ReplicaSet', unconvertibleSelector: 'invalid label selector' }));
  const strategy = field(s, 'strategy') ?? {};
  if (!strategyTypes.includes(String(strategy.type))) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.strategy', message: `Unsupported value: ${goStrategy(strategy)}: supported values: "Recreate", "RollingUpdate"` });
  } else if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    causes.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
  } else if (strategy.type === 'RollingUpdate') {
    const ru = field(strategy, 'rollingUpdate') ?? {};
    const at = 'spec.strategy.rollingUpdate';
    causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${at}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${at}.maxSurge`));
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
      causes.push(fieldErrors.invalidPrinted(`${at}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
    }
    causes.push(...notMoreThan100Percent(ru.maxUnavailable, `${at}.maxUnavailable`));
  }
  causes.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof s.progressDeadlineSeconds === 'number' && s.progressDeadlineSeconds <= Number(s.minReadySeconds ?? 0)) {
    causes.push(fieldErrors.invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

/** deployments (apps/v1): Kubernetes' defaults, selector must match template labels, status and scale subresources. */
export const deploymentStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'deployments', singular: 'deployment', kind: 'Deployment', listKind: 'DeploymentList', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  {
    validateStatusUpdate: (o) => replicatedStatus(o, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'], ['updatedReplicas', 'readyReplicas', 'availableReplicas']),
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    applyDefaults: (o) => {
      const s = specOf(o);
      defaultReplicated(s, true);
      s.revisionHistoryLimit ??= 10;
      s.progressDeadlineSeconds ??= 600;
      const strategy = child(s, 'strategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = child(strategy, 'rollingUpdate');
        ru.maxUnavailable ??= '25%';
        ru.maxSurge ??= '25%';
      }
    },
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: specTemplateWarnings,
    validate: validateDeployment,
    validateUpdate: immutableSelector,
    // Annotations count too: the controller copies them to the Deployment's ReplicaSets.
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec) || !isDeepStrictEqual(o.metadata.annotations ?? {}, old.metadata.annotations ?? {}),
    scale: replicasScale(labelSelectorString),
    table: {
      columns: [
        nameColumn,
        column('Ready', 'Ready pods out of the desired replicas.'),
        column('Up-to-date', 'Pods running the current template.'),
        column('Available', 'Pods ready for at least minReadySeconds.'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for the pods.', 1),
      ],
      cells: (o, now) => {
        const st = readStatus(o);
        const { names, images } = templateContainers(o);
        return [o.metadata.name, `${Number(st.readyReplicas ?? 0)}/${Number(readSpec(o).replicas ?? 0)}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o.metadata.creationTimestamp, now), names, images, labelSelectorString(o)];
      },
    },
  },
);
