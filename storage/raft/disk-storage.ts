// The member's durable Raft log: entries, hard state and snapshot in one lmdb environment
// (etcd's WAL and MemoryStorage in one). The whole log is also held in a MemoryStorage, which
// answers the core's synchronous reads; every change is made there at once and queued to
// lmdb as one transaction, so the file always holds the state after some prefix of the calls.

import { open, type Database, type RootDatabase } from 'lmdb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RaftError, RaftErrorCode } from './core/errors.js';
import { MemoryStorage, type InitialState, type LogStorage } from './core/log-storage.js';
import {
  EMPTY_CONF_STATE,
  EMPTY_SNAPSHOT,
  EntryType,
  isEmptySnapshot,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './core/messages.js';
import type { SyncObserver, SyncTimed } from './sync-timing.js';

export interface DiskStorageOptions {
  /** Skip fsync on commit. Only for tests and benchmarks that say so; never the default. */
  readonly unsafeNoSync?: boolean;
}

/** What one save() persists: a Ready's snapshot, entries and hard state. */
export interface StorageUpdate {
  /** A snapshot received from the leader; replaces the whole log. */
  readonly snapshot?: Snapshot;
  /** Entries to append, replacing any persisted entries from the first one's index on. */
  readonly entries: readonly Entry[];
  /** The new hard state. */
  readonly hardState?: HardState;
}

/** An entry as stored under its index: term, type and payload. */
type StoredEntry = readonly [term: number, type: EntryType, data: Uint8Array];
/** The hard state as stored; the vote is a decimal string so every uint64 survives. */
type StoredHardState = readonly [term: number, vote: string, commit: number];
/** The latest snapshot as stored; member ids are decimal strings. */
type StoredSnapshot = readonly [index: number, term: number, voters: readonly string[], learners: readonly string[], data: Uint8Array];
/** Index and term of the entry just before the first stored one (MemoryStorage's placeholder). */
type StoredOffset = readonly [index: number, term: number];

const MetaKey = {
  HardState: 'hard-state',
  Snapshot: 'snapshot',
  Offset: 'offset',
} as const;

/** The writes of one call, applied to lmdb in one transaction. */
interface Batch {
  /** Inclusive index ranges of entries to delete. */
  readonly removals: Array<readonly [lo: number, hi: number]>;
  /** Entries to put under their index. */
  readonly entries: Entry[];
  hardState?: HardState;
  snapshot?: Snapshot;
  offset?: StoredOffset;
}

function emptyBatch(): Batch {
  return { removals: [], entries: [] };
}

/**
 * A LogStorage persisted in lmdb (file `raft.mdb` in its directory). Reads are served from
 * memory and behave exactly as MemoryStorage's. Each save(), createSnapshot() and compact()
 * changes the in-memory view before it returns and queues its writes as one lmdb
 * transaction; transactions commit in call order, so a crash leaves the state after some
 * prefix of the calls, never part of one.
 */
export class DiskLogStorage implements LogStorage, SyncTimed {
  private readonly mem = new MemoryStorage();
  private readonly env: RootDatabase;
  private readonly log: Database<StoredEntry, number>;
  private readonly meta: Database<unknown, string>;
  /** Settles (never rejects) once every write queued so far has committed or failed. */
  private pending: Promise<void> = Promise.resolve();
  /** The first write failure; the storage no longer matches its file and refuses further use. */
  private failure: { readonly error: unknown } | undefined;
  private isClosed = false;
  /** A hard state that differs from the stored one only in its commit index, not yet written. */
  private deferredHardState: HardState | undefined;
  private syncObserver: SyncObserver | undefined;
  private readonly isSyncing: boolean;

  private constructor(dir: string, options: DiskStorageOptions) {
    this.isSyncing = options.unsafeNoSync !== true;
    this.env = open({
      path: join(dir, 'raft.mdb'),
      maxDbs: 4,
      // A commit's promise must resolve only once it is synced; overlapping sync would
      // resolve it at commit time, before the data is durable.
      overlappingSync: false,
      noSync: options.unsafeNoSync === true,
      compression: false,
    });
    this.log = this.env.openDB<StoredEntry, number>({ name: 'entries' });
    this.meta = this.env.openDB<unknown, string>({ name: 'meta' });
  }

  /** Opens (creating) the lmdb env in dir (file dir/raft.mdb), loading everything into memory. */
  static open(dir: string, options: DiskStorageOptions = {}): DiskLogStorage {
    mkdirSync(dir, { recursive: true });
    const storage = new DiskLogStorage(dir, options);
    try {
      storage.load();
    } catch (error) {
      // The load error is what the caller needs; a failure to close on top of it is dropped.
      void storage.env.close().catch(() => undefined);
      throw error;
    }
    return storage;
  }

  // LogStorage: the in-memory view.

  initialState(): InitialState {
    return this.mem.initialState();
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    return this.mem.entries(lo, hi, maxSize);
  }

  term(index: number): number {
    return this.mem.term(index);
  }

  firstIndex(): number {
    return this.mem.firstIndex();
  }

  lastIndex(): number {
    return this.mem.lastIndex();
  }

  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  /** True if nothing has ever been saved (a brand-new member): no entries, snapshot or hard state. */
  isEmpty(): boolean {
    const hs = this.mem.getHardState();
    return this.mem.lastIndex() === 0 && hs.term === 0 && hs.vote === 0n && hs.commit === 0;
  }

  /** The last saved hard state (EMPTY_HARD_STATE if none). */
  hardState(): HardState {
    return this.mem.getHardState();
  }

  /**
   * Persists one Ready's snapshot (if any), entries and hard state (if any) in one lmdb
   * transaction. The in-memory view changes before this returns. A snapshot replaces the
   * whole log (as MemoryStorage.applySnapshot); an empty one (index 0) counts as none.
   * Entries replace the persisted ones from the first entry's index on (as
   * MemoryStorage.append); those at or before the snapshot index are skipped, so a save
   * whose entries all precede firstIndex() writes only its snapshot and hard state.
   *
   * Throws synchronously, changing nothing, with RaftError 'snapshot-out-of-date' if the
   * snapshot is not newer than the current one, 'invariant-violated' if the entries are not
   * consecutive or would leave a gap after lastIndex(), 'misuse-of-api' after close(), and
   * the original error if an earlier write failed.
   *
   * The promise resolves once the transaction has committed; lmdb syncs every commit
   * (unless unsafeNoSync), so it is then durable whatever `sync` says. It rejects if the
   * write fails; the storage is then unusable and the member must stop. The one exception
   * is a save of nothing but a new commit index with `sync` false (Raft's mustSync):
   * that is kept in memory and written with the next transaction, or by close().
   */
  save(update: StorageUpdate, sync: boolean): Promise<void> {
    this.checkUsable();
    const snapshot = isEmptySnapshot(update.snapshot) ? undefined : update.snapshot;
    if (snapshot !== undefined && snapshot.metadata.index <= this.mem.snapshot().metadata.index) {
      const index = snapshot.metadata.index;
      throw new RaftError(
        RaftErrorCode.SnapshotOutOfDate,
        `snapshot at ${index} is not newer than ${this.mem.snapshot().metadata.index}`,
        { index },
      );
    }
    // Validate the entries against the log as it will be once the snapshot is in, so that
    // nothing changes unless everything can.
    const first = snapshot !== undefined ? snapshot.metadata.index + 1 : this.mem.firstIndex();
    const last = snapshot !== undefined ? snapshot.metadata.index : this.mem.lastIndex();
    checkConsecutive(update.entries);
    const incoming = update.entries.filter((entry) => entry.index >= first);
    const head = incoming[0];
    if (head !== undefined && head.index > last + 1) {
      throw new RaftError(RaftErrorCode.InvariantViolated, `appending at ${head.index} would leave a gap after ${last}`, {
        index: head.index,
      });
    }

    const batch = emptyBatch();
    if (snapshot !== undefined) {
      batch.removals.push([this.mem.firstIndex(), this.mem.lastIndex()]);
      this.mem.applySnapshot(snapshot);
      batch.snapshot = snapshot;
      batch.offset = [snapshot.metadata.index, snapshot.metadata.term];
    }
    if (incoming.length > 0) {
      const lastBefore = this.mem.lastIndex();
      this.mem.append(incoming);
      batch.removals.push([this.mem.lastIndex() + 1, lastBefore]);
      batch.entries.push(...incoming);
    }
    if (update.hardState !== undefined) {
      const before = this.mem.getHardState();
      this.mem.setHardState(update.hardState);
      if (!sync && update.hardState.term === before.term && update.hardState.vote === before.vote) {
        // Only the commit index moved: Raft needs no sync for that, and a stale commit
        // index on disk is safe (a restarted member learns it again from the leader). It
        // is written with the next transaction instead of costing one of its own.
        this.deferredHardState = update.hardState;
      } else {
        batch.hardState = update.hardState;
      }
    }
    if (isEmptyBatch(batch)) return this.settled();
    if (!sync || !this.isSyncing || this.syncObserver === undefined) return this.enqueue(batch);
    // A save Raft needs durable: its transaction's commit and sync is the log's fsync.
    const observer = this.syncObserver;
    const started = performance.now();
    const committed = this.enqueue(batch);
    committed.then(
      () => observer((performance.now() - started) / 1000),
      () => undefined, // the caller's promise reports the failure
    );
    return committed;
  }

  observeSyncs(observer: SyncObserver): void {
    this.syncObserver = observer;
  }

  /**
   * Records a snapshot of the application's state at applied `index` (as
   * MemoryStorage.createSnapshot, same errors) and queues it to disk. The log is kept;
   * compact() drops its prefix.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    this.checkUsable();
    const snapshot = this.mem.createSnapshot(index, confState, data);
    const batch = emptyBatch();
    batch.snapshot = snapshot;
    void this.enqueue(batch); // a failure is kept; the next call and close() report it
    return snapshot;
  }

  /** Drops entries before `index` (as MemoryStorage.compact, same errors), on disk too. */
  compact(index: number): void {
    this.checkUsable();
    const firstBefore = this.mem.firstIndex();
    this.mem.compact(index);
    const batch = emptyBatch();
    // The entry at index becomes the placeholder: only its index and term are kept.
    batch.removals.push([firstBefore, index]);
    batch.offset = [index, this.mem.term(index)];
    void this.enqueue(batch); // a failure is kept; the next call and close() report it
  }

  /**
   * Waits for every queued write, then closes the environment. Rejects with the first write
   * failure, if there was one.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.deferredHardState !== undefined && this.failure === undefined) void this.enqueue(emptyBatch());
    this.isClosed = true;
    await this.pending;
    await this.env.close();
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Reads the file into the in-memory view, checking that it is consistent. */
  private load(): void {
    const storedHardState = this.meta.get(MetaKey.HardState) as StoredHardState | undefined;
    const storedSnapshot = this.meta.get(MetaKey.Snapshot) as StoredSnapshot | undefined;
    const [offsetIndex, offsetTerm] = (this.meta.get(MetaKey.Offset) as StoredOffset | undefined) ?? [0, 0];
    const snapshot = storedSnapshot === undefined ? EMPTY_SNAPSHOT : decodeSnapshot(storedSnapshot);
    const { index: snapIndex, term: snapTerm } = snapshot.metadata;

    const entries: Entry[] = [];
    for (const { key, value } of this.log.getRange({ start: offsetIndex + 1 })) {
      const expected = offsetIndex + 1 + entries.length;
      corrupt(key === expected, `entry ${key} stored where ${expected} was expected`, key);
      entries.push(decodeEntry(key, value));
    }

    if (offsetIndex > 0) {
      corrupt(snapIndex >= offsetIndex, `log compacted to ${offsetIndex}, past the snapshot at ${snapIndex}`, offsetIndex);
      if (snapIndex === offsetIndex) {
        corrupt(snapTerm === offsetTerm, `snapshot term ${snapTerm} differs from the log's ${offsetTerm}`, snapIndex);
        this.mem.applySnapshot(snapshot);
      } else {
        // Compacted to before the snapshot: start the log at the compaction point; the real
        // snapshot is recorded once the entries up to it are back.
        this.mem.applySnapshot({ metadata: { index: offsetIndex, term: offsetTerm, confState: EMPTY_CONF_STATE }, data: new Uint8Array(0) });
      }
    }
    this.mem.append(entries);
    if (snapIndex > offsetIndex) {
      corrupt(snapIndex <= this.mem.lastIndex(), `snapshot at ${snapIndex} is past the last entry ${this.mem.lastIndex()}`, snapIndex);
      const made = this.mem.createSnapshot(snapIndex, snapshot.metadata.confState, snapshot.data);
      corrupt(made.metadata.term === snapTerm, `snapshot term ${snapTerm} differs from the log's ${made.metadata.term}`, snapIndex);
    }
    if (storedHardState !== undefined) {
      const [term, vote, commit] = storedHardState;
      this.mem.setHardState({ term, vote: BigInt(vote), commit });
    }
  }

  /** Queues batch as one lmdb transaction, after every one queued before it. */
  private enqueue(batch: Batch): Promise<void> {
    if (this.deferredHardState !== undefined) {
      batch.hardState ??= this.deferredHardState;
      this.deferredHardState = undefined;
    }
    const committed = this.env.transaction(() => this.write(batch)).then(() => undefined);
    this.pending = committed.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    return committed;
  }

  /** Resolves once every write queued so far has committed; rejects if one failed. */
  private async settled(): Promise<void> {
    await this.pending;
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Runs inside the transaction. */
  private write(batch: Batch): void {
    for (const [lo, hi] of batch.removals) {
      for (let index = lo; index <= hi; index++) this.log.removeSync(index);
    }
    for (const entry of batch.entries) this.log.putSync(entry.index, [entry.term, entry.type, entry.data]);
    if (batch.snapshot !== undefined) this.meta.putSync(MetaKey.Snapshot, encodeSnapshot(batch.snapshot));
    if (batch.offset !== undefined) this.meta.putSync(MetaKey.Offset, batch.offset);
    if (batch.hardState !== undefined) {
      const { term, vote, commit } = batch.hardState;
      const stored: StoredHardState = [term, vote.toString(), commit];
      this.meta.putSync(MetaKey.HardState, stored);
    }
  }

  private checkUsable(): void {
    if (this.isClosed) throw new RaftError(RaftErrorCode.MisuseOfApi, 'the raft log storage is closed');
    if (this.failure !== undefined) throw this.failure.error;
  }
}

function isEmptyBatch(batch: Batch): boolean {
  return (
    batch.entries.length === 0 &&
    batch.removals.every(([lo, hi]) => lo > hi) &&
    batch.hardState === undefined &&
    batch.snapshot === undefined &&
    batch.offset === undefined
  );
}

/** Entries of one Ready are consecutive; anything else would corrupt the stored log. */
function checkConsecutive(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1] as Entry;
    const entry = entries[i] as Entry;
    if (entry.index !== prev.index + 1) {
      throw new RaftError(RaftErrorCode.InvariantViolated, `entry ${entry.index} follows entry ${prev.index}`, {
        index: entry.index,
      });
    }
  }
}

/** Throws 'invariant-violated' about the stored log unless condition holds. */
function corrupt(condition: boolean, message: string, index: number): void {
  if (!condition) throw new RaftError(RaftErrorCode.InvariantViolated, `raft log on disk: ${message}`, { index, reason: 'corrupt' });
}

/** A plain Uint8Array copy (lmdb hands out Buffers). */
function bytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}

function decodeEntry(index: number, [term, type, data]: StoredEntry): Entry {
  corrupt(type === EntryType.Normal || type === EntryType.ConfChange, `entry ${index} has type ${String(type)}`, index);
  return { term, index, type, data: bytes(data) };
}

function encodeSnapshot({ metadata, data }: Snapshot): StoredSnapshot {
  const ids = (list: readonly bigint[]) => list.map((id) => id.toString());
  return [metadata.index, metadata.term, ids(metadata.confState.voters), ids(metadata.confState.learners), data];
}

function decodeSnapshot([index, term, voters, learners, data]: StoredSnapshot): Snapshot {
  return { metadata: { index, term, confState: { voters: voters.map(BigInt), learners: learners.map(BigInt) } }, data: bytes(data) };
}
