import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdGrpcClient } from '../../storage/client/etcd-grpc-client.js';
import { freePort, kiteBin, missingTool, tempDir } from '../helpers/processes.js';

/**
 * Every acknowledged write is synced to disk first: run kite store under strace,
 * make N sequential puts (each waits for its acknowledgement, so no two can share
 * a commit), and count the fdatasync/fsync calls the member made meanwhile.
 */
test('each acknowledged sequential put is preceded by its own fsync', { timeout: 60_000 }, async (t) => {
  const skip = missingTool('strace', 'strace');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('fsync');
  const port = await freePort();
  const trace = join(dir.path, 'trace.txt');
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'strace',
    ['-f', '-qq', '-e', 'trace=fsync,fdatasync', '-o', trace, process.execPath, kiteBin, 'store', `--data-dir=${join(dir.path, 'data')}`, `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`],
    // Its own process group, so that stopping it stops the traced member too.
    { stdio: 'ignore', detached: true },
  );
  const client = new EtcdGrpcClient(`127.0.0.1:${port}`);
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await client.put({ key: Buffer.from('warmup'), value: Buffer.from('x') });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const count = (): number => readFileSync(trace, 'utf8').split('\n').filter((l) => /\b(fdatasync|fsync)\(/.test(l)).length;
    await new Promise((r) => setTimeout(r, 200));
    const before = count();
    const puts = 50;
    for (let i = 0; i < puts; i++) await client.put({ key: Buffer.from(`k${i}`), value: Buffer.from('v') });
    const synced = count() - before;
    assert.ok(synced >= puts, `${puts} acknowledged puts but only ${synced} syncs`);
  } finally {
    client.close();
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    dir.remove();
  }
});
