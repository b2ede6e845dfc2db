import type { DiffCase } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post } from './steps.js';

/**
 * Cluster configuration kinds: scheduling.k8s.io/v1 PriorityClasses,
 * node.k8s.io/v1 RuntimeClasses, and storage.k8s.io/v1 StorageClasses,
 * CSIDrivers, CSINodes, VolumeAttachments and CSIStorageCapacities.
 */

const priorityclasses: Fixture = {
  id: 'priorityclasses',
  collection: '/apis/scheduling.k8s.io/v1/priorityclasses',
  namespaced: false,
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  content: { value: 1000, description: 'for the cases', preemptionPolicy: 'PreemptLowerPriority' },
};

const runtimeclasses: Fixture = {
  id: 'runtimeclasses',
  collection: '/apis/node.k8s.io/v1/runtimeclasses',
  namespaced: false,
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  content: { handler: 'runc', overhead: { podFixed: { cpu: '10m' } } },
};

const storageclasses: Fixture = {
  id: 'storageclasses',
  collection: '/apis/storage.k8s.io/v1/storageclasses',
  namespaced: false,
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  content: { provisioner: 'example.com/fake', parameters: { speed: 'fast' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' },
};

const csidrivers: Fixture = {
  id: 'csidrivers',
  collection: '/apis/storage.k8s.io/v1/csidrivers',
  namespaced: false,
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIDriver',
  content: { spec: { attachRequired: true, podInfoOnMount: false } },
};

const csinodes: Fixture = {
  id: 'csinodes',
  collection: '/apis/storage.k8s.io/v1/csinodes',
  namespaced: false,
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSINode',
  content: { spec: { drivers: [{ name: 'example.com', nodeID: 'node-1', topologyKeys: ['zone'] }] } },
};

const volumeattachments: Fixture = {
  id: 'volumeattachments',
  collection: '/apis/storage.k8s.io/v1/volumeattachments',
  namespaced: false,
  apiVersion: 'storage.k8s.io/v1',
  kind: 'VolumeAttachment',
  content: { spec: { attacher: 'example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' } },
};

const csistoragecapacities: Fixture = {
  id: 'csistoragecapacities',
  collection: '/apis/storage.k8s.io/v1/namespaces/{ns}/csistoragecapacities',
  namespaced: true,
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIStorageCapacity',
  content: { storageClassName: 'fast', capacity: '10Gi', nodeTopology: { matchLabels: { zone: 'a' } } },
};

// The same kind at storage.k8s.io/v1beta1, deprecated and still served by 1.26.
const csistoragecapacitiesV1beta1: Fixture = {
  ...csistoragecapacities,
  id: 'csistoragecapacities-v1beta1',
  collection: '/apis/storage.k8s.io/v1beta1/namespaces/{ns}/csistoragecapacities',
  apiVersion: 'storage.k8s.io/v1beta1',
};

const handWritten: DiffCase[] = [
  ...invalidCreateCases(priorityclasses, [
    ['system-prefix', 'a name starting with system-', {}, { name: 'system-{ns}' }],
    ['value-too-big', 'a value above one billion', { value: 2000000000 }],
    ['preemption-policy', 'preemptionPolicy Sometimes', { preemptionPolicy: 'Sometimes' }],
  ]),
  {
    id: 'priorityclasses-system',
    title: 'the system PriorityClasses exist; a value cannot change; a Pod names a class and gets its priority',
    steps: [
      get('system-node-critical', '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical'),
      get('system-cluster-critical', '/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical'),
      post('create', priorityclasses.collection, makeObject(priorityclasses, 'high')),
      patch('change-value', objectPath(priorityclasses, 'high'), 'merge', { value: 2000 }),
      patch('change-description', objectPath(priorityclasses, 'high'), 'merge', { description: 'still for the cases' }),
      post('pod', '/api/v1/namespaces/{ns}/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { priorityClassName: '{ns}-high', containers: [{ name: 'app', image: 'nginx:1.25' }] } }),
      post('pod-wrong-priority', '/api/v1/namespaces/{ns}/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { priorityClassName: '{ns}-high', priority: 5, containers: [{ name: 'app', image: 'nginx:1.25' }] } }),
    ],
  },
  ...invalidCreateCases(runtimeclasses, [
    ['handler', 'a handler with capitals', { handler: 'RunC' }],
    ['overhead-negative', 'a negative overhead', { overhead: { podFixed: { cpu: '-1' } } }],
    ['toleration', 'a scheduling toleration with operator Maybe', { scheduling: { tolerations: [{ key: 'k', operator: 'Maybe' }] } }],
  ]),
  {
    id: 'runtimeclasses-immutable',
    title: 'a RuntimeClass handler cannot change',
    steps: [
      post('create', runtimeclasses.collection, makeObject(runtimeclasses, 'rc')),
      patch('change-handler', objectPath(runtimeclasses, 'rc'), 'merge', { handler: 'crun' }),
    ],
  },
  {
    id: 'quantities-outside-core',
    title: "quantities below a milli unit: a RuntimeClass's overhead and a CSIStorageCapacity's capacity (not core/v1 ResourceLists) keep nano units",
    steps: [
      post('runtimeclass', runtimeclasses.collection, makeObject(runtimeclasses, 'tiny', { body: { overhead: { podFixed: { cpu: '0.0000001', memory: '1.5Gi' } } } })),
      post('capacity', csistoragecapacities.collection, makeObject(csistoragecapacities, 'tiny', { body: { capacity: '0.0000001', maximumVolumeSize: '1e100' } })),
    ],
  },
  ...invalidCreateCases(storageclasses, [
    ['no-provisioner', 'no provisioner', { provisioner: '' }],
    ['reclaim-policy', 'reclaimPolicy Keep', { reclaimPolicy: 'Keep' }],
    ['binding-mode', 'volumeBindingMode Later', { volumeBindingMode: 'Later' }],
  ]),
  {
    id: 'storageclasses-immutable',
    title: 'StorageClass parameters and provisioner cannot change; allowVolumeExpansion can',
    steps: [
      post('create', storageclasses.collection, makeObject(storageclasses, 'sc')),
      patch('change-parameters', objectPath(storageclasses, 'sc'), 'merge', { parameters: { speed: 'slow' } }),
      patch('change-provisioner', objectPath(storageclasses, 'sc'), 'merge', { provisioner: 'example.com/other' }),
      patch('expansion', objectPath(storageclasses, 'sc'), 'merge', { allowVolumeExpansion: true }),
    ],
  },
  ...invalidCreateCases(csidrivers, [
    ['name', 'a name that is not a DNS subdomain', {}, { name: '{ns}_driver' }],
    ['fs-group-policy', 'fsGroupPolicy Sometimes', { spec: { fsGroupPolicy: 'Sometimes' } }],
    ['lifecycle-mode', 'volumeLifecycleModes Forever', { spec: { volumeLifecycleModes: ['Forever'] } }],
  ]),
  {
    id: 'csidrivers-immutable',
    title: 'CSIDriver attachRequired cannot change',
    steps: [
      post('create', csidrivers.collection, makeObject(csidrivers, 'd')),
      patch('change-attach', objectPath(csidrivers, 'd'), 'merge', { spec: { attachRequired: false } }),
      get('get', objectPath(csidrivers, 'd')),
    ],
  },
  ...invalidCreateCases(csinodes, [
    ['duplicate-driver', 'the same driver twice', { spec: { drivers: [{ name: 'example.com', nodeID: 'a' }, { name: 'example.com', nodeID: 'b' }] } }],
    ['no-node-id', 'a driver without nodeID', { spec: { drivers: [{ name: 'example.com', nodeID: '' }] } }],
  ]),
  ...invalidCreateCases(volumeattachments, [
    ['no-source', 'no source', { spec: { attacher: 'example.com', source: {}, nodeName: 'node-1' } }],
    ['attacher', 'an attacher with a space', { spec: { attacher: 'example com', source: { persistentVolumeName: 'pv' }, nodeName: 'node-1' } }],
    ['no-node', 'no nodeName', { spec: { attacher: 'example.com', source: { persistentVolumeName: 'pv' } } }],
  ]),
  {
    id: 'volumeattachments-status-immutable',
    title: 'volumeattachments/status sets attached; the spec cannot change',
    steps: [
      post('create', volumeattachments.collection, makeObject(volumeattachments, 'va')),
      patch('status', `${objectPath(volumeattachments, 'va')}/status`, 'merge', { status: { attached: true, attachmentMetadata: { device: '/dev/xvdb' } } }),
      patch('change-node', objectPath(volumeattachments, 'va'), 'merge', { spec: { nodeName: 'node-2' } }),
      get('get', objectPath(volumeattachments, 'va')),
    ],
  },
  ...invalidCreateCases(csistoragecapacities, [
    ['no-class', 'no storageClassName', { storageClassName: '' }],
    ['negative', 'a negative capacity', { capacity: '-1Gi' }],
    ['negative-maximum', 'a negative maximumVolumeSize', { maximumVolumeSize: '-1Gi' }],
  ]),
  ...invalidCreateCases(csistoragecapacitiesV1beta1, [['no-class', 'no storageClassName', { storageClassName: '' }]]),
  {
    id: 'csistoragecapacities-across-versions',
    title: 'a CSIStorageCapacity made at v1beta1 read at v1, and one made at v1 read and listed at v1beta1',
    steps: [
      post('create-v1beta1', csistoragecapacitiesV1beta1.collection, makeObject(csistoragecapacitiesV1beta1, 'old')),
      get('get-v1', objectPath(csistoragecapacities, 'old')),
      post('create-v1', csistoragecapacities.collection, makeObject(csistoragecapacities, 'new')),
      get('get-v1beta1', objectPath(csistoragecapacitiesV1beta1, 'new')),
      get('list-v1beta1', csistoragecapacitiesV1beta1.collection),
      patch('patch-v1beta1', objectPath(csistoragecapacitiesV1beta1, 'new'), 'merge', { capacity: '20Gi' }),
    ],
  },
];

export const schedulingNodeStorageCases: readonly DiffCase[] = [
  ...[priorityclasses, runtimeclasses, storageclasses, csidrivers, csinodes, volumeattachments, csistoragecapacities, csistoragecapacitiesV1beta1].flatMap((f) => standardCases(f)),
  ...handWritten,
];
