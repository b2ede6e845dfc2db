import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { asTable, del, get, patch, post, put } from './steps.js';

/** Services and Endpoints (core/v1). The reference allocates ClusterIPs from 10.96.0.0/16. */

const services: Fixture = {
  id: 'services',
  collection: '/api/v1/namespaces/{ns}/services',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'Service',
  content: { spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
};

const endpoints: Fixture = {
  id: 'endpoints',
  collection: '/api/v1/namespaces/{ns}/endpoints',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'Endpoints',
  content: { subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ name: 'http', port: 8080 }] }] },
};

const svcPath = '/api/v1/namespaces/{ns}/services';
type Spec = { readonly [k: string]: Json };
const svc = (name: string, spec: Spec): Json => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const port80: Json = [{ port: 80 }];

const invalidServices: ReadonlyArray<[string, string, Spec]> = [
  ['no-ports', 'a ClusterIP Service without ports', { selector: { app: 'a' } }],
  ['port-zero', 'port 0', { ports: [{ port: 0 }] }],
  ['port-too-big', 'port 70000', { ports: [{ port: 70000 }] }],
  ['target-port-too-big', 'targetPort 65536', { ports: [{ port: 80, targetPort: 65536 }] }],
  ['target-port-bad-name', 'a named targetPort that is not an IANA service name', { ports: [{ port: 80, targetPort: 'Not_A_Name' }] }],
  ['duplicate-port', 'the same port and protocol twice', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }],
  ['duplicate-port-name', 'two ports with the same name', { ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }],
  ['unnamed-ports', 'two ports without names', { ports: [{ port: 80 }, { port: 81 }] }],
  ['bad-protocol', 'protocol HTTP', { ports: [{ port: 80, protocol: 'HTTP' }] }],
  ['bad-type', 'type Internal', { type: 'Internal', ports: port80 }],
  ['external-name-missing', 'type ExternalName without externalName', { type: 'ExternalName' }],
  ['external-name-bad', 'an externalName that is not a DNS name', { type: 'ExternalName', externalName: 'not a host' }],
  ['cluster-ip-out-of-range', 'a clusterIP outside the service range', { clusterIP: '192.168.0.1', ports: port80 }],
  ['cluster-ip-garbage', 'a clusterIP that is not an IP', { clusterIP: 'ten.zero.zero.one', ports: port80 }],
  ['node-port-on-cluster-ip', 'a nodePort on a ClusterIP Service', { ports: [{ port: 80, nodePort: 30080 }] }],
  ['node-port-out-of-range', 'nodePort 20000, outside 30000-32767', { type: 'NodePort', ports: [{ port: 80, nodePort: 20000 }] }],
  ['session-affinity', 'sessionAffinity Sticky', { sessionAffinity: 'Sticky', ports: port80 }],
  ['selector-label', 'a selector key with a space', { selector: { 'bad key': 'x' }, ports: port80 }],
  ['external-traffic-policy', 'externalTrafficPolicy Local on a ClusterIP Service', { externalTrafficPolicy: 'Local', ports: port80 }],
  ['ip-family-policy', 'ipFamilyPolicy RequireDualStack on a single-stack cluster', { ipFamilyPolicy: 'RequireDualStack', ports: port80 }],
];

const handWritten: DiffCase[] = [
  ...invalidServices.map(([id, title, spec]): DiffCase => ({ id: `services-invalid-${id}`, title: `Service create is Invalid: ${title}`, steps: [post('create', svcPath, svc('s', spec))] })),
  {
    id: 'services-types',
    title: 'defaults and allocation for ClusterIP, headless, NodePort, LoadBalancer and ExternalName Services, and their Table',
    steps: [
      post('cluster-ip', svcPath, svc('plain', { selector: { app: 'a' }, ports: [{ port: 80 }] })),
      post('headless', svcPath, svc('headless', { clusterIP: 'None', selector: { app: 'a' }, ports: [{ port: 80 }] })),
      post('node-port', svcPath, svc('np', { type: 'NodePort', selector: { app: 'a' }, ports: [{ port: 80, targetPort: 'http' }] })),
      post('load-balancer', svcPath, svc('lb', { type: 'LoadBalancer', selector: { app: 'a' }, ports: [{ port: 443, protocol: 'TCP' }], externalTrafficPolicy: 'Local' })),
      post('external-name', svcPath, svc('ext', { type: 'ExternalName', externalName: 'example.com' })),
      post('udp-and-tcp', svcPath, svc('dns', { selector: { app: 'dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })),
      get('list', svcPath),
      get('table', svcPath, { accept: asTable }),
    ],
  },
  {
    id: 'services-cluster-ip',
    title: 'a requested clusterIP is kept, a taken one is refused, and clusterIP cannot change',
    steps: [
      // The reference keeps 10.96.0.0/24 for requested IPs and allocates from above it, so this one is free.
      post('create', svcPath, svc('fixed', { clusterIP: '10.96.0.77', ports: port80 })),
      post('taken', svcPath, svc('again', { clusterIP: '{ref:create:spec.clusterIP}', ports: port80 })),
      patch('change-ip', `${svcPath}/fixed`, 'merge', { spec: { clusterIP: '10.96.0.78' } }),
      patch('change-to-headless', `${svcPath}/fixed`, 'merge', { spec: { clusterIP: 'None' } }),
      patch('add-port', `${svcPath}/fixed`, 'strategic', { spec: { ports: [{ name: 'https', port: 443 }] } }),
      patch('name-first-port', `${svcPath}/fixed`, 'json', [{ op: 'add', path: '/spec/ports/0/name', value: 'http' }]),
      patch('add-port-again', `${svcPath}/fixed`, 'strategic', { spec: { ports: [{ name: 'https', port: 443 }] } }),
    ],
  },
  {
    id: 'services-node-port',
    title: 'a requested nodePort is kept, a taken one is refused, and type changes allocate and release',
    steps: [
      post('allocated', svcPath, svc('first', { type: 'NodePort', ports: [{ port: 80 }] })),
      post('taken', svcPath, svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: '{ref:allocated:spec.ports.0.nodePort}' }] })),
      // Ports are released as their Service goes, so the first one's port is free for the next.
      del('delete-first', `${svcPath}/first`),
      post('create', svcPath, svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: '{ref:allocated:spec.ports.0.nodePort}' }] })),
      patch('to-cluster-ip', `${svcPath}/np`, 'merge', { spec: { type: 'ClusterIP' } }),
      patch('to-cluster-ip-clearing', `${svcPath}/np`, 'json', [
        { op: 'replace', path: '/spec/type', value: 'ClusterIP' },
        { op: 'remove', path: '/spec/ports/0/nodePort' },
      ]),
      patch('to-node-port', `${svcPath}/np`, 'merge', { spec: { type: 'NodePort' } }),
      patch('to-external-name', `${svcPath}/np`, 'merge', { spec: { type: 'ExternalName', externalName: 'example.com' } }),
    ],
  },
  {
    id: 'services-status',
    title: 'services/status writes status.loadBalancer and ignores spec; the main resource ignores status',
    steps: [
      post('create', svcPath, svc('lb', { type: 'LoadBalancer', ports: port80 })),
      get('get-status', `${svcPath}/lb/status`),
      patch('patch-status', `${svcPath}/lb/status`, 'merge', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }, spec: { sessionAffinity: 'ClientIP' } }),
      patch('patch-main-status', `${svcPath}/lb`, 'merge', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.99' }] } } }),
      patch('status-bad-ip', `${svcPath}/lb/status`, 'merge', { status: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }] } } }),
      get('get', `${svcPath}/lb`),
    ],
  },
  {
    id: 'endpoints-invalid',
    title: 'Endpoints with a bad address, a bad port and a missing port are Invalid',
    steps: [
      post('bad-ip', '/api/v1/namespaces/{ns}/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'a' }, subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }] }),
      post('port-zero', '/api/v1/namespaces/{ns}/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'b' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 0 }] }] }),
      post('loopback', '/api/v1/namespaces/{ns}/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'c' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }] }),
      post('valid', '/api/v1/namespaces/{ns}/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'd' }, subsets: [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'p', namespace: '{ns}' } }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ port: 80, protocol: 'UDP' }] }] }),
      get('table', '/api/v1/namespaces/{ns}/endpoints', { accept: asTable }),
    ],
  },
  {
    id: 'services-update-immutable',
    title: 'PUT of a Service without clusterIP keeps the allocated one; ipFamilies cannot change',
    steps: [
      post('create', svcPath, svc('s', { ports: port80 })),
      put('put-without-ip', `${svcPath}/s`, { ...(svc('s', { ports: port80 }) as { readonly [k: string]: Json }), metadata: { name: 's', resourceVersion: '{rv:create}' } }),
      patch('change-family', `${svcPath}/s`, 'merge', { spec: { ipFamilies: ['IPv6'] } }),
    ],
  },
];

export const serviceCases: readonly DiffCase[] = [...standardCases(services), ...standardCases(endpoints), ...handWritten];
