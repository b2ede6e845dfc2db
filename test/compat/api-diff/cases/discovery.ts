import type { DiffCase } from '../case.js';
import { get } from './steps.js';

/**
 * Discovery and health: what clients read before anything else. kubectl and
 * client-go's RESTMapper build on /api, /apis and each group-version's resource
 * list (names, kinds, verbs, short names, categories, storageVersionHash).
 */

/** Every group-version issue "API server 2" asks Kite to serve. */
const groupVersions = [
  'apps/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'events.k8s.io/v1',
  'networking.k8s.io/v1',
  'node.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'authorization.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1beta1',
];

export const discoveryCases: readonly DiffCase[] = [
  {
    id: 'discovery-core',
    title: 'legacy discovery of the core group: /api and /api/v1',
    steps: [get('api', '/api'), get('api-v1', '/api/v1'), get('api-v2', '/api/v2')],
  },
  {
    id: 'discovery-groups',
    title: 'legacy discovery of the named groups: /apis, and one group',
    steps: [get('apis', '/apis'), get('apps', '/apis/apps'), get('unknown-group', '/apis/example.com')],
  },
  {
    id: 'discovery-group-versions',
    title: 'the resource list of every group-version in scope',
    steps: groupVersions.map((gv) => get(gv.replace(/[./]/g, '-'), `/apis/${gv}`)),
  },
  {
    id: 'discovery-health',
    title: 'livez, readyz and healthz answer ok',
    steps: [get('livez', '/livez', { accept: '*/*' }), get('readyz', '/readyz', { accept: '*/*' }), get('healthz', '/healthz', { accept: '*/*' })],
  },
  {
    id: 'discovery-kubernetes-service',
    title: 'the kubernetes Service in default exists (kube-apiserver makes it at start)',
    steps: [
      get('service', '/api/v1/namespaces/default/services/kubernetes'),
      get('endpoints', '/api/v1/namespaces/default/endpoints/kubernetes'),
      get('endpointslice', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes'),
    ],
  },
];
