import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { defaultPodTemplate, validatePodTemplate } from '../pod/pod-spec.js';
import { fieldErrors } from '../validation/field-errors.js';
import { goLabelMap, selectorMatches } from '../validation/label-selector.js';
import { validateLabels } from '../validation/object-meta.js';
import { nonNegative, readSpec, readStatus, replicasScale, specOf, templateContainers } from '../workload/replicated.js';
import { replicatedStatus } from '../validation/status.js';
import { templateWarnings } from '../pod/pod-warnings.js';

const selectorString = (o: KubeObject): string =>
  Object.entries(field(readSpec(o), 'selector') ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');

function validateReplicationController(o: KubeObject): StatusCause[] {
  const s = readSpec(o);
  const causes: StatusCause[] = [...nonNegative(s.replicas, 'spec.replicas'), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds')];
  const selector = field(s, 'selector') ?? {};
  if (Object.keys(selector).length === 0) causes.push(fieldErrors.required('spec.selector'));
  else causes.push(...validateLabels(selector, 'spec.selector'));
  const template = field(s, 'template');
  if (template === undefined) causes.push(fieldErrors.required('spec.template'));
  else {
    const labels = field(field(template, 'metadata'), 'labels') as Record<string, string> | undefined;
    if (Object.keys(selector).length > 0 && !selectorMatches({ matchLabels: selector }, labels)) {
      causes.push(fieldErrors.invalidPrinted('spec.template.metadata.labels', goLabelMap(labels), '`selector` does not match template `labels`'));
    }
    causes.push(...validatePodTemplate(template, 'spec.template'));
    const restart = field(template, 'spec')?.restartPolicy;
    if (restart !== undefined && restart !== 'Always') causes.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  }
  return causes;
}

/** replicationcontrollers (v1): the legacy ReplicaSet; selector and labels default from the template's labels. */
export const replicationControllerStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'replicationcontrollers', singular: 'replicationcontroller', kind: 'ReplicationController', listKind: 'ReplicationControllerList', namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'] }),
  {
    validateStatusUpdate: (o) => replicatedStatus(o, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']),
    defaultPropagationPolicy: 'Orphan',
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    applyDefaults: (o) => {
      const s = specOf(o);
      s.replicas ??= 1;
      // A ReplicationController's template is a pointer in Go: none stays none (and is Required).
      const template = field(s, 'template');
      if (template !== undefined) defaultPodTemplate(template);
      const templateLabels = field(field(template, 'metadata'), 'labels');
      if (templateLabels !== undefined) {
        if (Object.keys(field(s, 'selector') ?? {}).length === 0) s.selector = { ...templateLabels };
        if (Object.keys(o.metadata.labels ?? {}).length === 0) o.metadata.labels = { ...(templateLabels as Record<string, string>) };
      }
    },
    // kube-apiserver's Warnings for a template that is valid but probably not meant (it names the
    // template template.spec on create and spec.template.spec on update).
    warnings: (o, old) => templateWarnings(o, old, ['spec', 'template'], old === undefined ? 'template' : 'spec.template'),
    validate: validateReplicationController,
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    fieldSelectorValue: (o, f) => (f === 'status.replicas' ? String(readStatus(o).replicas ?? 0) : undefined),
    scale: replicasScale(selectorString),
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
        return [o.metadata.name, Number(readSpec(o).replicas ?? 0), Number(st.replicas ?? 0), Number(st.readyReplicas ?? 0), age(o.metadata.creationTimestamp, now), names, images, selectorString(o)];
      },
    },
  },
);
