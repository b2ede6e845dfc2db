// A member's simulated disk: the DriverLogStorage the real driver (RaftNode) writes its log
// to in the simulator. As with DiskLogStorage, every write reaches the read view before it
// returns and is appended to a write-ahead history as one batch. A batch is durable once a
// sync after it completes, which takes the disk's current latency; syncs complete in order.
// A crash keeps every synced batch and a random prefix of the others (the page cache may
// have written some of them back), and the next incarnation replays what was kept.

import { MemoryStorage, type InitialState } from '../../storage/raft/core/log-storage.js';
import { isEmptySnapshot, type ConfState, type Entry, type HardState, type Snapshot } from '../../storage/raft/core/messages.js';
import type { SeededRandom } from '../../storage/raft/core/random.js';
import type { StorageUpdate } from '../../storage/raft/disk-storage.js';
import type { DriverLogStorage } from '../../storage/raft/node.js';

/** One change to the log, as the disk records it. */
export type DiskWrite =
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'entries'; readonly entries: readonly Entry[] }
  | { readonly kind: 'hard-state'; readonly hardState: HardState; readonly previous: HardState }
  | { readonly kind: 'created-snapshot'; readonly index: number; readonly confState: ConfState; readonly data: Uint8Array }
  | { readonly kind: 'compaction'; readonly index: number };

/** What the disk needs from the simulation. */
export interface SimDiskHooks {
  /** Runs fn `delay` time units from now. */
  after(delay: number, fn: () => void): void;
  /** Simulated time now. */
  now(): number;
  /** How long a sync started now takes (0: it completes at once). */
  syncDelay(): number;
  /**
   * The disk reports each sync done as soon as it starts, though the writes become durable
   * only when it completes: a disk that lies about fsync. Only to show the checker catches it.
   */
  readonly isLying?: boolean;
  /** A write reached the read view. */
  wrote(write: DiskWrite): void;
  /**
   * The application's state at applied `index`, recorded in a snapshot the member makes.
   * (A store member's snapshot carries no data: its state is the store's database.)
   */
  snapshotData(index: number): Uint8Array;
}

/** What a crash left on a disk. */
export interface CrashImage {
  /** The surviving batches, oldest first. */
  readonly history: readonly (readonly DiskWrite[])[];
  /** Batches written but lost. */
  readonly lost: number;
  /** Whether any lost batch had been waited on with a sync that had not completed. */
  readonly lostSynced: boolean;
}

export class SimDisk implements DriverLogStorage {
  private readonly view = new MemoryStorage();
  private readonly history: (readonly DiskWrite[])[];
  /** Batches [0, synced) are durable. */
  private synced: number;
  /** The highest batch count a requested sync will cover. */
  private syncRequested: number;
  /** When the last requested sync completes. */
  private lastSyncDone = 0;
  private isCrashed = false;

  /** A disk holding `history` (a crash image's, or nothing for a new member). */
  constructor(
    history: readonly (readonly DiskWrite[])[],
    private readonly hooks: SimDiskHooks,
  ) {
    this.history = [...history];
    for (const batch of history) for (const write of batch) this.replay(write);
    this.synced = this.syncRequested = this.history.length;
  }

  /** Syncs requested and not yet completed. */
  get isSyncing(): boolean {
    return this.synced < this.syncRequested;
  }

  // LogStorage: the read view.

  initialState(): InitialState {
    return this.view.initialState();
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    return this.view.entries(lo, hi, maxSize);
  }

  term(index: number): number {
    return this.view.term(index);
  }

  firstIndex(): number {
    return this.view.firstIndex();
  }

  lastIndex(): number {
    return this.view.lastIndex();
  }

  snapshot(): Snapshot {
    return this.view.snapshot();
  }

  hardState(): HardState {
    return this.view.getHardState();
  }

  // Writes.

  save(update: StorageUpdate, sync: boolean): Promise<void> {
    if (this.isCrashed) return new Promise<void>(() => undefined); // a crashed disk never answers
    const batch: DiskWrite[] = [];
    const snapshot = isEmptySnapshot(update.snapshot) ? undefined : update.snapshot;
    if (snapshot !== undefined) batch.push({ kind: 'snapshot', snapshot });
    if (update.entries.length > 0) batch.push({ kind: 'entries', entries: update.entries });
    if (update.hardState !== undefined) batch.push({ kind: 'hard-state', hardState: update.hardState, previous: this.view.getHardState() });
    this.write(batch);
    return sync || snapshot !== undefined ? this.sync() : Promise.resolve();
  }

  createSnapshot(index: number, confState: ConfState, _data: Uint8Array): Snapshot {
    if (this.isCrashed) return this.view.snapshot();
    this.write([{ kind: 'created-snapshot', index, confState, data: this.hooks.snapshotData(index) }]);
    void this.sync();
    return this.view.snapshot();
  }

  compact(index: number): void {
    if (this.isCrashed) return;
    this.write([{ kind: 'compaction', index }]);
    void this.sync();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * The member crashed: this disk answers nothing from now on (pending syncs never
   * complete), and what survives is every synced batch and, drawn from rng, some prefix of
   * the rest.
   */
  crash(rng: SeededRandom): CrashImage {
    this.isCrashed = true;
    const kept = this.synced + rng.intn(this.history.length - this.synced + 1);
    return {
      history: this.history.slice(0, kept),
      lost: this.history.length - kept,
      lostSynced: kept < this.syncRequested,
    };
  }

  private write(batch: readonly DiskWrite[]): void {
    if (batch.length === 0) return;
    for (const write of batch) {
      this.replay(write);
      this.hooks.wrote(write);
    }
    this.history.push(batch);
  }

  private replay(write: DiskWrite): void {
    switch (write.kind) {
      case 'snapshot':
        this.view.applySnapshot(write.snapshot);
        return;
      case 'entries':
        this.view.append(write.entries);
        return;
      case 'hard-state':
        this.view.setHardState(write.hardState);
        return;
      case 'created-snapshot':
        this.view.createSnapshot(write.index, write.confState, write.data);
        return;
      case 'compaction':
        this.view.compact(write.index);
        return;
    }
  }

  /** Makes every batch written so far durable, after the disk's latency and any earlier sync. */
  private sync(): Promise<void> {
    const upTo = this.history.length;
    const delay = this.hooks.syncDelay();
    if (delay === 0 && !this.isSyncing) {
      this.synced = this.syncRequested = upTo;
      return Promise.resolve();
    }
    this.syncRequested = upTo;
    const now = this.hooks.now();
    const done = Math.max(this.lastSyncDone, now + delay);
    this.lastSyncDone = done;
    const completed = new Promise<void>((resolve) =>
      this.hooks.after(done - now, () => {
        if (this.isCrashed) return;
        if (upTo > this.synced) this.synced = upTo;
        resolve();
      }),
    );
    return this.hooks.isLying === true ? Promise.resolve() : completed;
  }
}
