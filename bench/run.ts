/**
 * Store benchmarks against a fresh `kite store` (and, with --vs-etcd, a fresh real
 * etcd started the same way on free ports), side by side with the Kite/etcd ratio:
 * - kv: put with 1, 16 and 256 concurrent clients, range with 1 and 256, for a
 *   fixed time each; ops/s, p50, p99. Both servers fsync every acknowledged write.
 * - watch: event fan-out to 100 and 1,000 watchers on one prefix (events/s, p50,
 *   p99 from put to delivery); server memory for 10,000 idle watchers; server
 *   memory across connect / watch / disconnect churn.
 * - api: the API server's workloads (bench/api.ts), side by side with kube-apiserver 1.26 on etcd
 *   when both are installed (the reference needs no --vs-etcd; bench/api.ts's own options,
 *   such as --kite-only, go through --api-args).
 * - With --cluster 3: the kv workloads on a three-member cluster (of kite store, and of
 *   real etcd with --vs-etcd), clients spread over every member's endpoint, and range
 *   both linearizable and serializable.
 *
 * Each kv workload first runs unmeasured for --warmup seconds (default 2), on both servers,
 * so the figures are steady state: connections open, and V8 done compiling Kite's hot paths.
 *
 * - With --tls: the client URL is https (a certificate made for the run), and the kv clients
 *   connect over TLS, on both servers (one member; run once without it to see what TLS costs).
 *
 *   npm run bench [-- --vs-etcd] [--suite kv|watch|api|insight|all] [--seconds 5] [--warmup 2] [--only put|range] [--cluster 3] [--tls]
 *                 [--api-args="<bench/api.ts's options, e.g. --no-100k --markdown FILE>"]
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasCommand, startStore, tempDir, type StoreProcess } from '../test/helpers/processes.js';
import { TestCluster } from '../test/helpers/cluster.js';
import { TestCa } from '../test/helpers/tls-certs.js';
import { fdatasyncMs, loopbackRoundTripMs } from './latency-floor.js';
import type { ClientTls } from '../storage/client/etcd-grpc-client.js';
import { readFileSync } from 'node:fs';
import { preload, runLoad, type LoadResult } from './kv-load.js';
import { churnMemory, cpuMsOf, fanOut, idleWatcherMemory, type FanOutResult } from './watch-load.js';

const usage =
  'npm run bench [-- --vs-etcd] [--suite kv|watch|api|insight|all] [--seconds 5] [--warmup 2] [--only put|range] [--cluster 3] [--tls]\n' +
  '              [--api-args="<bench/api.ts\'s options, e.g. --no-100k --markdown FILE>"]';

function parseOptions() {
  try {
    return parseArgs({
      options: {
        'vs-etcd': { type: 'boolean', default: false },
        seconds: { type: 'string', default: '5' },
        warmup: { type: 'string', default: '2' },
        only: { type: 'string' },
        suite: { type: 'string', default: 'all' },
        cluster: { type: 'string' },
        tls: { type: 'boolean', default: false },
        'api-args': { type: 'string', default: '' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
const { values } = parseOptions();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.tls && values.cluster !== undefined) {
  console.error('--tls runs on one member; leave out --cluster');
  process.exit(2);
}
if (values.tls) values.suite = 'kv';
const clusterSize = values.cluster === undefined ? 0 : Number(values.cluster);
if (values.cluster !== undefined && !(clusterSize >= 3 && clusterSize % 2 === 1)) {
  console.error('--cluster takes an odd member count of at least 3');
  process.exit(2);
}
if (clusterSize > 0) values.suite = 'kv';
const runKv = values.suite === 'all' || values.suite === 'kv';
const runWatch = values.suite === 'all' || values.suite === 'watch';
const runApi = values.suite === 'all' || values.suite === 'api';
const runInsight = values.suite === 'all' || values.suite === 'insight';

interface Workload {
  readonly name: string;
  readonly op: 'put' | 'range';
  readonly clients: number;
  readonly serializable?: boolean;
}

const allWorkloads: Workload[] = [
  { name: 'put, 1 client', op: 'put', clients: 1 },
  { name: 'put, 16 clients', op: 'put', clients: 16 },
  { name: 'put, 256 clients', op: 'put', clients: 256 },
  { name: 'range, 1 client', op: 'range', clients: 1 },
  { name: 'range, 256 clients', op: 'range', clients: 256 },
  ...(clusterSize > 0 ? [{ name: 'range (s), 256 clients', op: 'range' as const, clients: 256, serializable: true }] : []),
];
const workloads = allWorkloads.filter((w) => values.only === undefined || w.op === values.only);

const KEY_SPACE = 10_000;
const VALUE_SIZE = 256;
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
if (!(seconds > 0) || !(warmupSeconds >= 0)) {
  console.error('--seconds takes a positive number and --warmup a number of at least 0');
  process.exit(2);
}

interface WatchResults {
  readonly fan: FanOutResult[];
  readonly idle: { before: number; after: number };
  readonly churn: number[];
}

/** A workload's result, with the CPU time the server processes spent per operation. */
type KvResult = LoadResult & { readonly serverCpuMsPerOp: number };

async function measure(kind: 'kite' | 'etcd'): Promise<{ kv: Map<string, KvResult>; watch?: WatchResults }> {
  const results = new Map<string, KvResult>();
  let watch: WatchResults | undefined;
  const dir = tempDir(`bench-${kind}`);
  let proc: StoreProcess | undefined;
  let cluster: TestCluster | undefined;
  let tls: ClientTls | undefined;
  try {
    let endpoint: string | string[];
    if (clusterSize > 0) {
      cluster = await TestCluster.plan(kind, clusterSize, dir.path);
      await cluster.startAll();
      endpoint = cluster.specs.map((s) => s.clientUrl.replace('http://', ''));
    } else if (values.tls) {
      const ca = await TestCa.create(dir.path);
      const server = await ca.issue('bench-server', { file: 'server' });
      tls = { ca: readFileSync(ca.caFile) };
      proc = await startStore({ kind, name: 'bench', dataDir: `${dir.path}/data`, clientTls: { ca: ca.caFile }, extraArgs: ['--cert-file', server.cert, '--key-file', server.key] });
      endpoint = proc.endpoint;
    } else {
      proc = await startStore({ kind, name: 'bench', dataDir: dir.path });
      endpoint = proc.endpoint;
    }
    if (runWatch && proc !== undefined) {
      // Idle memory first, on the fresh member, before other loads leave garbage behind.
      const idle = await idleWatcherMemory(proc.endpoint, proc.child.pid!, 10_000);
      process.stderr.write(`${kind.padEnd(4)} 10,000 idle watchers: +${((idle.after - idle.before) / 2 ** 20).toFixed(1)} MiB\n`);
      await fanOut(proc.endpoint, 100, 500); // warm-up: JIT and connections
      const fan = [await fanOut(proc.endpoint, 100, 2000), await fanOut(proc.endpoint, 1000, 500)];
      for (const f of fan) process.stderr.write(`${kind.padEnd(4)} fan-out ${f.watchers} watchers: ${f.eventsPerSecond.toFixed(0)} events/s, p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms (${f.delivered}/${f.watchers * f.puts} delivered)\n`);
      const churn = await churnMemory(proc.endpoint, proc.child.pid!, 1000);
      process.stderr.write(`${kind.padEnd(4)} churn RSS MiB: ${churn.map((b) => (b / 2 ** 20).toFixed(1)).join(' -> ')}\n`);
      watch = { fan, idle, churn };
    }
    if (runKv) await preload(typeof endpoint === 'string' ? endpoint : endpoint[0]!, KEY_SPACE, VALUE_SIZE, tls);
    const serverPids = proc !== undefined ? [proc.child.pid!] : [...cluster!.running.values()].map((p) => p.child.pid!);
    const serverCpuMs = () => serverPids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
    for (const w of runKv ? workloads : []) {
      const options = { endpoint, op: w.op, serializable: w.serializable, clients: w.clients, conns: Math.min(w.clients, 8), keySpace: KEY_SPACE, valueSize: VALUE_SIZE, ...(tls === undefined ? {} : { tls }) };
      if (warmupSeconds > 0) await runLoad({ ...options, seconds: warmupSeconds });
      const cpuBefore = serverCpuMs();
      const load = await runLoad({ ...options, seconds });
      const r = { ...load, serverCpuMsPerOp: (serverCpuMs() - cpuBefore) / Math.max(1, load.ops) };
      results.set(w.name, r);
      process.stderr.write(`${kind.padEnd(4)} ${w.name.padEnd(20)} ${r.opsPerSecond.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  server CPU ${r.serverCpuMsPerOp.toFixed(3)} ms/op${r.errors ? `  errors ${r.errors}` : ''}\n`);
    }
  } finally {
    await proc?.stop();
    await cluster?.stopAll();
    dir.remove();
  }
  return { kv: results, ...(watch ? { watch } : {}) };
}

const withEtcd = values['vs-etcd'] && (runKv || runWatch);
if (withEtcd && !hasCommand('etcd')) {
  console.error('--vs-etcd needs etcd on PATH (apt-get install -y etcd-server)');
  process.exit(2);
}
const kite = runKv || runWatch ? await measure('kite') : { kv: new Map<string, KvResult>() };
const etcd = withEtcd ? await measure('etcd') : undefined;

const rows = (runKv ? workloads : []).map((w) => {
  const k = kite.kv.get(w.name)!;
  const e = etcd?.kv.get(w.name);
  return {
    workload: w.name,
    'kite ops/s': Math.round(k.opsPerSecond),
    'kite p50 ms': +k.p50Ms.toFixed(2),
    'kite p99 ms': +k.p99Ms.toFixed(2),
    'kite CPU ms/op': +k.serverCpuMsPerOp.toFixed(3),
    ...(e
      ? {
          'etcd ops/s': Math.round(e.opsPerSecond),
          'etcd p50 ms': +e.p50Ms.toFixed(2),
          'etcd p99 ms': +e.p99Ms.toFixed(2),
          'etcd CPU ms/op': +e.serverCpuMsPerOp.toFixed(3),
          'kite/etcd ops': +(k.opsPerSecond / e.opsPerSecond).toFixed(2),
        }
      : {}),
  };
});
if (runKv) {
  const on = clusterSize > 0 ? `${clusterSize}-member clusters, clients spread over every member` : 'one member';
  console.log(`\nKV benchmark (${on}): ${seconds} s per workload after ${warmupSeconds} s unmeasured, ${KEY_SPACE} keys, ${VALUE_SIZE}-byte values, fsync on every commit; CPU ms/op is the server processes' user+system time per operation`);
  console.table(rows);
  const onePut = kite.kv.get('put, 1 client');
  if (onePut !== undefined) {
    // The floor of a put at one client here: one durable write and one loopback round trip.
    const floorDir = tempDir('bench-floor');
    let sync: number;
    try {
      sync = fdatasyncMs(floorDir.path);
    } finally {
      floorDir.remove();
    }
    const rtt = await loopbackRoundTripMs();
    const target = sync + rtt + 0.15;
    const etcdPut = etcd?.kv.get('put, 1 client');
    console.log(
      `put at one client, p50: kite ${onePut.p50Ms.toFixed(2)} ms${etcdPut ? `, etcd ${etcdPut.p50Ms.toFixed(2)} ms` : ''}; ` +
        `this disk's write + fdatasync ${sync.toFixed(3)} ms + a loopback round trip ${rtt.toFixed(3)} ms + 0.15 ms = ${target.toFixed(2)} ms: ` +
        `kite ${onePut.p50Ms <= target ? 'PASS' : 'MISS'}${clusterSize > 0 ? ' (the target is for one member; a cluster adds a peer round trip and a follower\'s write)' : ''}`,
    );
  }
}
if (runWatch && kite.watch) {
  const mib = (b: number) => +(b / 2 ** 20).toFixed(1);
  const ew = etcd?.watch;
  console.log('\nWatch benchmark: fan-out of puts from 16 writers to watchers on one prefix; memory is the server RSS');
  console.table(
    kite.watch.fan.map((f, i) => {
      const e = ew?.fan[i];
      return {
        watchers: f.watchers,
        'kite events/s': Math.round(f.eventsPerSecond),
        'kite p99 ms': +f.p99Ms.toFixed(1),
        ...(e ? { 'etcd events/s': Math.round(e.eventsPerSecond), 'etcd p99 ms': +e.p99Ms.toFixed(1), 'kite/etcd events/s': +(f.eventsPerSecond / e.eventsPerSecond).toFixed(2) } : {}),
      };
    }),
  );
  console.table([
    { measure: '10,000 idle watchers (MiB added)', kite: mib(kite.watch.idle.after - kite.watch.idle.before), ...(ew ? { etcd: mib(ew.idle.after - ew.idle.before) } : {}) },
    { measure: '1,000 connect/watch/disconnect rounds (MiB, first -> last)', kite: `${mib(kite.watch.churn[0]!)} -> ${mib(kite.watch.churn[kite.watch.churn.length - 1]!)}`, ...(ew ? { etcd: `${mib(ew.churn[0]!)} -> ${mib(ew.churn[ew.churn.length - 1]!)}` } : {}) },
  ]);
}

if (runApi) {
  // The API server's workloads run in their own process (bench/api.ts).
  // --api-args="--no-100k --markdown FILE" goes to it; it bounds itself (--deadline, 60 min), and this bounds it again.
  const apiArgs = values['api-args'].split(' ').filter((a) => a !== '');
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./api.ts', import.meta.url)), ...apiArgs], { stdio: 'inherit', timeout: 75 * 60_000, killSignal: 'SIGTERM' });
  if (r.status !== 0) process.exitCode = 1;
}

if (runInsight) {
  // The insight trail's overhead, page open and closed (bench/insight.ts), in its own process.
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./insight.ts', import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
