// etcd's --wal-dir: the WAL on a disk of its own. The same steps run on etcd 3.4 and on
// kite store: the WAL's files are in --wal-dir and none are in the data dir, a restart with the
// flag keeps the data, and `snapshot restore --wal-dir` writes a member's WAL there (and
// refuses a wal-dir that exists, in etcdctl's words). Kite also refuses a restart that forgets
// the flag (etcd would start on an empty log beside applied data), and a start that fails
// leaves no files in a --wal-dir it created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { etcdctl, freePort, kiteBin, missingTool, spawnStore, startStore, tempDir } from '../helpers/processes.js';

/** The WAL files directly in dir. */
function walFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wal')) : [];
}

/** The WAL directory a member keeps in its data dir when no --wal-dir is given. */
function defaultWal(kind: 'kite' | 'etcd', dataDir: string): string {
  return kind === 'kite' ? join(dataDir, 'raft', 'wal') : join(dataDir, 'member', 'wal');
}

function restore(kind: 'kite' | 'etcd', args: readonly string[]): { code: number | null; out: string } {
  const r =
    kind === 'kite'
      ? spawnSync(process.execPath, [kiteBin, 'snapshot', 'restore', ...args], { encoding: 'utf8' })
      : spawnSync('etcdctl', ['snapshot', 'restore', ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function walDirSteps(kind: 'kite' | 'etcd'): Promise<string[]> {
  const dir = tempDir(`wal-dir-${kind}`);
  const seen: string[] = [];
  try {
    const dataDir = join(dir.path, 'data');
    const walDir = join(dir.path, 'wal');
    const clientPort = await freePort();
    const peerPort = await freePort();
    const start = (extra: string[] = [`--wal-dir=${walDir}`]) => startStore({ kind, name: 'm1', dataDir, clientPort, peerPort, extraArgs: extra });

    let member = await start();
    assert.equal(etcdctl(member.endpoint, ['put', '/w/k', 'v']).code, 0);
    const snap = join(dir.path, 'snap.db');
    assert.equal(etcdctl(member.endpoint, ['snapshot', 'save', snap]).code, 0);
    await member.stop();
    seen.push(`wal files in --wal-dir: ${walFiles(walDir).length > 0}`, `wal in the data dir: ${existsSync(defaultWal(kind, dataDir))}`);

    member = await start();
    seen.push(`after restart: ${etcdctl(member.endpoint, ['get', '/w/k', '--print-value-only']).stdout.trim()}`);
    await member.stop();

    // A member of a new cluster restored with its WAL elsewhere.
    const peer = `http://127.0.0.1:${peerPort}`;
    const restoredData = join(dir.path, 'restored');
    const restoredWal = join(dir.path, 'restored-wal');
    const membership = ['--name=m1', `--initial-cluster=m1=${peer}`, `--initial-advertise-peer-urls=${peer}`];
    const r = restore(kind, [snap, ...membership, `--data-dir=${restoredData}`, `--wal-dir=${restoredWal}`]);
    assert.equal(r.code, 0, r.out);
    seen.push(`restore: wal files in --wal-dir: ${walFiles(restoredWal).length > 0}`, `restore: wal in the data dir: ${existsSync(defaultWal(kind, restoredData))}`);
    member = await startStore({ kind, name: 'm1', dataDir: restoredData, clientPort, peerPort, extraArgs: [`--wal-dir=${restoredWal}`] });
    seen.push(`restored member: ${etcdctl(member.endpoint, ['get', '/w/k', '--print-value-only']).stdout.trim()}`);
    await member.stop();

    const again = restore(kind, [snap, ...membership, `--data-dir=${join(dir.path, 'other')}`, `--wal-dir=${restoredWal}`]);
    seen.push(`restore into a wal-dir that exists: exit ${again.code}, ${/Error: .*/.exec(again.out.replaceAll(dir.path, '<tmp>'))?.[0]}`);
    return seen;
  } finally {
    dir.remove();
  }
}

test('--wal-dir: the WAL lives there, restarts and snapshot restore use it, as on etcd 3.4', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('etcd', 'etcd-server') || missingTool('etcdctl', 'etcd-client');
  if (skip) {
    t.skip(skip);
    return;
  }
  const etcd = await walDirSteps('etcd');
  const kite = await walDirSteps('kite');
  assert.deepEqual(kite, etcd);
  assert.deepEqual(kite, [
    'wal files in --wal-dir: true',
    'wal in the data dir: false',
    'after restart: v',
    'restore: wal files in --wal-dir: true',
    'restore: wal in the data dir: false',
    'restored member: v',
    'restore into a wal-dir that exists: exit 1, Error: wal-dir "<tmp>/restored-wal" exists',
  ]);
});

test('--wal-dir: kite store refuses a restart without the WAL it applied from, and a failed start leaves no WAL behind', { timeout: 60_000 }, async () => {
  const dir = tempDir('wal-dir-refusals');
  try {
    const dataDir = join(dir.path, 'data');
    const walDir = join(dir.path, 'wal');
    const clientPort = await freePort();
    const peerPort = await freePort();
    let member = await startStore({ kind: 'kite', dataDir, clientPort, peerPort, extraArgs: [`--wal-dir=${walDir}`] });
    assert.equal(etcdctl(member.endpoint, ['put', '/w/k', 'v']).code, 0);
    await member.stop();

    // Started without the flag, the member would find an empty log beside applied data.
    const forgot = spawnStore('kite', { name: 'm1', clientUrl: `http://127.0.0.1:${clientPort}`, peerUrl: `http://127.0.0.1:${peerPort}`, dataDir }, [
      '--name=m1',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=m1=http://127.0.0.1:${peerPort}`,
    ], {});
    const code = await new Promise<number | null>((resolve) => forgot.child.once('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(forgot.output(), /has applied its Raft log up to index \d+, but there is no WAL in .*raft\/wal; start the member with the --wal-dir it was started with/);
    assert.equal(existsSync(join(dataDir, 'raft', 'wal')), false, 'the refused start wrote no WAL');

    member = await startStore({ kind: 'kite', dataDir, clientPort, peerPort, extraArgs: [`--wal-dir=${walDir}`] });
    assert.equal(etcdctl(member.endpoint, ['get', '/w/k', '--print-value-only']).stdout, 'v\n');
    await member.stop();

    // A start that fails after the WAL was made (the client port is taken) removes it again:
    // a --wal-dir it created goes, one that was there empty (a mount point) is left empty.
    const taken = createServer();
    const takenPort = await freePort();
    await new Promise<void>((resolve) => taken.listen(takenPort, '127.0.0.1', resolve));
    try {
      const emptyMount = join(dir.path, 'mount');
      mkdirSync(emptyMount);
      for (const [wal, existed] of [[join(dir.path, 'new-wal'), false], [emptyMount, true]] as const) {
        const data = join(dir.path, `data-${existed}`);
        const failed = spawnSync(process.execPath, [
          kiteBin, 'store', '--name=m1', `--data-dir=${data}`, `--wal-dir=${wal}`,
          `--listen-client-urls=http://127.0.0.1:${takenPort}`, `--advertise-client-urls=http://127.0.0.1:${takenPort}`,
          `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
          `--initial-cluster=m1=http://127.0.0.1:${peerPort}`,
        ], { encoding: 'utf8', timeout: 30_000 });
        assert.notEqual(failed.status, 0, failed.stderr);
        assert.match(failed.stderr, /address already in use|EADDRINUSE/);
        assert.equal(existsSync(data), false, 'the data dir is removed');
        if (existed) assert.deepEqual(readdirSync(wal), [], 'the mount point is left empty');
        else assert.equal(existsSync(wal), false, 'the wal dir is removed');
      }
    } finally {
      taken.close();
    }
  } finally {
    dir.remove();
  }
});
