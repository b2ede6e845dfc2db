// The member's durable Raft log: entries, hard state and snapshot markers in a write-ahead
// log (storage/raft/wal, in `wal/` under its directory). The whole log is also held in a
// MemoryStorage, which answers the core's synchronous reads; every change is made there at
// once and appended to the WAL as one batch, so the file always holds the state after some
// prefix of the calls. A directory that still holds the lmdb log of earlier versions is
// converted to a WAL the first time it is opened.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RaftError, RaftErrorCode } from './core/errors.js';
import { MemoryStorage, type InitialState, type LogStorage } from './core/log-storage.js';
import { isEmptySnapshot, type ConfState, type Entry, type HardState, type Snapshot } from './core/messages.js';
import { hasLegacyLog, readLegacyLog, removeLegacyLog } from './legacy-lmdb-log.js';
import type { SyncObserver, SyncTimed } from './sync-timing.js';
import type { WalRecord } from './wal/record.js';
import type { WalState } from './wal/replay.js';
import { loadLogState } from './log-state.js';
import type { WalHead } from './wal/segment-files.js';
import type { TailRepair } from './wal/wal-reader.js';
import { Wal, walExists } from './wal/wal.js';

export interface DiskStorageOptions {
  /** Skip fsync. Only for tests and benchmarks that say so; never the default. */
  readonly unsafeNoSync?: boolean;
  /** Cut the WAL to a new segment file after this many bytes (default 64 MiB). */
  readonly segmentBytes?: number;
  /** Preallocate WAL segments (zero-filled to segmentBytes); off by default. */
  readonly preallocate?: boolean;
  /** The WAL's directory (etcd's --wal-dir); default `wal` in the storage's directory. */
  readonly walDir?: string;
}

/** Whether dir (a member's raft directory) or walDir holds a Raft log: a WAL, or the lmdb log of earlier versions. */
export function hasRaftLog(dir: string, walDir = join(dir, 'wal')): boolean {
  return walExists(walDir) || hasLegacyLog(dir);
}

/** What open() found and did, for the member's start-up log. */
export interface OpenReport {
  /** The directory held an lmdb log of an earlier version, now converted to a WAL. */
  readonly converted: boolean;
  /** A torn final record cut from the WAL's last segment. */
  readonly repair?: TailRepair;
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

/**
 * A LogStorage persisted in a WAL (directory `wal` in its directory). Reads are served from
 * memory and behave exactly as MemoryStorage's. Each save(), createSnapshot() and compact()
 * changes the in-memory view before it returns and appends its records to the WAL as one
 * batch; batches are written in call order, so a crash leaves the state after some prefix
 * of the calls, never part of one.
 */
export class DiskLogStorage implements LogStorage, SyncTimed {
  private readonly mem = new MemoryStorage();
  /** The first write failure; the storage no longer matches its file and refuses further use. */
  private failure: { readonly error: unknown } | undefined;
  private isClosed = false;
  /** A hard state that differs from the stored one only in its commit index, not yet written. */
  private deferredHardState: HardState | undefined;
  private wal!: Wal;

  private constructor(readonly openReport: OpenReport) {}

  /**
   * Opens (creating) the WAL in dir/wal (or options.walDir), loading everything into memory. If there is no WAL
   * but dir holds the lmdb log of an earlier version, it is first converted: written to a
   * new WAL under a temporary name, synced, renamed into place, and the lmdb files removed.
   * Throws WalError if the WAL is corrupt (a torn tail is repaired), RaftError
   * 'invariant-violated' if what it holds is not a consistent log.
   */
  static open(dir: string, options: DiskStorageOptions = {}): DiskLogStorage {
    mkdirSync(dir, { recursive: true });
    const walDir = options.walDir ?? join(dir, 'wal');
    let converted = false;
    if (!walExists(walDir) && hasLegacyLog(dir)) {
      Wal.create(walDir, readLegacyLog(dir));
      removeLegacyLog(dir);
      converted = true;
    }
    const { wal, state } = Wal.open(walDir, options);
    const storage = new DiskLogStorage({ converted, ...(wal.repair === undefined ? {} : { repair: wal.repair }) });
    storage.wal = wal;
    try {
      storage.load(state);
    } catch (error) {
      // The load error is what the caller needs; a failure to close on top of it is dropped.
      void wal.close().catch(() => undefined);
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

  /** The WAL's fdatasyncs are what this storage's syncs are. */
  observeSyncs(observer: SyncObserver): void {
    this.wal.observeSyncs(observer);
  }

  /** The WAL's segment files, oldest first. */
  walSegments(): string[] {
    return this.wal.segmentPaths();
  }

  /**
   * Persists one Ready's snapshot (if any), entries and hard state (if any) as one WAL
   * batch. The in-memory view changes before this returns. A snapshot replaces the whole
   * log (as MemoryStorage.applySnapshot); an empty one (index 0) counts as none. Entries
   * replace the persisted ones from the first entry's index on (as MemoryStorage.append);
   * those at or before the snapshot index are skipped, so a save whose entries all precede
   * firstIndex() writes only its snapshot and hard state.
   *
   * Throws synchronously, changing nothing, with RaftError 'snapshot-out-of-date' if the
   * snapshot is not newer than the current one, 'invariant-violated' if the entries are not
   * consecutive or would leave a gap after lastIndex(), 'misuse-of-api' after close(), and
   * the original error if an earlier write failed.
   *
   * The promise resolves once the batch is written and, if `sync` (Raft's mustSync) or it
   * holds a snapshot, made durable by one fdatasync. It rejects if the write fails; the
   * storage is then unusable and the member must stop. A save of nothing but a new commit
   * index with `sync` false is kept in memory and written with the next batch, or by close().
   */
  save(update: StorageUpdate, sync: boolean, overlap = false): Promise<void> {
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

    const records: WalRecord[] = [];
    if (snapshot !== undefined) {
      this.mem.applySnapshot(snapshot);
      records.push({ kind: 'snapshot', snapshot, isInstalled: true });
    }
    if (incoming.length > 0) {
      this.mem.append(incoming);
      for (const entry of incoming) records.push({ kind: 'entry', entry });
    }
    let hardState: HardState | undefined;
    if (update.hardState !== undefined) {
      const before = this.mem.getHardState();
      this.mem.setHardState(update.hardState);
      if (!sync && update.hardState.term === before.term && update.hardState.vote === before.vote) {
        // Only the commit index moved: Raft needs no sync for that, and a stale commit
        // index on disk is safe (a restarted member learns it again from the leader). It
        // is written with the next batch instead of costing a write of its own.
        this.deferredHardState = update.hardState;
      } else {
        hardState = update.hardState;
      }
    }
    if (records.length === 0 && hardState === undefined) return this.append([], sync, undefined, overlap);
    hardState ??= this.deferredHardState;
    this.deferredHardState = undefined;
    if (hardState !== undefined) records.push({ kind: 'hard-state', hardState });
    return this.append(records, sync || snapshot !== undefined, undefined, overlap);
  }

  /**
   * Records a snapshot of the application's state at applied `index` (as
   * MemoryStorage.createSnapshot, same errors) and appends its marker to the WAL, synced.
   * The log is kept; compact() drops its prefix.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    this.checkUsable();
    const snapshot = this.mem.createSnapshot(index, confState, data);
    void this.append([{ kind: 'snapshot', snapshot, isInstalled: false }], true).catch(() => undefined); // kept; the next call and close() report it
    return snapshot;
  }

  /**
   * Drops entries before `index` (as MemoryStorage.compact, same errors). The compaction
   * point is appended to the WAL, and once it is durable the segments wholly before it are
   * deleted.
   */
  compact(index: number): void {
    this.checkUsable();
    this.mem.compact(index);
    const record: WalRecord = { kind: 'compaction', index, term: this.mem.term(index) };
    void this.append([record], true, index).catch(() => undefined); // kept; the next call and close() report it
  }

  /** Waits for every queued write, then closes the WAL. Rejects with the first write failure, if there was one. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.deferredHardState !== undefined && this.failure === undefined) {
      const hardState = this.deferredHardState;
      this.deferredHardState = undefined;
      void this.append([{ kind: 'hard-state', hardState }], true).catch(() => undefined);
    }
    this.isClosed = true;
    await this.wal.close().catch((error: unknown) => {
      this.failure ??= { error };
    });
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Loads the WAL's state into the in-memory view, checking that it is consistent. */
  private load(state: WalState): void {
    loadLogState(this.mem, state);
  }

  /** Appends records to the WAL with the log's state after them (see Wal.append); a failure is kept. */
  private append(records: readonly WalRecord[], sync: boolean, releaseTo?: number, overlap = false): Promise<void> {
    const first = this.mem.firstIndex();
    const head: WalHead = {
      snapshot: this.mem.snapshot(),
      start: { index: first - 1, term: this.mem.term(first - 1) },
      hardState: this.mem.getHardState(),
      lastIndex: this.mem.lastIndex(),
    };
    return this.wal.append(records, sync, head, releaseTo, overlap).catch((error: unknown) => {
      this.failure ??= { error };
      throw error;
    });
  }

  private checkUsable(): void {
    if (this.isClosed) throw new RaftError(RaftErrorCode.MisuseOfApi, 'the raft log storage is closed');
    if (this.failure !== undefined) throw this.failure.error;
  }
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

