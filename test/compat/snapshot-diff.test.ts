import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { etcdctl, kiteBin, missingTool, startStore, tempDir, type StoreProcess } from '../helpers/processes.js';

/**
 * Snapshots cross both ways: `etcdctl snapshot save` from kite store gives a file
 * that `etcdctl snapshot status` reads and that real etcd restores and serves; a
 * snapshot saved from real etcd restores into kite store. Either way the restored
 * member serves the same keys, versions, revisions, leases and compaction state.
 */
function load(endpoint: string): void {
  const run = (...a: string[]) => assert.equal(etcdctl(endpoint, a).code, 0, `etcdctl ${a.join(' ')}`);
  for (let i = 0; i < 20; i++) run('put', `/snap/k${i % 7}`, `v${i}`);
  run('del', '/snap/k3');
  const lease = /lease ([0-9a-f]+) granted/.exec(etcdctl(endpoint, ['lease', 'grant', '600']).stdout)![1]!;
  run('put', `--lease=${lease}`, '/snap/leased', 'x');
  run('compaction', '10');
  run('put', '/snap/last', 'y');
}

/** What a reader of the restored member sees, ids blanked. */
function view(endpoint: string): string {
  const parts = [
    etcdctl(endpoint, ['get', '/snap', '--prefix', '-w', 'json']).stdout,
    etcdctl(endpoint, ['get', '/snap/k1', '--rev=12', '-w', 'json']).stdout,
    etcdctl(endpoint, ['get', '/snap/k1', '--rev=9']).stderr.split('\n').filter((l) => l.startsWith('Error')).join(''),
    etcdctl(endpoint, ['lease', 'list']).stdout,
  ];
  return parts.join('\n').replace(/"(cluster_id|member_id|raft_term)":\d+,?/g, '').replace(/"lease":\d+/g, '"lease":<id>').replace(/\b[0-9a-f]{12,16}\b/g, '<id>');
}

async function withMember<T>(kind: 'kite' | 'etcd', dataDir: string, fn: (p: StoreProcess) => T | Promise<T>, extraArgs: string[] = []): Promise<T> {
  const p = await startStore({ kind, dataDir, extraArgs });
  try {
    return await fn(p);
  } finally {
    await p.stop();
  }
}

test('snapshots: kite -> etcd and etcd -> kite', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('etcdctl', 'etcd-client') || missingTool('etcd', 'etcd-server');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('snapshot');
  try {
    const kiteSnap = join(dir.path, 'kite.db');
    const etcdSnap = join(dir.path, 'etcd.db');
    // The same history in a kite store and in an etcd; each saves a snapshot.
    const original = await withMember('kite', join(dir.path, 'kite-src'), (p) => {
      load(p.endpoint);
      assert.equal(etcdctl(p.endpoint, ['snapshot', 'save', kiteSnap]).code, 0);
      return view(p.endpoint);
    });
    const fromEtcd = await withMember('etcd', join(dir.path, 'etcd-src'), (p) => {
      load(p.endpoint);
      assert.equal(etcdctl(p.endpoint, ['snapshot', 'save', etcdSnap]).code, 0);
      return view(p.endpoint);
    });
    assert.equal(original, fromEtcd, 'sanity: the same history reads the same on both');
    // etcdctl reads kite's snapshot.
    const status = JSON.parse(etcdctl('127.0.0.1:1', ['snapshot', 'status', kiteSnap, '-w', 'json']).stdout) as { revision: number; totalKey: number };
    assert.equal(status.revision, 24);
    // Real etcd restores kite's snapshot and serves it.
    const restoreDir = join(dir.path, 'etcd-from-kite');
    const r = spawnSync('etcdctl', ['snapshot', 'restore', kiteSnap, `--data-dir=${restoreDir}`], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await withMember('etcd', restoreDir, (p) => view(p.endpoint)), original, 'etcd restored from a kite snapshot');
    // kite restores etcd's snapshot, with the command and with --from-snapshot.
    const kiteDir = join(dir.path, 'kite-from-etcd');
    const k = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', etcdSnap, `--data-dir=${kiteDir}`], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    assert.equal(await withMember('kite', kiteDir, (p) => view(p.endpoint)), original, 'kite restored from an etcd snapshot');
    assert.equal(await withMember('kite', join(dir.path, 'kite-from-kite'), (p) => view(p.endpoint), [`--from-snapshot=${kiteSnap}`]), original, 'kite store --from-snapshot');
    // A damaged snapshot is refused.
    const bad = readFileSync(kiteSnap);
    bad[bad.length - 100] ^= 0xff;
    writeFileSync(join(dir.path, 'bad.db'), bad);
    const refused = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', join(dir.path, 'bad.db'), `--data-dir=${join(dir.path, 'never')}`], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SHA-256 does not match/);
  } finally {
    dir.remove();
  }
});
