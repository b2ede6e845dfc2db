// Power cuts against the Raft log's WAL: a process saves Readies through DiskLogStorage
// under the power-cut library, prints each one once save() resolved, and is killed; the
// rollback leaves only what was synced. Every acknowledged Ready must be there, whole. The
// same run with the syncs skipped must lose acknowledged Readies, or the test shows nothing.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import { repoRoot, tempDir } from '../helpers/processes.js';
import { buildPowercutLibrary, powercutEnv, rollBack } from './powercut.js';

const library = buildPowercutLibrary();
const skip = 'reason' in library ? `power cuts need a C compiler (apt-get install -y gcc): ${library.reason}` : false;
if (skip) process.stderr.write(`\n*** SKIPPING WAL power-cut tests: ${skip}\n\n`);

const READY_ENTRIES = 20;

/**
 * Runs a writer of Readies of READY_ENTRIES entries (a hard state committing the last one
 * each) into raftDir under the library, with 4 KiB segments so that cuts happen too (one
 * segment when unsynced: an unsynced cut leaves a segment without its head); kills
 * it once `acks` Readies were acknowledged. Resolves with the last acknowledged index.
 */
async function writeUntilCut(raftDir: string, journalDir: string, acks: number, unsafeNoSync: boolean): Promise<number> {
  const storageUrl = new URL('../../storage/raft/disk-storage.ts', import.meta.url).href;
  const script = `
    const { DiskLogStorage } = await import(${JSON.stringify(storageUrl)});
    const s = DiskLogStorage.open(${JSON.stringify(raftDir)}, ${unsafeNoSync ? '{ unsafeNoSync: true }' : '{ segmentBytes: 4096 }'});
    for (let last = 0; ; last += ${READY_ENTRIES}) {
      const entries = Array.from({ length: ${READY_ENTRIES} }, (_, i) => ({ term: 1, index: last + 1 + i, type: 'normal', data: new Uint8Array(100).fill(i) }));
      await s.save({ entries, hardState: { term: 1, vote: 1n, commit: last + ${READY_ENTRIES} } }, true);
      process.stdout.write(last + ${READY_ENTRIES} + '\\n');
    }
  `;
  const env = { ...process.env, ...powercutEnv((library as { path: string }).path, raftDir, journalDir) };
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let acknowledged = 0;
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) acknowledged = Number(line);
    if (acknowledged >= acks * READY_ENTRIES) child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
  return acknowledged;
}

test('WAL: a power cut keeps every acknowledged Ready, whole, across segment cuts', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir('powercut-wal');
  try {
    const raftDir = join(dir.path, 'raft');
    const acknowledged = await writeUntilCut(raftDir, join(dir.path, 'journal'), 150, false);
    assert.ok(acknowledged >= 150 * READY_ENTRIES, `the writer acknowledged ${acknowledged}`);
    const undone = rollBack(join(dir.path, 'journal'));
    const s = DiskLogStorage.open(raftDir);
    try {
      const last = s.lastIndex();
      assert.ok(last >= acknowledged, `acknowledged ${acknowledged}, found ${last} after undoing ${undone.writesUndone} writes`);
      assert.equal(last % READY_ENTRIES, 0, 'whole Readies only');
      assert.equal(s.hardState().commit, last, 'the hard state came with its entries');
      assert.ok(s.walSegments().length > 10, 'segments were cut');
      const entries = s.entries(1, last + 1, Infinity);
      assert.equal(entries.length, last);
      for (const e of entries) assert.deepEqual(e.data, new Uint8Array(100).fill((e.index - 1) % READY_ENTRIES));
    } finally {
      await s.close();
    }
  } finally {
    dir.remove();
  }
});

test('WAL: with its syncs skipped, a power cut loses acknowledged Readies (the check can fail)', { skip, timeout: 120_000 }, async () => {
  const dir = tempDir('powercut-wal-nosync');
  try {
    const raftDir = join(dir.path, 'raft');
    const acknowledged = await writeUntilCut(raftDir, join(dir.path, 'journal'), 150, true);
    const undone = rollBack(join(dir.path, 'journal'));
    assert.ok(undone.writesUndone > 0, `acknowledged ${acknowledged}, undid ${JSON.stringify(undone)}`);
    const s = DiskLogStorage.open(raftDir);
    try {
      assert.ok(s.lastIndex() < acknowledged, `acknowledged ${acknowledged}, found ${s.lastIndex()}`);
    } finally {
      await s.close();
    }
  } finally {
    dir.remove();
  }
});
