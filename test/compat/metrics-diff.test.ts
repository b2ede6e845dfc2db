// The metric families an etcd dashboard reads (the etcd mixin's Grafana dashboard and
// alerts), scraped from real etcd 3.4 and from `kite store` after the same etcdctl workload:
// each family must exist on both with the same type, on the client port and on
// --listen-metrics-urls, and the values that do not depend on timing must be equal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, withCluster, type TestCluster } from '../helpers/cluster.js';
import { etcdctl, etcdctlStreaming, freePort, missingTool, onEtcdAndKite, type CommandResult } from '../helpers/processes.js';

/** Every family the comparison covers, with etcd 3.4's type. */
const FAMILIES = [
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_leader_changes_seen_total',
  'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total',
  'etcd_server_proposals_pending',
  'etcd_server_proposals_failed_total',
  'etcd_server_quota_backend_bytes',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_mvcc_db_total_size_in_use_in_bytes',
  'etcd_debugging_mvcc_keys_total',
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'grpc_server_started_total',
  'grpc_server_handled_total',
] as const;

/** Families only a member with peers has. */
const PEER_FAMILIES = ['etcd_network_peer_round_trip_time_seconds', 'etcd_network_peer_sent_bytes_total', 'etcd_network_peer_received_bytes_total'] as const;

/** The RPCs the workload makes, with the status each ends with (streams: the client leaves). */
const WORKLOAD_RPCS = [
  ['unary', 'etcdserverpb.KV', 'Put', 'OK'],
  ['unary', 'etcdserverpb.KV', 'Txn', 'OK'],
  ['unary', 'etcdserverpb.KV', 'DeleteRange', 'OK'],
  ['unary', 'etcdserverpb.Lease', 'LeaseGrant', 'OK'],
  ['bidi_stream', 'etcdserverpb.Watch', 'Watch', 'Canceled'],
  ['bidi_stream', 'etcdserverpb.Lease', 'LeaseKeepAlive', 'Unavailable'],
] as const;

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape in Prometheus' text format: each family's type, and every sample. */
interface Scrape {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

function parseScrape(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `unparseable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** The value of the one sample of name whose labels include labels (0 when there is none). */
function value(s: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

/** The values of a label over the samples of name. */
function labelValues(s: Scrape, name: string, label: string): string[] {
  return [...new Set(s.samples.filter((x) => x.name === name && x.labels[label] !== undefined).map((x) => x.labels[label]!))].sort();
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return parseScrape(await res.text());
}

function ok(r: CommandResult, what: string): string {
  assert.equal(r.code, 0, `etcdctl ${what}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Keys the workload leaves: /m/a, /m/c, /m/d (the txn's), /m/w (under watch) and /m/l (leased). */
const WORKLOAD_KEYS = 5;
/** Requests of the workload that go through the log: 4 puts, the txn, the delete, the watched put, the grant, the leased put. */
const WORKLOAD_PROPOSALS = 9;

/**
 * The same requests for etcd and Kite, through one endpoint: puts, a txn, a delete, a
 * watch stream that sees a put, and a lease with one keep-alive on its own stream.
 */
async function workload(endpoint: string): Promise<void> {
  for (const [k, v] of [['/m/a', '1'], ['/m/b', '2'], ['/m/c', '3'], ['/m/a', '4']] as const) ok(etcdctl(endpoint, ['put', k, v]), `put ${k}`);
  const txn = ok(etcdctl(endpoint, ['txn'], 'value("/m/a") = "4"\n\nput /m/d 5\n\nput /m/e 6\n\n'), 'txn');
  assert.match(txn, /^SUCCESS/);
  assert.match(ok(etcdctl(endpoint, ['del', '/m/b']), 'del'), /^1$/m);
  const watched = await etcdctlStreaming(
    endpoint,
    ['watch', '/m/w'],
    () => void ok(etcdctl(endpoint, ['put', '/m/w', 'seen']), 'put /m/w'),
    (out) => out.includes('seen'),
  );
  assert.match(watched.stdout, /PUT\n\/m\/w\nseen/);
  const lease = /lease ([0-9a-f]+) granted/.exec(ok(etcdctl(endpoint, ['lease', 'grant', '60']), 'lease grant'))?.[1];
  assert.ok(lease !== undefined);
  assert.match(ok(etcdctl(endpoint, ['lease', 'keep-alive', '--once', lease]), 'keep-alive'), /keepalived with TTL/);
  ok(etcdctl(endpoint, ['put', '--lease', lease, '/m/l', 'y']), 'leased put');
}

/** Waits until the member has counted both streams the workload ended (the client left them). */
async function streamsCounted(url: string): Promise<Scrape> {
  let s: Scrape | undefined;
  await eventually(async () => {
    const now = await scrape(url);
    s = now;
    for (const method of ['Watch', 'LeaseKeepAlive']) {
      const handled = now.samples.filter((x) => x.name === 'grpc_server_handled_total' && x.labels.grpc_method === method && x.labels.grpc_service !== 'grpc.health.v1.Health');
      assert.equal(handled.reduce((n, x) => n + x.value, 0), 1, `${method} handled once`);
    }
  });
  return s!;
}

/** What is compared of one member, read from its scrapes. */
interface MemberView {
  /** Type of each family covered (undefined: absent). */
  readonly types: Record<string, string | undefined>;
  readonly hasLeader: number;
  readonly isLeader: number;
  readonly leaderChanges: number;
  readonly keys: number;
  readonly pending: number;
  readonly failed: number;
  /** Whether committed and applied agree once the member is idle. */
  readonly committedIsApplied: boolean;
  /** The workload's RPCs: [started, handled with the expected code]. */
  readonly rpcs: Record<string, readonly [number, number]>;
}

function view(s: Scrape, families: readonly string[]): MemberView {
  const rpcs: Record<string, readonly [number, number]> = {};
  for (const [type, service, method, code] of WORKLOAD_RPCS) {
    const labels = { grpc_type: type, grpc_service: service, grpc_method: method };
    rpcs[method] = [value(s, 'grpc_server_started_total', labels), value(s, 'grpc_server_handled_total', { ...labels, grpc_code: code })];
  }
  return {
    types: Object.fromEntries(families.map((f) => [f, s.types.get(f)])),
    hasLeader: value(s, 'etcd_server_has_leader'),
    isLeader: value(s, 'etcd_server_is_leader'),
    leaderChanges: value(s, 'etcd_server_leader_changes_seen_total'),
    keys: value(s, 'etcd_debugging_mvcc_keys_total'),
    pending: value(s, 'etcd_server_proposals_pending'),
    failed: value(s, 'etcd_server_proposals_failed_total'),
    committedIsApplied: value(s, 'etcd_server_proposals_committed_total') === value(s, 'etcd_server_proposals_applied_total'),
    rpcs,
  };
}

/** Checks a member's timing families hold real observations (their values differ between runs). */
function assertTimings(s: Scrape, who: string): void {
  assert.ok(value(s, 'etcd_disk_wal_fsync_duration_seconds_count') > 0, `${who}: WAL fsyncs observed`);
  assert.ok(value(s, 'etcd_disk_backend_commit_duration_seconds_count') > 0, `${who}: backend commits observed`);
  assert.ok(value(s, 'etcd_disk_wal_fsync_duration_seconds_sum') > 0, `${who}: WAL fsync time`);
  assert.ok(value(s, 'etcd_mvcc_db_total_size_in_bytes') > 0, `${who}: database size`);
  assert.ok(value(s, 'etcd_mvcc_db_total_size_in_use_in_bytes') > 0, `${who}: database size in use`);
  assert.ok(value(s, 'etcd_mvcc_db_total_size_in_use_in_bytes') <= value(s, 'etcd_mvcc_db_total_size_in_bytes'), `${who}: in use <= allocated`);
}

/** The family-by-family comparison, printed for the log. */
function report(title: string, etcd: MemberView, kite: MemberView): void {
  const rows = Object.keys(etcd.types).map((f) => `  ${f}: etcd ${etcd.types[f] ?? 'ABSENT'}, kite ${kite.types[f] ?? 'ABSENT'}`);
  process.stderr.write(`${title}\n${rows.join('\n')}\n`);
}

test('metrics of a single member after the same workload: families and types equal etcd 3.4, and the deterministic values', { timeout: 120_000 }, async (t) => {
  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const both = await onEtcdAndKite(
    t,
    'metrics',
    async (member) => {
      const before = await scrape(member.clientUrl);
      await workload(member.endpoint);
      const after = await streamsCounted(member.clientUrl);
      const onMetricsUrl = await scrape(metricsUrl);
      assertTimings(after, member.name);
      // --listen-metrics-urls serves the same registry: every family, the same values.
      for (const f of FAMILIES) assert.equal(onMetricsUrl.types.get(f), after.types.get(f), `${f} on the metrics URL`);
      assert.equal(value(onMetricsUrl, 'etcd_debugging_mvcc_keys_total'), value(after, 'etcd_debugging_mvcc_keys_total'));
      const applied = (s: Scrape): number => value(s, 'etcd_server_proposals_applied_total');
      return { view: view(after, FAMILIES), appliedByWorkload: applied(after) - applied(before), quota: value(after, 'etcd_server_quota_backend_bytes') };
    },
    [['etcdctl', 'etcd-client']],
    { extraArgs: [`--listen-metrics-urls=${metricsUrl}`] },
  );
  if (both === undefined) return;
  const { etcd, kite } = both;
  report('single member: family types', etcd.view, kite.view);
  for (const f of FAMILIES) assert.ok(etcd.view.types[f] !== undefined, `etcd serves ${f}`);
  assert.deepEqual(kite.view, etcd.view);
  assert.deepEqual(
    { keys: kite.view.keys, leaderChanges: kite.view.leaderChanges, hasLeader: kite.view.hasLeader, isLeader: kite.view.isLeader },
    { keys: WORKLOAD_KEYS, leaderChanges: 1, hasLeader: 1, isLeader: 1 },
  );
  assert.equal(etcd.appliedByWorkload, WORKLOAD_PROPOSALS);
  assert.equal(kite.appliedByWorkload, etcd.appliedByWorkload);
  assert.equal(kite.quota, etcd.quota);
});

/** What is compared of a three-member cluster after the workload and a forced leader move. */
interface ClusterView {
  readonly members: readonly MemberView[];
  /** Per member: whether its peer families name exactly the other members. */
  readonly peersLabelled: readonly boolean[];
}

async function runCluster(cluster: TestCluster): Promise<ClusterView> {
  await cluster.startAll();
  const names = cluster.specs.map((s) => s.name);
  const first = cluster.endpoints([names[0]!]);
  await workload(first);
  const leader = cluster.leader();
  assert.ok(leader !== undefined, 'a leader');
  // Move leadership to a member that does not hold it.
  const target = names.find((n) => n !== leader.name)!;
  const targetId = /"member_id":(\d+)/.exec(etcdctl(cluster.endpoints([target]), ['endpoint', 'status', '-w', 'json']).stdout)?.[1];
  assert.ok(targetId !== undefined);
  ok(etcdctl(cluster.endpoints(), ['move-leader', BigInt(targetId).toString(16)]), 'move-leader');
  await eventually(() => assert.equal(cluster.leader()?.name, target), 15_000);
  const ids = new Map<string, string>();
  for (const n of names) {
    const id = /"member_id":(\d+)/.exec(etcdctl(cluster.endpoints([n]), ['endpoint', 'status', '-w', 'json']).stdout)?.[1];
    ids.set(n, BigInt(id!).toString(16));
  }
  const members: MemberView[] = [];
  const peersLabelled: boolean[] = [];
  for (const n of names) {
    const url = cluster.spec(n).clientUrl;
    let s!: Scrape;
    // Every member has applied the workload and the leader move, and has probed its peers
    // (etcd's first round-trip probe is reported 5 s after start).
    await eventually(async () => {
      s = n === names[0] ? await streamsCounted(url) : await scrape(url);
      assert.equal(value(s, 'etcd_debugging_mvcc_keys_total'), WORKLOAD_KEYS, `${n}: keys`);
      assert.equal(value(s, 'etcd_server_leader_changes_seen_total'), 2, `${n}: leader changes`);
      const others = names.filter((m) => m !== n).map((m) => ids.get(m)!);
      for (const id of others) assert.ok(value(s, 'etcd_network_peer_round_trip_time_seconds_count', { To: id }) > 0, `${n}: round trip to ${id}`);
    }, 20_000);
    assertTimings(s, n);
    const others = names.filter((m) => m !== n).map((m) => ids.get(m)!).sort();
    const received = labelValues(s, 'etcd_network_peer_received_bytes_total', 'From');
    peersLabelled.push(
      JSON.stringify(labelValues(s, 'etcd_network_peer_sent_bytes_total', 'To')) === JSON.stringify(others) &&
        JSON.stringify(labelValues(s, 'etcd_network_peer_round_trip_time_seconds_count', 'To')) === JSON.stringify(others) &&
        others.every((id) => received.includes(id) && value(s, 'etcd_network_peer_received_bytes_total', { From: id }) > 0) &&
        others.every((id) => value(s, 'etcd_network_peer_sent_bytes_total', { To: id }) > 0),
    );
    // Only the member the workload used served its RPCs.
    const v = view(s, [...FAMILIES, ...PEER_FAMILIES]);
    members.push(n === names[0] ? v : { ...v, rpcs: {} });
  }
  return { members, peersLabelled };
}

test('metrics of a three-member cluster after the same workload and a forced leader move: equal etcd 3.4', { timeout: 180_000 }, async (t) => {
  const skip = missingTool('etcd', 'etcd-server') || missingTool('etcdctl', 'etcd-client');
  if (skip) {
    t.skip(skip);
    return;
  }
  const etcd = await withCluster('metrics-etcd', 3, runCluster, { kind: 'etcd' });
  const kite = await withCluster('metrics-kite', 3, runCluster);
  report('cluster member: family types', etcd.members[0]!, kite.members[0]!);
  for (const f of [...FAMILIES, ...PEER_FAMILIES]) assert.ok(etcd.members[0]!.types[f] !== undefined, `etcd serves ${f}`);
  assert.deepEqual(etcd.peersLabelled, [true, true, true]);
  assert.deepEqual(kite.peersLabelled, etcd.peersLabelled);
  // is_leader differs by member with where the leader went: compare the multiset.
  const byLeader = (ms: readonly MemberView[]) => ms.map((m) => ({ ...m, isLeader: 0 }));
  assert.deepEqual(byLeader(kite.members), byLeader(etcd.members));
  assert.deepEqual(
    kite.members.map((m) => m.isLeader).sort(),
    etcd.members.map((m) => m.isLeader).sort(),
  );
});

/** What a member that lost quorum reports: no leader, and the put it could not commit as a failed proposal. */
async function quorumLost(cluster: TestCluster): Promise<{ hasLeader: number; failed: number; pending: number; putFailed: boolean }> {
  await cluster.startAll();
  const [survivor, ...others] = cluster.specs.map((s) => s.name);
  for (const n of others) await cluster.stop(n!, 'SIGKILL');
  const url = cluster.spec(survivor!).clientUrl;
  await eventually(async () => assert.equal(value(await scrape(url), 'etcd_server_has_leader'), 0), 20_000);
  const put = etcdctl(cluster.endpoints([survivor!]), ['put', '/m/lost', 'x']);
  let s!: Scrape;
  // The proposal fails at once (no leader to take it) or when the member's request timeout ends.
  await eventually(async () => {
    s = await scrape(url);
    assert.ok(value(s, 'etcd_server_proposals_failed_total') > 0, 'a failed proposal');
    assert.equal(value(s, 'etcd_server_proposals_pending'), 0);
  }, 15_000);
  return {
    hasLeader: value(s, 'etcd_server_has_leader'),
    failed: Math.min(1, value(s, 'etcd_server_proposals_failed_total')),
    pending: value(s, 'etcd_server_proposals_pending'),
    putFailed: put.code !== 0,
  };
}

test('metrics of a member that lost quorum: no leader, and a failed proposal, as etcd 3.4', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('etcd', 'etcd-server') || missingTool('etcdctl', 'etcd-client');
  if (skip) {
    t.skip(skip);
    return;
  }
  const etcd = await withCluster('metrics-lost-etcd', 3, quorumLost, { kind: 'etcd' });
  const kite = await withCluster('metrics-lost-kite', 3, quorumLost);
  assert.deepEqual(etcd, { hasLeader: 0, failed: 1, pending: 0, putFailed: true });
  assert.deepEqual(kite, etcd);
});
