// Length: KvStore and its WriteTxn share the key index, the backend batch and the revision
// counters; keeping them in one module keeps those private.

import { StorageError } from '../errors.js';
import { Backend, type BackendOptions, type RevisionRecord, type StoredChange } from './backend.js';
import { KeyIndex, type KeyVersion } from './key-index.js';
import { isSingleKey, type Event, type KeyRange, type KeyValue } from './key-value.js';
import type { Revision } from './revision.js';
import { Crc32c } from './crc32c.js';

export interface KvStoreOptions extends BackendOptions {
  /**
   * Reads and watchers see each write as soon as it is made rather than once lmdb has
   * committed it: for a cluster member, whose Raft log makes an entry durable before it
   * is applied, so that nothing but log compaction need wait for lmdb's commit.
   */
  readonly visibleOnWrite?: boolean;
}

/** How a range read is bounded. */
export interface ReadOptions {
  /** Read the store as of this revision; 0 or absent means the newest. */
  readonly revision?: number;
  /** Stop after this many keys (0 = no limit); count still covers the whole range. */
  readonly limit?: number;
  /** Only count the keys; return no key-values. */
  readonly countOnly?: boolean;
}

export interface ReadResult {
  readonly kvs: KeyValue[];
  /** Keys in the range at the read revision, regardless of limit. */
  readonly count: number;
  /** The store's current revision (not the revision read at), as etcd reports it. */
  readonly revision: number;
}

/** What a committed write transaction did. */
export interface WriteResult {
  /** The revision the transaction produced, or the unchanged revision if it wrote nothing. */
  readonly revision: number;
  readonly events: Event[];
  /** Resolves once the transaction is durable; reads see it from then on. */
  readonly durable: Promise<void>;
}

/** Listener for committed and durable changes, in revision order (watch feeds on this). */
export type ChangeListener = (revision: number, events: readonly Event[]) => void;

const BATCH_RECORDS = 500;

/** Commits made in one event-loop turn, durable together. */
interface CommitBatch {
  readonly revisions: number[];
  /** Each revision's events, for listeners that hear of changes once durable. */
  readonly events: Event[][];
  /** The lmdb write of the batch's newest record. */
  lastWrite: Promise<unknown>;
  durable: Promise<void>;
}

/**
 * etcd's MVCC key-value store on lmdb. Writes go through a WriteTxn, are applied to
 * the in-memory key index at once (so later writes see them) and become visible to
 * reads only when durable: reads run at the durable revision, so nothing a client
 * reads can be lost in a crash.
 */
export class KvStore {
  private readonly backend: Backend;
  private index!: KeyIndex;
  /** Newest revision written (possibly not yet durable). */
  private headRevision!: number;
  /** Newest durable revision; what reads see. */
  private durableRev!: number;
  /** Reads see writes as soon as they are made (a cluster member, whose log makes them durable). */
  private readonly visibleOnWrite: boolean;
  private compactRev!: number;
  /** Records written but not yet durable, by main revision. */
  private readonly pending = new Map<number, RevisionRecord>();
  private compaction: Promise<void> = Promise.resolve();
  /** Resolves when the newest write so far is durable. */
  private lastCommit: Promise<void> = Promise.resolve();
  /** The commits of the current event-loop turn (see startBatch). */
  private openBatch: CommitBatch | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly restoreListeners = new Set<() => void>();
  private fatal: Error | undefined;
  /** Told once, when the store fails (a write lmdb did not persist, an index naming a missing change). */
  onFailure: ((err: Error) => void) | undefined;

  private constructor(backend: Backend, visibleOnWrite: boolean) {
    this.backend = backend;
    this.visibleOnWrite = visibleOnWrite;
    this.load();
  }

  /**
   * Takes the revisions and the key index from the backend's records, and finishes a
   * compaction that a crash interrupted.
   */
  private load(): void {
    const finished = this.backend.getMeta<number>('finishedCompactRevision') ?? 0;
    const scheduled = this.backend.getMeta<number>('scheduledCompactRevision') ?? finished;
    // A fresh store is at revision 1, as etcd's is; the first write makes revision 2.
    const last = Math.max(this.backend.lastRevision(), scheduled, 1);
    this.headRevision = last;
    this.durableRev = last;
    this.compactRev = scheduled;
    this.index = new KeyIndex();
    this.rebuildIndex();
    if (scheduled > 0) {
      this.index.compact(scheduled);
      if (scheduled > finished) this.compaction = this.compactPhysically(scheduled);
    }
  }

  /** Opens the store kept in dir. */
  static open(dir: string, options: KvStoreOptions = {}): KvStore {
    return new KvStore(Backend.open(dir, options), options.visibleOnWrite === true);
  }

  /**
   * The revision reads see: the newest durable one, or on a cluster member (whose Raft
   * log already made every applied write durable) the newest written.
   */
  get revision(): number {
    return this.visibleOnWrite ? this.headRevision : this.durableRev;
  }

  /** The newest compacted revision; reads below it fail. */
  get compactRevision(): number {
    return this.compactRev;
  }

  /** The lmdb environment, for status and maintenance. */
  get storage(): Backend {
    return this.backend;
  }

  /**
   * Registers a listener called for each write, in revision order, once reads see it:
   * when it is durable, or on a visibleOnWrite store as it is made.
   */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads range r as of options.revision (default: newest durable). */
  range(r: KeyRange, options: ReadOptions = {}): ReadResult {
    const current = this.revision;
    return this.rangeAt(r, this.resolveReadRevision(options.revision ?? 0, current), current, options);
  }

  /**
   * The key's value just before revision rev (a watch event's prev_kv), or
   * undefined if it did not exist or that history is compacted.
   */
  prevKeyValue(key: Buffer, rev: number): KeyValue | undefined {
    const at = rev - 1;
    if (at < this.compactRev) return undefined;
    const k = key.toString('latin1');
    const v = this.index.get(k, at);
    return v === undefined ? undefined : this.keyValueAt(k, v);
  }

  /**
   * The changes of revisions in (after, upTo], for watchers catching up: from lmdb, then
   * (on a visibleOnWrite store, whose reads run ahead of lmdb) from the writes it has yet
   * to commit. lmdb commits writes in order, so those follow what it holds.
   */
  *changesSince(after: number, upTo: number): Generator<{ revision: number; events: Event[] }> {
    let last = after;
    for (const { rev, record } of this.backend.records(after + 1, upTo + 1)) {
      last = rev;
      yield { revision: rev, events: this.toEvents(rev, record) };
    }
    // In revision order: records are added as their transactions begin.
    for (const [rev, record] of this.pending) {
      if (rev > last && rev <= upTo) yield { revision: rev, events: this.toEvents(rev, record) };
    }
  }

  /**
   * A CRC-32C over every change at or below rev that compaction keeps, in revision
   * order: equal on members with equal histories, whatever their physical
   * compaction progress. rev 0 means the current revision.
   */
  hashKv(rev: number): { hash: number; revision: number; compactRevision: number } {
    const upTo = this.resolveReadRevision(rev, this.durableRev);
    const crc = new Crc32c();
    const head = Buffer.alloc(16);
    for (const { rev: main, record } of this.backend.records(1, upTo + 1)) {
      record.forEach((change, sub) => {
        if (change === null) return;
        if (!this.isKept(change[0], main, sub)) return;
        head.writeUInt32BE(Math.floor(main / 2 ** 32), 0);
        head.writeUInt32BE(main >>> 0, 4);
        head.writeUInt32BE(sub, 8);
        head.writeUInt32BE(change[1] === null ? 0xffffffff : change[1].length, 12);
        crc.update(head).update(change[0]);
        if (change[1] !== null) crc.update(change[1]);
      });
    }
    return { hash: crc.digest(), revision: upTo, compactRevision: this.compactRev };
  }

  /** Whether compaction keeps the change at {main, sub} of key (true above the compact revision). */
  isKept(key: Buffer, main: number, sub: number): boolean {
    return main > this.compactRev || this.index.has(key.toString('latin1'), { main, sub });
  }

  /** Resolves once compactions scheduled so far have finished on disk. */
  compactionsDone(): Promise<void> {
    return this.compaction.catch(() => undefined);
  }

  /** Starts a write transaction. Write transactions are synchronous and never overlap. */
  write(): WriteTxn {
    this.assertHealthy();
    return new WriteTxn(this, this.headRevision);
  }

  /**
   * Compacts the store at rev: reads below rev fail from now on, and superseded
   * versions are removed from disk in the background. Resolves when the compaction
   * is recorded durably; `physical` resolves when the old versions are gone.
   */
  compact(rev: number): { scheduled: Promise<void>; physical: Promise<void> } {
    this.assertHealthy();
    if (rev <= this.compactRev) throw new StorageError('Compacted', { revision: rev });
    // Against what reads see: on a cluster member that is what it has applied, the same on
    // every member when it applies the compaction (what is durable yet is not).
    if (rev > this.revision) throw new StorageError('FutureRevision', { revision: rev });
    this.compactRev = rev;
    const scheduled = this.backend.putMeta('scheduledCompactRevision', rev);
    this.index.compact(rev);
    const physical = (this.compaction = this.compaction.then(() => scheduled).then(() => this.compactPhysically(rev)));
    physical.catch((err: unknown) => this.fail(err));
    return { scheduled, physical };
  }

  /**
   * Replaces the whole store with the database file at path (a cluster member installing
   * its leader's snapshot). Waits for pending writes; watchers are told through onRestore.
   */
  async restore(path: string): Promise<void> {
    await this.compaction.catch(() => undefined);
    await this.backend.flushed();
    await this.backend.replaceWith(path);
    this.pending.clear();
    this.lastCommit = Promise.resolve();
    this.load();
    for (const listener of this.restoreListeners) listener();
  }

  /** Registers a listener called after restore() replaced the store. */
  onRestore(listener: () => void): () => void {
    this.restoreListeners.add(listener);
    return () => this.restoreListeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.compaction.catch(() => undefined);
    await this.backend.flushed();
    await this.backend.close();
  }

  // ---- used by WriteTxn ----

  /** @internal */
  rangeAt(r: KeyRange, atRev: number, reportRev: number, options: ReadOptions): ReadResult {
    const limit = options.limit ?? 0;
    const kvs: KeyValue[] = [];
    let count = 0;
    const visit = (key: string, v: KeyVersion): void => {
      count++;
      if (options.countOnly || (limit > 0 && kvs.length >= limit)) return;
      kvs.push(this.keyValueAt(key, v));
    };
    if (isSingleKey(r)) {
      const v = this.index.get(r.start, atRev);
      if (v !== undefined) visit(r.start, v);
    } else {
      this.index.range(r.start, r.end ?? undefined, atRev, ({ key, version }) => visit(key, version));
    }
    return { kvs, count, revision: reportRev };
  }

  /** @internal */
  resolveReadRevision(requested: number, current: number): number {
    if (requested > current) throw new StorageError('FutureRevision', { revision: requested });
    const rev = requested <= 0 ? current : requested;
    if (rev < this.compactRev) throw new StorageError('Compacted', { revision: rev });
    return rev;
  }

  /** Keys that exist at the current revision. */
  get keyCount(): number {
    return this.index.liveKeys;
  }

  /** @internal */
  get indexForWrite(): KeyIndex {
    return this.index;
  }

  /** @internal Makes a write transaction's changes readable by the transaction itself. */
  beginRecord(rev: number, record: StoredChange[]): void {
    this.pending.set(rev, record);
  }

  /**
   * @internal Resolves once everything written so far is durable: a transaction
   * that wrote nothing may still have read changes that are not durable yet.
   */
  untilDurable(): Promise<void> {
    return this.lastCommit;
  }

  /** @internal Commits a write transaction's record at rev. */
  commit(rev: number, record: StoredChange[], events: Event[]): Promise<void> {
    this.headRevision = rev;
    this.pending.set(rev, record);
    if (this.visibleOnWrite) for (const listener of this.listeners) listener(rev, events);
    const batch = (this.openBatch ??= this.startBatch());
    batch.revisions.push(rev);
    batch.events.push(events);
    const write = this.backend.putRecord(rev, record);
    // Its failure is the batch's, seen a turn later (startBatch); until then it is not unhandled.
    write.catch(() => undefined);
    batch.lastWrite = write;
    return batch.durable;
  }

  /**
   * Gathers the commits of one event-loop turn: they share one promise, settled when the
   * last of their lmdb writes is (lmdb-js commits writes in the order they are issued).
   * Each batch also waits for the one before it: lmdb-js may settle a large batch's
   * writes after a later batch's, and durability is announced in revision order, which
   * the watchers rely on (seen with a member replaying thousands of entries at once).
   */
  private startBatch(): CommitBatch {
    const previous = this.lastCommit;
    const batch: CommitBatch = { revisions: [], events: [], lastWrite: previous, durable: previous };
    batch.durable = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.openBatch = undefined;
        Promise.all([previous, batch.lastWrite]).then(
          () => {
            batch.revisions.forEach((rev, i) => {
              this.pending.delete(rev);
              if (rev > this.durableRev) this.durableRev = rev;
              if (!this.visibleOnWrite) for (const listener of this.listeners) listener(rev, batch.events[i]!);
            });
            resolve();
          },
          (err: unknown) => {
            this.fail(err);
            reject(new StorageError('Corrupt', { revision: batch.revisions[0], detail: `write not persisted: ${String(err)}` }));
          },
        );
      });
    });
    this.lastCommit = batch.durable;
    return batch;
  }

  /** @internal The stored change at rev (pending or on disk). */
  changeAt(rev: Revision): StoredChange {
    const record = this.pending.get(rev.main) ?? this.backend.getRecord(rev.main);
    const change = record?.[rev.sub];
    if (change == null) {
      this.fail(new Error(`mvcc: index names revision ${rev.main}.${rev.sub} but the store has no such change`));
      throw new StorageError('Corrupt', { revision: rev.main });
    }
    return change;
  }

  /** @internal */
  keyValueAt(key: string, v: KeyVersion): KeyValue {
    const change = this.changeAt(v.modRevision);
    return {
      key: Buffer.from(key, 'latin1'),
      createRevision: v.createRevision.main,
      modRevision: v.modRevision.main,
      version: v.version,
      value: change[1] ?? Buffer.alloc(0),
      lease: BigInt(change[4]),
    };
  }

  private toEvents(rev: number, record: RevisionRecord): Event[] {
    const events: Event[] = [];
    for (const change of record) {
      if (change === null) continue;
      const [key, value, createRevision, version, lease] = change;
      events.push({
        type: value === null ? 'delete' : 'put',
        kv: { key, createRevision: value === null ? 0 : createRevision, modRevision: rev, version, value: value ?? Buffer.alloc(0), lease: BigInt(lease) },
      });
    }
    return events;
  }

  private rebuildIndex(): void {
    for (const { rev, record } of this.backend.records(1, Number.MAX_SAFE_INTEGER)) {
      record.forEach((change, sub) => {
        if (change === null) return;
        const key = change[0].toString('latin1');
        const at = { main: rev, sub };
        if (change[1] === null) {
          if (this.index.get(key, rev) !== undefined) this.index.tombstone(key, at);
          else this.index.restoreTombstone(key, at);
        } else {
          this.index.restore(key, { main: change[2], sub: 0 }, at, change[3]);
        }
      });
    }
  }

  /** Removes from disk every change at or below rev that the index no longer holds. */
  private async compactPhysically(rev: number): Promise<void> {
    let batch: Promise<unknown>[] = [];
    for (const { rev: main, record } of this.backend.records(1, rev + 1)) {
      let changed = false;
      const kept = record.map((change, sub) => {
        if (change === null) return null;
        if (this.index.has(change[0].toString('latin1'), { main, sub })) return change;
        changed = true;
        return null;
      });
      if (!changed) continue;
      batch.push(kept.every((c) => c === null) ? this.backend.removeRecord(main) : this.backend.putRecord(main, kept));
      if (batch.length >= BATCH_RECORDS) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    await this.backend.putMeta('finishedCompactRevision', rev);
  }

  private fail(err: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = err instanceof Error ? err : new Error(String(err));
    this.onFailure?.(this.fatal);
  }

  private assertHealthy(): void {
    if (this.fatal) throw new StorageError('Corrupt', { detail: this.fatal.message });
  }
}

/**
 * One write transaction: every change gets the same main revision. Reads inside
 * it see its own earlier changes, as etcd's write transactions do.
 */
export class WriteTxn {
  private readonly store: KvStore;
  /** The revision the store was at when the transaction began. */
  readonly beginRevision: number;
  private readonly record: StoredChange[] = [];
  private readonly events: Event[] = [];
  private done = false;

  /** @internal */
  constructor(store: KvStore, beginRevision: number) {
    this.store = store;
    this.beginRevision = beginRevision;
  }

  /** The revision this transaction's changes get. */
  get revision(): number {
    return this.beginRevision + 1;
  }

  /** Whether the transaction has changed anything yet. */
  get hasChanges(): boolean {
    return this.record.length > 0;
  }

  /** Reads r as etcd's write transactions do: including this transaction's changes. */
  range(r: KeyRange, options: ReadOptions = {}): ReadResult {
    const current = this.beginRevision + (this.hasChanges ? 1 : 0);
    return this.store.rangeAt(r, this.store.resolveReadRevision(options.revision ?? 0, current), current, options);
  }

  /** The key's current value, including this transaction's changes. */
  get(key: string): KeyValue | undefined {
    const v = this.store.indexForWrite.get(key, this.revision);
    return v === undefined ? undefined : this.store.keyValueAt(key, v);
  }

  /**
   * Puts key = value with lease (0n for none). The store keeps the buffers it is
   * given (callers pass freshly decoded or built buffers and do not change them).
   */
  put(key: Buffer, value: Buffer, lease: bigint): void {
    this.assertOpen();
    const k = key.toString('latin1');
    const index = this.store.indexForWrite;
    const rev: Revision = { main: this.revision, sub: this.record.length };
    if (rev.sub === 0) this.store.beginRecord(rev.main, this.record);
    const prev = index.get(k, this.revision);
    const createRevision = prev === undefined ? rev.main : prev.createRevision.main;
    const version = prev === undefined ? 1 : prev.version + 1;
    this.record.push([key, value, createRevision, version, lease.toString()]);
    index.put(k, rev);
    this.events.push({ type: 'put', kv: { key, createRevision, modRevision: rev.main, version, value, lease } });
  }

  /**
   * Deletes every key in r; returns how many, and, when withPrevious, their
   * key-values as they were (which reads each one's stored value, so only on request).
   */
  deleteRange(r: KeyRange, withPrevious = false): { deleted: number; previous: KeyValue[] } {
    this.assertOpen();
    const index = this.store.indexForWrite;
    const live: Array<{ key: string; version: KeyVersion }> = [];
    if (isSingleKey(r)) {
      const version = index.get(r.start, this.revision);
      if (version !== undefined) live.push({ key: r.start, version });
    } else {
      index.range(r.start, r.end ?? undefined, this.revision, (k) => void live.push(k));
    }
    const previous = withPrevious ? live.map((k) => this.store.keyValueAt(k.key, k.version)) : [];
    for (const { key } of live) {
      const rev: Revision = { main: this.revision, sub: this.record.length };
      if (rev.sub === 0) this.store.beginRecord(rev.main, this.record);
      const keyBytes = Buffer.from(key, 'latin1');
      this.record.push([keyBytes, null, 0, 0, '0']);
      index.tombstone(key, rev);
      this.events.push({ type: 'delete', kv: { key: keyBytes, createRevision: 0, modRevision: rev.main, version: 0, value: Buffer.alloc(0), lease: 0n } });
    }
    return { deleted: live.length, previous };
  }

  /** Ends the transaction; if it changed anything, commits it at this.revision. */
  end(): WriteResult {
    this.assertOpen();
    this.done = true;
    if (this.record.length === 0) {
      return { revision: this.beginRevision, events: [], durable: this.store.untilDurable() };
    }
    const durable = this.store.commit(this.revision, this.record, this.events);
    return { revision: this.revision, events: this.events, durable };
  }

  private assertOpen(): void {
    if (this.done) throw new Error('mvcc: write transaction already ended');
  }
}
