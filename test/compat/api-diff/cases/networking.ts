import type { DiffCase, Json } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, patch, post } from './steps.js';

/** networking.k8s.io/v1: NetworkPolicies, Ingresses and IngressClasses. */

type Obj = { readonly [k: string]: Json };

const networkpolicies: Fixture = {
  id: 'networkpolicies',
  collection: '/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies',
  namespaced: true,
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  content: { spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] } },
};

const backend: Obj = { service: { name: 'web', port: { number: 80 } } };
const ingresses: Fixture = {
  id: 'ingresses',
  collection: '/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses',
  namespaced: true,
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  content: { spec: { rules: [{ host: 'example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } },
};

const ingressclasses: Fixture = {
  id: 'ingressclasses',
  collection: '/apis/networking.k8s.io/v1/ingressclasses',
  namespaced: false,
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  content: { spec: { controller: 'example.com/ingress-controller' } },
};

const rule = (path: Obj): Obj => ({ spec: { rules: [{ host: 'example.com', http: { paths: [path] } }] } });

const handWritten: DiffCase[] = [
  ...invalidCreateCases(networkpolicies, [
    ['policy-type', 'policyTypes Sideways', { spec: { podSelector: {}, policyTypes: ['Sideways'] } }],
    ['port-too-big', 'port 70000', { spec: { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] } }],
    ['bad-cidr', 'an ipBlock that is not a CIDR', { spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.1' } }] }] } }],
    ['except-outside', 'an ipBlock except outside its cidr', { spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['192.168.0.0/24'] } }] }] } }],
    ['peer-two-kinds', 'a peer with an ipBlock and a podSelector', { spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' }, podSelector: {} }] }] } }],
    ['end-port-below', 'an endPort below its port', { spec: { podSelector: {}, egress: [{ ports: [{ port: 100, endPort: 50 }] }], policyTypes: ['Egress'] } }],
  ]),
  ...invalidCreateCases(ingresses, [
    ['path-type', 'pathType Regex', rule({ path: '/', pathType: 'Regex', backend })],
    ['no-path-type', 'no pathType', rule({ path: '/', backend })],
    ['relative-path', 'a path that does not start with /', rule({ path: 'api', pathType: 'Prefix', backend })],
    ['wildcard-host', 'a host with a wildcard in the middle', { spec: { rules: [{ host: 'a.*.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }],
    ['two-backends', 'a backend with a service and a resource', rule({ path: '/', pathType: 'Prefix', backend: { ...backend, resource: { apiGroup: 'example.com', kind: 'Bucket', name: 'b' } } })],
    ['port-name-and-number', 'a service port with name and number', rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } })],
    ['no-backend', 'no rules and no default backend', { spec: {} }],
    ['ip-host', 'an IP address as host', { spec: { rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }],
    ['no-port', 'a service backend without a port', rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } })],
    ['bad-service-name', 'a service name with capitals and a port name too long', rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'Web', port: { name: 'much-too-long-a-port-name' } } } })],
    ['port-out-of-range', 'a service port number of 70000', rule({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 70000 } } } })],
    ['wildcard-host-bad-path', 'a good wildcard host on a rule whose path is bad, and a bad one', { spec: { rules: [{ host: '*.example.com', http: { paths: [{ path: 'api', pathType: 'Prefix', backend }] } }, { host: '*', http: { paths: [{ path: 'x', pathType: 'Exact', backend }] } }] } }],
    ['empty-rules', 'an empty list of rules and no default backend', { spec: { rules: [] } }],
  ]),
  {
    id: 'ingresses-status-class',
    title: 'ingresses/status sets the load balancer; an Ingress names its class',
    steps: [
      post('create', ingresses.collection, makeObject(ingresses, 'i', { body: { spec: { ingressClassName: 'nginx', defaultBackend: backend } } })),
      patch('status', `${objectPath(ingresses, 'i')}/status`, 'merge', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.5' }] } } }),
      patch('status-bad-ip', `${objectPath(ingresses, 'i')}/status`, 'merge', { status: { loadBalancer: { ingress: [{ ip: 'x' }] } } }),
      get('get', objectPath(ingresses, 'i')),
      get('table', ingresses.collection, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
    ],
  },
  ...invalidCreateCases(ingressclasses, [
    ['controller', 'a controller that is not a domain-prefixed path', { spec: { controller: 'Not A Controller' } }],
    ['parameters-kind', 'parameters without kind', { spec: { controller: 'example.com/c', parameters: { name: 'p' } } }],
  ]),
  {
    id: 'ingressclasses-immutable',
    title: 'an IngressClass controller cannot change',
    steps: [
      post('create', ingressclasses.collection, makeObject(ingressclasses, 'c')),
      patch('change-controller', objectPath(ingressclasses, 'c'), 'merge', { spec: { controller: 'example.com/other' } }),
      patch('default-annotation', objectPath(ingressclasses, 'c'), 'merge', { metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } }),
    ],
  },
];

export const networkingCases: readonly DiffCase[] = [...[networkpolicies, ingresses, ingressclasses].flatMap((f) => standardCases(f)), ...handWritten];
