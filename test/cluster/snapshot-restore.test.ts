// Disaster recovery from a snapshot, member by member as etcd's docs do it: snapshot a
// three-member cluster, lose every data dir, restore three data dirs from the snapshot with
// etcdctl's restore flags (--name, --initial-cluster, --initial-cluster-token,
// --initial-advertise-peer-urls, --data-dir), start the members on them with their usual
// env files: they form a new cluster holding the data. Run on Kite (kite snapshot restore)
// and on etcd 3.4 (etcdctl snapshot restore), compared; and Kite restoring etcd's snapshot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeClusterId, computeMemberId, formatMemberId } from '../../storage/server/member-id.js';
import { eventually, memberList, withCluster, type ListedMember, type TestCluster } from '../helpers/cluster.js';
import { etcdctl, kiteBin, missingTool, tempDir } from '../helpers/processes.js';

/** The keys under /dr/ as one member serves them (serializable: its own state), and its revision. */
function view(endpoint: string): { revision: number; kvs: string[] } {
  const r = etcdctl(endpoint, ['get', '/dr/', '--prefix', '--consistency=s', '-w', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { header: { revision: number }; kvs?: { key: string; value: string; create_revision: number; mod_revision: number; version: number }[] };
  const text = (b64: string) => Buffer.from(b64, 'base64').toString();
  return { revision: parsed.header.revision, kvs: (parsed.kvs ?? []).map((kv) => `${text(kv.key)}=${text(kv.value)} c${kv.create_revision} m${kv.mod_revision} v${kv.version}`) };
}

/** Restores name's data dir from snapshot with the restore tool of the cluster's kind and etcdctl's flags. */
function restore(cluster: TestCluster, name: string, snapshot: string): void {
  const m = cluster.spec(name);
  const flags = [
    `--name=${name}`,
    `--initial-cluster=${cluster.specs.map((s) => `${s.name}=${s.peerUrl}`).join(',')}`,
    `--initial-cluster-token=${cluster.token}`,
    `--initial-advertise-peer-urls=${m.peerUrl}`,
    `--data-dir=${m.dataDir}`,
  ];
  const r =
    cluster.kind === 'kite'
      ? spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', snapshot, ...flags], { encoding: 'utf8' })
      : spawnSync('etcdctl', ['snapshot', 'restore', snapshot, ...flags], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  assert.equal(r.status, 0, r.stderr);
}

interface Drill {
  /** What the cluster served before the disaster (or undefined when the snapshot came from elsewhere). */
  readonly before?: { revision: number; kvs: string[] };
  /** What every restored member serves. */
  readonly after: { revision: number; kvs: string[] };
  /** member list after the restore: names, in id order. */
  readonly names: string[];
}

/**
 * The drill on a new three-member cluster of kind. With `from`, the snapshot is that file;
 * otherwise the cluster is started, loaded and snapshotted first (the snapshot is copied to
 * `keep` when given), then every member is killed and its data dir deleted.
 */
async function drill(kind: 'kite' | 'etcd', options: { from?: string; keep?: string }): Promise<Drill> {
  return withCluster(`restore-${kind}`, 3, async (cluster) => {
    let snapshot = options.from;
    let before: Drill['before'];
    if (snapshot === undefined) {
      await cluster.startAll();
      const all = cluster.endpoints();
      for (let i = 0; i < 30; i++) assert.equal(etcdctl(all, ['put', `/dr/${String(i).padStart(2, '0')}`, `v${i}`]).code, 0);
      for (let i = 0; i < 5; i++) assert.equal(etcdctl(all, ['put', '/dr/00', `again${i}`]).code, 0);
      assert.equal(etcdctl(all, ['del', '/dr/29']).code, 0);
      before = view(cluster.endpoints(['etcd1']));
      snapshot = join(cluster.dir, 'snapshot.db');
      const saved = etcdctl(cluster.endpoints(['etcd1']), ['snapshot', 'save', snapshot]);
      assert.equal(saved.code, 0, saved.stderr);
      if (options.keep !== undefined) copyFileSync(snapshot, options.keep);
      // The disaster: every member and its data are gone.
      await cluster.stopAll('SIGKILL');
      for (const s of cluster.specs) rmSync(s.dataDir, { recursive: true, force: true });
    }
    for (const s of cluster.specs) cluster.writeEnvFile(s.name, 'new');
    for (const s of cluster.specs) restore(cluster, s.name, snapshot);
    await cluster.startAllAgain();

    // One cluster: every member lists the same three, with the ids etcd derives from the flags.
    const all = cluster.endpoints();
    let listed: ListedMember[] = [];
    await eventually(() => {
      listed = memberList(all);
      assert.equal(listed.length, 3);
      assert.ok(listed.every((m) => m.status === 'started' && m.client !== ''), JSON.stringify(listed));
    }, 20_000);
    const ids = cluster.specs.map((s) => computeMemberId([s.peerUrl], cluster.token));
    assert.deepEqual(listed.map((m) => m.id).sort(), ids.map(formatMemberId).sort());
    const status = etcdctl(all, ['endpoint', 'status', '-w', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const clusterIds = [...status.stdout.matchAll(/"cluster_id":(\d+)/g)].map((m) => BigInt(m[1]!));
    assert.deepEqual(clusterIds, [computeClusterId(ids), computeClusterId(ids), computeClusterId(ids)]);

    // Each member serves the snapshot's data, and the cluster takes writes again.
    const after = view(cluster.endpoints(['etcd1']));
    for (const s of cluster.specs) assert.deepEqual(view(cluster.endpoints([s.name])), after, `${s.name} serves the restored data`);
    const put = etcdctl(all, ['put', '/after', 'restore']);
    assert.equal(put.code, 0, put.stderr);
    for (const s of cluster.specs) {
      await eventually(() => assert.equal(etcdctl(cluster.endpoints([s.name]), ['get', '/after', '--print-value-only', '--consistency=s']).stdout, 'restore\n'));
    }
    return { ...(before === undefined ? {} : { before }), after, names: listed.map((m) => m.name) };
  });
}

test(
  "the docs' restore drill: three data dirs from one snapshot with etcdctl's flags form a new cluster with the data (kite and etcd compared)",
  { skip: missingTool('etcdctl', 'etcd-client') || missingTool('etcd', 'etcd-server'), timeout: 240_000 },
  async () => {
    const dir = tempDir('restore-drill');
    try {
      const etcdSnapshot = join(dir.path, 'etcd.db');
      const etcd = await drill('etcd', { keep: etcdSnapshot });
      const kite = await drill('kite', {});
      assert.ok(etcd.before !== undefined && kite.before !== undefined);
      assert.deepEqual(etcd.after, etcd.before, 'etcd: the restored cluster serves what the lost one did');
      assert.deepEqual(kite.after, kite.before, 'kite: the restored cluster serves what the lost one did');
      assert.deepEqual(kite.after, etcd.after, 'the same history restores the same on both');
      assert.deepEqual(kite.names.sort(), etcd.names.sort());
      assert.equal(kite.names.length, 3);

      // Kite restores the snapshot etcd made, into three members of a new Kite cluster.
      assert.ok(existsSync(etcdSnapshot));
      const fromEtcd = await drill('kite', { from: etcdSnapshot });
      assert.deepEqual(fromEtcd.after, etcd.before, "kite cluster restored from etcd's snapshot");
    } finally {
      dir.remove();
    }
  },
);

test("kite snapshot restore refuses what etcdctl refuses, in etcdctl's words, and leaves nothing behind", { skip: missingTool('etcdctl', 'etcd-client') || missingTool('etcd', 'etcd-server'), timeout: 120_000 }, async () => {
  const dir = tempDir('restore-flags');
  try {
    // A snapshot to restore: saved from a one-member etcd.
    const snapshot = join(dir.path, 'snap.db');
    await withCluster('restore-flags-src', 1, async (cluster) => {
      await cluster.startAll();
      assert.equal(etcdctl(cluster.endpoints(), ['put', 'a', '1']).code, 0);
      assert.equal(etcdctl(cluster.endpoints(), ['snapshot', 'save', snapshot]).code, 0);
    }, { kind: 'etcd' });
    const cases: { args: string[]; dataDir?: string }[] = [
      { args: ['--name=foo'] },
      { args: ['--name=m1', '--initial-cluster=m1=http://127.0.0.1:1,m2=http://127.0.0.1:2', '--initial-advertise-peer-urls=http://127.0.0.1:3'] },
      { args: ['--name=m1', '--initial-cluster=m1=http://127.0.0.1:1,m2=http://127.0.0.1:1', '--initial-advertise-peer-urls=http://127.0.0.1:1'] },
      { args: ['--name=m1', '--initial-cluster=m1=foo', '--initial-advertise-peer-urls=foo'] },
      { args: ['--name=m1', '--initial-cluster=m1=http://127.0.0.1', '--initial-advertise-peer-urls=http://127.0.0.1'] },
      { args: ['--name=m1', '--initial-cluster=m1=http://127.0.0.1:1/x', '--initial-advertise-peer-urls=http://127.0.0.1:1/x'] },
      { args: ['--name=m1', '--initial-cluster=m1'] },
      { args: [], dataDir: dir.path },
    ];
    for (const c of cases) {
      const target = c.dataDir ?? join(dir.path, 'out');
      const args = ['snapshot', 'restore', snapshot, `--data-dir=${target}`, ...c.args];
      const etcd = spawnSync('etcdctl', args, { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
      const kite = spawnSync(process.execPath, [kiteBin, ...args], { encoding: 'utf8' });
      const errorLine = (out: string) => out.split('\n').find((l) => l.startsWith('Error: '));
      assert.equal(etcd.status, 1, `etcdctl refuses ${args.join(' ')}`);
      assert.equal(kite.status, 1, `kite refuses ${args.join(' ')}`);
      assert.ok(errorLine(etcd.stderr), etcd.stderr);
      assert.equal(errorLine(kite.stderr), errorLine(etcd.stderr), args.join(' '));
      if (c.dataDir === undefined) assert.equal(existsSync(target), false, `nothing left behind by ${args.join(' ')}`);
    }
    // A database copied without etcd's hash needs --skip-hash-check (etcdctl's default refusal).
    const copy = join(dir.path, 'copy.db');
    copyFileSync(snapshot, copy);
    spawnSync('truncate', ['-s', '-32', copy]);
    const refused = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', copy, `--data-dir=${join(dir.path, 'copy')}`], { encoding: 'utf8' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^Error: snapshot missing hash but --skip-hash-check=false$/m);
    assert.equal(existsSync(join(dir.path, 'copy')), false);
    const skipped = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', copy, `--data-dir=${join(dir.path, 'copy')}`, '--skip-hash-check'], { encoding: 'utf8' });
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /revision 2, 1 key versions/);
    // Without --data-dir the data dir is <name>.etcd, in the working directory.
    const named = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', snapshot, '--name=solo', '--initial-cluster=solo=http://127.0.0.1:1', '--initial-advertise-peer-urls=http://127.0.0.1:1'], { encoding: 'utf8', cwd: dir.path });
    assert.equal(named.status, 0, named.stderr);
    assert.ok(existsSync(join(dir.path, 'solo.etcd', 'raft')), 'a cluster member data dir at solo.etcd');
  } finally {
    dir.remove();
  }
});
