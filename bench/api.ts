/**
 * API server benchmark, side by side, for issue 19: `kite apiserver` on its embedded store
 * and, when it can run here, the real kube-apiserver 1.26 on a real etcd 3.4, one after the
 * other, from the same neutral keep-alive HTTP/1.1 client in this process. Both are secured
 * alike: HTTPS, and the workloads run as `bench`, a user of the same --token-auth-file,
 * outside system:masters, allowed by one bound ClusterRole (token authentication and RBAC
 * on every request).
 *
 * Workloads (bench/api/workloads.ts), each with operations per second, p50 and p99 latency,
 * and the CPU time of the server processes per operation (Kite: its one process, the store
 * is in it; the reference: kube-apiserver plus etcd): creates of ConfigMaps from 1, 16 and 64
 * clients; gets by name from 64; full and paged (limit 100, following continue) lists of
 * 1,000 ConfigMaps, each also with a label selector matching half; GET-modify-PUT of one
 * object by 8 clients; watch fan-out to 100 and to 1,000 watchers; server-side apply of a
 * custom resource. Each row gets a verdict against the issue's target (bench/api/report.ts).
 *
 * Memory (bench/api/memory.ts), on a fresh server of each kind: RSS idle after start, with
 * 10,000 ConfigMaps, with those and 1,000 open watches, and with 100,000 ConfigMaps
 * (--no-100k leaves that step out).
 *
 * Kite is also run over plain HTTP (no TLS, authentication or authorization; --no-plain
 * leaves it out) to show what the security costs. The run is bounded: each workload has
 * --workload-timeout seconds, the whole run --deadline minutes, after which every server
 * process it started is killed.
 *
 *   npm run bench:api -- [--kite-only] [--no-plain] [--no-memory] [--no-100k] [--only list,watch]
 *                        [--quick] [--lists N] [--fan-out-updates N] [--markdown FILE] [--deadline 60] [--workload-timeout 300]
 *
 * To profile Kite on some workloads: KITE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * npm run bench:api -- --kite-only --no-plain --no-memory --only list, then
 * node --import tsx bench/cpu-profile-top.ts /tmp/prof/*.cpuprofile.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { referenceAvailable } from '../test/helpers/kube-reference.js';
import { cpuMsOf } from './watch-load.js';
import { percentile, runClients, within } from './api/clients.js';
import { configMap, createNamespace, ok, type Target } from './api/http-target.js';
import { measureMemory, type MemoryStep } from './api/memory.js';
import { otherCpu } from './api/other-cpu.js';
import { markdownTable, memoryRows, plainRows, tally, workloadRows, type Result, type Row } from './api/report.js';
import { killAll, startKite, startReference } from './api/servers.js';
import { BENCH_NAMESPACE, fullSizes, quickSizes, workloads as allWorkloads, type Workload } from './api/workloads.js';

const usage = `npm run bench:api -- [options]
  --kite-only             leave out kube-apiserver + etcd
  --no-plain              leave out Kite over plain HTTP
  --no-memory             leave out the RSS steps (fresh servers: idle, 10k ConfigMaps, 1,000 watches, 100k)
  --no-100k               leave out the 100,000-ConfigMap RSS step (the longest part of the run)
  --only a,b              run only the workloads whose names contain one of these (e.g. list,watch)
  --quick                 small sizes: a smoke run, not figures to quote
  --lists N               complete lists per list workload (default 50)
  --fan-out-updates N     updates per watch fan-out workload (default 500 to 100 watchers, 200 to 1,000)
  --markdown FILE         also write the tables as markdown to FILE
  --deadline MIN          kill everything and fail after MIN minutes (default 60)
  --workload-timeout S    fail a workload that takes more than S seconds (default 300)`;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', default: false },
    'kite-only': { type: 'boolean', default: false },
    'no-plain': { type: 'boolean', default: false },
    'no-memory': { type: 'boolean', default: false },
    'no-100k': { type: 'boolean', default: false },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    lists: { type: 'string' },
    'fan-out-updates': { type: 'string' },
    markdown: { type: 'string' },
    deadline: { type: 'string', default: '60' },
    'workload-timeout': { type: 'string', default: '300' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const deadlineMinutes = Number(values.deadline);
const workloadTimeoutMs = Number(values['workload-timeout']) * 1000;
const lists = values.lists === undefined ? undefined : Number(values.lists);
const fanOutUpdates = values['fan-out-updates'] === undefined ? undefined : Number(values['fan-out-updates']);
if (!(deadlineMinutes > 0) || !(workloadTimeoutMs > 0) || (lists !== undefined && !(lists >= 1)) || (fanOutUpdates !== undefined && !(fanOutUpdates >= 1))) {
  console.error(usage);
  process.exit(2);
}

const WARMUP_CREATES = 500;
const WARMUP_GETS = 2000;
const sizes = {
  ...(values.quick ? quickSizes : fullSizes),
  ...(lists === undefined ? {} : { lists }),
  ...(fanOutUpdates === undefined ? {} : { fanOut100Updates: fanOutUpdates, fanOut1000Updates: fanOutUpdates }),
};
const only = values.only?.split(',').filter((s) => s !== '');
const workloads = allWorkloads(sizes).filter((w) => only === undefined || only.some((s) => w.name.includes(s)));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// Bounded: whatever happens, the servers this run started do not outlive it.
const watchdog = setTimeout(() => {
  log(`bench/api.ts: not done after ${deadlineMinutes} min; killing the servers it started`);
  killAll();
  process.exit(3);
}, deadlineMinutes * 60_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const cpuOf = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);

/** Runs one workload on t, with its server CPU time. */
async function runOne(t: Target, w: Workload): Promise<Result> {
  await w.setup?.(t);
  const cpuBefore = cpuOf(t.pids);
  const clientBefore = process.cpuUsage();
  const run = await within(workloadTimeoutMs, `${t.name}: ${w.name}`, w.run(t));
  const cpuMs = cpuOf(t.pids) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const r: Result = {
    ops: sorted.length,
    opsPerSecond: sorted.length / run.seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    serverCpuMsPerOp: cpuMs / Math.max(1, run.opsCount ?? sorted.length),
    clientCpuMsPerOp: (client.user + client.system) / 1000 / Math.max(1, run.opsCount ?? sorted.length),
    notes: run.notes ?? '',
  };
  log(`${t.name.padEnd(15)} ${w.name.padEnd(44)} ${r.opsPerSecond.toFixed(0).padStart(7)}/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${r.serverCpuMsPerOp.toFixed(3)} ms/op`);
  return r;
}

/** Starts a server, warms it up (unmeasured creates and gets), runs the workloads, stops it. */
async function measureWorkloads(start: () => Promise<Target>): Promise<{ target: Target; results: Map<string, Result>; otherCores: number }> {
  const t = await start();
  // Other work on the shared machine skews a run: say how much CPU it took meanwhile.
  const others = otherCpu(() => cpuOf(t.pids));
  const started = performance.now();
  try {
    for (const name of [BENCH_NAMESPACE, 'warm']) await createNamespace(t, name);
    await runClients(16, WARMUP_CREATES, async (i) => void (await ok(t, 'POST', '/api/v1/namespaces/warm/configmaps', configMap(`w-${i}`, { i: String(i) }))));
    await runClients(16, WARMUP_GETS, async (i) => void (await ok(t, 'GET', `/api/v1/namespaces/warm/configmaps/w-${i % WARMUP_CREATES}`)));
    const results = new Map<string, Result>();
    for (const w of workloads) results.set(w.name, await runOne(t, w));
    const otherCores = others() / (performance.now() - started);
    log(`${t.name.padEnd(15)} other processes on the machine meanwhile: ${otherCores.toFixed(2)} cores on average`);
    return { target: t, results, otherCores };
  } finally {
    await t.stop();
  }
}

/** Starts a fresh server and takes its memory readings. */
async function measureRss(start: () => Promise<Target>): Promise<MemoryStep[]> {
  const t = await start();
  try {
    const plan = { objectSteps: values['no-100k'] ? [10_000] : [10_000, 100_000], watches: 1000 };
    return await within(deadlineMinutes * 60_000, `${t.name}: memory`, measureMemory(t, plan, log));
  } finally {
    await t.stop();
  }
}

try {
  const skipped = values['kite-only'] ? 'left out (--kite-only)' : referenceAvailable();
  const started = performance.now();
  const kite = workloads.length > 0 ? await measureWorkloads(() => startKite(false)) : undefined;
  const ref = skipped === false && workloads.length > 0 ? await measureWorkloads(startReference) : undefined;
  const plain = values['no-plain'] || workloads.length === 0 ? undefined : await measureWorkloads(() => startKite(true));
  const kiteRss = values['no-memory'] ? undefined : await measureRss(() => startKite(false));
  const refRss = values['no-memory'] || skipped !== false ? undefined : await measureRss(startReference);

  const sections: Array<[string, Row[]]> = [];
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const header =
    `API benchmark ${new Date().toISOString()}, Node ${process.versions.node}: kite apiserver on its embedded store` +
    (skipped === false ? ' and kube-apiserver 1.26 on etcd 3.4, one after the other' : `; the reference was ${skipped}`) +
    `; ${skipped === false ? 'both ' : ''}HTTPS with a token-file user authorized by RBAC; CPU ms/op is the server processes' user+system time per operation (kube-apiserver's includes its etcd); total ${seconds} s` +
    (kite === undefined ? '' : `; other processes on the machine took ${[kite, ref, plain].flatMap((m) => (m === undefined ? [] : [`${m.otherCores.toFixed(2)} cores during ${m.target.name}'s workloads`])).join(', ')}`);
  const wRows = kite ? workloadRows(workloads, kite.results, ref?.results) : [];
  if (wRows.length > 0) sections.push(['Workloads', wRows]);
  if (kite && plain) sections.push(['What TLS, token authentication and RBAC cost Kite (the same workloads over plain HTTP)', plainRows(workloads, kite.results, plain.results)]);
  const mRows = kiteRss ? memoryRows(kiteRss, refRss) : [];
  if (mRows.length > 0) sections.push(['Memory: RSS of the server processes on a fresh server (kube-apiserver + etcd summed)', mRows]);
  const { pass, miss } = tally([...wRows, ...mRows]);
  const summary = ref || refRss ? `Issue 19's targets: ${pass} PASS, ${miss} MISS` : 'No reference measured: no verdicts';

  console.log(`\n${header}`);
  for (const [title, rows] of sections) {
    console.log(`\n${title}`);
    console.table(rows);
  }
  console.log(`\n${summary}`);
  if (values.markdown !== undefined) {
    writeFileSync(values.markdown, [header, ...sections.map(([title, rows]) => `**${title}**\n\n${markdownTable(rows)}`), summary].join('\n\n') + '\n');
  }
} catch (err) {
  log(`bench/api.ts failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  killAll();
  process.exit(1);
}
killAll();
process.exit(0);
