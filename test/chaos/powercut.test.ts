// The power-cut simulation: a process writes through the preload library, is killed, and
// the rollback leaves exactly what it had synced.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import { repoRoot, tempDir } from '../helpers/processes.js';
import { buildPowercutLibrary, powercutEnv, rollBack } from './powercut.js';

const library = buildPowercutLibrary();
const skip = 'reason' in library ? `power cuts need a C compiler (apt-get install -y gcc): ${library.reason}` : false;
if (skip) process.stderr.write(`\n*** SKIPPING power-cut tests: ${skip}\n\n`);

/** Runs script (an ES module body) under the preload library; resolves with its stdout once it exits. */
function runUnderPowercut(script: string, dataDir: string, journalDir: string): Promise<string> {
  const env = { ...process.env, ...powercutEnv((library as { path: string }).path, dataDir, journalDir) };
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', () => resolve(out)));
}

test('a killed process keeps its synced writes and O_DSYNC writes, and loses the rest', { skip }, async () => {
  const dir = tempDir('powercut');
  try {
    const data = join(dir.path, 'data');
    const file = join(data, 'f');
    const out = await runUnderPowercut(
      `
        import fs from 'node:fs';
        fs.mkdirSync(${JSON.stringify(data)}, { recursive: true });
        const fd = fs.openSync(${JSON.stringify(file)}, 'w+');
        fs.writeSync(fd, Buffer.from('aaaaaaaa'), 0, 8, 0);
        fs.fsyncSync(fd);
        fs.writeSync(fd, Buffer.from('bbbb'), 0, 4, 2);     // overwrites synced bytes, never synced
        fs.writeSync(fd, Buffer.from('cccccccc'), 0, 8, 8); // grows the file, never synced
        const dsync = fs.openSync(${JSON.stringify(file)}, fs.constants.O_WRONLY | fs.constants.O_DSYNC);
        fs.writeSync(dsync, Buffer.from('D'), 0, 1, 3);     // durable at once, inside the unsynced write
        process.stdout.write(fs.readFileSync(${JSON.stringify(file)}, 'latin1'));
        process.kill(process.pid, 'SIGKILL');
      `,
      data,
      join(dir.path, 'journal'),
    );
    assert.equal(out, 'aabDbbaacccccccc', 'what the process itself saw before the cut');
    const undone = rollBack(join(dir.path, 'journal'));
    assert.deepEqual({ files: undone.files, writesUndone: undone.writesUndone }, { files: 1, writesUndone: 2 });
    assert.equal(readFileSync(file, 'latin1'), 'aaaDaaaa');
  } finally {
    dir.remove();
  }
});

test('lmdb: commits acknowledged with sync survive a power cut; without sync they are lost', { skip, timeout: 60_000 }, async () => {
  const dir = tempDir('powercut-lmdb');
  try {
    const run = (sub: string, noSync: boolean) =>
      runUnderPowercut(
        `
          import { open } from 'lmdb';
          const env = open({ path: ${JSON.stringify(join(dir.path, sub, 'db.mdb'))}, overlappingSync: false, noSync: ${noSync}, compression: false });
          for (let i = 0; i < 200; i++) {
            await env.put(i, 'value ' + i);
            process.stdout.write(i + '\\n');
          }
          process.kill(process.pid, 'SIGKILL');
        `,
        join(dir.path, sub),
        join(dir.path, `${sub}-journal`),
      );
    const keys = (sub: string): number => {
      const env = open({ path: join(dir.path, sub, 'db.mdb'), compression: false });
      try {
        return env.getKeysCount();
      } finally {
        void env.close();
      }
    };
    const synced = await run('synced', false);
    assert.match(synced, /\n199\n$/);
    rollBack(join(dir.path, 'synced-journal'));
    assert.equal(keys('synced'), 200, 'every acknowledged commit is there');

    await run('unsynced', true);
    const undone = rollBack(join(dir.path, 'unsynced-journal'));
    assert.ok(undone.writesUndone > 0);
    assert.ok(keys('unsynced') < 200, 'commits never synced are gone');
  } finally {
    dir.remove();
  }
});
