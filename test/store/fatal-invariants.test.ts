// A member whose log or store breaks an invariant stops with a fatal line and a non-zero exit
// instead of logging and going on: an entry it cannot decode, entries it never applied (its
// database older than its log), and a write lmdb did not persist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdGrpcClient } from '../../storage/client/etcd-grpc-client.js';
import { EntryType } from '../../storage/raft/core/messages.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember } from '../../storage/embed/run-member.js';
import { etcdctl, freePort, spawnStore, startStore, tempDir, type StoreProcess } from '../helpers/processes.js';

/** Starts kite store on dataDir without waiting for health: the member may stop at once. */
function spawnOn(dataDir: string, clientPort: number, peerPort: number, extra: string[] = []): StoreProcess {
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return spawnStore('kite', { name: 'm1', clientUrl, peerUrl, dataDir }, [
    '--name=m1',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=m1=${peerUrl}`,
    ...extra,
  ], {});
}

/** Waits for the process to exit (20 s at most) and gives its exit code and the fatal lines it wrote. */
async function exitOf(proc: StoreProcess): Promise<{ code: number | null; errors: string[] }> {
  const code = await Promise.race([
    new Promise<number | null>((resolve) => (proc.child.exitCode !== null ? resolve(proc.child.exitCode) : proc.child.once('exit', (c) => resolve(c)))),
    new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 20_000)),
  ]);
  if (code === 'running') {
    await proc.stop('SIGKILL');
    assert.fail(`the member went on running:\n${proc.output()}`);
  }
  const errors = proc.output().split('\n').filter((l) => /"level":"(error|fatal)"/.test(l));
  return { code, errors };
}

test('an entry the member cannot decode stops it with a fatal log and exit code 1', { timeout: 60_000 }, async () => {
  const dir = tempDir('fatal-entry');
  try {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const member = await startStore({ kind: 'kite', dataDir: dir.path, clientPort, peerPort });
    assert.equal(etcdctl(member.endpoint, ['put', '/f/k', 'v']).code, 0);
    await member.stop();

    // A committed entry no Kite request decodes from (a damaged log, or a newer version's).
    const log = DiskLogStorage.open(join(dir.path, 'raft'));
    const last = log.lastIndex();
    const hs = log.initialState().hardState;
    await log.save({ entries: [{ term: hs.term, index: last + 1, type: EntryType.Normal, data: Buffer.from('not a request') }], hardState: { ...hs, commit: last + 1 } }, true);
    await log.close();

    const { code, errors } = await exitOf(spawnOn(dir.path, clientPort, peerPort));
    assert.equal(code, 1);
    assert.ok(errors.some((l) => l.includes(`entry ${last + 1} (term ${hs.term}) is not a request this member can apply`)), errors.join('\n'));
  } finally {
    dir.remove();
  }
});

test('a database older than the log (entries never applied) stops the member instead of serving with a hole', { timeout: 60_000 }, async () => {
  const dir = tempDir('fatal-gap');
  try {
    const clientPort = await freePort();
    const peerPort = await freePort();
    let member = await startStore({ kind: 'kite', dataDir: dir.path, clientPort, peerPort });
    assert.equal(etcdctl(member.endpoint, ['put', '/f/early', 'v']).code, 0);
    await member.stop();
    const early = join(dir.path, '..', `${dir.path.split('/').pop()}-early.mdb`);
    copyFileSync(join(dir.path, 'kite.mdb'), early);

    // Enough writes for a Raft snapshot: on the next start Raft applies from after it.
    member = await startStore({ kind: 'kite', dataDir: dir.path, clientPort, peerPort, extraArgs: ['--snapshot-count=10'] });
    for (let i = 0; i < 30; i++) assert.equal(etcdctl(member.endpoint, ['put', `/f/${i}`, 'v']).code, 0);
    await member.stop();
    copyFileSync(early, join(dir.path, 'kite.mdb'));

    const { code, errors } = await exitOf(spawnOn(dir.path, clientPort, peerPort, ['--snapshot-count=10']));
    assert.equal(code, 1);
    assert.ok(errors.some((l) => /entries \d+ to \d+ were never applied: the store is at index \d+ and the log goes on at \d+/.test(l)), errors.join('\n'));
  } finally {
    dir.remove();
  }
});

test('a write lmdb does not persist stops the member', { timeout: 30_000 }, async () => {
  const dir = tempDir('fatal-write');
  const url = `http://127.0.0.1:${await freePort()}`;
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path, 'listen-client-urls': url, 'advertise-client-urls': url }, {});
  let failed!: (err: Error) => void;
  const fatal = new Promise<Error>((resolve) => (failed = resolve));
  const member = await runMember(buildMemberConfig(values, explicit), { log: () => undefined, onFatal: (err) => failed(err) });
  const client = new EtcdGrpcClient(url.replace('http://', ''));
  try {
    await client.put({ key: Buffer.from('/f/ok'), value: Buffer.from('v') });
    // The disk refuses the next write, as a failing disk would. (The put may still be
    // acknowledged: it is durable in the WAL, and a restart applies it again.)
    const backend = (member.store.kv as unknown as { backend: { putRecord: (...args: unknown[]) => Promise<unknown> } }).backend;
    backend.putRecord = () => Promise.reject(new Error('EIO (simulated)'));
    await client.put({ key: Buffer.from('/f/next'), value: Buffer.from('v') }).catch(() => undefined);
    assert.match(String(await fatal), /the store failed to persist a write: EIO \(simulated\)/);
    // Stopped: it serves nothing more.
    await assert.rejects(client.range({ key: Buffer.from('/f/ok') }));
  } finally {
    client.close();
    await member.stop();
    dir.remove();
  }
});
