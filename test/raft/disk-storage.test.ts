import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftError, RaftErrorCode } from '../../storage/raft/core/errors.js';
import { MemoryStorage } from '../../storage/raft/core/log-storage.js';
import {
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  EntryType,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from '../../storage/raft/core/messages.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import { readWal } from '../../storage/raft/wal/wal-reader.js';

const U64_MAX = (1n << 64n) - 1n;

/** Entries with the given terms from index `from` on; each carries bytes naming it. */
function ents(terms: readonly number[], from = 1): Entry[] {
  return terms.map((term, i) => {
    const index = from + i;
    const type = index % 3 === 0 ? EntryType.ConfChange : EntryType.Normal;
    return { term, index, type, data: Uint8Array.of(index & 0xff, term & 0xff, 0, 255) };
  });
}

function confState(...voters: bigint[]): ConfState {
  return { voters, learners: [U64_MAX - 1n] };
}

function snap(index: number, term: number, data = Uint8Array.of(index & 0xff, 7)): Snapshot {
  return { metadata: { index, term, confState: confState(1n, 2n, U64_MAX) }, data };
}

function hs(term: number, vote: bigint, commit: number): HardState {
  return { term, vote, commit };
}

/** A temp directory removed after fn, and the storage in it closed. */
function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kite-raft-disk-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** The log the storage's WAL holds, read beside the storage without repairing anything. */
function walOnDisk(dir: string) {
  return readWal(join(dir, 'wal'), { readOnly: true }).state;
}

/** The hard state as the WAL holds it. */
function hardStateOnDisk(dir: string): HardState {
  return walOnDisk(dir).hardState;
}

/** The entry indexes the WAL holds once replayed. */
function keysOnDisk(dir: string): number[] {
  return walOnDisk(dir).entries.map((e) => e.index);
}

/** The result of fn, or the RaftError code it threw. */
function outcome<T>(fn: () => T): T | { readonly code: string } {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RaftError) return { code: error.code };
    throw error;
  }
}

/** Everything the core can observe through LogStorage, errors included. */
function view(s: MemoryStorage | DiskLogStorage) {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: Array<[number, ReturnType<typeof outcome>]> = [];
  for (let i = Math.max(0, first - 2); i <= last + 1; i++) terms.push([i, outcome(() => s.term(i))]);
  return {
    first,
    last,
    terms,
    entries: s.entries(first, last + 1, Number.MAX_SAFE_INTEGER),
    firstEntryOnly: outcome(() => s.entries(first, last + 1, 0)),
    beforeFirst: outcome(() => s.entries(first - 1, last + 1, Number.MAX_SAFE_INTEGER)),
    pastLast: outcome(() => s.entries(first, last + 2, Number.MAX_SAFE_INTEGER)),
    snapshot: s.snapshot(),
    initialState: s.initialState(),
    hardState: s instanceof MemoryStorage ? s.getHardState() : s.hardState(),
  };
}

type Op =
  | { readonly kind: 'append'; readonly entries: Entry[] }
  | { readonly kind: 'install'; readonly snapshot: Snapshot; readonly entries?: Entry[] }
  | { readonly kind: 'create-snapshot'; readonly index: number }
  | { readonly kind: 'compact'; readonly index: number }
  | { readonly kind: 'hard-state'; readonly hardState: HardState };

const append = (terms: number[], from = 1): Op => ({ kind: 'append', entries: ents(terms, from) });
const install = (snapshot: Snapshot, entries?: Entry[]): Op => ({ kind: 'install', snapshot, entries });
const createSnapshot = (index: number): Op => ({ kind: 'create-snapshot', index });
const compact = (index: number): Op => ({ kind: 'compact', index });
const hardState = (h: HardState): Op => ({ kind: 'hard-state', hardState: h });

function applyToMemory(m: MemoryStorage, op: Op): unknown {
  return outcome(() => {
    switch (op.kind) {
      case 'append':
        return m.append(op.entries);
      case 'install':
        m.applySnapshot(op.snapshot);
        return m.append(op.entries ?? []);
      case 'create-snapshot':
        return m.createSnapshot(op.index, confState(1n, BigInt(op.index)), Uint8Array.of(op.index));
      case 'compact':
        return m.compact(op.index);
      case 'hard-state':
        return m.setHardState(op.hardState);
    }
  });
}

async function applyToDisk(d: DiskLogStorage, op: Op): Promise<unknown> {
  const result = outcome(() => {
    switch (op.kind) {
      case 'append':
        return d.save({ entries: op.entries }, true);
      case 'install':
        return d.save({ snapshot: op.snapshot, entries: op.entries ?? [] }, true);
      case 'create-snapshot':
        return d.createSnapshot(op.index, confState(1n, BigInt(op.index)), Uint8Array.of(op.index));
      case 'compact':
        return d.compact(op.index);
      case 'hard-state':
        return d.save({ entries: [], hardState: op.hardState }, false);
    }
  });
  return result instanceof Promise ? ((await result) as unknown) : result;
}

const cases: ReadonlyArray<{ readonly name: string; readonly ops: readonly Op[] }> = [
  { name: 'append to an empty log, then after it', ops: [append([1, 1, 1]), append([1, 2], 4), hardState(hs(2, 1n, 4))] },
  {
    name: 'overwrite a conflicting tail, shorter and then longer',
    ops: [append([1, 1, 1, 1, 1]), append([2, 2], 3), append([3], 2), append([3, 3, 3, 3, 3, 3], 3)],
  },
  { name: 'an append that would leave a gap is refused', ops: [append([1, 1]), append([1], 4), append([1], 3)] },
  {
    name: 'entries before firstIndex are skipped or clipped',
    ops: [append([1, 1, 1, 1, 1]), createSnapshot(3), compact(3), append([1, 1], 1), append([1, 1, 2], 3), append([2], 6)],
  },
  {
    name: 'createSnapshot and compact, with their errors',
    ops: [
      append([1, 1, 2, 2, 3, 3]),
      compact(2),
      createSnapshot(4),
      compact(2),
      compact(3),
      compact(5),
      compact(3),
      createSnapshot(4),
      createSnapshot(7),
      createSnapshot(6),
      compact(6),
      append([4, 4], 7),
      compact(0),
    ],
  },
  { name: 'compact to before the snapshot keeps the entries in between', ops: [append([1, 2, 3, 4, 5]), createSnapshot(4), compact(2), append([6], 6)] },
  {
    name: 'install a received snapshot, replacing the log',
    ops: [
      append([1, 1, 1]),
      hardState(hs(1, 3n, 2)),
      install(snap(10, 4)),
      append([4, 5], 11),
      install(snap(5, 2)),
      install(snap(10, 4)),
      install(snap(12, 5), ents([5, 6], 13)),
      hardState(hs(6, 0n, 14)),
      append([7], 13),
    ],
  },
  { name: 'install into an empty log, then compact after a local snapshot', ops: [install(snap(3, 2)), append([2, 2], 4), createSnapshot(5), compact(5)] },
];

for (const { name, ops } of cases) {
  test(`DiskLogStorage behaves as MemoryStorage: ${name}`, withDir(async (dir) => {
    const memory = new MemoryStorage();
    let disk = DiskLogStorage.open(dir);
    try {
      for (const [i, op] of ops.entries()) {
        const step = `op ${i} (${op.kind})`;
        const expected = applyToMemory(memory, op);
        const actual = await applyToDisk(disk, op);
        assert.deepEqual(actual, expected, step);
        assert.deepEqual(view(disk), view(memory), step);
        // Close and reopen: the file holds exactly the same log, and no stale entries.
        await disk.close();
        const { first, last } = view(memory);
        const expectedKeys = Array.from({ length: last - first + 1 }, (_, k) => first + k);
        assert.deepEqual(keysOnDisk(dir), expectedKeys, `${step}: entry keys on disk`);
        disk = DiskLogStorage.open(dir);
        assert.deepEqual(view(disk), view(memory), `${step}, reopened`);
      }
    } finally {
      await disk.close();
    }
  }));
}

test('save() persists: a reopened storage sees the entries, hard state and snapshot', withDir(async (dir) => {
  const fresh = DiskLogStorage.open(dir);
  assert.equal(fresh.isEmpty(), true);
  assert.deepEqual(fresh.hardState(), EMPTY_HARD_STATE);
  assert.deepEqual(fresh.snapshot(), EMPTY_SNAPSHOT);
  await fresh.save({ snapshot: snap(4, 2), entries: ents([2, 3], 5), hardState: hs(3, 2n, 5) }, true);
  assert.equal(fresh.isEmpty(), false);
  await fresh.close();

  const reopened = DiskLogStorage.open(dir);
  try {
    assert.equal(reopened.isEmpty(), false);
    assert.equal(reopened.firstIndex(), 5);
    assert.equal(reopened.lastIndex(), 6);
    assert.deepEqual(reopened.entries(5, 7, Infinity), ents([2, 3], 5));
    assert.deepEqual(reopened.hardState(), hs(3, 2n, 5));
    assert.deepEqual(reopened.snapshot(), snap(4, 2));
    assert.deepEqual(reopened.initialState(), { hardState: hs(3, 2n, 5), confState: snap(4, 2).metadata.confState });
  } finally {
    await reopened.close();
  }
}));

test('a new commit index alone is not written at once, but with the next transaction or on close', withDir(async (dir) => {
  const s = DiskLogStorage.open(dir);
  await s.save({ entries: ents([1, 1, 1]), hardState: hs(1, 1n, 1) }, true);
  // Raft asks no sync for a commit-only change: it is visible at once, on disk later.
  await s.save({ entries: [], hardState: hs(1, 1n, 2) }, false);
  assert.deepEqual(s.hardState(), hs(1, 1n, 2));
  assert.deepEqual(hardStateOnDisk(dir), hs(1, 1n, 1));
  // The next write carries it, under its own hard state if it has one.
  await s.save({ entries: ents([1], 4) }, true);
  assert.deepEqual(hardStateOnDisk(dir), hs(1, 1n, 2));
  await s.save({ entries: [], hardState: hs(1, 1n, 3) }, false);
  await s.save({ entries: [], hardState: hs(2, 0n, 3) }, true); // a new term is written at once
  assert.deepEqual(hardStateOnDisk(dir), hs(2, 0n, 3));
  await s.save({ entries: [], hardState: hs(2, 0n, 4) }, false);
  await s.close();
  const reopened = DiskLogStorage.open(dir);
  assert.deepEqual(reopened.hardState(), hs(2, 0n, 4));
  await reopened.close();
}));

test('isEmpty: a hard state alone makes a member not new', withDir(async (dir) => {
  const s = DiskLogStorage.open(dir);
  await s.save({ entries: [] }, true);
  assert.equal(s.isEmpty(), true);
  await s.save({ entries: [], hardState: hs(1, 0n, 0) }, true);
  await s.close();
  const reopened = DiskLogStorage.open(dir);
  assert.equal(reopened.isEmpty(), false);
  await reopened.close();
}));

test('member ids above 2^63 round-trip in the hard state and conf state', withDir(async (dir) => {
  const ids = [1n << 63n, (1n << 63n) + 1n, U64_MAX - 1n, U64_MAX];
  let s = DiskLogStorage.open(dir);
  for (const [i, vote] of ids.entries()) {
    const hard = hs(i + 1, vote, 0);
    await s.save({ entries: [], hardState: hard }, true);
    await s.close();
    s = DiskLogStorage.open(dir);
    assert.deepEqual(s.hardState(), hard);
    assert.equal(s.hardState().vote, vote);
  }
  const cs: ConfState = { voters: ids.slice(0, 2), learners: ids.slice(2) };
  await s.save({ snapshot: { metadata: { index: 9, term: 4, confState: cs }, data: new Uint8Array(0) }, entries: [] }, true);
  await s.close();
  s = DiskLogStorage.open(dir);
  assert.deepEqual(s.snapshot().metadata.confState, cs);
  assert.deepEqual(s.initialState().confState, cs);
  await s.close();
}));

test('entry and snapshot data round-trip as bytes', withDir(async (dir) => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const backing = Uint8Array.from({ length: 64 }, (_, i) => 200 - i);
  const view16 = backing.subarray(10, 26); // a view with a byte offset
  const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
  const entries: Entry[] = [all, new Uint8Array(0), view16, big].map((data, i) => ({ term: 1, index: i + 1, type: EntryType.Normal, data }));
  let s = DiskLogStorage.open(dir);
  await s.save({ entries, hardState: hs(1, 1n, 4) }, true);
  s.createSnapshot(4, confState(1n), big);
  await s.close();
  s = DiskLogStorage.open(dir);
  try {
    const back = s.entries(1, 5, Infinity);
    assert.deepEqual(back, entries.map((e) => ({ ...e, data: Uint8Array.from(e.data) })));
    for (const e of back) assert.equal(Object.getPrototypeOf(e.data), Uint8Array.prototype);
    assert.deepEqual(s.snapshot().data, big);
    assert.equal(Object.getPrototypeOf(s.snapshot().data), Uint8Array.prototype);
  } finally {
    await s.close();
  }
}));

test('writes issued without waiting land in call order', withDir(async (dir) => {
  const memory = new MemoryStorage();
  const disk = DiskLogStorage.open(dir);
  const saves: Array<Promise<void>> = [];
  for (let round = 0; round < 20; round++) {
    const from = memory.lastIndex() + 1;
    const batch = ents([round + 1, round + 1, round + 1, round + 1, round + 1], from);
    memory.append(batch);
    memory.setHardState(hs(round + 1, 1n, from + 2));
    saves.push(disk.save({ entries: batch, hardState: hs(round + 1, 1n, from + 2) }, true));
    if (round % 4 === 3) {
      // Snapshot and compact at the commit, then overwrite the uncommitted tail.
      for (const s of [memory, disk]) {
        s.createSnapshot(from + 2, confState(1n), Uint8Array.of(round));
        s.compact(from + 1);
      }
      const tail = ents([round + 10], from + 3);
      memory.append(tail);
      saves.push(disk.save({ entries: tail }, true));
    }
  }
  await Promise.all(saves);
  await disk.close();
  const reopened = DiskLogStorage.open(dir);
  try {
    assert.deepEqual(view(reopened), view(memory));
  } finally {
    await reopened.close();
  }
}));

test('a refused save changes nothing, in memory or on disk', withDir(async (dir) => {
  let s = DiskLogStorage.open(dir);
  await s.save({ snapshot: snap(2, 1), entries: ents([1, 2], 3), hardState: hs(2, 1n, 3) }, true);
  const before = view(s);
  const refusals: Array<[RaftErrorCode, () => Promise<void>]> = [
    // Valid snapshot, but the entries would leave a gap after it.
    [RaftErrorCode.InvariantViolated, () => s.save({ snapshot: snap(5, 2), entries: ents([2], 7), hardState: hs(3, 0n, 5) }, true)],
    // Entries that are not consecutive.
    [RaftErrorCode.InvariantViolated, () => s.save({ entries: [...ents([2], 5), ...ents([2], 7)], hardState: hs(3, 0n, 3) }, true)],
    // A gap after the last entry.
    [RaftErrorCode.InvariantViolated, () => s.save({ entries: ents([2], 6), hardState: hs(3, 0n, 3) }, true)],
    // A snapshot not newer than the current one.
    [RaftErrorCode.SnapshotOutOfDate, () => s.save({ snapshot: snap(2, 1), entries: ents([2], 5), hardState: hs(3, 0n, 3) }, true)],
  ];
  for (const [code, refused] of refusals) {
    assert.throws(refused, (e: unknown) => e instanceof RaftError && e.code === code);
    assert.deepEqual(view(s), before);
  }
  await s.close();
  s = DiskLogStorage.open(dir);
  assert.deepEqual(view(s), before);
  await s.close();
}));

test('a closed storage refuses writes', withDir(async (dir) => {
  const s = DiskLogStorage.open(dir);
  await s.close();
  const misuse = (e: unknown) => e instanceof RaftError && e.code === RaftErrorCode.MisuseOfApi;
  assert.throws(() => s.save({ entries: ents([1]) }, true), misuse);
  assert.throws(() => s.compact(1), misuse);
  await s.close(); // closing twice is harmless
}));

test('a member killed mid-write keeps every acknowledged Ready and no part of another', withDir(async (dir) => {
  // The child saves Readies of 50 entries whose hard state commits up to their last entry, and
  // prints each index once save() resolved; it is killed at an arbitrary moment.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `
        const { DiskLogStorage } = await import(${JSON.stringify(new URL('../../storage/raft/disk-storage.ts', import.meta.url).href)});
        const s = DiskLogStorage.open(${JSON.stringify(dir)});
        for (let last = 0; ; last += 50) {
          const entries = Array.from({ length: 50 }, (_, i) => ({ term: 1, index: last + 1 + i, type: 'normal', data: new Uint8Array(3000).fill(i) }));
          await s.save({ entries, hardState: { term: 1, vote: 1n, commit: last + 50 } }, true);
          process.stdout.write(last + 50 + '\\n');
        }
      `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let acknowledged = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acknowledged = Number(line);
      if (acknowledged >= 1000) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () => resolve());
  });
  await exited;
  assert.ok(acknowledged >= 1000, 'the child wrote before it was killed');

  const s = DiskLogStorage.open(dir);
  try {
    const last = s.lastIndex();
    assert.ok(last >= acknowledged, `acknowledged ${acknowledged}, found ${last}`);
    assert.equal(last % 50, 0, 'whole Readies only');
    assert.equal(s.hardState().commit, last, 'the hard state came with its entries');
    const entries = s.entries(1, last + 1, Infinity);
    assert.equal(entries.length, last);
    for (const e of entries) assert.deepEqual(e.data, new Uint8Array(3000).fill((e.index - 1) % 50));
  } finally {
    await s.close();
  }
}));
