import type { DiffCase } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post, put } from './steps.js';

/**
 * The other core/v1 resources: Nodes, PersistentVolumes, PersistentVolumeClaims,
 * LimitRanges, ResourceQuotas and ReplicationControllers.
 */

const nodes: Fixture = {
  id: 'nodes',
  collection: '/api/v1/nodes',
  namespaced: false,
  apiVersion: 'v1',
  kind: 'Node',
  content: { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } },
};

const persistentvolumes: Fixture = {
  id: 'persistentvolumes',
  collection: '/api/v1/persistentvolumes',
  namespaced: false,
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  content: { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv' }, persistentVolumeReclaimPolicy: 'Retain' } },
};

const persistentvolumeclaims: Fixture = {
  id: 'persistentvolumeclaims',
  collection: '/api/v1/namespaces/{ns}/persistentvolumeclaims',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  content: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' } },
};

const limitranges: Fixture = {
  id: 'limitranges',
  collection: '/api/v1/namespaces/{ns}/limitranges',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'LimitRange',
  content: { spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' }, max: { cpu: '1' } }] } },
};

const resourcequotas: Fixture = {
  id: 'resourcequotas',
  collection: '/api/v1/namespaces/{ns}/resourcequotas',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  content: { spec: { hard: { pods: '10', 'requests.cpu': '4' } } },
};

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } };
const replicationcontrollers: Fixture = {
  id: 'replicationcontrollers',
  collection: '/api/v1/namespaces/{ns}/replicationcontrollers',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  content: { spec: { replicas: 2, selector: { app: 'web' }, template } },
};

const handWritten: DiffCase[] = [
  ...invalidCreateCases(nodes, [
    ['pod-cidr', 'a podCIDR that is not a CIDR', { spec: { podCIDR: '10.244.1.0' } }],
    ['taint-effect', 'a taint with effect Sometimes', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }],
    ['taint-duplicate', 'the same taint key and effect twice', { spec: { taints: [{ key: 'k', value: 'a', effect: 'NoSchedule' }, { key: 'k', value: 'b', effect: 'NoSchedule' }] } }],
    ['name-uppercase', 'a name with capitals', {}, { name: '{ns}-Node' }],
  ]),
  {
    id: 'nodes-status-taints',
    title: 'a new Node gets the not-ready taint; nodes/status sets conditions, capacity and addresses; spec.podCIDR cannot change once set',
    steps: [
      post('create', nodes.collection, makeObject(nodes, 'n1')),
      get('get', objectPath(nodes, 'n1')),
      patch('status', `${objectPath(nodes, 'n1')}/status`, 'strategic', {
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' }],
          capacity: { cpu: '4', memory: '8Gi', pods: '110' },
          allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
          addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
        },
      }),
      patch('untaint', objectPath(nodes, 'n1'), 'json', [{ op: 'remove', path: '/spec/taints' }]),
      patch('change-pod-cidr', objectPath(nodes, 'n1'), 'merge', { spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }),
      patch('cordon', objectPath(nodes, 'n1'), 'merge', { spec: { unschedulable: true } }),
      get('table', nodes.collection, { query: { labelSelector: 'case={ns}' }, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
      patch('status-bad-capacity', `${objectPath(nodes, 'n1')}/status`, 'merge', { status: { capacity: { cpu: '-1' } } }),
    ],
  },
  ...invalidCreateCases(persistentvolumes, [
    ['no-capacity', 'no capacity', { spec: { accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv' } } }],
    ['no-source', 'no volume source', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }],
    ['access-mode', 'access mode ReadWriteSometimes', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteSometimes'], hostPath: { path: '/tmp/pv' } } }],
    ['reclaim-policy', 'reclaim policy Keep', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv' }, persistentVolumeReclaimPolicy: 'Keep' } }],
  ]),
  {
    id: 'persistentvolumes-status-immutable',
    title: 'persistentvolumes/status sets the phase; the volume source cannot change',
    steps: [
      post('create', persistentvolumes.collection, makeObject(persistentvolumes, 'pv')),
      patch('status', `${objectPath(persistentvolumes, 'pv')}/status`, 'merge', { status: { phase: 'Available' } }),
      patch('change-source', objectPath(persistentvolumes, 'pv'), 'merge', { spec: { hostPath: { path: '/tmp/other' } } }),
      patch('grow', objectPath(persistentvolumes, 'pv'), 'merge', { spec: { capacity: { storage: '2Gi' } } }),
    ],
  },
  ...invalidCreateCases(persistentvolumeclaims, [
    ['no-access-modes', 'no access modes', { spec: { resources: { requests: { storage: '1Gi' } } } }],
    ['no-storage', 'no storage request', { spec: { accessModes: ['ReadWriteOnce'] } }],
    ['negative-storage', 'a negative storage request', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '-1Gi' } } } }],
  ]),
  {
    id: 'persistentvolumeclaims-update-status',
    title: 'a PVC spec cannot change except to grow; persistentvolumeclaims/status',
    steps: [
      post('create', persistentvolumeclaims.collection, makeObject(persistentvolumeclaims, 'c')),
      patch('change-modes', objectPath(persistentvolumeclaims, 'c'), 'merge', { spec: { accessModes: ['ReadWriteMany'] } }),
      patch('shrink', objectPath(persistentvolumeclaims, 'c'), 'merge', { spec: { resources: { requests: { storage: '500Mi' } } } }),
      patch('status', `${objectPath(persistentvolumeclaims, 'c')}/status`, 'merge', { status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }),
      get('get', objectPath(persistentvolumeclaims, 'c')),
    ],
  },
  ...invalidCreateCases(limitranges, [
    ['default-above-max', 'a default above max', { spec: { limits: [{ type: 'Container', default: { cpu: '2' }, max: { cpu: '1' } }] } }],
    ['bad-type', 'limit type Cluster', { spec: { limits: [{ type: 'Cluster', max: { cpu: '1' } }] } }],
    ['min-above-max', 'min above max', { spec: { limits: [{ type: 'Pod', min: { memory: '2Gi' }, max: { memory: '1Gi' } }] } }],
    ['pod-defaults', 'a Pod limit with a default and a default request', { spec: { limits: [{ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' }, max: { cpu: '2' } }] } }],
    ['pvc-without-storage', 'a PersistentVolumeClaim limit without a storage bound', { spec: { limits: [{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }] } }],
    ['duplicate-type', 'two Container limits', { spec: { limits: [{ type: 'Container', max: { cpu: '1' } }, { type: 'Container', max: { memory: '1Gi' } }] } }],
    ['ratio-below-one', 'a maxLimitRequestRatio under 1', { spec: { limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }] } }],
    ['ratio-above-bounds', 'a maxLimitRequestRatio above max/min', { spec: { limits: [{ type: 'Container', min: { cpu: '300m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } }] } }],
    ['request-above-default', 'a default request above the default limit and below min', { spec: { limits: [{ type: 'Container', min: { memory: '256Mi' }, default: { memory: '512Mi' }, defaultRequest: { memory: '1Gi' } }] } }],
    // One name per map: kube-apiserver reports a map's names in Go's random order.
    ['resource-name', 'a Pod limit on storage, a claim limit on a bad name', { spec: { limits: [{ type: 'Pod', max: { storage: '1Gi' } }, { type: 'PersistentVolumeClaim', max: { storage: '1Gi' }, min: { 'bad name': '1' } }] } }],
  ]),
  ...invalidCreateCases(resourcequotas, [
    ['negative', 'a negative hard limit', { spec: { hard: { pods: '-1' } } }],
    ['bad-scope', 'scope Sometimes', { spec: { hard: { pods: '1' }, scopes: ['Sometimes'] } }],
    ['scope-resource', 'scope BestEffort on requests.cpu', { spec: { hard: { pods: '1', 'requests.cpu': '1', secrets: '2' }, scopes: ['BestEffort'] } }],
    ['conflicting-scopes', 'scopes Terminating and NotTerminating', { spec: { hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] } }],
    ['bad-resource', 'a resource name with a space', { spec: { hard: { 'bad name': '1' } } }],
  ]),
  {
    id: 'resourcequotas-quantity-syntax',
    title: "quantities as resource.ParseQuantity reads them: each suffix, signs, exponents, bare dots and signs, JSON numbers, and its three errors",
    steps: Object.entries({
      'exponent-large': '1e100',
      'exa-thousand': '1000E',
      'exponent-negative': '5E-3',
      'exponent-plus': '1e+3',
      'exa-alone': '1E',
      'sign-only': '+',
      'minus-only': '-',
      'dot-only': '.',
      'dot-trailing': '1.',
      'dot-leading': '.5',
      'spaces': ' 1 ',
      'nano-rounding': '0.0000000001',
      'twenty-digits': '12345678901234567890',
      'tiny-exponent': '1e-20',
      'binary-fraction': '1.5Gi',
      'binary-small': '0.5Ki',
      'e-alone': '1e',
      'ki-lower': '1ki',
      'suffix-then-junk': '1Gx',
      'two-dots': '1.5.5',
      'e-twice': '1EE',
      'sign-in-middle': '1+5',
      empty: '',
      word: 'lots',
    }).map(([id, cpu]) => post(id, resourcequotas.collection, makeObject(resourcequotas, id, { body: { spec: { hard: { cpu } } } })))
      .concat([
        post('json-number', resourcequotas.collection, makeObject(resourcequotas, 'json-number', { body: { spec: { hard: { cpu: 1.5, memory: 1e21 } } } })),
        post('json-bool', resourcequotas.collection, makeObject(resourcequotas, 'json-bool', { body: { spec: { hard: { cpu: true } } } })),
      ]),
  },
  {
    id: 'limitranges-other-types',
    title: 'a LimitRange of a fully qualified type is taken as it is (no defaults)',
    steps: [post('qualified-type', limitranges.collection, makeObject(limitranges, 'custom', { body: { spec: { limits: [{ type: 'example.com/widget', max: { 'example.com/gadget': '3' } }] } } }))],
  },
  {
    id: 'quantities-core-resource-lists',
    title: "core/v1 ResourceLists are rounded up to milli units wherever they are: a PersistentVolume's capacity, a LimitRange's bounds, a ReplicationController's pod template",
    steps: [
      post('persistentvolume', persistentvolumes.collection, makeObject(persistentvolumes, 'tiny', { body: { spec: { ...persistentvolumes.content.spec as object, capacity: { storage: '0.0001' } } } })),
      post('limitrange', limitranges.collection, makeObject(limitranges, 'tiny', { body: { spec: { limits: [{ type: 'Container', max: { cpu: '2.0001m' }, min: { cpu: '1e-6' } }] } } })),
      post('replicationcontroller', replicationcontrollers.collection, makeObject(replicationcontrollers, 'tiny', { body: { spec: { selector: { app: 'web' }, template: { ...template, spec: { containers: [{ name: 'app', image: 'nginx:1.25', resources: { requests: { cpu: '0.5m', memory: '1.5Gi' } } }] } } } } })),
    ],
  },
  {
    id: 'resourcequotas-status',
    title: 'resourcequotas/status writes used and hard; the main resource ignores status',
    steps: [
      post('create', resourcequotas.collection, makeObject(resourcequotas, 'q')),
      patch('status', `${objectPath(resourcequotas, 'q')}/status`, 'merge', { status: { hard: { pods: '10' }, used: { pods: '0' } } }),
      patch('main-ignores-status', objectPath(resourcequotas, 'q'), 'merge', { status: { used: { pods: '5' } } }),
      get('get', objectPath(resourcequotas, 'q')),
    ],
  },
  ...invalidCreateCases(replicationcontrollers, [
    ['selector-mismatch', 'a selector that does not match the template labels', { spec: { replicas: 1, selector: { app: 'other' }, template } }],
    ['replicas-negative', 'replicas -1', { spec: { replicas: -1, selector: { app: 'web' }, template } }],
    ['template-restart-never', 'a template with restartPolicy OnFailure', { spec: { selector: { app: 'web' }, template: { ...template, spec: { ...template.spec, restartPolicy: 'OnFailure' } } } }],
  ]),
  {
    id: 'replicationcontrollers-scale',
    title: 'replicationcontrollers/scale reads and writes spec.replicas',
    steps: [
      post('create', replicationcontrollers.collection, makeObject(replicationcontrollers, 'rc')),
      get('get-scale', `${objectPath(replicationcontrollers, 'rc')}/scale`),
      put('put-scale', `${objectPath(replicationcontrollers, 'rc')}/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'rc', namespace: '{ns}' }, spec: { replicas: 4 } }),
      get('get', objectPath(replicationcontrollers, 'rc')),
    ],
  },
];

export const coreOtherCases: readonly DiffCase[] = [
  ...[nodes, persistentvolumes, persistentvolumeclaims, limitranges, resourcequotas, replicationcontrollers].flatMap(standardCases),
  ...handWritten,
];
