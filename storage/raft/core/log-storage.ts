// The core's synchronous, read-only view of the driver's persisted log, and an in-memory
// implementation used by tests, the simulator and the benchmark.

import { RaftError, RaftErrorCode } from './errors.js';
import {
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  entrySize,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './messages.js';

/** What a member finds on its disk when it starts. */
export interface InitialState {
  /** The last persisted hard state. */
  readonly hardState: HardState;
  /** The membership as of the persisted snapshot (empty if there is none). */
  readonly confState: ConfState;
}

/**
 * The persisted log as the core sees it. Only entries the driver has made durable are
 * here; newer ones live in the core's unstable part until the driver persists them.
 */
export interface LogStorage {
  /** The hard state and membership persisted before this start. */
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), at most `maxSize` bytes (but always at least one entry).
   * Throws RaftError 'compacted' if lo is at or before the snapshot index, and
   * 'unavailable' if hi is past lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /**
   * The term of the entry at `index`. The snapshot's own index is allowed. Throws
   * 'compacted' before it and 'unavailable' after lastIndex().
   */
  term(index: number): number;
  /** The first index that has an entry (snapshot index + 1). */
  firstIndex(): number;
  /** The last index that has an entry (the snapshot index if there are none). */
  lastIndex(): number;
  /**
   * The latest snapshot. May throw 'snapshot-temporarily-unavailable' if one is being
   * made; the leader tries again later.
   */
  snapshot(): Snapshot;
}

/** Keeps a byte-limited prefix of `entries` (always at least one entry). */
export function limitSize(entries: Entry[], maxSize: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0] as Entry);
  let n = 1;
  while (n < entries.length) {
    size += entrySize(entries[n] as Entry);
    if (size > maxSize) break;
    n++;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/**
 * An in-memory LogStorage. `ents[0]` is a placeholder for the entry at the snapshot index
 * (only its index and term are meaningful), so ents[i] holds index ents[0].index + i.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = EMPTY_SNAPSHOT;
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  /** The last hard state set. */
  getHardState(): HardState {
    return this.hardState;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.first().index;
    if (lo <= offset) {
      throw new RaftError(RaftErrorCode.Compacted, `entry ${lo} is compacted (snapshot at ${offset})`, { index: lo });
    }
    if (hi > this.lastIndex() + 1) {
      throw new RaftError(RaftErrorCode.Unavailable, `entries up to ${hi - 1} requested, last is ${this.lastIndex()}`, {
        index: hi - 1,
      });
    }
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(index: number): number {
    const offset = this.first().index;
    if (index < offset) {
      throw new RaftError(RaftErrorCode.Compacted, `term of compacted entry ${index}`, { index });
    }
    const entry = this.ents[index - offset];
    if (entry === undefined) {
      throw new RaftError(RaftErrorCode.Unavailable, `term of entry ${index} past the last`, { index });
    }
    return entry.term;
  }

  firstIndex(): number {
    return this.first().index + 1;
  }

  lastIndex(): number {
    return this.first().index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snap.metadata.index) {
      throw new RaftError(RaftErrorCode.SnapshotOutOfDate, `snapshot at ${index} is not newer than ${this.snap.metadata.index}`, {
        index,
      });
    }
    this.snap = snapshot;
    this.ents = [{ term, index, type: 'normal', data: new Uint8Array(0) }];
  }

  /**
   * Records a snapshot of the application's state at `index` (which must be applied, so
   * present in the log). The log itself is kept; call compact() to drop the prefix.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new RaftError(RaftErrorCode.SnapshotOutOfDate, `snapshot at ${index} is not newer than ${this.snap.metadata.index}`, {
        index,
      });
    }
    if (index > this.lastIndex()) {
      throw new RaftError(RaftErrorCode.Unavailable, `snapshot at ${index} is past the last entry ${this.lastIndex()}`, {
        index,
      });
    }
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /**
   * Drops entries before `compactIndex`; the entry at compactIndex becomes the placeholder.
   * Never past the latest snapshot: a follower behind the log must be able to get a snapshot
   * from which the remaining log continues.
   */
  compact(compactIndex: number): void {
    const offset = this.first().index;
    if (compactIndex > this.snap.metadata.index) {
      throw new RaftError(RaftErrorCode.InvariantViolated, `compact ${compactIndex} is past the snapshot at ${this.snap.metadata.index}`, {
        index: compactIndex,
      });
    }
    if (compactIndex <= offset) {
      throw new RaftError(RaftErrorCode.Compacted, `already compacted to ${offset}`, { index: compactIndex });
    }
    if (compactIndex > this.lastIndex()) {
      throw new RaftError(RaftErrorCode.Unavailable, `compact ${compactIndex} is past the last entry ${this.lastIndex()}`, {
        index: compactIndex,
      });
    }
    const kept = this.ents.slice(compactIndex - offset);
    const head = kept[0] as Entry;
    kept[0] = { term: head.term, index: head.index, type: 'normal', data: new Uint8Array(0) };
    this.ents = kept;
  }

  /**
   * Appends entries that the core handed out in a Ready. Entries that conflict with
   * (overlap) existing ones replace them and everything after them.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = (entries[entries.length - 1] as Entry).index;
    if (last < first) return; // all of them are already in the snapshot
    let incoming = entries;
    if (first > (incoming[0] as Entry).index) incoming = incoming.slice(first - (incoming[0] as Entry).index);
    const offset = (incoming[0] as Entry).index - this.first().index;
    if (offset > this.ents.length) {
      throw new RaftError(
        RaftErrorCode.InvariantViolated,
        `appending at ${(incoming[0] as Entry).index} would leave a gap after ${this.lastIndex()}`,
      );
    }
    if (offset < this.ents.length) this.ents.length = offset;
    for (const entry of incoming) this.ents.push(entry);
  }

  private first(): Entry {
    return this.ents[0] as Entry;
  }
}
