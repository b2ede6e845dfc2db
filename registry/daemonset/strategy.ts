import { goIntOrString, intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent } from '../validation/int-or-percent.js';
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { cloneJson } from '../generic/clone-json.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defaultReplicated, immutableSelector, labelSelectorString, nonNegative, readSpec, readStatus, specOf, templateContainers, validateSelectorAndTemplate } from '../workload/replicated.js';
import { nonNegativeStatus } from '../validation/status.js';
import { specTemplateWarnings } from '../pod/pod-warnings.js';

/** The annotation DaemonSets carry their template generation in. */
const templateGenerationAnnotation = 'deprecated.daemonset.template.generation';
const updateStrategies = ['RollingUpdate', 'OnDelete'];

function templateGeneration(o: KubeObject): number {
  return Number(o.metadata.annotations?.[templateGenerationAnnotation] ?? '0') || 0;
}

function setTemplateGeneration(o: KubeObject, n: number): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [templateGenerationAnnotation]: String(n) };
}

/**
 * value without the fields that say nothing, at every depth: null, and objects and lists
 * left empty. Go's semantic equality reads a nil map or slice as an empty one, and
 * kube-apiserver's encoding writes zero structs as {} and unset times as null.
 */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const w = withoutEmpty(v);
    if (w === null || (Array.isArray(w) && w.length === 0) || (typeof w === 'object' && !Array.isArray(w) && Object.keys(w).length === 0)) continue;
    kept[k] = w;
  }
  return kept;
}

function validateDaemonSet(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [...validateSelectorAndTemplate(s, { kindWord: 'daemonset', allowedRestart: ['Always'], requireSelector: false, deadlineWord: 'DaemonSet' })];
  const us = field(s, 'updateStrategy') ?? {};
  if (!updateStrategies.includes(String(us.type))) {
    const rolling = us.rollingUpdate === undefined ? '(*apps.RollingUpdateDaemonSet)(nil)' : '(*apps.RollingUpdateDaemonSet)(0x0)';
    const printed = `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(us.type ?? ''))}, RollingUpdate:${rolling}}`;
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.updateStrategy', message: `Unsupported value: ${printed}: supported values: ${updateStrategies.map((t) => JSON.stringify(t)).join(', ')}` });
  }
  else if (us.type === 'RollingUpdate') {
    const ru = field(us, 'rollingUpdate') ?? {};
    const at = 'spec.updateStrategy.rollingUpdate';
    causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${at}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${at}.maxSurge`));
    const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
    const hasSurge = ru.maxSurge !== undefined && intOrPercentValue(ru.maxSurge) !== 0;
    if (hasUnavailable && hasSurge) causes.push(fieldErrors.invalidPrinted(`${at}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
    else if (!hasUnavailable && !hasSurge) causes.push(fieldErrors.required(`${at}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    causes.push(...notMoreThan100Percent(ru.maxUnavailable, `${at}.maxUnavailable`), ...notMoreThan100Percent(ru.maxSurge, `${at}.maxSurge`));
  }
  causes.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return causes;
}

/** daemonsets (apps/v1): a pod per node; the template generation rides in an annotation. */
export const daemonSetStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'apps', version: 'v1', resource: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', listKind: 'DaemonSetList', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  {
    validateStatusUpdate: (o) => nonNegativeStatus(o, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']),
    generation: true,
    // kube-apiserver keeps the template generation in an internal field its conversion to
    // apps/v1 writes into the annotation; metadata-only views are made before that.
    versionAnnotations: [templateGenerationAnnotation],
    prepareForCreate: (o) => {
      o.status = {};
      // The annotation a create brings is read into that field; below 1 it becomes 1.
      setTemplateGeneration(o, Math.max(1, templateGeneration(o)));
    },
    prepareForUpdate: (o, old) => {
      // kube-apiserver compares the templates as decoded, defaults in, an empty field the same
      // as none (a stored template has creationTimestamp: null and resources: {}): so here.
      const requested = cloneJson(o);
      daemonSetStrategy.applyDefaults(requested);
      const changed = !isDeepStrictEqual(withoutEmpty(readSpec(requested).template), withoutEmpty(readSpec(old).template));
      setTemplateGeneration(o, templateGeneration(old) + (changed ? 1 : 0));
    },
    applyDefaults: (o) => {
      const s = specOf(o);
      defaultReplicated(s, false);
      const us = child(s, 'updateStrategy');
      us.type ??= 'RollingUpdate';
      if (us.type === 'RollingUpdate') {
        const ru = child(us, 'rollingUpdate');
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
      }
      s.revisionHistoryLimit ??= 10;
      // Go's conversion to apps/v1 always writes the annotation, so a create's fields include it.
      if (o.metadata.annotations?.[templateGenerationAnnotation] === undefined) setTemplateGeneration(o, 1);
    },
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: specTemplateWarnings,
    validate: validateDaemonSet,
    validateUpdate: immutableSelector,
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [
        nameColumn,
        column('Desired', 'Nodes that should run the daemon pod.', 0, 'integer'),
        column('Current', 'Nodes running at least one daemon pod.', 0, 'integer'),
        column('Ready', 'Nodes with a ready daemon pod.', 0, 'integer'),
        column('Up-to-date', 'Nodes running the current daemon pod.', 0, 'integer'),
        column('Available', 'Nodes with an available daemon pod.', 0, 'integer'),
        column('Node Selector', 'The nodes the pods may run on.'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for the pods.', 1),
      ],
      cells: (o, now) => {
        const st = readStatus(o);
        const { names, images } = templateContainers(o);
        const nodeSelector = field(field(field(readSpec(o), 'template'), 'spec'), 'nodeSelector') ?? {};
        const sel = Object.entries(nodeSelector).map(([k, v]) => `${k}=${String(v)}`).join(',');
        return [
          o.metadata.name,
          Number(st.desiredNumberScheduled ?? 0),
          Number(st.currentNumberScheduled ?? 0),
          Number(st.numberReady ?? 0),
          Number(st.updatedNumberScheduled ?? 0),
          Number(st.numberAvailable ?? 0),
          sel === '' ? '<none>' : sel,
          age(o.metadata.creationTimestamp, now),
          names,
          images,
          labelSelectorString(o),
        ];
      },
    },
  },
);
