import type { DiffCase } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post, put } from './steps.js';

/**
 * coordination.k8s.io/v1 Leases, discovery.k8s.io/v1 EndpointSlices and
 * policy/v1 PodDisruptionBudgets.
 */

const leases: Fixture = {
  id: 'leases',
  collection: '/apis/coordination.k8s.io/v1/namespaces/{ns}/leases',
  namespaced: true,
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  content: { spec: { holderIdentity: 'node-1', leaseDurationSeconds: 15, acquireTime: '2024-01-01T00:00:00.000000Z', renewTime: '2024-01-01T00:00:10.000000Z', leaseTransitions: 0 } },
};

const endpointslices: Fixture = {
  id: 'endpointslices',
  collection: '/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices',
  namespaced: true,
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  content: { addressType: 'IPv4', endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
};

const poddisruptionbudgets: Fixture = {
  id: 'poddisruptionbudgets',
  collection: '/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets',
  namespaced: true,
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  content: { spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
};

const handWritten: DiffCase[] = [
  ...invalidCreateCases(leases, [
    ['duration-zero', 'leaseDurationSeconds 0', { spec: { holderIdentity: 'a', leaseDurationSeconds: 0 } }],
    ['transitions-negative', 'leaseTransitions -1', { spec: { holderIdentity: 'a', leaseTransitions: -1 } }],
    ['renew-time-format', 'a renewTime that is not a MicroTime', { spec: { holderIdentity: 'a', renewTime: 'yesterday' } }],
  ]),
  {
    id: 'leases-leader-election',
    title: 'leader election as client-go does it: create, renew with the resourceVersion, a stale renew is a Conflict, a takeover',
    steps: [
      post('acquire', leases.collection, makeObject(leases, 'leader')),
      put('renew', objectPath(leases, 'leader'), { ...makeObject(leases, 'leader'), metadata: { name: 'leader', labels: { case: '{ns}' }, resourceVersion: '{rv:acquire}' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 15, renewTime: '2024-01-01T00:00:20.000000Z', leaseTransitions: 0 } }),
      put('stale-renew', objectPath(leases, 'leader'), { ...makeObject(leases, 'leader'), metadata: { name: 'leader', labels: { case: '{ns}' }, resourceVersion: '{rv:acquire}' }, spec: { holderIdentity: 'node-2', leaseDurationSeconds: 15 } }),
      patch('takeover', objectPath(leases, 'leader'), 'merge', { spec: { holderIdentity: 'node-2', leaseTransitions: 1 } }),
      get('get', objectPath(leases, 'leader')),
      get('kube-node-lease', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'),
    ],
  },
  ...invalidCreateCases(endpointslices, [
    ['address-type', 'addressType IPv5', { addressType: 'IPv5' }],
    ['address-mismatch', 'an IPv6 address in an IPv4 slice', { endpoints: [{ addresses: ['fd00::1'] }] }],
    ['no-addresses', 'an endpoint without addresses', { endpoints: [{ addresses: [] }] }],
    ['port-protocol', 'a port with protocol HTTP', { ports: [{ name: 'http', port: 80, protocol: 'HTTP' }] }],
    ['port-name', 'a port name with capitals', { ports: [{ name: 'HTTP', port: 80 }] }],
  ]),
  {
    id: 'endpointslices-immutable',
    title: 'an EndpointSlice addressType cannot change; endpoints can',
    steps: [
      post('create', endpointslices.collection, makeObject(endpointslices, 's')),
      patch('change-type', objectPath(endpointslices, 's'), 'merge', { addressType: 'IPv6' }),
      patch('change-endpoints', objectPath(endpointslices, 's'), 'merge', { endpoints: [{ addresses: ['10.1.2.4'], conditions: { ready: false } }] }),
    ],
  },
  ...invalidCreateCases(poddisruptionbudgets, [
    ['both-bounds', 'both minAvailable and maxUnavailable', { spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } }],
    ['negative', 'minAvailable -1', { spec: { minAvailable: -1, selector: { matchLabels: { app: 'web' } } } }],
    ['percent-over-100', 'maxUnavailable 120%', { spec: { maxUnavailable: '120%', selector: { matchLabels: { app: 'web' } } } }],
    ['selector-operator', 'a selector operator Like', { spec: { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] } } }],
  ]),
  {
    id: 'poddisruptionbudgets-status',
    title: 'poddisruptionbudgets/status, and a selector change',
    steps: [
      post('create', poddisruptionbudgets.collection, makeObject(poddisruptionbudgets, 'b')),
      patch('status', `${objectPath(poddisruptionbudgets, 'b')}/status`, 'merge', { status: { currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1, observedGeneration: 1 } }),
      patch('status-negative', `${objectPath(poddisruptionbudgets, 'b')}/status`, 'merge', { status: { disruptionsAllowed: -1 } }),
      patch('change-selector', objectPath(poddisruptionbudgets, 'b'), 'merge', { spec: { selector: { matchLabels: { app: 'db' } } } }),
      get('get', objectPath(poddisruptionbudgets, 'b')),
    ],
  },
];

export const coordinationDiscoveryPolicyCases: readonly DiffCase[] = [...[leases, endpointslices, poddisruptionbudgets].flatMap((f) => standardCases(f)), ...handWritten];
