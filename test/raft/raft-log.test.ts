import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfChangeType, decodeConfChange, encodeConfChange } from '../../storage/raft/core/conf-change.js';
import { RaftError, RaftErrorCode } from '../../storage/raft/core/errors.js';
import { MemoryStorage } from '../../storage/raft/core/log-storage.js';
import type { Entry } from '../../storage/raft/core/messages.js';
import { RaftLog } from '../../storage/raft/core/raft-log.js';
import { UnstableLog } from '../../storage/raft/core/unstable-log.js';

/** Entries with the given terms, starting at `first`. */
function ents(terms: number[], first = 1): Entry[] {
  return terms.map((term, i) => ({ term, index: first + i, type: 'normal', data: new Uint8Array([i]) }));
}

function termsOf(log: RaftLog): number[] {
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i) as number);
  return out;
}

/** A log whose first `persisted` entries are in storage and the rest unstable. */
function logWith(terms: number[], persisted = terms.length): RaftLog {
  const storage = new MemoryStorage();
  storage.append(ents(terms.slice(0, persisted)));
  const log = new RaftLog(storage);
  log.append(ents(terms.slice(persisted), persisted + 1));
  return log;
}

function rejects(code: RaftErrorCode) {
  return (err: unknown) => err instanceof RaftError && err.code === code;
}

test('findConflict finds the first new or mismatching entry', () => {
  const log = logWith([1, 2, 3]);
  const table: { entries: Entry[]; want: number }[] = [
    { entries: [], want: 0 },
    { entries: ents([1, 2, 3]), want: 0 },
    { entries: ents([2, 3], 2), want: 0 },
    { entries: ents([3], 3), want: 0 },
    { entries: ents([1, 2, 3, 4, 4]), want: 4 },
    { entries: ents([3, 4, 4], 3), want: 4 },
    { entries: ents([4, 4], 4), want: 4 },
    { entries: ents([4, 4], 1), want: 1 },
    { entries: ents([1, 4, 4], 1), want: 2 },
    { entries: ents([2, 4, 4, 4], 2), want: 3 },
  ];
  for (const { entries, want } of table) assert.equal(log.findConflict(entries), want, JSON.stringify(entries.map((e) => [e.index, e.term])));
});

test('maybeAppend: match check, truncation of conflicts, commit capped at the last new entry', () => {
  const table: {
    name: string;
    index: number;
    logTerm: number;
    commit: number;
    entries: Entry[];
    wantLast: number | undefined;
    wantTerms: number[];
    wantCommit: number;
  }[] = [
    { name: 'mismatched term', index: 3, logTerm: 2, commit: 3, entries: ents([4], 4), wantLast: undefined, wantTerms: [1, 2, 3], wantCommit: 1 },
    { name: 'past the end', index: 4, logTerm: 3, commit: 3, entries: ents([4], 5), wantLast: undefined, wantTerms: [1, 2, 3], wantCommit: 1 },
    { name: 'heartbeat-like', index: 3, logTerm: 3, commit: 3, entries: [], wantLast: 3, wantTerms: [1, 2, 3], wantCommit: 3 },
    { name: 'commit capped', index: 2, logTerm: 2, commit: 3, entries: [], wantLast: 2, wantTerms: [1, 2, 3], wantCommit: 2 },
    { name: 'append new', index: 3, logTerm: 3, commit: 5, entries: ents([4, 4], 4), wantLast: 5, wantTerms: [1, 2, 3, 4, 4], wantCommit: 5 },
    { name: 'duplicate', index: 1, logTerm: 1, commit: 2, entries: ents([2], 2), wantLast: 2, wantTerms: [1, 2, 3], wantCommit: 2 },
    { name: 'truncate conflict', index: 2, logTerm: 2, commit: 3, entries: ents([4, 4], 3), wantLast: 4, wantTerms: [1, 2, 4, 4], wantCommit: 3 },
  ];
  for (const t of table) {
    const log = logWith([1, 2, 3], 2);
    log.commitTo(1);
    assert.equal(log.maybeAppend(t.index, t.logTerm, t.commit, t.entries), t.wantLast, t.name);
    assert.deepEqual(termsOf(log), t.wantTerms, t.name);
    assert.equal(log.committed, t.wantCommit, t.name);
  }
});

test('overwriting a committed entry is an invariant violation', () => {
  const log = logWith([1, 2, 3]);
  log.commitTo(3);
  assert.throws(() => log.maybeAppend(1, 1, 3, ents([5, 5], 2)), rejects(RaftErrorCode.InvariantViolated));
});

test('findConflictByTerm skips whole terms (fast back-off)', () => {
  const log = logWith([1, 1, 2, 2, 2, 5, 5, 7]);
  const table = [
    { index: 8, term: 7, want: [8, 7] },
    { index: 8, term: 6, want: [7, 5] },
    { index: 8, term: 4, want: [5, 2] },
    { index: 8, term: 2, want: [5, 2] },
    { index: 8, term: 1, want: [2, 1] },
    { index: 8, term: 0, want: [0, 0] },
    { index: 4, term: 3, want: [4, 2] },
    { index: 20, term: 9, want: [8, 7] },
  ];
  for (const { index, term, want } of table) {
    const got = log.findConflictByTerm(index, term);
    assert.deepEqual([got.index, got.term], want, `(${index}, ${term})`);
  }
});

test('isUpToDate compares last term, then length', () => {
  const log = logWith([1, 2, 3]);
  const table = [
    { last: 2, term: 4, want: true },
    { last: 3, term: 4, want: true },
    { last: 4, term: 4, want: true },
    { last: 2, term: 2, want: false },
    { last: 4, term: 2, want: false },
    { last: 2, term: 3, want: false },
    { last: 3, term: 3, want: true },
    { last: 4, term: 3, want: true },
  ];
  for (const { last, term, want } of table) assert.equal(log.isUpToDate(last, term), want, `(${last}, ${term})`);
});

test('maybeCommit only commits an entry of the given term (Figure 8 rule)', () => {
  const log = logWith([1, 2, 2, 3]);
  assert.equal(log.maybeCommit(3, 3), false, 'entry 3 has term 2, not the leader term 3');
  assert.equal(log.committed, 0);
  assert.equal(log.maybeCommit(4, 3), true);
  assert.equal(log.committed, 4);
  assert.equal(log.maybeCommit(2, 2), false, 'commit never moves back');
});

test('slice spans storage and unstable entries and honours the size limit', () => {
  const log = logWith([1, 1, 2, 2, 3, 3], 3);
  assert.deepEqual(log.slice(2, 6, Infinity).map((e) => e.index), [2, 3, 4, 5]);
  assert.deepEqual(log.slice(4, 7, Infinity).map((e) => e.index), [4, 5, 6]);
  assert.deepEqual(log.slice(2, 6, 1).map((e) => e.index), [2], 'at least one entry');
  assert.deepEqual(log.slice(2, 6, 50).map((e) => e.index), [2, 3]);
  assert.deepEqual(log.slice(3, 3, Infinity), []);
  assert.throws(() => log.slice(3, 9, Infinity), rejects(RaftErrorCode.InvariantViolated));
});

test('compacted entries are reported, and the snapshot index keeps its term', () => {
  const storage = new MemoryStorage();
  storage.append(ents([1, 1, 2, 2, 3]));
  storage.createSnapshot(3, { voters: [1n], learners: [] }, new Uint8Array([1]));
  storage.compact(3);
  assert.equal(storage.firstIndex(), 4);
  assert.throws(() => storage.entries(3, 5, Infinity), rejects(RaftErrorCode.Compacted));
  assert.throws(() => storage.term(2), rejects(RaftErrorCode.Compacted));
  assert.throws(() => storage.term(6), rejects(RaftErrorCode.Unavailable));
  assert.throws(() => storage.compact(2), rejects(RaftErrorCode.Compacted));
  const log = new RaftLog(storage);
  assert.equal(log.term(3), 2);
  assert.equal(log.term(2), undefined);
  assert.equal(log.committed, 3, 'a restarted log starts committed and applied at the snapshot');
  assert.equal(log.applied, 3);
  assert.throws(() => log.slice(2, 4, Infinity), rejects(RaftErrorCode.Compacted));
});

test('restart applies from the snapshot even if the log keeps entries before it', () => {
  const storage = new MemoryStorage();
  storage.append(ents([1, 1, 2, 2, 3]));
  storage.createSnapshot(4, { voters: [1n], learners: [] }, new Uint8Array([1]));
  storage.compact(2);
  const log = new RaftLog(storage);
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.applied, 4);
});

test('MemoryStorage.append replaces a conflicting tail and rejects gaps', () => {
  const storage = new MemoryStorage();
  storage.append(ents([1, 1, 1, 1]));
  storage.append(ents([2, 2], 3));
  assert.equal(storage.lastIndex(), 4);
  assert.equal(storage.term(3), 2);
  storage.append(ents([3], 2));
  assert.equal(storage.lastIndex(), 2);
  assert.throws(() => storage.append(ents([3], 5)), rejects(RaftErrorCode.InvariantViolated));
  assert.throws(
    () => storage.applySnapshot({ metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: new Uint8Array() }),
    rejects(RaftErrorCode.SnapshotOutOfDate),
  );
});

test('unstable log: stableTo ignores entries that were replaced meanwhile', () => {
  const u = new UnstableLog(5);
  u.truncateAndAppend(ents([1, 1, 1], 5));
  u.stableTo(6, 2); // wrong term: nothing happens
  assert.equal(u.offset, 5);
  u.truncateAndAppend(ents([2], 6)); // replaces 6 and 7
  assert.deepEqual(u.entries.map((e) => [e.index, e.term]), [[5, 1], [6, 2]]);
  u.stableTo(7, 1); // a Ready that carried the replaced entry 7 finished: nothing to drop
  assert.equal(u.offset, 5);
  u.stableTo(5, 1);
  assert.equal(u.offset, 6);
  assert.deepEqual(u.entries.map((e) => e.index), [6]);
  u.truncateAndAppend(ents([3, 3], 4)); // before the offset: replaces everything
  assert.equal(u.offset, 4);
  assert.equal(u.maybeLastIndex(), 5);
});

test('conf changes round-trip through entry data', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.values(ConfChangeType)),
      fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      fc.uint8Array({ maxLength: 16 }),
      (type, nodeId, context) => {
        const cc = context.length > 0 ? { type, nodeId, context } : { type, nodeId };
        assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
      },
    ),
  );
  assert.throws(() => decodeConfChange(new Uint8Array(3)), rejects(RaftErrorCode.InvariantViolated));
});
