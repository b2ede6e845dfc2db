/**
 * The chaos harness: runs concurrent clients against a real cluster (kite store, or etcd
 * 3.4 with --target etcd) while nemeses inject faults, records every operation, and checks
 * the history: linearizability, watches, durability and leases. Prints a table; exits 1 on
 * any violation, keeping the run's files for replay.
 *
 *   npm run chaos -- [--target kite|etcd] [--members 3] [--duration 30] [--runs 1]
 *                    [--seed N] [--nemeses kill,pause,...] [--ordered] [--out DIR]
 *                    [--broken stale-reads|ack-before-persist|fsync-skipped|watch-drop]
 *                    [--peer-tls off|on|alternate]   (mutual TLS between members: every run, or every other)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EtcdGrpcClient } from '../../storage/client/etcd-grpc-client.js';
import { hasCommand, repoRoot, tempDir } from '../helpers/processes.js';
import { BROKEN_BUILDS, makeBrokenBuild } from './broken-build.js';
import { ChaosCluster, type Target } from './chaos-cluster.js';
import { buildPowercutLibrary } from './powercut.js';
import { checkDurability } from './checkers/durability.js';
import { encodeHistory, type FinalState, type Operation, type RevisionLog } from './checkers/history.js';
import { checkLeases } from './checkers/leases.js';
import { checkLinearizability } from './checkers/linearizability.js';
import { checkWatches } from './checkers/watch.js';
import { inject, NEMESES, type Fault, type NemesisName } from './nemesis.js';
import { kvClient, leaseClient, now, readFinal, readRevisionLog, seeded, watcher, type WorkloadContext } from './workload.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'kite' },
    members: { type: 'string', default: '3' },
    duration: { type: 'string', default: '30' },
    runs: { type: 'string', default: '1' },
    seed: { type: 'string' },
    nemeses: { type: 'string' },
    out: { type: 'string' },
    clients: { type: 'string', default: '8' },
    broken: { type: 'string' },
    ordered: { type: 'boolean', default: false },
    'peer-tls': { type: 'string', default: 'off' },
  },
});
const peerTlsMode = values['peer-tls'];
if (peerTlsMode !== 'off' && peerTlsMode !== 'on' && peerTlsMode !== 'alternate') throw new Error('--peer-tls is off, on (mutual TLS between members) or alternate (every other run)');

const target = values.target as Target;
if (target !== 'kite' && target !== 'etcd') throw new Error('--target is kite or etcd');
if (target === 'etcd' && !hasCommand('etcd')) {
  console.error('--target etcd needs etcd on PATH (apt-get install -y etcd-server)');
  process.exit(2);
}
const members = Number(values.members);
const durationMs = Number(values.duration) * 1000;
const nemeses = (values.nemeses?.split(',') ?? [...NEMESES]) as NemesisName[];
for (const n of nemeses) if (!NEMESES.includes(n)) throw new Error(`unknown nemesis ${n}; known: ${NEMESES.join(', ')}`);
const outRoot = resolve(values.out ?? join('chaos-results', new Date().toISOString().replace(/[:.]/g, '-')));
if (values.broken !== undefined) {
  if (target !== 'kite') throw new Error('--broken needs --target kite');
  process.env.KITE_BIN = makeBrokenBuild(values.broken, join(repoRoot, 'chaos-results', `broken-${values.broken}`));
  console.log(`running a deliberately broken build: ${BROKEN_BUILDS[values.broken]!.what}`);
}

// Power cuts drop what kite members had not synced, through a preload library built here.
const powercut = target === 'kite' ? buildPowercutLibrary() : undefined;
if (powercut !== undefined && 'reason' in powercut) {
  console.error(`\n*** power cuts cannot be simulated (${powercut.reason}): the power-cut nemesis only kills every member\n`);
}
const powercutLibrary = powercut !== undefined && 'path' in powercut ? powercut.path : undefined;

interface RunResult {
  readonly seed: number;
  readonly ops: Operation[];
  readonly faults: Fault[];
  readonly leaderChanges: number;
  readonly violations: Record<string, number>;
  readonly undecided: number;
  readonly dir: string;
}

/** One run: a fresh cluster, the workload and nemeses for durationMs, then the checks. */
async function run(index: number, seed: number, order: NemesisName[]): Promise<RunResult> {
  const random = seeded(seed);
  const dir = join(outRoot, `run-${index}-${target}-seed-${seed}`);
  mkdirSync(dir, { recursive: true });
  const data = tempDir('chaos');
  const peerTls = peerTlsMode === 'on' || (peerTlsMode === 'alternate' && index % 2 === 1);
  const cluster = await ChaosCluster.start(target, members, data.path, { powercutLibrary, peerTls });
  if (peerTls) process.stderr.write(`[run ${index}] peer URLs with mutual TLS\n`);
  const say = (msg: string): void => void process.stderr.write(`[run ${index} ${((now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
  const t0 = now();
  const faults: Fault[] = [];
  const terms: number[] = [];
  const termChanges: number[] = [];
  try {
    const endpoints = cluster.names.map((n) => cluster.endpoint(n));
    const initial = Number(((await new EtcdGrpcClient(endpoints[0]!, {}, 5000).status()).header as { revision: string }).revision);
    const ctx: WorkloadContext = { endpoints, history: [], random, stopped: false };
    const clients = Array.from({ length: Number(values.clients) }, (_, i) => kvClient(ctx, i));
    clients.push(leaseClient(ctx));
    const watchers = [0, 1].map((i) => watcher(ctx, `w${i}`, initial + 1, i));

    // Leader changes, by polling the term.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = await cluster.term();
        if (t > 0 && terms.length > 0 && t !== terms[terms.length - 1]) termChanges.push(now());
        if (t > 0) terms.push(t);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    // Nemeses, one at a time: quiet, fault, heal.
    let next = 0;
    while (now() - t0 < durationMs - 4000) {
      await new Promise((r) => setTimeout(r, 1000 + random() * 1500));
      const nemesis = order[next++ % order.length]!;
      const at = now();
      try {
        const { detail, end } = await inject(nemesis, cluster, random);
        say(`${nemesis}: ${detail} (${cluster.proxy.describe()})`);
        await new Promise((r) => setTimeout(r, 1500 + random() * 2500));
        await end();
        faults.push({ nemesis, at, detail });
      } catch (err) {
        faults.push({ nemesis, at, detail: '', error: String(err) });
        say(`${nemesis} failed: ${String(err)}`);
        await cluster.heal();
      }
    }
    await cluster.heal();
    await new Promise((r) => setTimeout(r, 2000));
    ctx.stopped = true;
    await Promise.all(clients);
    await Promise.all(watchers.map((w) => w.done));
    polling = false;
    await poller;

    // The final state, read once everything has healed; the log of every revision.
    const final: FinalState = await retry(() => readFinal(endpoints[0]!));
    const log: RevisionLog = await retry(() => readRevisionLog(endpoints[0]!, initial + 1, final.revision));
    const history = ctx.history;
    writeFileSync(join(dir, 'history.jsonl'), encodeHistory(history));
    writeFileSync(join(dir, 'final.json'), JSON.stringify(final));
    writeFileSync(join(dir, 'revision-log.json'), JSON.stringify(log));
    writeFileSync(join(dir, 'watchers.json'), JSON.stringify(watchers.map((w) => w.record())));
    writeFileSync(join(dir, 'faults.json'), JSON.stringify({ faults, termChanges }, null, 1));

    const lin = checkLinearizability(history, { initialRevision: initial });
    const watch = checkWatches(watchers.map((w) => w.record()), log);
    const durability = checkDurability(history, final, { log });
    // A lease's TTL starts over whenever a new leader takes over or the members restart
    // (etcd's behaviour too); while no member runs, nothing expires. So every fault's start
    // (after which the cluster may be down) and every leader change observed is a refresh.
    const refreshes = [...faults.map((f) => f.at), ...termChanges].sort((x, y) => x - y);
    const leases = checkLeases(history, final, { slackMs: 6000, refreshes });
    const agreement = await checkAgreement(cluster, final);
    const violations = {
      linearizability: lin.violations.length,
      watch: watch.violations.length,
      durability: durability.lost.length,
      leases: leases.violations.length,
      'replica agreement': agreement.length,
    };
    const report = {
      linearizability: { outcome: lin.outcome, violations: lin.violations, undecided: lin.undecided },
      watch: watch.violations,
      durability: durability.lost,
      leases: leases.violations,
      agreement,
    };
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 1));
    writeFileSync(join(dir, 'cluster-output.txt'), cluster.output());
    for (const [checker, n] of Object.entries(violations)) if (n > 0) say(`${checker}: ${n} violation(s); see ${join(dir, 'report.json')}`);
    return { seed, ops: history, faults, leaderChanges: termChanges.length, violations, undecided: lin.undecided.length, dir };
  } catch (err) {
    writeFileSync(join(dir, 'cluster-output.txt'), cluster.output());
    throw err;
  } finally {
    await cluster.stop();
    data.remove();
  }
}

/**
 * Every member holds the final state at the final read's revision: replicas never diverge.
 * (Read at that revision: leases keep expiring after the run, so the newest state moves on.)
 */
async function checkAgreement(cluster: ChaosCluster, final: FinalState): Promise<string[]> {
  const problems: string[] = [];
  const pick = (kvs: readonly { key: string; value: string; modRevision: number }[]): string => JSON.stringify(kvs.map((kv) => [kv.key, kv.value, kv.modRevision]));
  const want = pick(final.kvs);
  for (const name of cluster.names) {
    let got = '';
    for (let i = 0; i < 50 && got !== want; i++) {
      try {
        got = pick((await readFinal(cluster.endpoint(name), final.revision)).kvs);
      } catch {
        // not caught up or not answering yet
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (got !== want) problems.push(`${name} holds a different state at revision ${final.revision}`);
  }
  return problems;
}

async function retry<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const runs = Number(values.runs);
const baseSeed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
const results: RunResult[] = [];
let failed = false;
for (let i = 0; i < runs; i++) {
  // Every nemesis gets its turn: each run starts where the previous one's order ended.
  const shuffle = seeded(baseSeed);
  const shuffled = values.ordered ? [...nemeses] : [...nemeses].sort(() => shuffle() - 0.5);
  const offset = Math.round((i * shuffled.length) / runs) % shuffled.length;
  const order = [...shuffled.slice(offset), ...shuffled.slice(0, offset)];
  try {
    results.push(await run(i, baseSeed + i, order));
  } catch (err) {
    failed = true;
    console.error(`run ${i} (seed ${baseSeed + i}) did not complete: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

// The report.
const ops = results.flatMap((r) => r.ops);
const byKind = new Map<string, { ok: number; fail: number; unknown: number }>();
for (const op of ops) {
  const row = byKind.get(op.kind) ?? { ok: 0, fail: 0, unknown: 0 };
  row[op.status]++;
  byKind.set(op.kind, row);
}
console.log(`\nChaos: ${results.length} run(s) against ${members} ${target} members, ${values.duration} s each, seeds from ${baseSeed}; files in ${outRoot}`);
console.table([...byKind].map(([kind, r]) => ({ operation: kind, ...r })));
const faultCount = new Map<string, { injected: number; refused: number }>();
for (const f of results.flatMap((r) => r.faults)) {
  const row = faultCount.get(f.nemesis) ?? { injected: 0, refused: 0 };
  if (f.error === undefined) row.injected++;
  else row.refused++;
  faultCount.set(f.nemesis, row);
}
console.table([...faultCount].map(([nemesis, r]) => ({ nemesis, ...r })));
const violations: Record<string, number> = {};
for (const r of results) for (const [k, n] of Object.entries(r.violations)) violations[k] = (violations[k] ?? 0) + n;
console.table([
  { measure: 'leader changes', count: results.reduce((n, r) => n + r.leaderChanges, 0) },
  ...Object.entries(violations).map(([k, n]) => ({ measure: `${k} violations`, count: n })),
  { measure: 'linearizability groups undecided (search budget)', count: results.reduce((n, r) => n + r.undecided, 0) },
]);
const missing = nemeses.filter((n) => !faultCount.has(n));
if (missing.length > 0) console.log(`nemeses not reached in this sweep: ${missing.join(', ')}`);
if (failed || Object.values(violations).some((n) => n > 0)) {
  console.log('FAILED');
  process.exit(1);
}
console.log('no violations');
process.exit(0);
