// The WAL on its own: what goes in comes back after a reopen, later entries at an index
// replace earlier ones, one fdatasync per batch, segments cut at the size threshold and
// released after a compaction, and a log with a hole refused.

import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { segmentName } from '../../../storage/raft/wal/segment-files.js';
import { Wal } from '../../../storage/raft/wal/wal.js';
import { WalError, WalErrorCode } from '../../../storage/raft/wal/wal-error.js';
import { compaction, entries, hardState, ModelledWal, snapshotMarker, withDir } from './wal-helpers.js';

test('a new WAL is one segment named as etcd names the first, holding an empty log', withDir(async (dir) => {
  const { wal, state } = Wal.open(join(dir, 'wal'));
  await wal.close();
  assert.deepEqual(readdirSync(join(dir, 'wal')), [segmentName(0, 0)]);
  assert.equal(segmentName(0, 0), '0000000000000000-0000000000000000.wal');
  assert.deepEqual({ start: state.start, entries: state.entries.length, snapshot: state.snapshot.metadata.index }, { start: { index: 0, term: 0 }, entries: 0, snapshot: 0 });
}));

test('entries, hard states and snapshot markers round-trip across reopens', withDir(async (dir) => {
  let w = new ModelledWal(dir);
  await w.append([...entries(1, 3, 1), hardState(1, 1n, 2)]);
  await w.append([...entries(4, 4, 2, 300_000), hardState(2, (1n << 64n) - 1n, 4)]);
  await w.append([snapshotMarker(3, 1)]);
  await w.wal.close();
  const expected = w.expected();
  let reopened = Wal.open(w.walDir);
  assert.deepEqual(reopened.state, expected);
  await reopened.wal.close();

  // Appending after a reopen continues the chain; compaction and an installed snapshot too.
  w = new ModelledWal(dir);
  await w.append([compaction(2, 1), hardState(2, 1n, 4)]);
  await w.append([snapshotMarker(10, 3, true), ...entries(11, 12, 3), hardState(3, 2n, 11)]);
  await w.wal.close();
  reopened = Wal.open(w.walDir);
  assert.deepEqual(reopened.state, w.expected());
  assert.deepEqual(reopened.state.start, { index: 10, term: 3 });
  assert.deepEqual(reopened.state.entries.map((e) => e.index), [11, 12]);
  await reopened.wal.close();
}));

test('a later entry at an index replaces it and everything after it (log truncation)', withDir(async (dir) => {
  const w = new ModelledWal(dir);
  await w.append(entries(1, 6, 1));
  await w.append([...entries(4, 4, 2), hardState(2, 2n, 3)]); // replaces 4..6 with one entry at 4
  await w.append(entries(5, 7, 3)); // grows again from 5
  await w.append(entries(2, 2, 4)); // replaces everything from 2
  await w.wal.close();
  const { wal, state } = Wal.open(w.walDir);
  await wal.close();
  assert.deepEqual(state.entries.map((e) => [e.index, e.term]), [[1, 1], [2, 4]]);
  assert.deepEqual(state, w.expected());
}));

test('one fdatasync per batch, done before append returns', withDir(async (dir) => {
  const syncs: number[] = [];
  const w = new ModelledWal(dir);
  w.wal.observeSyncs((seconds) => syncs.push(seconds));
  for (let i = 1; i <= 5; i++) await w.append([...entries(i, i, 1), hardState(1, 1n, i)]);
  assert.equal(syncs.length, 5, 'one sync for each awaited batch');
  assert.ok(syncs.every((s) => s >= 0 && s < 60));
  await w.append([hardState(1, 1n, 5)], false);
  assert.equal(syncs.length, 5, 'a batch that need not be synced is not');
  // Twenty batches issued at once: each is durable by the time its append returns.
  const appends = Array.from({ length: 20 }, (_, k) => {
    const appended = w.append(entries(6 + k, 6 + k, 1));
    assert.equal(syncs.length, 6 + k, 'synced before append returned');
    return appended;
  });
  await Promise.all(appends);
  assert.equal(syncs.length, 25);
  // Overlapped (a leader whose appends are still to go out): synced off the event loop, after
  // append returns; the batches queued meanwhile share the next sync.
  const overlapped = w.append(entries(26, 26, 1), true, undefined, true);
  const queued = [w.append(entries(27, 27, 1)), w.append(entries(28, 28, 1))];
  assert.equal(syncs.length, 25, 'not synced on the event loop');
  await overlapped;
  await Promise.all(queued);
  assert.equal(syncs.length, 27, 'the overlapped batch, then the two queued meanwhile together');
  await w.wal.close();
  const { wal, state } = Wal.open(w.walDir);
  await wal.close();
  assert.deepEqual(state, w.expected());
}));

test('segments are cut past the size threshold, named seq-index, and read back in order', withDir(async (dir) => {
  const w = new ModelledWal(dir, { segmentBytes: 2048 });
  for (let i = 1; i <= 60; i += 3) await w.append([...entries(i, i + 2, 1, 200), hardState(1, 1n, i)]);
  const paths = w.wal.segmentPaths();
  assert.ok(paths.length >= 5, `${paths.length} segments`);
  for (const [seq, path] of paths.entries()) {
    const [s, index] = basename(path, '.wal').split('-').map((h) => parseInt(h, 16)) as [number, number];
    assert.equal(s, seq);
    if (seq > 0) assert.equal((index - 1) % 3, 0, 'named after the index following the last entry before the cut');
    if (seq < paths.length - 1) assert.ok(statSync(path).size >= 2048);
  }
  await w.wal.close();
  const { wal, state } = Wal.open(w.walDir);
  await wal.close();
  assert.deepEqual(state, w.expected());
}));

test('a compaction releases the segments wholly before it, and the rest still reads back', withDir(async (dir) => {
  const w = new ModelledWal(dir, { segmentBytes: 2048 });
  for (let i = 1; i <= 90; i += 3) await w.append([...entries(i, i + 2, 1, 200), hardState(1, 1n, i + 2)]);
  const before = w.wal.segmentPaths();
  const indexes = before.map((p) => parseInt(basename(p, '.wal').split('-')[1] as string, 16));
  // Compact to just before the start of the fourth segment: the first three go.
  const start = (indexes[3] as number) - 1;
  await w.append([snapshotMarker(start + 5, 1), compaction(start, 1)], true, start);
  // (The segment was full, so the batch itself went to a newly cut one.)
  const after = w.wal.segmentPaths();
  assert.deepEqual(after.slice(0, before.length - 3), before.slice(3));
  assert.ok(after.length <= before.length - 2);
  assert.deepEqual(readdirSync(w.walDir).sort(), after.map((p) => basename(p)).sort());
  // An overwrite of the uncommitted tail after the release reads back too.
  await w.append([...entries(85, 86, 2), hardState(2, 2n, 84)]);
  await w.wal.close();
  const { wal, state } = Wal.open(w.walDir);
  assert.deepEqual(state, w.expected());
  assert.equal(state.entries[0]?.index, start + 1);
  // Compacting to the last entry keeps a segment only if the next one's name says entries
  // after the compaction point may be in it (the tail, rewritten from 85, is named 0x5b).
  const w2 = new ModelledWal(dir, { segmentBytes: 2048 });
  await wal.close();
  await w2.append([snapshotMarker(86, 2), compaction(86, 2)], true, 86);
  const kept = w2.wal.segmentPaths().map((p) => parseInt(basename(p, '.wal').split('-')[1] as string, 16));
  for (let i = 1; i < kept.length; i++) assert.ok((kept[i] as number) > 87, `segment ${i - 1} is kept only if segment ${i} starts after 87`);
  await w2.wal.close();
  const last = Wal.open(w2.walDir);
  await last.wal.close();
  assert.deepEqual(last.state, w2.expected());
  assert.deepEqual(last.state.start, { index: 86, term: 2 });
}));

test('preallocated segments read back the same, and their zeroed space is not a torn record', withDir(async (dir) => {
  const w = new ModelledWal(dir, { segmentBytes: 2048, preallocate: true });
  for (let i = 1; i <= 40; i += 4) await w.append([...entries(i, i + 3, 1, 150), hardState(1, 1n, i)]);
  const paths = w.wal.segmentPaths();
  assert.ok(paths.length >= 3);
  assert.equal(statSync(paths[paths.length - 1] as string).size, 2048, 'the tail segment is preallocated');
  await w.wal.close();
  const reopened = new ModelledWal(dir, { segmentBytes: 2048, preallocate: true });
  assert.equal(reopened.wal.repair, undefined);
  await reopened.append(entries(41, 42, 1));
  await reopened.wal.close();
  const { wal, state } = Wal.open(w.walDir);
  await wal.close();
  assert.equal(state.entries.length, 42);
  assert.deepEqual(state, reopened.expected());
}));

test('a segment missing from the middle of the sequence is refused', withDir(async (dir) => {
  const w = new ModelledWal(dir, { segmentBytes: 1024 });
  for (let i = 1; i <= 30; i += 3) await w.append(entries(i, i + 2, 1, 200));
  await w.wal.close();
  const paths = w.wal.segmentPaths();
  rmSync(paths[1] as string);
  assert.throws(() => Wal.open(w.walDir), (e: unknown) => e instanceof WalError && e.code === WalErrorCode.Corrupt && e.context.file === paths[2]);
}));

test('a closed WAL refuses appends', withDir(async (dir) => {
  const w = new ModelledWal(dir);
  await w.wal.close();
  await assert.rejects(w.append(entries(1, 1, 1)), (e: unknown) => e instanceof WalError && e.code === WalErrorCode.Closed);
  await w.wal.close(); // twice is harmless
}));
