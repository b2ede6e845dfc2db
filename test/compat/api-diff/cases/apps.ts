import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { asTable, get, patch, post, put } from './steps.js';

/**
 * apps/v1: Deployments (with scale and status), ReplicaSets, StatefulSets,
 * DaemonSets and ControllerRevisions. No controllers run beside the reference,
 * so nothing ever creates ReplicaSets or Pods from these.
 */

type Obj = { readonly [k: string]: Json };
const labels = { app: 'web' };
const template: Obj = { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } };

const workload = (id: string, resource: string, kind: string, spec: Obj): Fixture => ({
  id,
  collection: `/apis/apps/v1/namespaces/{ns}/${resource}`,
  namespaced: true,
  apiVersion: 'apps/v1',
  kind,
  content: { spec },
});

const deployments = workload('deployments', 'deployments', 'Deployment', { replicas: 2, selector: { matchLabels: labels }, template });
const replicasets = workload('replicasets', 'replicasets', 'ReplicaSet', { replicas: 2, selector: { matchLabels: labels }, template });
const statefulsets = workload('statefulsets', 'statefulsets', 'StatefulSet', { replicas: 2, serviceName: 'web', selector: { matchLabels: labels }, template });
const daemonsets = workload('daemonsets', 'daemonsets', 'DaemonSet', { selector: { matchLabels: labels }, template });
const controllerrevisions: Fixture = {
  id: 'controllerrevisions',
  collection: '/apis/apps/v1/namespaces/{ns}/controllerrevisions',
  namespaced: true,
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  content: { revision: 1, data: { spec: { template: { metadata: { labels } } } } },
};

const deployPath = '/apis/apps/v1/namespaces/{ns}/deployments';
const deploy = (name: string, spec: Obj): Json => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec });
const validSpec: Obj = { replicas: 2, selector: { matchLabels: labels }, template };
const withTemplateSpec = (podSpec: Obj): Obj => ({ ...validSpec, template: { metadata: { labels }, spec: podSpec } });

/** Invalid Deployments: the mistakes users make with selectors, counts and strategies. */
const invalidDeployments: ReadonlyArray<[string, string, Obj]> = [
  ['selector-mismatch', 'a selector that does not match the template labels', { ...validSpec, selector: { matchLabels: { app: 'other' } } }],
  ['no-selector', 'no selector', { replicas: 1, template }],
  ['empty-selector', 'an empty selector', { ...validSpec, selector: {} }],
  ['selector-bad-operator', 'a matchExpressions operator Like', { ...validSpec, selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] } }],
  ['selector-in-without-values', 'a matchExpressions In with no values', { ...validSpec, selector: { matchLabels: labels, matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } }],
  ['no-template-labels', 'a template without labels', { ...validSpec, template: { spec: template.spec as Json } }],
  ['replicas-negative', 'replicas -1', { ...validSpec, replicas: -1 }],
  ['revision-history-negative', 'revisionHistoryLimit -1', { ...validSpec, revisionHistoryLimit: -1 }],
  ['min-ready-negative', 'minReadySeconds -1', { ...validSpec, minReadySeconds: -1 }],
  ['progress-deadline', 'progressDeadlineSeconds not above minReadySeconds', { ...validSpec, minReadySeconds: 30, progressDeadlineSeconds: 30 }],
  ['strategy-type', 'strategy type Canary', { ...validSpec, strategy: { type: 'Canary' } }],
  ['recreate-with-rolling', 'a Recreate strategy with rollingUpdate parameters', { ...validSpec, strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }],
  ['surge-and-unavailable-zero', 'maxSurge and maxUnavailable both 0', { ...validSpec, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }],
  ['unavailable-over-100', 'maxUnavailable 110%', { ...validSpec, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '110%' } } }],
  ['surge-bad-string', 'maxSurge "lots"', { ...validSpec, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots' } } }],
  ['template-restart-never', 'a template with restartPolicy Never', withTemplateSpec({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'nginx:1.25' }] })],
  ['template-no-containers', 'a template without containers', withTemplateSpec({ containers: [] })],
  ['template-duplicate-containers', 'a template with two containers of one name', withTemplateSpec({ containers: [{ name: 'app', image: 'a' }, { name: 'app', image: 'b' }] })],
  ['template-pull-policy', 'a template container with imagePullPolicy Sometimes', withTemplateSpec({ containers: [{ name: 'app', image: 'a', imagePullPolicy: 'Sometimes' }] })],
  ['template-active-deadline', 'a template with activeDeadlineSeconds', withTemplateSpec({ activeDeadlineSeconds: 10, containers: [{ name: 'app', image: 'a' }] })],
];

/** A selector that does not convert (operator Like) with a template that is itself invalid (no containers), for each kind with a selector and a template. */
const badSelectorBadTemplate: Obj = { selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] }, template: { metadata: { labels }, spec: { containers: [] } } };

const handWritten: DiffCase[] = [
  {
    id: 'apps-dotted-names',
    title: 'a Deployment, ReplicaSet, StatefulSet and DaemonSet named with dots: accepted or refused as kube-apiserver does, with its Warnings',
    steps: [deployments, replicasets, statefulsets, daemonsets].map((f) => post(f.id, f.collection, { apiVersion: 'apps/v1', kind: f.kind, metadata: { name: 'a.b', labels: { case: '{ns}' } }, ...f.content })),
  },
  ...invalidDeployments.map(([id, title, spec]): DiffCase => ({ id: `deployments-invalid-${id}`, title: `Deployment create is Invalid: ${title}`, steps: [post('create', deployPath, deploy('d', spec))] })),
  {
    id: 'workloads-selector-that-does-not-convert',
    title: 'a selector that does not convert to a selector, with an invalid template, in each kind that has both: which checks still run',
    steps: (
      [
        ['deployments', 'Deployment', { replicas: 1 }],
        ['replicasets', 'ReplicaSet', { replicas: 1 }],
        ['statefulsets', 'StatefulSet', { replicas: 1, serviceName: 'web' }],
        ['daemonsets', 'DaemonSet', {}],
      ] as const
    ).map(([resource, kind, extra]) => post(resource, `/apis/apps/v1/namespaces/{ns}/${resource}`, { apiVersion: 'apps/v1', kind, metadata: { name: 'w' }, spec: { ...extra, ...badSelectorBadTemplate } })),
  },
  {
    id: 'deployments-replicas-string',
    title: 'replicas given as a string is a decoding error',
    steps: [post('create', deployPath, deploy('d', { ...validSpec, replicas: 'two' }))],
  },
  {
    id: 'deployments-defaults',
    title: 'the defaults a Deployment gets, its Table (wide columns included) and generation on spec changes only',
    steps: [
      post('create', deployPath, deploy('d', { selector: { matchLabels: labels }, template })),
      get('table', deployPath, { accept: asTable }),
      patch('label', `${deployPath}/d`, 'merge', { metadata: { labels: { x: 'y' } } }),
      patch('annotate', `${deployPath}/d`, 'merge', { metadata: { annotations: { note: 'n' } } }),
      patch('image', `${deployPath}/d`, 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } }),
      patch('replicas', `${deployPath}/d`, 'merge', { spec: { replicas: 4 } }),
      get('get', `${deployPath}/d`),
    ],
  },
  {
    id: 'deployments-selector-immutable',
    title: 'a Deployment selector cannot change; template labels must keep matching',
    steps: [
      post('create', deployPath, deploy('d', validSpec)),
      patch('change-selector', `${deployPath}/d`, 'merge', { spec: { selector: { matchLabels: { app: 'web', tier: 'x' } }, template: { metadata: { labels: { app: 'web', tier: 'x' } } } } }),
      patch('template-labels-mismatch', `${deployPath}/d`, 'merge', { spec: { template: { metadata: { labels: { app: 'other' } } } } }),
      patch('template-labels-extra', `${deployPath}/d`, 'merge', { spec: { template: { metadata: { labels: { extra: 'ok' } } } } }),
    ],
  },
  {
    id: 'deployments-scale',
    title: 'deployments/scale reads and writes spec.replicas as autoscaling/v1 Scale',
    steps: [
      post('create', deployPath, deploy('d', validSpec)),
      get('get-scale', `${deployPath}/d/scale`),
      put('put-scale', `${deployPath}/d/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'd', namespace: '{ns}' }, spec: { replicas: 5 } }),
      patch('patch-scale', `${deployPath}/d/scale`, 'merge', { spec: { replicas: 3 } }),
      patch('patch-scale-json', `${deployPath}/d/scale`, 'json', [{ op: 'replace', path: '/spec/replicas', value: 1 }]),
      put('put-scale-negative', `${deployPath}/d/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'd', namespace: '{ns}' }, spec: { replicas: -1 } }),
      put('put-scale-stale', `${deployPath}/d/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'd', namespace: '{ns}', resourceVersion: '{rv:create}' }, spec: { replicas: 7 } }),
      put('put-scale-name-mismatch', `${deployPath}/d/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'other', namespace: '{ns}' }, spec: { replicas: 2 } }),
      get('get-scale-missing', `${deployPath}/missing/scale`),
      get('get', `${deployPath}/d`),
    ],
  },
  {
    id: 'deployments-status',
    title: 'deployments/status writes status only and is validated; the main resource ignores status',
    steps: [
      post('create', deployPath, deploy('d', validSpec)),
      get('get-status', `${deployPath}/d/status`),
      patch('patch-status', `${deployPath}/d/status`, 'merge', {
        status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'waiting' }] },
        spec: { replicas: 9 },
      }),
      patch('patch-status-negative', `${deployPath}/d/status`, 'merge', { status: { readyReplicas: -1 } }),
      patch('patch-status-ready-above', `${deployPath}/d/status`, 'merge', { status: { replicas: 1, readyReplicas: 3 } }),
      patch('main-ignores-status', `${deployPath}/d`, 'merge', { status: { replicas: 50 } }),
      get('get', `${deployPath}/d`),
      get('table', `${deployPath}/d`, { accept: asTable }),
    ],
  },
  {
    id: 'replicasets-scale-status',
    title: 'replicasets/scale and replicasets/status',
    steps: [
      post('create', '/apis/apps/v1/namespaces/{ns}/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: validSpec }),
      get('get-scale', '/apis/apps/v1/namespaces/{ns}/replicasets/rs/scale'),
      patch('patch-scale', '/apis/apps/v1/namespaces/{ns}/replicasets/rs/scale', 'merge', { spec: { replicas: 4 } }),
      patch('patch-status', '/apis/apps/v1/namespaces/{ns}/replicasets/rs/status', 'merge', { status: { replicas: 4, readyReplicas: 2, fullyLabeledReplicas: 4 } }),
      patch('patch-status-bad', '/apis/apps/v1/namespaces/{ns}/replicasets/rs/status', 'merge', { status: { replicas: 1, readyReplicas: 2 } }),
      get('get', '/apis/apps/v1/namespaces/{ns}/replicasets/rs'),
    ],
  },
  {
    id: 'replicasets-invalid',
    title: 'ReplicaSets with a mismatched selector, negative replicas, no selector',
    steps: [
      post('selector-mismatch', '/apis/apps/v1/namespaces/{ns}/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'a' }, spec: { ...validSpec, selector: { matchLabels: { app: 'x' } } } }),
      post('replicas-negative', '/apis/apps/v1/namespaces/{ns}/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'b' }, spec: { ...validSpec, replicas: -3 } }),
      post('no-selector', '/apis/apps/v1/namespaces/{ns}/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'c' }, spec: { template } }),
    ],
  },
  {
    id: 'statefulsets-scale-invalid',
    title: 'statefulsets/scale, and StatefulSets with a bad podManagementPolicy, a changed serviceName, a bad volumeClaimTemplate',
    steps: [
      post('create', '/apis/apps/v1/namespaces/{ns}/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { ...validSpec, serviceName: 'db' } }),
      patch('patch-scale', '/apis/apps/v1/namespaces/{ns}/statefulsets/db/scale', 'merge', { spec: { replicas: 3 } }),
      get('get-scale', '/apis/apps/v1/namespaces/{ns}/statefulsets/db/scale'),
      patch('change-service-name', '/apis/apps/v1/namespaces/{ns}/statefulsets/db', 'merge', { spec: { serviceName: 'other' } }),
      post('bad-policy', '/apis/apps/v1/namespaces/{ns}/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'b' }, spec: { ...validSpec, podManagementPolicy: 'Random' } }),
      post('bad-claim', '/apis/apps/v1/namespaces/{ns}/statefulsets', {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'c' },
        spec: { ...validSpec, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteSometimes'], resources: { requests: { storage: '1Gi' } } } }] },
      }),
      post('bad-update-strategy', '/apis/apps/v1/namespaces/{ns}/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'd' }, spec: { ...validSpec, updateStrategy: { type: 'Sometimes' } } }),
    ],
  },
  {
    id: 'daemonsets-invalid-status',
    title: 'DaemonSets with a bad update strategy or a mismatched selector; daemonsets/status',
    steps: [
      post('create', '/apis/apps/v1/namespaces/{ns}/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: labels }, template } }),
      patch('patch-status', '/apis/apps/v1/namespaces/{ns}/daemonsets/agent/status', 'merge', { status: { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1 } }),
      patch('patch-status-negative', '/apis/apps/v1/namespaces/{ns}/daemonsets/agent/status', 'merge', { status: { numberReady: -1 } }),
      post('bad-strategy', '/apis/apps/v1/namespaces/{ns}/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'b' }, spec: { selector: { matchLabels: labels }, template, updateStrategy: { type: 'Sometimes' } } }),
      post('selector-mismatch', '/apis/apps/v1/namespaces/{ns}/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'c' }, spec: { selector: { matchLabels: { app: 'x' } }, template } }),
      post('surge-and-unavailable', '/apis/apps/v1/namespaces/{ns}/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { selector: { matchLabels: labels }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } } }),
    ],
  },
  {
    id: 'controllerrevisions-invalid',
    title: 'ControllerRevisions with a negative revision or changed data',
    steps: [
      post('negative', '/apis/apps/v1/namespaces/{ns}/controllerrevisions', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'a' }, revision: -1 }),
      post('create', '/apis/apps/v1/namespaces/{ns}/controllerrevisions', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'b' }, revision: 1, data: { x: 1 } }),
      patch('change-data', '/apis/apps/v1/namespaces/{ns}/controllerrevisions/b', 'merge', { data: { x: 2 } }),
      patch('change-revision', '/apis/apps/v1/namespaces/{ns}/controllerrevisions/b', 'merge', { revision: 2 }),
    ],
  },
];

export const appsCases: readonly DiffCase[] = [
  ...standardCases(deployments),
  ...standardCases(replicasets),
  ...standardCases(statefulsets),
  ...standardCases(daemonsets),
  ...standardCases(controllerrevisions),
  ...handWritten,
];
