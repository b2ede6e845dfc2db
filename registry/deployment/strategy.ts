import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, resourceInfo } from '../generic/base-strategy.js';
import { formatMatchLabels, matchesLabels, parseLabelSelector } from '../generic/label-selector.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { defaultPodSpec, validatePodSpec } from '../pod/strategy.js';

interface DeploymentStatus {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
}

const spec = (o: KubeObject): Record<string, unknown> => child(o, 'spec');
const status = (o: KubeObject): DeploymentStatus => (o.status as DeploymentStatus | undefined) ?? {};
const matchLabelsOf = (o: KubeObject): Record<string, string> | undefined => (spec(o).selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;

function validateDeployment(o: KubeObject): StatusCause[] {
  const copy = structuredClone(o);
  const s = spec(copy);
  const causes: StatusCause[] = [];
  const selector = s.selector as { matchLabels?: Record<string, string> } | undefined;
  const template = child(s, 'template');
  const labels = (child(template, 'metadata').labels as Record<string, string> | undefined) ?? {};
  if (selector === undefined || Object.keys(selector.matchLabels ?? {}).length === 0) {
    causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
  } else if (!matchesLabels(parseLabelSelector(formatMatchLabels(selector.matchLabels)), labels)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
  }
  if (typeof s.replicas !== 'number' || !Number.isInteger(s.replicas) || s.replicas < 0) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(s.replicas)}: must be greater than or equal to 0` });
  }
  causes.push(...validatePodSpec(child(template, 'spec'), 'spec.template.spec'));
  return causes;
}

/** deployments (apps/v1): Kubernetes' defaults, selector must match template labels, status and scale subresources. */
export const deploymentStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'deployments', singular: 'deployment', kind: 'Deployment', listKind: 'DeploymentList', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  {
    prepareForCreate: (o) => {
      delete o.status;
    },
    applyDefaults: (o) => {
      const s = spec(o);
      s.replicas ??= 1;
      s.revisionHistoryLimit ??= 10;
      s.progressDeadlineSeconds ??= 600;
      const strategy = child(s, 'strategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = child(strategy, 'rollingUpdate');
        ru.maxUnavailable ??= '25%';
        ru.maxSurge ??= '25%';
      }
      const template = child(s, 'template');
      defaultPodSpec(child(template, 'spec'));
      child(template, 'metadata');
    },
    validate: validateDeployment,
    validateUpdate: (o, old) =>
      isDeepStrictEqual(matchLabelsOf(structuredClone(o)), matchLabelsOf(structuredClone(old)))
        ? []
        : [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(spec(structuredClone(o)).selector)}: field is immutable` }],
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    scale: {
      specReplicas: (o) => Number((o.spec as { replicas?: number } | undefined)?.replicas ?? 0),
      statusReplicas: (o) => status(o).replicas ?? 0,
      selector: (o) => formatMatchLabels(matchLabelsOf(structuredClone(o))),
      setSpecReplicas: (o, n) => {
        spec(o).replicas = n;
      },
    },
    table: {
      columns: [
        nameColumn,
        column('Ready', 'Number of the pod with ready state'),
        column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 0, 'integer'),
        column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 0, 'integer'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
      ],
      cells: (o, now) => {
        const st = status(o);
        const s = (o.spec as Record<string, unknown> | undefined) ?? {};
        const containers = arrayOf(((s.template as { spec?: { containers?: unknown } } | undefined)?.spec ?? {}).containers);
        return [
          o.metadata.name,
          `${st.readyReplicas ?? 0}/${String(s.replicas ?? 0)}`,
          st.updatedReplicas ?? 0,
          st.availableReplicas ?? 0,
          age(o.metadata.creationTimestamp, now),
          containers.map((c) => String(c.name)).join(','),
          containers.map((c) => String(c.image)).join(','),
          formatMatchLabels(matchLabelsOf(structuredClone(o))),
        ];
      },
    },
  },
);
