/**
 * API server benchmark, side by side: `kite apiserver` on its embedded store and,
 * when it can run here, the real kube-apiserver 1.26 on a real etcd 3.4 (started as
 * the differential tests start it). The same workloads run against each, one server
 * at a time, from keep-alive HTTP/1.1 clients in this process:
 * - creates of ConfigMaps from 16 clients, gets by name from 16 clients, lists of
 *   1,000 ConfigMaps, GET-modify-PUT of one object by 8 clients, watch fan-out
 *   of 500 updates to 100 watchers, and server-side applies of a custom resource
 *   from 16 clients (half of them creating, half changing what they applied);
 * - for each: operations per second, p50 and p99 latency, and the CPU time the
 *   server processes (Kite: one process; the reference: kube-apiserver plus etcd)
 *   spent per operation;
 * - idle memory: the server processes' RSS after start, before any load.
 *
 * Each server first takes an unmeasured warm-up of creates and gets. Both are
 * secured alike: HTTPS, and the workloads run as `bench`, a user from the same
 * --token-auth-file, outside system:masters and allowed by one bound ClusterRole,
 * so each request is authenticated by its bearer token and authorized by RBAC's
 * rules. Kite is also measured over plain HTTP (--insecure-plain-http: no TLS, no
 * authentication, no authorization), and the table gives the secured run's CPU per
 * operation against it: what TLS, token authentication and RBAC cost.
 *
 *   npm run bench:api [-- --kite-only] [-- --no-plain]
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from '../test/helpers/apiserver.js';
import { referenceAdminToken, referenceAvailable, startKubeReference } from '../test/helpers/kube-reference.js';
import { tempDir } from '../test/helpers/processes.js';
import { cpuMsOf, rssOf } from './watch-load.js';

const WARMUP_CREATES = 500;
const WARMUP_GETS = 2000;
const CREATE_CLIENTS = 16;
const CREATES = 5000;
const GET_CLIENTS = 16;
const GETS = 20000;
const LIST_SIZE = 1000;
const LISTS = 50;
const CONTENDERS = 8;
const UPDATES_PER_CONTENDER = 50;
const WATCHERS = 100;
const WATCH_WRITERS = 4;
const WATCH_UPDATES = 500;
const APPLY_CLIENTS = 16;
const APPLY_OBJECTS = 1000;

interface Response {
  readonly status: number;
  readonly body: string;
}

/** One API server under test: how to reach it and which processes are it. */
interface Target {
  readonly name: string;
  /** How requests reach it, for the table's notes. */
  readonly transport: string;
  /** The server's processes (for CPU time and RSS). */
  readonly pids: readonly number[];
  /** One request; a body is sent as JSON, with contentType as its Content-Type (application/json by default). */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Response>;
  /** Opens a streaming GET (a watch); resolves with the response once headers arrive. */
  stream(path: string): Promise<IncomingMessage>;
  stop(): Promise<void>;
}

/** How a Target proves who the bench is: a bearer token, or a client certificate (with the CA to trust). */
type Credentials = { readonly token: string; readonly ca?: Buffer } | { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };

/** A Target reached over http or https on 127.0.0.1:port. */
function httpTarget(name: string, url: string, pids: readonly number[], stop: () => Promise<void>, credentials?: Credentials): Target {
  const { protocol, hostname, port } = new URL(url);
  const secure = protocol === 'https:';
  const token = credentials !== undefined && 'token' in credentials ? credentials.token : undefined;
  // The server's CA when given (Kite's); the reference's certificate is self-signed in its temp dir.
  const tls = credentials === undefined ? { rejectUnauthorized: false } : 'cert' in credentials ? credentials : credentials.ca !== undefined ? { ca: credentials.ca } : { rejectUnauthorized: false };
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ...tls }) : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const streamAgent = secure ? new HttpsAgent({ keepAlive: false, ...tls }) : new HttpAgent({ keepAlive: false });
  const request = secure ? httpsRequest : httpRequest;
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const base = { host: hostname, port: Number(port) };
  const open = (method: string, path: string, body: unknown, streaming: boolean, contentType = 'application/json'): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { ...auth, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }) };
      const req = request({ ...base, method, path, agent: streaming ? streamAgent : agent, headers }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  return {
    name,
    transport: !secure ? 'plain HTTP, no authentication or authorization' : token !== undefined ? 'HTTPS, a token-file user authorized by a bound ClusterRole' : 'HTTPS, client certificate (system:masters), RBAC',
    pids,
    call: async (method, path, body, contentType) => {
      const res = await open(method, path, body, false, contentType);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() };
    },
    stream: (path) => open('GET', path, undefined, true),
    stop: async () => {
      agent.destroy();
      streamAgent.destroy();
      await stop();
    },
  };
}

async function ok(t: Target, method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>> {
  const r = await t.call(method, path, body, contentType);
  if (r.status < 200 || r.status >= 300) throw new Error(`${t.name}: ${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One workload's figures on one server. */
interface Result {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMsPerOp: number;
  readonly notes: string;
}

/** Measured latencies of one run, with the wall time it took. */
interface Run {
  readonly latencies: number[];
  readonly seconds: number;
  readonly notes?: string;
}

/** Runs `clients` loops that each take job indices from a shared counter until `total`. */
async function runClients(clients: number, total: number, job: (i: number) => Promise<void>): Promise<Run> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

const meta = (o: Record<string, unknown>): { name: string; resourceVersion: string } => o.metadata as { name: string; resourceVersion: string };
const configMap = (name: string, data: Record<string, string>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

/** A workload: a name, and how it runs against a server (opsCount: what CPU time is divided by). */
interface Workload {
  readonly name: string;
  /** Unmeasured preparation (a CRD to serve). */
  setup?(t: Target): Promise<void>;
  run(t: Target): Promise<Run & { readonly opsCount?: number }>;
}

const benchGroup = 'bench.kite.example.com';
const gadgets = `/apis/${benchGroup}/v1/namespaces/bench/gadgets`;

/** A namespaced CRD with a keyed list, served before the apply workload starts. */
async function serveGadgets(t: Target): Promise<void> {
  const item = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } };
  const spec = { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' }, ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: item } } };
  await ok(t, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${benchGroup}` },
    spec: { group: benchGroup, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }] },
  });
  const deadline = Date.now() + 30_000;
  while ((await t.call('GET', gadgets)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${t.name}: ${gadgets} not served 30 s after its CRD was created`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The i-th apply: objects g-0..g-999 created, then each applied again with another size. */
function applyGadget(t: Target, i: number): Promise<unknown> {
  const name = `g-${i % APPLY_OBJECTS}`;
  const body = { apiVersion: `${benchGroup}/v1`, kind: 'Gadget', metadata: { name }, spec: { size: i, color: 'red', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } };
  return ok(t, 'PATCH', `${gadgets}/${name}?fieldManager=bench`, body, 'application/apply-patch+yaml');
}

const workloads: Workload[] = [
  {
    name: `create ConfigMap, ${CREATE_CLIENTS} clients`,
    // The first LIST_SIZE go to the namespace the list workload reads.
    run: (t) => runClients(CREATE_CLIENTS, CREATES, async (i) => void (await ok(t, 'POST', `/api/v1/namespaces/${i < LIST_SIZE ? 'list1k' : 'bench'}/configmaps`, configMap(`cm-${i}`, { index: String(i), payload: 'x'.repeat(256) })))),
  },
  {
    name: `get by name, ${GET_CLIENTS} clients`,
    run: (t) => runClients(GET_CLIENTS, GETS, async (i) => void (await ok(t, 'GET', `/api/v1/namespaces/bench/configmaps/cm-${LIST_SIZE + (i % (CREATES - LIST_SIZE))}`))),
  },
  {
    name: `list ${LIST_SIZE} ConfigMaps, 1 client`,
    run: async (t) => {
      let bytes = 0;
      const r = await runClients(1, LISTS, async () => {
        const res = await t.call('GET', '/api/v1/namespaces/list1k/configmaps');
        const items = (JSON.parse(res.body) as { items: unknown[] }).items;
        if (items.length !== LIST_SIZE) throw new Error(`${t.name}: list returned ${items.length} items, want ${LIST_SIZE}`);
        bytes = res.body.length;
      });
      return { ...r, notes: `${(bytes / 1024).toFixed(0)} KiB per list` };
    },
  },
  { name: `GET-modify-PUT, ${CONTENDERS} clients on 1 object`, run: contention },
  { name: `watch: ${WATCH_UPDATES} updates to ${WATCHERS} watchers (events)`, run: fanOut },
  {
    name: `apply custom resource, ${APPLY_CLIENTS} clients`,
    setup: serveGadgets,
    run: async (t) => {
      // Creating applies first, then the changing ones, so no apply races its object's creation.
      const first = await runClients(APPLY_CLIENTS, APPLY_OBJECTS, async (i) => void (await applyGadget(t, i)));
      const second = await runClients(APPLY_CLIENTS, APPLY_OBJECTS, async (i) => void (await applyGadget(t, APPLY_OBJECTS + i)));
      return { latencies: [...first.latencies, ...second.latencies], seconds: first.seconds + second.seconds, notes: `${APPLY_OBJECTS} creating, ${APPLY_OBJECTS} changing spec.size` };
    },
  },
];

async function contention(t: Target): Promise<Run> {
  const path = '/api/v1/namespaces/bench/configmaps/hot';
  await ok(t, 'POST', '/api/v1/namespaces/bench/configmaps', configMap('hot', { counter: '0' }));
  let conflicts = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONTENDERS }, async () => {
      for (let done = 0; done < UPDATES_PER_CONTENDER; done++) {
        const t0 = performance.now();
        for (;;) {
          const cur = await ok(t, 'GET', path);
          const data = cur.data as Record<string, string>;
          const r = await t.call('PUT', path, { ...cur, data: { counter: String(Number(data.counter) + 1) } });
          if (r.status === 409) {
            conflicts++;
            continue;
          }
          if (r.status !== 200) throw new Error(`${t.name}: PUT ${path}: ${r.status} ${r.body}`);
          break;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const counter = Number(((await ok(t, 'GET', path)).data as Record<string, string>).counter);
  const want = CONTENDERS * UPDATES_PER_CONTENDER;
  if (counter !== want) throw new Error(`${t.name}: lost update: counter ${counter}, want ${want}`);
  return { latencies, seconds, notes: `${conflicts} conflicts retried; counter ${counter} = ${want}` };
}

/** Watchers on the default namespace's ConfigMaps; writers update WATCH_WRITERS objects; latency is PUT sent -> event read. */
async function fanOut(t: Target): Promise<Run & { opsCount: number }> {
  const names = Array.from({ length: WATCH_WRITERS }, (_, i) => `fan-${i}`);
  for (const name of names) await ok(t, 'POST', '/api/v1/namespaces/default/configmaps', configMap(name, { n: '0' }));
  const listRv = meta(await ok(t, 'GET', '/api/v1/namespaces/default/configmaps')).resourceVersion;
  const received: Array<Map<string, number>> = [];
  const responses = await Promise.all(
    Array.from({ length: WATCHERS }, async (_, w) => {
      const seen = new Map<string, number>();
      received.push(seen);
      const res = await t.stream(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${listRv}`);
      if (res.statusCode !== 200) throw new Error(`${t.name}: watcher ${w}: ${res.statusCode}`);
      let buf = '';
      res.on('data', (c: Buffer) => {
        const now = performance.now();
        buf += c.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '') continue;
          const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
          if (ev.type === 'MODIFIED') seen.set(meta(ev.object).resourceVersion, now);
        }
      });
      res.on('error', () => undefined);
      return res;
    }),
  );
  const sentAt = new Map<string, number>();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    names.map(async (name) => {
      for (let i = next++; i < WATCH_UPDATES; i = next++) {
        const t0 = performance.now();
        const o = await ok(t, 'PUT', `/api/v1/namespaces/default/configmaps/${name}`, configMap(name, { n: String(i + 1) }));
        sentAt.set(meta(o).resourceVersion, t0);
      }
    }),
  );
  const want = WATCHERS * WATCH_UPDATES;
  const delivered = (): number => received.reduce((s, m) => s + m.size, 0);
  const deadline = Date.now() + 30_000;
  while (delivered() < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  let last = start;
  const latencies: number[] = [];
  for (const seen of received) {
    for (const [rv, at] of seen) {
      const t0 = sentAt.get(rv);
      if (t0 === undefined) continue;
      latencies.push(at - t0);
      last = Math.max(last, at);
    }
  }
  for (const res of responses) res.destroy();
  if (delivered() < want) throw new Error(`${t.name}: ${delivered()}/${want} watch events delivered in 30 s`);
  // CPU is per update: each one is read, written, and sent to every watcher.
  return { latencies, seconds: (last - start) / 1000, opsCount: WATCH_UPDATES, notes: `${want} events; CPU per update` };
}

/** Everything measured on one server. */
interface Measured {
  readonly target: Target;
  readonly idleRssBytes: number;
  readonly results: Map<string, Result>;
}

const cpuOf = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
const rssOfAll = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + rssOf(pid), 0);

async function measure(start: () => Promise<Target>): Promise<Measured> {
  const t = await start();
  try {
    // Idle: started, settled, before any request of ours.
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssBytes = rssOfAll(t.pids);
    for (const name of ['bench', 'list1k', 'warm']) await ok(t, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await runClients(CREATE_CLIENTS, WARMUP_CREATES, async (i) => void (await ok(t, 'POST', '/api/v1/namespaces/warm/configmaps', configMap(`w-${i}`, { i: String(i) }))));
    await runClients(GET_CLIENTS, WARMUP_GETS, async (i) => void (await ok(t, 'GET', `/api/v1/namespaces/warm/configmaps/w-${i % WARMUP_CREATES}`)));
    const results = new Map<string, Result>();
    for (const w of workloads) {
      await w.setup?.(t);
      const cpuBefore = cpuOf(t.pids);
      const run = await w.run(t);
      const cpuMs = cpuOf(t.pids) - cpuBefore;
      const sorted = [...run.latencies].sort((a, b) => a - b);
      const r: Result = {
        ops: sorted.length,
        opsPerSecond: sorted.length / run.seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        serverCpuMsPerOp: cpuMs / Math.max(1, run.opsCount ?? sorted.length),
        notes: run.notes ?? '',
      };
      results.set(w.name, r);
      process.stderr.write(`${t.name.padEnd(15)} ${w.name.padEnd(48)} ${r.opsPerSecond.toFixed(0).padStart(7)}/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${r.serverCpuMsPerOp.toFixed(3)} ms/op\n`);
    }
    return { target: t, idleRssBytes, results };
  } finally {
    await t.stop();
  }
}

/**
 * The user the workloads run as on the secured servers: a token-file user outside
 * system:masters, allowed by one ClusterRole bound to it, so every request is
 * authenticated by token and authorized by RBAC's rules.
 */
const BENCH_USER = { name: 'bench', token: 'bench-token-0123456789' };

/** A token file with the reference helper's admin (system:masters) and the bench user. */
function writeTokenFile(dir: string): string {
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, `${referenceAdminToken},admin,1,"system:masters"\n${BENCH_USER.token},${BENCH_USER.name},100\n`, { mode: 0o600 });
  return file;
}

/** Grants the bench user what the workloads touch (as admin), then waits until the server's RBAC lets it in. */
async function grantBench(admin: Target, bench: Target): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await ok(admin, 'POST', `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'kite-bench' },
    rules: [{ apiGroups: ['', 'apiextensions.k8s.io', benchGroup], resources: ['namespaces', 'configmaps', 'customresourcedefinitions', 'gadgets'], verbs: ['*'] }],
  });
  await ok(admin, 'POST', `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'kite-bench' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kite-bench' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: BENCH_USER.name }],
  });
  const deadline = Date.now() + 30_000;
  while ((await bench.call('GET', '/api/v1/namespaces/default/configmaps?limit=1')).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${bench.name}: the bench user is still refused 30 s after its binding was made`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kite on its embedded store: HTTPS with the bench user's token and RBAC, or plain HTTP (no authentication). */
async function startKite(plain: boolean): Promise<Target> {
  const dir = tempDir('bench-api-kite');
  const server = await startApiServer(`${dir.path}/data`, undefined, ['--controllers=', '--log-level=silent', ...(plain ? ['--insecure-plain-http'] : [`--token-auth-file=${writeTokenFile(dir.path)}`])]);
  const stop = async (): Promise<void> => {
    await server.stop();
    dir.remove();
  };
  if (plain) return httpTarget('kite (plain HTTP)', server.url, [server.pid], stop);
  const { ca, cert, key } = server.tls ?? {};
  if (ca === undefined || cert === undefined || key === undefined) throw new Error(`kite wrote no admin credentials in ${dir.path}/data/pki`);
  const admin = httpTarget('kite admin', server.url, [server.pid], async () => undefined, { ca, cert, key });
  const bench = httpTarget('kite', server.url, [server.pid], stop, { token: BENCH_USER.token, ca });
  await grantBench(admin, bench);
  await admin.stop();
  return bench;
}

/** kube-apiserver 1.26 on etcd 3.4, configured as Kite: HTTPS, the same token file, RBAC. */
async function startReference(): Promise<Target> {
  const dir = tempDir('bench-api-ref');
  const ref = await startKubeReference({ extraArgs: [`--token-auth-file=${writeTokenFile(dir.path)}`] });
  const stop = async (): Promise<void> => {
    await ref.stop();
    dir.remove();
  };
  const admin = httpTarget('kube-apiserver admin', ref.url, ref.pids, async () => undefined, { token: ref.token });
  const bench = httpTarget('kube-apiserver', ref.url, ref.pids, stop, { token: BENCH_USER.token });
  await grantBench(admin, bench);
  await admin.stop();
  return bench;
}

const { values } = parseArgs({ options: { 'kite-only': { type: 'boolean', default: false }, 'no-plain': { type: 'boolean', default: false } } });
const skipped = values['kite-only'] ? 'left out (--kite-only)' : referenceAvailable();
const started = performance.now();
const kite = await measure(() => startKite(false));
const plain = values['no-plain'] ? undefined : await measure(() => startKite(true));
const ref = skipped === false ? await measure(startReference) : undefined;

const mib = (b: number): number => +(b / 2 ** 20).toFixed(1);
console.log(
  `\nAPI benchmark, Node ${process.versions.node}: kite apiserver on its embedded store (${kite.target.transport})` +
    (plain ? `, the same over ${plain.target.transport}` : '') +
    (ref ? ` and kube-apiserver 1.26 on etcd 3.4 (${ref.target.transport}), one after the other` : `; the reference was ${String(skipped)}`) +
    `; CPU ms/op is the server processes' user+system time per operation (kube-apiserver's includes its etcd); total ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.table(
  workloads.map((w) => {
    const k = kite.results.get(w.name)!;
    const p = plain?.results.get(w.name);
    const e = ref?.results.get(w.name);
    return {
      workload: w.name,
      'kite ops/s': Math.round(k.opsPerSecond),
      'kite p99 ms': +k.p99Ms.toFixed(2),
      'kite CPU ms/op': +k.serverCpuMsPerOp.toFixed(3),
      ...(p ? { 'plain ops/s': Math.round(p.opsPerSecond), 'plain CPU ms/op': +p.serverCpuMsPerOp.toFixed(3), 'kite/plain CPU': +(k.serverCpuMsPerOp / p.serverCpuMsPerOp).toFixed(2) } : {}),
      ...(e
        ? {
            'ref ops/s': Math.round(e.opsPerSecond),
            'ref p99 ms': +e.p99Ms.toFixed(2),
            'ref CPU ms/op': +e.serverCpuMsPerOp.toFixed(3),
            'kite/ref ops': +(k.opsPerSecond / e.opsPerSecond).toFixed(2),
            'kite/ref CPU': +(k.serverCpuMsPerOp / e.serverCpuMsPerOp).toFixed(2),
          }
        : {}),
      notes: e === undefined || e.notes === k.notes ? k.notes : `kite: ${k.notes}; ref: ${e.notes}`,
    };
  }),
);
console.table([
  {
    measure: 'idle RSS after start (MiB)',
    kite: mib(kite.idleRssBytes),
    ...(ref ? { 'kube-apiserver + etcd': mib(ref.idleRssBytes), 'kite/ref': +(kite.idleRssBytes / ref.idleRssBytes).toFixed(2) } : {}),
  },
]);
