// The whole log as the core sees it: the persisted part (the driver's LogStorage) followed
// by the unstable part, plus the commit and apply cursors.

import { RaftError, RaftErrorCode, invariant } from './errors.js';
import { limitSize, type LogStorage } from './log-storage.js';
import type { Entry, Snapshot } from './messages.js';
import { UnstableLog } from './unstable-log.js';

/** An index and the term of the entry there. */
export interface IndexTerm {
  /** A log index. */
  readonly index: number;
  /** The term of the entry there (0 if unknown, for example compacted). */
  readonly term: number;
}

export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: UnstableLog;
  /** The highest index known to be committed. */
  committed: number;
  /** The highest index the application has applied (as reported by advance()). */
  applied: number;

  constructor(storage: LogStorage) {
    this.storage = storage;
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    // Everything up to the snapshot is committed, and the application restarts from the
    // snapshot. (The log may keep a few entries before the snapshot index.)
    const base = Math.max(storage.firstIndex() - 1, storage.snapshot().metadata.index);
    this.committed = base;
    this.applied = base;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term at `index`, or undefined if the entry is compacted or does not exist. */
  term(index: number): number | undefined {
    const dummyIndex = this.firstIndex() - 1;
    if (index < dummyIndex || index > this.lastIndex()) return undefined;
    const fromUnstable = this.unstable.maybeTerm(index);
    if (fromUnstable !== undefined) return fromUnstable;
    try {
      return this.storage.term(index);
    } catch (err) {
      if (err instanceof RaftError && (err.code === RaftErrorCode.Compacted || err.code === RaftErrorCode.Unavailable)) {
        return undefined;
      }
      throw err;
    }
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    invariant(term !== undefined, `no term for the last index ${this.lastIndex()}`);
    return term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a log ending at (lastIndex, term) is at least as up to date as this one (Raft §5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const myTerm = this.lastTerm();
    return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * A follower's append: if the entry at `index` has term `logTerm`, append `entries` after
   * it (dropping conflicting entries) and move the commit index. Returns the index of the
   * last entry the leader sent, or undefined if the log does not match at `index`.
   */
  maybeAppend(index: number, logTerm: number, committed: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      invariant(conflict > this.committed, `entry ${conflict} conflicts with committed entry (commit ${this.committed})`, {
        index: conflict,
      });
      this.append(entries.slice(conflict - (entries[0] as Entry).index));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends entries to the unstable part, replacing any that follow the first new index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = (entries[0] as Entry).index - 1;
    invariant(after >= this.committed, `append after ${after} would overwrite committed entries up to ${this.committed}`, {
      index: after,
    });
    invariant(after <= this.lastIndex(), `append after ${after} would leave a gap after ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The index of the first entry that is new or whose term differs from ours, or 0 if all
   * of them are already here.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index at or below `index` whose term is at most `term`, with that term.
   * This is the fast back-off: a rejection can skip a whole term's worth of entries.
   * If the entries there are compacted the term returned is 0.
   */
  findConflictByTerm(index: number, term: number): IndexTerm {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term || i === 0) return { index: i, term: t };
      i--;
    }
  }

  /** Entries the driver has not yet persisted. */
  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet applied, in order. */
  nextCommittedEntries(): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, Number.POSITIVE_INFINITY);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The newest snapshot: the unstable one, else the storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(index: number): void {
    if (this.committed >= index) return;
    invariant(index <= this.lastIndex(), `commit ${index} is past the last index ${this.lastIndex()}`, { index });
    this.committed = index;
  }

  appliedTo(index: number): void {
    invariant(
      index >= this.applied && index <= this.committed,
      `applied ${index} is outside [${this.applied}, ${this.committed}]`,
      { index },
    );
    this.applied = index;
  }

  /** Commits up to `maxIndex` if the entry there is from `term` (Raft §5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Replaces the log with a snapshot; everything it covers is committed. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  /** Entries from `lo` to the end, at most `maxSize` bytes (at least one). Throws 'compacted'. */
  entriesFrom(lo: number, maxSize: number): Entry[] {
    const last = this.lastIndex();
    if (lo > last) return [];
    return this.slice(lo, last + 1, maxSize);
  }

  /** Entries in [lo, hi), at most `maxSize` bytes (at least one). Throws 'compacted'. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    const first = this.firstIndex();
    if (lo < first) {
      throw new RaftError(RaftErrorCode.Compacted, `entry ${lo} is compacted (first is ${first})`, { index: lo });
    }
    invariant(lo <= hi && hi <= this.lastIndex() + 1, `slice [${lo}, ${hi}) out of bounds (last ${this.lastIndex()})`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let result: Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      result = this.storage.entries(lo, storedHi, maxSize);
      if (result.length < storedHi - lo) return result; // cut short by the size limit
    }
    if (hi > offset) {
      const fresh = this.unstable.slice(Math.max(lo, offset), hi);
      result = result.length === 0 ? fresh : result.concat(fresh);
    }
    return limitSize(result, maxSize);
  }
}
