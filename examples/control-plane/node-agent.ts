/**
 * A stand-in for kubelets, for a control plane without machines: it registers
 * Nodes the way a kubelet would (and makes them Ready), reports every pod
 * bound to one of them as Running and Ready, and finishes the deletion of
 * pods being deleted (what a kubelet does once their containers stopped). It
 * speaks the API over plain HTTP, like any client.
 *
 *   node --import tsx examples/control-plane/node-agent.ts http://127.0.0.1:8080 node-a node-b
 */

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface NodeAgent {
  /** Stops the agent's loop. */
  stop(): Promise<void>;
}

async function call(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Obj }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Obj) };
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Registers a Node: creates it, clears the not-ready taint, and reports it Ready with some capacity. */
export async function registerNode(base: string, name: string, address: string): Promise<void> {
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
async function reconcile(base: string, nodes: ReadonlySet<string>, ips: Map<string, string>): Promise<void> {
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
export async function startNodeAgent(base: string, nodes: readonly string[], intervalMs = 250): Promise<NodeAgent> {
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
  const [base, ...nodes] = process.argv.slice(2);
  if (base === undefined || nodes.length === 0) {
    process.stderr.write('usage: node-agent.ts API_URL NODE [NODE...]\n');
    process.exit(2);
  }
  const agent = await startNodeAgent(base, nodes);
  process.stdout.write(`node agent: ${nodes.join(', ')} registered and Ready; reporting their pods (Ctrl-C to stop)\n`);
  process.on('SIGINT', () => void agent.stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
}
