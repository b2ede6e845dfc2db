/**
 * A stand-in for kubelets, for a control plane without machines: it registers
 * Nodes the way a kubelet would (and makes them Ready), reports every pod
 * bound to one of them as Running and Ready, and finishes the deletion of
 * pods being deleted (what a kubelet does once their containers stopped). Like a
 * kubelet it reaches the API server with a kubeconfig: its server, the CA to verify
 * it with, and the client certificate (or token) to authenticate with.
 *
 *   node --import tsx examples/control-plane/node-agent.ts ./kite-data/kubeconfig node-a node-b
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface NodeAgent {
  /** Stops the agent's loop. */
  stop(): Promise<void>;
}

/** Where the API server is and how to reach it: its URL, and the TLS material and headers a kubeconfig gives. */
export interface ApiConnection {
  readonly server: string;
  readonly options: RequestOptions;
}

/** The connection the kubeconfig at path describes (its current context), read with client-node. */
export async function connectWithKubeconfig(path: string): Promise<ApiConnection> {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`${path}: no current cluster`);
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return { server: cluster.server, options };
}

function call(base: ApiConnection, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Obj }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const send = base.server.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers = { ...(base.options.headers as Record<string, string> | undefined), ...(payload === undefined ? {} : { 'Content-Type': contentType }) };
    const req = send(`${base.server}${path}`, { ...base.options, method, headers }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Obj) });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Registers a Node: creates it, clears the not-ready taint, and reports it Ready with some capacity. */
export async function registerNode(base: ApiConnection, name: string, address: string): Promise<void> {
  const created = await call(base, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } } });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating node ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const untainted = await call(base, 'PATCH', `/api/v1/nodes/${name}`, { spec: { taints: null } }, 'application/merge-patch+json');
  if (untainted.status !== 200) throw new Error(`untainting node ${name}: ${untainted.status} ${JSON.stringify(untainted.body)}`);
  const capacity = { cpu: '8', memory: '16Gi', pods: '110' };
  const status = {
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready (node agent)', lastHeartbeatTime: now(), lastTransitionTime: now() }],
      addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: 'v1.26.4', osImage: 'node agent', kernelVersion: 'n/a', containerRuntimeVersion: 'none://0', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
  const reported = await call(base, 'PATCH', `/api/v1/nodes/${name}/status`, status, 'application/merge-patch+json');
  if (reported.status !== 200) throw new Error(`reporting node ${name} Ready: ${reported.status} ${JSON.stringify(reported.body)}`);
}

/** One pass over the pods of the agent's nodes: report new ones running, finish deletions. */
async function reconcile(base: ApiConnection, nodes: ReadonlySet<string>, ips: Map<string, string>): Promise<void> {
  const pods = await call(base, 'GET', '/api/v1/pods');
  for (const pod of (pods.body['items'] as Obj[] | undefined) ?? []) {
    const m = pod.metadata ?? {};
    const spec = (pod['spec'] ?? {}) as Obj;
    const node = spec['nodeName'];
    if (typeof node !== 'string' || !nodes.has(node)) continue;
    const path = `/api/v1/namespaces/${String(m['namespace'])}/pods/${String(m['name'])}`;
    if (m['deletionTimestamp'] !== undefined) {
      await call(base, 'DELETE', `${path}?gracePeriodSeconds=0`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: m['uid'] } });
      continue;
    }
    const status = (pod['status'] ?? {}) as Obj;
    if (status['phase'] === 'Running') continue;
    const uid = String(m['uid']);
    const ip = ips.get(uid) ?? `10.244.0.${(ips.size % 250) + 2}`;
    ips.set(uid, ip);
    const containers = ((spec['containers'] as Obj[] | undefined) ?? []).map((c) => ({
      name: c['name'],
      image: c['image'],
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now() } },
    }));
    const conditions = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now() }));
    await call(base, 'PATCH', `${path}/status`, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1', startTime: now(), conditions, containerStatuses: containers } }, 'application/merge-patch+json');
  }
}

/** Registers nodes and keeps their pods' states as kubelets would, every intervalMs. */
export async function startNodeAgent(base: ApiConnection, nodes: readonly string[], intervalMs = 250): Promise<NodeAgent> {
  for (const [i, n] of nodes.entries()) await registerNode(base, n, `127.0.0.${i + 10}`);
  const names = new Set(nodes);
  const ips = new Map<string, string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await reconcile(base, names, ips);
      } catch {
        // The next pass tries again (a conflict, or the server restarting).
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kubeconfig, ...nodes] = process.argv.slice(2);
  if (kubeconfig === undefined || nodes.length === 0) {
    process.stderr.write('usage: node-agent.ts KUBECONFIG NODE [NODE...]\n');
    process.exit(2);
  }
  const agent = await startNodeAgent(await connectWithKubeconfig(kubeconfig), nodes);
  process.stdout.write(`node agent: ${nodes.join(', ')} registered and Ready; reporting their pods (Ctrl-C to stop)\n`);
  process.on('SIGINT', () => void agent.stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
}
