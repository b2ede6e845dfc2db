import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { asTable, del, get, patch, post, put } from './steps.js';

/**
 * Pods and PodTemplates (core/v1). No scheduler or kubelet runs beside the
 * reference: Pods stay Pending, and a Pod bound to a node waits for a kubelet
 * to finish a graceful delete.
 */

const podSpec = { containers: [{ name: 'app', image: 'nginx:1.25' }] };

const pods: Fixture = {
  id: 'pods',
  collection: '/api/v1/namespaces/{ns}/pods',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'Pod',
  content: { spec: podSpec },
  // A pod's delete marks it (MODIFIED, with deletionTimestamp and a grace period of 0), then removes it.
  watchEvents: 3,
};

const podtemplates: Fixture = {
  id: 'podtemplates',
  collection: '/api/v1/namespaces/{ns}/podtemplates',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'PodTemplate',
  content: { template: { metadata: { labels: { app: 'web' } }, spec: podSpec } },
};

const podPath = '/api/v1/namespaces/{ns}/pods';
type Obj = { readonly [k: string]: Json };
const pod = (name: string, spec: Obj, metadata: Obj = {}): Json => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec });
const app = (extra: Obj = {}): Obj => ({ name: 'app', image: 'nginx:1.25', ...extra });

/** One invalid Pod per case: the container and pod-spec mistakes users make. */
const invalidPods: ReadonlyArray<[string, string, Obj]> = [
  ['no-containers', 'no containers', { containers: [] }],
  ['duplicate-container-names', 'two containers with one name', { containers: [app(), app()] }],
  ['init-container-same-name', 'an init container named like a container', { initContainers: [app()], containers: [app()] }],
  ['container-name-uppercase', 'a container name with capitals', { containers: [app({ name: 'App' })] }],
  ['no-image', 'a container without image', { containers: [{ name: 'app' }] }],
  ['pull-policy', 'imagePullPolicy Sometimes', { containers: [app({ imagePullPolicy: 'Sometimes' })] }],
  ['restart-policy', 'restartPolicy Sometimes', { restartPolicy: 'Sometimes', containers: [app()] }],
  ['dns-policy', 'dnsPolicy Anything', { dnsPolicy: 'Anything', containers: [app()] }],
  ['container-port-zero', 'containerPort 0', { containers: [app({ ports: [{ containerPort: 0 }] })] }],
  ['container-port-too-big', 'containerPort 65536', { containers: [app({ ports: [{ containerPort: 65536 }] })] }],
  ['host-port-too-big', 'hostPort 70000', { containers: [app({ ports: [{ containerPort: 80, hostPort: 70000 }] })] }],
  ['port-name-too-long', 'a port name longer than 15 characters', { containers: [app({ ports: [{ name: 'a-very-long-port-name', containerPort: 80 }] })] }],
  ['duplicate-port-names', 'two ports with one name', { containers: [app({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] })] }],
  ['limits-below-requests', 'a cpu request above its limit', { containers: [app({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] }],
  ['negative-request', 'a negative memory request', { containers: [app({ resources: { requests: { memory: '-1Mi' } } })] }],
  ['unknown-resource', 'a request for an unqualified resource name', { containers: [app({ resources: { requests: { gpu: '1' } } })] }],
  ['env-name', 'an env var name with a space', { containers: [app({ env: [{ name: 'A B', value: 'x' }] })] }],
  ['env-two-sources', 'an env var with a value and valueFrom', { containers: [app({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })] }],
  ['env-field-path', 'an env var from an unsupported fieldPath', { containers: [app({ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }] })] }],
  ['mount-unknown-volume', 'a volumeMount of a volume that does not exist', { containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }],
  ['mount-relative-path', 'a volumeMount with an empty mountPath', { volumes: [{ name: 'data', emptyDir: {} }], containers: [app({ volumeMounts: [{ name: 'data', mountPath: '' }] })] }],
  ['duplicate-volumes', 'two volumes with one name', { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }], containers: [app()] }],
  ['volume-two-sources', 'a volume with two sources', { volumes: [{ name: 'v', emptyDir: {}, configMap: { name: 'c' } }], containers: [app()] }],
  ['volume-name', 'a volume name with capitals', { volumes: [{ name: 'Data', emptyDir: {} }], containers: [app()] }],
  ['host-path-relative', 'a hostPath volume with an empty path', { volumes: [{ name: 'v', hostPath: { path: '' } }], containers: [app()] }],
  ['node-selector-key', 'a nodeSelector key with a space', { nodeSelector: { 'bad key': 'x' }, containers: [app()] }],
  ['toleration-operator', 'a toleration with operator Maybe', { tolerations: [{ key: 'k', operator: 'Maybe' }], containers: [app()] }],
  ['toleration-exists-value', 'an Exists toleration with a value', { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }], containers: [app()] }],
  ['active-deadline-zero', 'activeDeadlineSeconds 0', { activeDeadlineSeconds: 0, containers: [app()] }],
  ['probe-no-handler', 'a liveness probe without a handler', { containers: [app({ livenessProbe: { periodSeconds: 5 } })] }],
  ['probe-two-handlers', 'a liveness probe with exec and httpGet', { containers: [app({ livenessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 } } })] }],
  ['probe-port-name', 'an httpGet probe on a port name longer than 15 characters', { containers: [app({ readinessProbe: { httpGet: { port: 'much-too-long-a-name' } } })] }],
  ['run-as-user-negative', 'runAsUser -1', { securityContext: { runAsUser: -1 }, containers: [app()] }],
  ['host-network-ports', 'hostNetwork with a hostPort unlike its containerPort', { hostNetwork: true, containers: [app({ ports: [{ containerPort: 80, hostPort: 8080 }] })] }],
  ['hostname', 'a hostname with capitals', { hostname: 'Web', containers: [app()] }],
  ['priority-class-missing', 'a priorityClassName that does not exist', { priorityClassName: 'no-such-class', containers: [app()] }],
  ['service-account-name', 'a serviceAccountName with capitals', { serviceAccountName: 'Robot', containers: [app()] }],
  ['affinity-operator', 'node affinity with operator Near', {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] }] } } },
    containers: [app()],
  }],
  ['overhead-without-runtime-class', 'an overhead without a runtimeClassName', { overhead: { cpu: '100m' }, containers: [app()] }],
];

const handWritten: DiffCase[] = [
  ...invalidPods.map(([id, title, spec]): DiffCase => ({ id: `pods-invalid-${id}`, title: `Pod create is Invalid: ${title}`, steps: [post('create', podPath, pod('p', spec))] })),
  {
    id: 'pods-runtime-class',
    title: "RuntimeClass admission: a pod naming a class gets its overhead and scheduling (a conflicting node selector or overhead is Forbidden); a missing class is Forbidden",
    steps: [
      post('class', '/apis/node.k8s.io/v1/runtimeclasses', {
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'pods-runtime-class-gvisor' },
        handler: 'runsc',
        overhead: { podFixed: { cpu: '250m', memory: '64Mi' } },
        scheduling: { nodeSelector: { sandbox: 'gvisor' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] },
      }),
      post('pod', podPath, pod('p', { runtimeClassName: 'pods-runtime-class-gvisor', nodeSelector: { zone: 'a' }, containers: [app()] })),
      post('same-overhead', podPath, pod('q', { runtimeClassName: 'pods-runtime-class-gvisor', overhead: { cpu: '0.25', memory: '64Mi' }, containers: [app()] })),
      post('other-overhead', podPath, pod('r', { runtimeClassName: 'pods-runtime-class-gvisor', overhead: { cpu: '1' }, containers: [app()] })),
      post('selector-conflict', podPath, pod('s', { runtimeClassName: 'pods-runtime-class-gvisor', nodeSelector: { sandbox: 'kata' }, containers: [app()] })),
      post('missing-class', podPath, pod('t', { runtimeClassName: 'no-such-class', containers: [app()] })),
      del('delete-class', '/apis/node.k8s.io/v1/runtimeclasses/pods-runtime-class-gvisor'),
    ],
  },
  {
    id: 'pods-update-images',
    title: 'a pod update may change images, but not to an empty one or one with spaces around it',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] })),
      patch('image-spaces', `${podPath}/p`, 'strategic', { spec: { containers: [{ name: 'app', image: ' nginx:1.26' }] } }),
      patch('image-empty', `${podPath}/p`, 'json', [{ op: 'replace', path: '/spec/containers/0/image', value: '' }]),
      patch('image-ok', `${podPath}/p`, 'strategic', { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } }),
    ],
  },
  {
    id: 'pods-warnings',
    title: "kube-apiserver's Warnings for a valid pod: fractional bytes, a renamed node label, a negative grace period; and for a Deployment's template; again on updates",
    steps: [
      // One renamed label per selector: kube-apiserver reports a map's keys in Go's random order.
      post('pod', podPath, pod('p', { nodeSelector: { 'failure-domain.beta.kubernetes.io/zone': 'a', zone: 'b' }, terminationGracePeriodSeconds: -1, containers: [app({ resources: { limits: { memory: '1.5', 'ephemeral-storage': '0.5Ki' }, requests: { memory: '0.5' } } })] })),
      patch('pod-label', `${podPath}/p`, 'merge', { metadata: { labels: { more: 'x' } } }),
      post('deployment', '/apis/apps/v1/namespaces/{ns}/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { nodeSelector: { 'beta.kubernetes.io/arch': 'amd64' }, containers: [app({ resources: { requests: { memory: '100.5' } } })] } } },
      }),
      patch('deployment-replicas', '/apis/apps/v1/namespaces/{ns}/deployments/d', 'merge', { spec: { replicas: 3 } }),
      patch('deployment-template', '/apis/apps/v1/namespaces/{ns}/deployments/d', 'merge', { spec: { template: { metadata: { labels: { v: '2' } } } } }),
      post('job', '/apis/batch/v1/namespaces/{ns}/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [app({ resources: { limits: { memory: '0.5Mi', 'hugepages-2Mi': '1.5' } } })] } } } }),
      post('job-fractional', '/apis/batch/v1/namespaces/{ns}/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'k' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [app({ resources: { limits: { memory: '1.5' } } })] } } } }),
      patch('job-label', '/apis/batch/v1/namespaces/{ns}/jobs/k', 'merge', { metadata: { labels: { more: 'x' } } }),
      post('replicationcontroller', '/api/v1/namespaces/{ns}/replicationcontrollers', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { nodeSelector: { 'beta.kubernetes.io/instance-type': 'big' }, containers: [app()] } } } }),
      patch('replicationcontroller-replicas', '/api/v1/namespaces/{ns}/replicationcontrollers/rc', 'merge', { spec: { replicas: 2 } }),
      post('podtemplate', '/api/v1/namespaces/{ns}/podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template: { spec: { nodeSelector: { 'failure-domain.beta.kubernetes.io/region': 'r' }, containers: [app()] } } }),
    ],
  },
  {
    id: 'pods-bad-quantity',
    title: 'a resource quantity that does not parse is a decoding error',
    steps: [post('create', podPath, pod('p', { containers: [app({ resources: { limits: { cpu: 'lots' } } })] }))],
  },
  {
    id: 'pods-defaults',
    title: 'the defaults a Pod gets: pod and container fields, admission (service account volume, tolerations, priority), status',
    steps: [
      post('create', podPath, pod('p', {
        containers: [app({ ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 80 } }, env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })],
        initContainers: [{ name: 'init', image: 'busybox:latest' }],
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'sec', secret: { secretName: 's' } }],
      })),
      get('get', `${podPath}/p`),
      get('table', podPath, { accept: asTable }),
      get('table-wide', `${podPath}/p`, { accept: asTable, query: { includeObject: 'Object' } }),
    ],
  },
  {
    id: 'pods-update-rules',
    title: 'a Pod update may change images and a few fields only; labels change freely; containers merge by name',
    steps: [
      post('create', podPath, pod('p', { containers: [app(), { name: 'side', image: 'busybox:1' }] })),
      patch('image', `${podPath}/p`, 'strategic', { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } }),
      patch('add-env', `${podPath}/p`, 'strategic', { spec: { containers: [{ name: 'app', env: [{ name: 'A', value: '1' }] }] } }),
      patch('rename-container', `${podPath}/p`, 'json', [{ op: 'replace', path: '/spec/containers/0/name', value: 'renamed' }]),
      patch('merge-replaces-list', `${podPath}/p`, 'merge', { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }),
      patch('restart-policy', `${podPath}/p`, 'merge', { spec: { restartPolicy: 'Never' } }),
      patch('active-deadline', `${podPath}/p`, 'merge', { spec: { activeDeadlineSeconds: 100 } }),
      patch('tolerations-add', `${podPath}/p`, 'merge', { spec: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }] } }),
      patch('labels', `${podPath}/p`, 'merge', { metadata: { labels: { tier: 'web' } } }),
      get('get', `${podPath}/p`),
    ],
  },
  {
    id: 'pods-status',
    title: 'pods/status writes status only; the main resource ignores status',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] })),
      get('get-status', `${podPath}/p/status`),
      patch('patch-status', `${podPath}/p/status`, 'merge', { status: { phase: 'Running', podIP: '10.244.0.5', conditions: [{ type: 'Ready', status: 'True' }] } }),
      patch('patch-status-bad-phase', `${podPath}/p/status`, 'merge', { status: { phase: 'Dancing' } }),
      patch('patch-status-bad-ip', `${podPath}/p/status`, 'merge', { status: { podIP: 'nope' } }),
      patch('main-ignores-status', `${podPath}/p`, 'merge', { status: { phase: 'Failed' } }),
      get('get', `${podPath}/p`),
    ],
  },
  {
    id: 'pods-binding',
    title: 'pods/binding sets spec.nodeName once; a second binding is a Conflict; a bound Pod deletes gracefully',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] })),
      post('bind', `${podPath}/p/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }),
      get('get', `${podPath}/p`),
      post('bind-again', `${podPath}/p/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-2' } }),
      post('bind-missing', `${podPath}/missing/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'missing' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }),
      post('bind-collection', '/api/v1/namespaces/{ns}/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-3' } }),
      del('delete-graceful', `${podPath}/p`),
      get('get-terminating', `${podPath}/p`),
      del('delete-now', `${podPath}/p`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }),
      get('get-gone', `${podPath}/p`),
      get('list-by-node', podPath, { query: { fieldSelector: 'spec.nodeName=node-1' } }),
    ],
  },
  {
    id: 'pods-eviction',
    title: 'pods/eviction deletes a Pod no budget protects; evicting a missing Pod is NotFound',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] })),
      post('evict', `${podPath}/p/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: '{ns}' } }),
      get('get', `${podPath}/p`),
      post('evict-missing', `${podPath}/missing/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'missing', namespace: '{ns}' } }),
      post('evict-name-mismatch', `${podPath}/p/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other', namespace: '{ns}' } }),
    ],
  },
  {
    id: 'pods-eviction-budget',
    title: 'pods/eviction is refused with 429 while a PodDisruptionBudget allows no disruption',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] }, { labels: { app: 'guarded' } })),
      post('pdb', '/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }),
      post('evict', `${podPath}/p/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: '{ns}' } }),
      get('get', `${podPath}/p`),
    ],
  },
  {
    id: 'pods-subresources-other',
    title: 'pods/log without a node, ephemeral containers, and field selectors by status.phase',
    steps: [
      post('create', podPath, pod('p', { containers: [app()] })),
      get('log', `${podPath}/p/log`),
      get('log-missing', `${podPath}/missing/log`),
      get('ephemeral-get', `${podPath}/p/ephemeralcontainers`),
      patch('ephemeral-add', `${podPath}/p/ephemeralcontainers`, 'strategic', { spec: { ephemeralContainers: [{ name: 'debug', image: 'busybox:1', targetContainerName: 'app' }] } }),
      patch('ephemeral-bad', `${podPath}/p/ephemeralcontainers`, 'strategic', { spec: { ephemeralContainers: [{ name: 'debug2', image: 'busybox:1', ports: [{ containerPort: 80 }] }] } }),
      get('list-by-phase', podPath, { query: { fieldSelector: 'status.phase=Pending' } }),
      get('list-by-bad-field', podPath, { query: { fieldSelector: 'spec.restartPolicy=Always' } }),
    ],
  },
  {
    id: 'pods-ephemeral-containers',
    title: "pods/ephemeralcontainers as kubectl debug uses it: what it takes from the request, what an ephemeral container may not have, and that one added cannot go",
    steps: [
      post('create-with-ephemeral', podPath, pod('bad', { containers: [app()], ephemeralContainers: [{ name: 'debug', image: 'busybox:1' }] })),
      post('create', podPath, pod('p', { containers: [app()] }, { labels: { a: 'b' } })),
      patch('add', `${podPath}/p/ephemeralcontainers`, 'merge', { metadata: { labels: { a: 'changed' } }, spec: { ephemeralContainers: [{ name: 'debug', image: 'busybox:1', targetContainerName: 'app', stdin: true, tty: true }] } }),
      patch('duplicate-name', `${podPath}/p/ephemeralcontainers`, 'strategic', { spec: { ephemeralContainers: [{ name: 'app', image: 'busybox:1' }] } }),
      patch('unknown-target', `${podPath}/p/ephemeralcontainers`, 'strategic', { spec: { ephemeralContainers: [{ name: 'd2', image: 'busybox:1', targetContainerName: 'nope' }] } }),
      patch('forbidden-fields', `${podPath}/p/ephemeralcontainers`, 'strategic', {
        spec: { ephemeralContainers: [{ name: 'd3', image: 'busybox:1', resources: { limits: { cpu: '1' } }, readinessProbe: { exec: { command: ['true'] } }, lifecycle: { preStop: { exec: { command: ['true'] } } }, volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 's' }] }] },
      }),
      patch('no-image', `${podPath}/p/ephemeralcontainers`, 'strategic', { spec: { ephemeralContainers: [{ name: 'd4' }] } }),
      patch('remove', `${podPath}/p/ephemeralcontainers`, 'json', [{ op: 'remove', path: '/spec/ephemeralContainers/0' }]),
      patch('main-resource', `${podPath}/p`, 'strategic', { spec: { ephemeralContainers: [{ name: 'd5', image: 'busybox:1' }] } }),
      get('get', `${podPath}/p/ephemeralcontainers`),
    ],
  },
  {
    id: 'pods-generate-name',
    title: 'a Pod made from generateName, and a PUT of the full object read back',
    steps: [
      post('create', podPath, { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [app()] } }),
      get('list', podPath),
      put('put-read-back', `${podPath}/{ref:create:metadata.name}`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: '{ref:create:metadata.name}', resourceVersion: '{rv:create}', labels: { put: 'yes' } }, spec: { containers: [app()] } }),
    ],
  },
  {
    id: 'podtemplates-invalid',
    title: 'a PodTemplate whose template has no containers or a bad restart policy is Invalid',
    steps: [
      post('no-containers', '/api/v1/namespaces/{ns}/podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'a' }, template: { spec: { containers: [] } } }),
      post('bad-label', '/api/v1/namespaces/{ns}/podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'b' }, template: { metadata: { labels: { 'a b': 'c' } }, spec: podSpec } }),
      post('bad-restart', '/api/v1/namespaces/{ns}/podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'c' }, template: { spec: { restartPolicy: 'Sometimes', containers: [app()] } } }),
    ],
  },
];

export const podCases: readonly DiffCase[] = [...standardCases(pods), ...standardCases(podtemplates), ...handWritten];
