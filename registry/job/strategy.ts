import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, humanDuration, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { defaultPodTemplate, validatePodTemplate } from '../pod/pod-spec.js';
import { fieldErrors } from '../validation/field-errors.js';
import { goLabelMap, goLabelSelector, selectorMatches, validateLabelSelector } from '../validation/label-selector.js';
import { labelSelectorString, nonNegative, readSpec, readStatus, specOf, templateContainers } from '../workload/replicated.js';
import { nonNegativeStatus } from '../validation/status.js';
import { specTemplateWarnings } from '../pod/pod-warnings.js';

const completionModes = ['NonIndexed', 'Indexed'];
const podFailureActions = ['Count', 'FailJob', 'Ignore'];

/** The job template's pod spec fields jobs default (shared with cron jobs' job templates). */
export function defaultJobSpec(s: Record<string, unknown>): void {
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  defaultPodTemplate(child(s, 'template'));
}

/** Causes of a job spec at path (spec, or spec.jobTemplate.spec). */
export function validateJobSpec(s: Record<string, unknown>, path: string, checkSelector: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'backoffLimit']) causes.push(...nonNegative(s[f], `${path}.${f}`));
  if (typeof s.activeDeadlineSeconds === 'number' && s.activeDeadlineSeconds <= 0) causes.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, 'must be greater than or equal to 0'));
  if (s.completionMode !== undefined && !completionModes.includes(String(s.completionMode))) causes.push(fieldErrors.notSupported(`${path}.completionMode`, s.completionMode ?? '', completionModes));
  causes.push(...nonNegative(s.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  arrayOf(field(s, 'podFailurePolicy')?.rules).forEach((rule, i) => {
    const action = (rule as { action?: unknown } | null)?.action;
    if (!podFailureActions.includes(String(action))) causes.push(fieldErrors.notSupported(`${path}.podFailurePolicy.rules[${i}].action`, action ?? '', podFailureActions));
  });
  const template = field(s, 'template');
  if (checkSelector) {
    const selector = field(s, 'selector');
    const selectorErrors = selector === undefined ? [] : validateLabelSelector(selector, `${path}.selector`);
    if (selector === undefined) causes.push(fieldErrors.required(`${path}.selector`));
    else causes.push(...selectorErrors);
    // No selector selects nothing, so the template's labels cannot match it either.
    const labels = field(field(template, 'metadata'), 'labels') as Record<string, string> | undefined;
    if (selectorErrors.length === 0 && (selector === undefined || !selectorMatches(selector, labels))) {
      causes.push(fieldErrors.invalidPrinted(`${path}.template.metadata.labels`, goLabelMap(labels), '`selector` does not match template `labels`'));
    }
  }
  causes.push(...validatePodTemplate(template, `${path}.template`));
  const restart = field(template, 'spec')?.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') causes.push(fieldErrors.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  return causes;
}

/**
 * Gives a job a selector on its uid and labels its template, as Kubernetes does unless
 * manualSelector is set: labels and selector entries the client set are kept (validation
 * then refuses what does not match).
 */
function generateSelector(o: KubeObject): void {
  const s = specOf(o);
  if (s.manualSelector === true) return;
  const uid = o.metadata.uid ?? '';
  const metadata = child(child(s, 'template'), 'metadata');
  metadata.labels = { 'job-name': o.metadata.name ?? '', 'controller-uid': uid, ...(field(metadata, 'labels') ?? {}) };
  const selector = child(s, 'selector');
  selector.matchLabels = { 'controller-uid': uid, ...(field(selector, 'matchLabels') ?? {}) };
}

/** ValidateGeneratedSelector: unless manualSelector, the template carries the generated labels and the selector is the generated one. */
function validateGeneratedSelector(o: KubeObject): StatusCause[] {
  const s = readSpec(o);
  const selector = field(s, 'selector');
  if (s.manualSelector === true || selector === undefined) return [];
  const causes: StatusCause[] = [];
  const uid = o.metadata.uid ?? '';
  if (uid === '') causes.push(fieldErrors.required('metadata.uid'));
  const labels = field(field(field(s, 'template'), 'metadata'), 'labels') as Record<string, string> | undefined;
  const expected = { 'controller-uid': uid, 'job-name': o.metadata.name ?? '' };
  for (const [key, value] of Object.entries(expected)) {
    const path = `spec.template.metadata.labels[${key}]`;
    if (labels?.[key] === undefined) causes.push(fieldErrors.required(path, value));
    else if (labels[key] !== value) causes.push(fieldErrors.invalidPrinted(path, goLabelMap(labels), `must be '${value}'`));
  }
  if (validateLabelSelector(selector, 'spec.selector').length === 0 && !selectorMatches(selector, expected)) {
    causes.push(fieldErrors.invalidPrinted('spec.selector', goLabelSelector(selector), '`selector` not auto-generated'));
  }
  return causes;
}

function duration(o: KubeObject, now: Date): string {
  const st = readStatus(o);
  if (typeof st.startTime !== 'string') return '';
  const end = typeof st.completionTime === 'string' ? Date.parse(st.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(st.startTime));
}

/** jobs (batch/v1): pods run to completion; a generated selector; deleting orphans pods unless told otherwise. */
export const jobStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'batch', version: 'v1', resource: 'jobs', singular: 'job', kind: 'Job', listKind: 'JobList', namespaced: true, categories: ['all'], subresources: ['status'] }),
  {
    validateStatusUpdate: (o) => nonNegativeStatus(o, ['active', 'succeeded', 'failed', 'ready']),
    generation: true,
    defaultPropagationPolicy: 'Orphan',
    defaultPropagationWarning: 'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
    prepareForCreate: (o) => {
      o.status = {};
      generateSelector(o);
      if (Object.keys(o.metadata.labels ?? {}).length === 0) {
        const labels = field(field(field(readSpec(o), 'template'), 'metadata'), 'labels');
        if (labels !== undefined) o.metadata.labels = { ...(labels as Record<string, string>) };
      }
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'batch.kubernetes.io/job-tracking': '' };
    },
    applyDefaults: (o) => defaultJobSpec(specOf(o)),
    // kube-apiserver's Warnings for a template that is valid but probably not meant.
    warnings: specTemplateWarnings,
    validate: (o) => [...validateGeneratedSelector(o), ...validateJobSpec(readSpec(o), 'spec', true)],
    validateUpdate: (o, old) => {
      const a = readSpec(o);
      const b = readSpec(old);
      // kube-apiserver's update checks run the spec's checks a second time before the immutable fields'.
      const causes = validateJobSpec(a, 'spec', true);
      if (!isDeepStrictEqual(a.selector, b.selector)) {
        const selector = field(a, 'selector');
        causes.push(fieldErrors.invalidPrinted('spec.selector', selector === undefined ? '"null"' : goLabelSelector(selector), 'field is immutable'));
      }
      if (!isDeepStrictEqual(a.template, b.template)) causes.push(fieldErrors.invalid('spec.template', '', 'field is immutable'));
      if (a.completions !== b.completions) causes.push(fieldErrors.invalid('spec.completions', a.completions ?? null, 'field is immutable'));
      if (a.completionMode !== b.completionMode) causes.push(fieldErrors.invalid('spec.completionMode', a.completionMode ?? '', 'field is immutable'));
      return causes;
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    fieldSelectorValue: (o, f) => (f === 'status.successful' ? String(readStatus(o).succeeded ?? 0) : undefined),
    table: {
      columns: [
        nameColumn,
        column('Completions', 'Succeeded pods out of the completions asked for.'),
        column('Duration', 'How long the job took, or has run.'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for the pods.', 1),
      ],
      cells: (o, now) => {
        const s = readSpec(o);
        const succeeded = Number(readStatus(o).succeeded ?? 0);
        const completions = s.completions === undefined || s.completions === null ? (Number(s.parallelism ?? 1) > 1 ? `${succeeded}/1 of ${String(s.parallelism)}` : `${succeeded}/1`) : `${succeeded}/${String(s.completions)}`;
        const { names, images } = templateContainers(o);
        return [o.metadata.name, completions, duration(o, now), age(o.metadata.creationTimestamp, now), names, images, labelSelectorString(o)];
      },
    },
  },
);
