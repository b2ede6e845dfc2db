// Data dirs written before the WAL: testdata/lmdb-raft-log is a raft directory written by
// the lmdb DiskLogStorage (entries overwritten at the tail, a snapshot at 30, compaction to
// 25, member ids above 2^63, a deferred commit index), and lmdb-raft-log.expected.json is
// what that code read back from it. Opening it converts it to a WAL, once, with the same
// log; a conversion cut short leaves the lmdb log in place and is done again.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EntryType, type Entry } from '../../storage/raft/core/messages.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';

const testdata = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');

/** The view the old code read back, bigints and bytes restored from their JSON forms. */
const expected: unknown = JSON.parse(readFileSync(join(testdata, 'lmdb-raft-log.expected.json'), 'utf8'), (key, value: unknown) => {
  if (typeof value === 'string' && /^\d+n$/.test(value)) return BigInt(value.slice(0, -1));
  if (typeof value === 'string' && (key === 'data')) return new Uint8Array(Buffer.from(value, 'base64'));
  return value;
});

function view(s: DiskLogStorage) {
  return { first: s.firstIndex(), last: s.lastIndex(), entries: s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity), snapshot: s.snapshot(), hardState: s.hardState() };
}

function withOldDataDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'kite-legacy-'));
    const dir = join(root, 'raft');
    cpSync(join(testdata, 'lmdb-raft-log'), dir, { recursive: true });
    try {
      await fn(dir);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('an lmdb Raft log of an earlier version is converted to a WAL holding the same log', withOldDataDir(async (dir) => {
  const s = DiskLogStorage.open(dir);
  try {
    assert.equal(s.openReport.converted, true);
    assert.deepEqual(view(s), expected);
  } finally {
    await s.close();
  }
  assert.deepEqual(readdirSync(dir).sort(), ['wal'], 'the lmdb files are gone, the WAL in place');
  assert.deepEqual(readdirSync(join(dir, 'wal')), ['0000000000000000-0000000000000000.wal']);

  // A second open reads the WAL (no conversion), and the log goes on from there.
  const again = DiskLogStorage.open(dir);
  try {
    assert.equal(again.openReport.converted, false);
    assert.deepEqual(view(again), expected);
    const next: Entry = { term: 3, index: 43, type: EntryType.Normal, data: Uint8Array.of(9) };
    await again.save({ entries: [next], hardState: { term: 3, vote: 0n, commit: 43 } }, true);
  } finally {
    await again.close();
  }
  const third = DiskLogStorage.open(dir);
  assert.equal(third.lastIndex(), 43);
  assert.equal(third.hardState().commit, 43);
  await third.close();
}));

test('a conversion cut short (a leftover wal.tmp) is done again from the lmdb log', withOldDataDir(async (dir) => {
  mkdirSync(join(dir, 'wal.tmp'));
  writeFileSync(join(dir, 'wal.tmp', '0000000000000000-0000000000000000.wal'), Buffer.from('half-written'));
  const s = DiskLogStorage.open(dir);
  try {
    assert.equal(s.openReport.converted, true);
    assert.deepEqual(view(s), expected);
  } finally {
    await s.close();
  }
  assert.equal(existsSync(join(dir, 'wal.tmp')), false);
}));
