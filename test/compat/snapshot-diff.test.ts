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

/** Users, roles and permissions; a key written before auth is turned on. */
function loadAuth(endpoint: string): void {
  const run = (...a: string[]) => assert.equal(etcdctl(endpoint, a).code, 0, `etcdctl ${a.join(' ')}`);
  run('put', '/app/a', 'before-auth');
  run('user', 'add', 'root:rootpw');
  run('user', 'add', 'alice:alicepw');
  run('user', 'add', '--no-password', 'bob');
  run('role', 'add', 'reader');
  run('role', 'grant-permission', 'reader', '--prefix', 'read', '/app/');
  run('role', 'grant-permission', 'reader', 'readwrite', '/x', '/z');
  run('user', 'grant-role', 'alice', 'reader');
  run('user', 'grant-role', 'bob', 'reader');
  run('auth', 'enable');
}

/** The auth store as its users see it: who exists, what they hold, what they may do. */
function authView(endpoint: string): string {
  const as = (user: string, ...a: string[]) => {
    const r = etcdctl(endpoint, [`--user=${user}`, ...a]);
    return `$ ${user} ${a.join(' ')}\n${r.stdout}${r.stderr.split('\n').filter((l) => l.startsWith('Error')).join('\n')}`;
  };
  return [
    as('root:rootpw', 'user', 'list'),
    as('root:rootpw', 'role', 'list'),
    as('root:rootpw', 'user', 'get', 'alice'),
    as('root:rootpw', 'user', 'get', 'bob'),
    as('root:rootpw', 'role', 'get', 'reader'),
    as('root:rootpw', 'role', 'get', 'root'),
    as('alice:alicepw', 'get', '/app/a'),
    as('alice:alicepw', 'put', '/app/b', 'denied'),
    as('alice:alicepw', 'put', '/y', 'inside /x../z'),
    as('alice:alicepw', 'get', '/y'),
    as('alice:wrong', 'get', '/app/a'),
    etcdctl(endpoint, ['get', '/app/a']).stderr.split('\n').filter((l) => l.startsWith('Error')).join(''),
  ].join('\n');
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

test('snapshots carry the auth store: users, roles, permissions and auth on', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('etcdctl', 'etcd-client') || missingTool('etcd', 'etcd-server');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('snapshot-auth');
  try {
    const kiteSnap = join(dir.path, 'kite.db');
    const etcdSnap = join(dir.path, 'etcd.db');
    const save = (endpoint: string, file: string) => assert.equal(etcdctl(endpoint, ['--user=root:rootpw', 'snapshot', 'save', file]).code, 0);
    const original = await withMember('kite', join(dir.path, 'kite-src'), (p) => {
      loadAuth(p.endpoint);
      save(p.endpoint, kiteSnap);
      return authView(p.endpoint);
    });
    const fromEtcd = await withMember('etcd', join(dir.path, 'etcd-src'), (p) => {
      loadAuth(p.endpoint);
      save(p.endpoint, etcdSnap);
      return authView(p.endpoint);
    });
    assert.equal(original, fromEtcd, 'sanity: the same auth store reads the same on both');
    assert.match(original, /User: alice\nRoles: reader/);
    assert.match(original, /Error: etcdserver: permission denied/);
    // Real etcd restores kite's snapshot with its users, roles and auth still on.
    const restoreDir = join(dir.path, 'etcd-from-kite');
    const r = spawnSync('etcdctl', ['snapshot', 'restore', kiteSnap, `--data-dir=${restoreDir}`], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await withMember('etcd', restoreDir, (p) => authView(p.endpoint)), original, 'etcd restored from a kite snapshot');
    // Kite restores etcd's and its own.
    const kiteDir = join(dir.path, 'kite-from-etcd');
    const k = spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', etcdSnap, `--data-dir=${kiteDir}`], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /3 users, 2 roles, auth enabled/);
    assert.equal(await withMember('kite', kiteDir, (p) => authView(p.endpoint)), original, 'kite restored from an etcd snapshot');
    assert.equal(await withMember('kite', join(dir.path, 'kite-from-kite'), (p) => authView(p.endpoint), [`--from-snapshot=${kiteSnap}`]), original, 'kite store --from-snapshot');
  } finally {
    dir.remove();
  }
});
