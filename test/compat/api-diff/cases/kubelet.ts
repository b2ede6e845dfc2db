import type { DiffCase, Json, RequestStep } from '../case.js';
import { del, get, post, put } from './steps.js';

/**
 * The subresources kube-apiserver hands on to a kubelet or a pod: pods/log, exec, attach,
 * portforward and proxy, nodes/proxy and services/proxy. No kubelet runs beside either server,
 * so these cases cover everything up to the connection: finding the pod, its container and
 * node, the node's address, the refusals (no host, no endpoints, an address a proxy may not
 * reach) and a connection refused by a kubelet port nothing listens on.
 */

const podPath = '/api/v1/namespaces/{ns}/pods';
const app = { name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 8080 }] };
type Obj = { readonly [k: string]: Json };
const pod = (name: string, spec: Obj, status?: Obj): Json => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec, ...(status === undefined ? {} : { status }) });
// A node whose kubelet would be at 127.0.0.1:1, where nothing listens.
const closedKubelet = { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } };

/** A POST with no body, as kubectl exec, attach and port-forward send one. */
const connect = (id: string, path: string, query: Readonly<Record<string, string>> = {}): RequestStep => ({ kind: 'request', id, method: 'POST', path, query });

export const kubeletCases: readonly DiffCase[] = [
  {
    id: 'pods-kubelet-streams',
    title: 'pods/exec, attach, portforward and log: the pod, container and node they need, before any kubelet is reached',
    steps: [
      post('node-bare', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: '{ns}-bare' } }),
      post('node-closed', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: '{ns}-closed' }, status: closedKubelet }),
      post('unbound', podPath, pod('unbound', { containers: [app] })),
      post('two', podPath, pod('two', { nodeName: '{ns}-closed', initContainers: [{ name: 'init', image: 'busybox:1' }], containers: [app, { name: 'side', image: 'busybox:1' }] })),
      post('ghost', podPath, pod('ghost', { nodeName: '{ns}-ghost', containers: [app] })),
      post('bare', podPath, pod('bare', { nodeName: '{ns}-bare', containers: [app] })),
      post('closed', podPath, pod('closed', { nodeName: '{ns}-closed', containers: [app] })),
      connect('exec-missing', `${podPath}/missing/exec`, { command: 'ls' }),
      connect('exec-unbound', `${podPath}/unbound/exec`, { command: 'ls' }),
      connect('exec-choose', `${podPath}/two/exec`, { command: 'ls' }),
      connect('exec-bad-container', `${podPath}/two/exec`, { command: 'ls', container: 'nope' }),
      connect('exec-init-container', `${podPath}/two/exec`, { command: 'ls', container: 'init' }),
      connect('exec-ghost-node', `${podPath}/ghost/exec`, { command: 'ls' }),
      connect('exec-bare-node', `${podPath}/bare/exec`, { command: 'ls' }),
      connect('exec-not-upgraded', `${podPath}/closed/exec`, { command: 'ls' }),
      get('exec-get-not-upgraded', `${podPath}/closed/exec`, { query: { command: 'ls', stdout: 'true' } }),
      connect('exec-no-command', `${podPath}/closed/exec`),
      connect('exec-bad-bool', `${podPath}/closed/exec`, { command: 'ls', stdin: 'maybe' }),
      put('exec-put', `${podPath}/closed/exec`, {}),
      del('exec-delete', `${podPath}/closed/exec`),
      connect('attach-unbound', `${podPath}/unbound/attach`),
      connect('attach-not-upgraded', `${podPath}/closed/attach`, { stdout: 'true' }),
      connect('portforward-not-upgraded', `${podPath}/closed/portforward`, { ports: '8080' }),
      connect('portforward-bad-port', `${podPath}/closed/portforward`, { ports: 'x' }),
      get('portforward-get', `${podPath}/bare/portforward`),
      get('log-ghost-node', `${podPath}/ghost/log`),
      get('log-bare-node', `${podPath}/bare/log`),
      get('log-refused', `${podPath}/closed/log`),
      get('log-choose', `${podPath}/two/log`),
      get('log-bad-container', `${podPath}/two/log`, { query: { container: 'nope' } }),
      get('log-bad-tail', `${podPath}/closed/log`, { query: { tailLines: '-1' } }),
      get('log-bad-since', `${podPath}/closed/log`, { query: { sinceSeconds: '0' } }),
      get('log-bad-limit', `${podPath}/closed/log`, { query: { limitBytes: '0', tailLines: '-2' } }),
      get('log-two-since', `${podPath}/closed/log`, { query: { sinceSeconds: '5', sinceTime: '2026-01-01T00:00:00Z' } }),
      get('log-unbound-bad-tail', `${podPath}/unbound/log`, { query: { tailLines: '-1' } }),
      get('log-tail-not-a-number', `${podPath}/closed/log`, { query: { tailLines: 'x' } }),
      get('log-refused-options', `${podPath}/closed/log`, { query: { tailLines: '5', follow: 'true', timestamps: '1', container: 'app', previous: 'false', sinceSeconds: '60' } }),
      connect('portforward-big-port', `${podPath}/closed/portforward`, { ports: '70000' }),
      connect('portforward-two-ports', `${podPath}/closed/portforward`, { ports: '80,x' }),
    ],
  },
  {
    id: 'pods-services-nodes-proxy',
    title: 'pods/proxy, services/proxy and nodes/proxy: the target they resolve, and the addresses a proxy may not reach',
    steps: [
      post('node-bare', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: '{ns}-bare' } }),
      post('node-closed', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: '{ns}-closed' }, status: closedKubelet }),
      post('pod', podPath, pod('p', { containers: [app] })),
      get('pod-proxy-no-ip', `${podPath}/p/proxy`),
      get('pod-proxy-path-no-ip', `${podPath}/p:8080/proxy/healthz`),
      get('pod-proxy-bad-name', `${podPath}/a:b:c:d/proxy`),
      get('pod-proxy-missing', `${podPath}/missing/proxy`),
      post('pod-proxy-post', `${podPath}/p/proxy/x`, { a: 1 }),
      { kind: 'request', id: 'pod-proxy-head', method: 'HEAD', path: `${podPath}/p/proxy/x` },
      { kind: 'request', id: 'pod-proxy-options', method: 'OPTIONS', path: `${podPath}/p/proxy/x` },
      { kind: 'request', id: 'pod-head', method: 'HEAD', path: `${podPath}/p` },
      { kind: 'request', id: 'pod-exec-options', method: 'OPTIONS', path: `${podPath}/p/exec` },
      get('node-proxy-missing', '/api/v1/nodes/{ns}-missing/proxy'),
      get('node-proxy-bare', '/api/v1/nodes/{ns}-bare/proxy/healthz'),
      get('node-proxy-loopback', '/api/v1/nodes/{ns}-closed/proxy/healthz'),
      get('node-proxy-bad-name', '/api/v1/nodes/a:b:c:d/proxy'),
      get('service-proxy-missing', '/api/v1/namespaces/{ns}/services/missing/proxy'),
      post('service', '/api/v1/namespaces/{ns}/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'web', port: 80, targetPort: 8080 }], selector: { app: 'none' } } }),
      get('service-proxy-no-endpoints', '/api/v1/namespaces/{ns}/services/s/proxy/'),
      get('service-proxy-port-name', '/api/v1/namespaces/{ns}/services/s:web/proxy/'),
      get('service-proxy-bad-port', '/api/v1/namespaces/{ns}/services/s:nope/proxy/'),
      get('service-proxy-port-number', '/api/v1/namespaces/{ns}/services/s:80/proxy/'),
      get('service-proxy-unknown-port-number', '/api/v1/namespaces/{ns}/services/s:81/proxy/'),
      post('endpoints-empty', '/api/v1/namespaces/{ns}/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 's' } }),
      get('service-proxy-no-subsets', '/api/v1/namespaces/{ns}/services/s/proxy/'),
      put('endpoints', '/api/v1/namespaces/{ns}/endpoints/s', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 's' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2', targetRef: { kind: 'Pod', name: 'p', namespace: '{ns}' } }], ports: [{ name: 'web', port: 8080 }] }] }),
      get('service-proxy-no-valid-address', '/api/v1/namespaces/{ns}/services/s:web/proxy/'),
      get('service-proxy-unknown-port', '/api/v1/namespaces/{ns}/services/s:other/proxy/'),
      get('service-proxy-https-unknown-port', '/api/v1/namespaces/{ns}/services/https:s:other/proxy/'),
      get('service-proxy-bad-name', '/api/v1/namespaces/{ns}/services/a:b:c:d/proxy'),
    ],
  },
];
