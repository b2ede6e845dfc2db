import type { DiffCase, Json } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post } from './steps.js';

/** batch/v1: Jobs and CronJobs. No job controller runs beside the reference. */

type Obj = { readonly [k: string]: Json };
const podTemplate: Obj = { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1' }] } };

const jobs: Fixture = {
  id: 'jobs',
  collection: '/apis/batch/v1/namespaces/{ns}/jobs',
  namespaced: true,
  apiVersion: 'batch/v1',
  kind: 'Job',
  content: { spec: { backoffLimit: 2, template: podTemplate } },
};

const cronjobs: Fixture = {
  id: 'cronjobs',
  collection: '/apis/batch/v1/namespaces/{ns}/cronjobs',
  namespaced: true,
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  content: { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate } } } },
};

const jobSpec = (over: Obj): Obj => ({ spec: { template: podTemplate, ...over } });
const cronSpec = (over: Obj): Obj => ({ spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate } }, ...over } });

const handWritten: DiffCase[] = [
  ...invalidCreateCases(jobs, [
    ['restart-always', 'a template with restartPolicy Always', { spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'w', image: 'b' }] } } } }],
    ['parallelism-negative', 'parallelism -1', jobSpec({ parallelism: -1 })],
    ['completions-negative', 'completions -1', jobSpec({ completions: -1 })],
    ['backoff-negative', 'backoffLimit -1', jobSpec({ backoffLimit: -1 })],
    ['ttl-negative', 'ttlSecondsAfterFinished -1', jobSpec({ ttlSecondsAfterFinished: -1 })],
    ['completion-mode', 'completionMode Sometimes', jobSpec({ completionMode: 'Sometimes' })],
    ['pod-failure-action', 'a podFailurePolicy rule with action Retry', jobSpec({ podFailurePolicy: { rules: [{ action: 'Retry', onExitCodes: { operator: 'In', values: [1] } }] } })],
    ['manual-selector-missing', 'a selector without manualSelector', jobSpec({ selector: { matchLabels: { a: 'b' } } })],
    ['active-deadline-negative', 'activeDeadlineSeconds -1', jobSpec({ activeDeadlineSeconds: -1 })],
  ]),
  {
    id: 'jobs-defaults-update',
    title: 'a Job gets a generated selector and labels; its template is immutable, suspend and parallelism are not; jobs/status',
    steps: [
      post('create', jobs.collection, makeObject(jobs, 'j')),
      patch('change-template', objectPath(jobs, 'j'), 'strategic', { spec: { template: { spec: { containers: [{ name: 'work', image: 'busybox:2' }] } } } }),
      patch('suspend', objectPath(jobs, 'j'), 'merge', { spec: { suspend: true, parallelism: 3 } }),
      patch('change-completions', objectPath(jobs, 'j'), 'merge', { spec: { completions: 5 } }),
      patch('status', `${objectPath(jobs, 'j')}/status`, 'merge', { status: { active: 1, startTime: '2024-01-01T00:00:00Z' } }),
      patch('status-negative', `${objectPath(jobs, 'j')}/status`, 'merge', { status: { failed: -1 } }),
      get('get', objectPath(jobs, 'j')),
      get('table', jobs.collection, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
    ],
  },
  ...invalidCreateCases(cronjobs, [
    ['schedule', 'a schedule that does not parse', cronSpec({ schedule: 'every minute' })],
    ['concurrency-policy', 'concurrencyPolicy Sometimes', cronSpec({ concurrencyPolicy: 'Sometimes' })],
    ['time-zone', 'an unknown timeZone', cronSpec({ timeZone: 'Mars/Olympus' })],
    ['history-negative', 'successfulJobsHistoryLimit -1', cronSpec({ successfulJobsHistoryLimit: -1 })],
    ['name-too-long', 'a name over 52 characters', {}, { name: `c${'x'.repeat(52)}` }],
  ]),
  {
    id: 'cronjobs-tz-in-schedule',
    title: 'a TZ= prefix in the schedule is accepted with a Warning',
    steps: [post('create', cronjobs.collection, makeObject(cronjobs, 'tz', { body: cronSpec({ schedule: 'TZ=UTC */5 * * * *' }) }))],
  },
  {
    id: 'batch-dotted-names',
    title: 'a Job or CronJob named with dots is created, with a Warning that its name is not a DNS label; so are a schedule change with TZ= and a Job update',
    steps: [
      post('job', jobs.collection, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'a.b', labels: { case: '{ns}' } }, ...jobSpec({}) }),
      post('cronjob', cronjobs.collection, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c.d', labels: { case: '{ns}' } }, ...cronSpec({}) }),
      patch('cronjob-tz', `${cronjobs.collection}/c.d`, 'merge', { spec: { schedule: 'CRON_TZ=UTC 0 * * * *' } }),
      patch('job-label', `${jobs.collection}/a.b`, 'merge', { metadata: { labels: { more: 'x' } } }),
    ],
  },
  {
    id: 'jobs-generate-name',
    title: "a Job named by generateName: its generated selector and the template's job-name label, and a LimitRange named by generateName",
    steps: [
      post('job', jobs.collection, { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'work-', labels: { case: '{ns}' } }, ...jobSpec({}) }),
      post('limitrange', '/api/v1/namespaces/{ns}/limitranges', { apiVersion: 'v1', kind: 'LimitRange', metadata: { generateName: 'limits-' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } }),
    ],
  },
  {
    id: 'cronjobs-update-status',
    title: 'a CronJob schedule and suspend change; cronjobs/status sets lastScheduleTime',
    steps: [
      post('create', cronjobs.collection, makeObject(cronjobs, 'c')),
      patch('schedule', objectPath(cronjobs, 'c'), 'merge', { spec: { schedule: '0 * * * *', suspend: true } }),
      patch('bad-schedule', objectPath(cronjobs, 'c'), 'merge', { spec: { schedule: '61 * * * *' } }),
      patch('status', `${objectPath(cronjobs, 'c')}/status`, 'merge', { status: { lastScheduleTime: '2024-01-01T00:00:00Z' } }),
      get('get', objectPath(cronjobs, 'c')),
    ],
  },
];

export const batchCases: readonly DiffCase[] = [...standardCases(jobs), ...standardCases(cronjobs), ...handWritten];
