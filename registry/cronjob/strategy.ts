import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, humanDuration, nameColumn } from '../generic/table.js';
import { validateJobSpec } from '../job/strategy.js';
import { defaultPodTemplate } from '../pod/pod-spec.js';
import { fieldErrors } from '../validation/field-errors.js';
import { validateAnnotations, validateLabels } from '../validation/object-meta.js';
import { formatLabelSelector } from '../validation/label-selector.js';
import { nonNegative, readSpec, readStatus, specOf } from '../workload/replicated.js';
import { cronScheduleError } from './cron-schedule.js';
import { templateWarnings } from '../pod/pod-warnings.js';

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];

/**
 * Causes for spec.timeZone as Kubernetes checks it: a name Go's time.LoadLocation finds
 * (the IANA database, case-sensitively), never empty and never Local.
 */
function validateTimeZone(name: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (name === '') return [fieldErrors.invalid('spec.timeZone', name, 'timeZone must be nil or non-empty string')];
  if (name.toLowerCase() === 'local') causes.push(fieldErrors.invalid('spec.timeZone', name, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (name !== 'Local') {
    let resolved: string | undefined;
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      resolved = undefined;
    }
    // Intl ignores case where Go's lookup of a file name does not.
    if (resolved === undefined || (resolved !== name && resolved.toLowerCase() === name.toLowerCase())) causes.push(fieldErrors.invalid('spec.timeZone', name, `unknown time zone ${name}`));
  }
  return causes;
}

function validateCronJob(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const name = String((o.metadata as { name?: string }).name ?? '');
  if (name.length > 52) causes.push(fieldErrors.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const schedule = typeof s.schedule === 'string' ? s.schedule : '';
  if (schedule === '') causes.push(fieldErrors.required('spec.schedule'));
  else {
    const problem = cronScheduleError(schedule);
    if (problem !== undefined) causes.push(fieldErrors.invalid('spec.schedule', schedule, problem));
  }
  if (typeof s.timeZone === 'string') causes.push(...validateTimeZone(s.timeZone));
  if (!concurrencyPolicies.includes(String(s.concurrencyPolicy))) causes.push(fieldErrors.notSupported('spec.concurrencyPolicy', s.concurrencyPolicy ?? '', concurrencyPolicies));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) causes.push(...nonNegative(s[f], `spec.${f}`));
  const jobTemplate = field(s, 'jobTemplate') ?? {};
  const meta = field(jobTemplate, 'metadata') ?? {};
  causes.push(...validateLabels(meta.labels, 'spec.jobTemplate.metadata.labels'), ...validateAnnotations(meta.annotations, 'spec.jobTemplate.metadata.annotations'));
  causes.push(...validateJobSpec(field(jobTemplate, 'spec') ?? {}, 'spec.jobTemplate.spec', false));
  return causes;
}

/** cronjobs (batch/v1): jobs on a schedule. */
export const cronJobStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'batch', version: 'v1', resource: 'cronjobs', singular: 'cronjob', kind: 'CronJob', listKind: 'CronJobList', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  {
    // kube-apiserver names the field spec.spec.schedule in this warning.
    warnings: (o, old) => [
      ...templateWarnings(o, old, ['spec', 'jobTemplate', 'spec', 'template']),
      ...(String(field(o, 'spec')?.schedule ?? '').includes('TZ') ? ['CRON_TZ or TZ used in spec.spec.schedule is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details'] : []),
    ],
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    applyDefaults: (o) => {
      const s = specOf(o);
      s.concurrencyPolicy ??= 'Allow';
      s.suspend ??= false;
      s.successfulJobsHistoryLimit ??= 3;
      s.failedJobsHistoryLimit ??= 1;
      const jobTemplate = child(s, 'jobTemplate');
      child(jobTemplate, 'metadata');
      // A job template gets its pod template's defaults only, not a job's.
      defaultPodTemplate(child(child(jobTemplate, 'spec'), 'template'));
    },
    validate: validateCronJob,
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [
        nameColumn,
        column('Schedule', 'The schedule in cron format.'),
        column('Suspend', 'Whether later runs are suspended.', 0, 'boolean'),
        column('Active', 'Jobs running now.', 0, 'integer'),
        column('Last Schedule', 'When a job was last scheduled.'),
        ageColumn,
        column('Containers', 'Names of each container in the template.', 1),
        column('Images', 'Images referenced by each container in the template.', 1),
        column('Selector', 'Label selector for the pods.', 1),
      ],
      cells: (o, now) => {
        const s = readSpec(o);
        const st = readStatus(o);
        const jobSpec = field(field(s, 'jobTemplate'), 'spec');
        const containers = arrayOf(field(field(jobSpec, 'template'), 'spec')?.containers);
        const last = typeof st.lastScheduleTime === 'string' ? humanDuration(now.getTime() - Date.parse(st.lastScheduleTime)) : '<none>';
        const selector = field(jobSpec, 'selector');
        return [
          o.metadata.name,
          String(s.schedule ?? ''),
          s.suspend === true ? 'True' : 'False',
          arrayOf(st.active).length,
          last,
          age(o.metadata.creationTimestamp, now),
          containers.map((c) => String(c.name ?? '')).join(','),
          containers.map((c) => String(c.image ?? '')).join(','),
          selector === undefined ? '<none>' : formatLabelSelector(selector),
        ];
      },
    },
  },
);
