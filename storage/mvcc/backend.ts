import { open, type Database, type RootDatabase } from 'lmdb';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One change inside a revision record, as stored: the key, its new value (null
 * for a tombstone), the revision that created the key's current life, the key's
 * version after the change, and its lease id as a decimal string.
 */
export type StoredChange = readonly [key: Buffer, value: Buffer | null, createRevision: number, version: number, lease: string];

/**
 * The changes of one write transaction, in sub-revision order. Compaction
 * replaces changes it removes with null so that sub-revisions keep their places.
 */
export type RevisionRecord = ReadonlyArray<StoredChange | null>;

export interface BackendOptions {
  /** Skip fsync on commit. Only for benchmarks that say so; never the default. */
  readonly unsafeNoSync?: boolean;
  /**
   * Hold writes for this long and then commit them all in one explicit lmdb transaction
   * (etcd's backend batch interval). Only for a store whose writes are already durable
   * elsewhere: a member's, which applies only entries its Raft log holds. Writes keep their
   * order. Default 0: each write goes to lmdb at once.
   */
  readonly batchIntervalMs?: number;
}

/** Writes held for the next release (BackendOptions.batchIntervalMs), and their shared outcome. */
interface HeldWrites {
  readonly writes: Array<() => Promise<unknown>>;
  readonly timer: NodeJS.Timeout;
  readonly settled: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The store's lmdb environment: revision records keyed by main revision (so
 * key order is revision order), and a small meta table. Writes resolve only
 * once lmdb has committed and synced them; lmdb-js batches every write issued
 * while a commit is in flight into the next transaction, which gives one fsync
 * for many concurrent clients.
 */
export class Backend {
  readonly path: string;
  private readonly options: BackendOptions;
  private env!: RootDatabase;
  private revs!: Database<RevisionRecord, number>;
  private meta!: Database<unknown, string>;
  private leases!: Database<number, string>;
  private cachedSize = 0;
  private sizeCheckedAt = -Infinity;
  private held: HeldWrites | undefined;
  /** Told how long each lmdb commit took, in seconds (see observeCommits). */
  private commitObserver: ((seconds: number) => void) | undefined;
  /** The commit last timed: writes issued in one turn share lmdb's commit (and its promise). */
  private lastTimedCommit: Promise<unknown> | undefined;

  private constructor(path: string, options: BackendOptions) {
    this.path = path;
    this.options = options;
    this.openEnv();
  }

  /** Opens (creating if needed) the environment in dir. */
  static open(dir: string, options: BackendOptions = {}): Backend {
    mkdirSync(dir, { recursive: true });
    return new Backend(dir, options);
  }

  private get file(): string {
    return join(this.path, 'kite.mdb');
  }

  private openEnv(): void {
    this.env = open({
      path: this.file,
      maxDbs: 8,
      // Commits are synced before their promises resolve; overlapping sync would
      // resolve at commit time, before the data is durable.
      overlappingSync: false,
      noSync: this.options.unsafeNoSync === true,
      compression: false,
    });
    this.revs = this.env.openDB<RevisionRecord, number>({ name: 'revisions' });
    this.meta = this.env.openDB<unknown, string>({ name: 'meta' });
    this.leases = this.env.openDB<number, string>({ name: 'leases' });
  }

  /**
   * Rewrites the database file without its free pages, as etcd's defragment:
   * a compacting copy replaces the file. The caller must hold off writes meanwhile.
   */
  async defragment(): Promise<void> {
    await this.flushed();
    const copy = `${this.file}.defrag`;
    rmSync(copy, { force: true });
    await this.env.backup(copy, true);
    await this.env.close();
    renameSync(copy, this.file);
    rmSync(`${this.file}-lock`, { force: true });
    this.openEnv();
    this.sizeCheckedAt = -Infinity; // the file just shrank
  }

  /** Writes a compacted, consistent copy of the database to path (what a leader sends a follower). */
  async copyTo(path: string): Promise<void> {
    await this.flushed();
    rmSync(path, { force: true });
    await this.env.backup(path, true);
  }

  /** Replaces the database with the file at path (moved into place), and reopens it. */
  async replaceWith(path: string): Promise<void> {
    await this.flushed();
    await this.env.close();
    renameSync(path, this.file);
    rmSync(`${this.file}-lock`, { force: true });
    this.openEnv();
    this.sizeCheckedAt = -Infinity;
  }

  /** The record of main revision rev, if stored. */
  getRecord(rev: number): RevisionRecord | undefined {
    return this.revs.get(rev);
  }

  /** Durably stores the record of main revision rev (lmdb-js's own promise: one fewer per write). */
  putRecord(rev: number, record: RevisionRecord): Promise<unknown> {
    return this.write(() => this.revs.put(rev, record));
  }

  /** Durably removes the record of main revision rev. */
  async removeRecord(rev: number): Promise<void> {
    await this.write(() => this.revs.remove(rev));
  }

  /** Records with main revision in [from, to), ascending. */
  *records(from: number, to: number): Generator<{ rev: number; record: RevisionRecord }> {
    for (const { key, value } of this.revs.getRange({ start: from, end: to })) {
      yield { rev: key, record: value };
    }
  }

  /** The highest main revision stored, or 0 when there is none. */
  lastRevision(): number {
    for (const key of this.revs.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  getMeta<T>(key: string): T | undefined {
    return this.meta.get(key) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    await this.write(() => this.meta.put(key, value));
  }

  /** Durably records lease id (decimal) with its granted TTL in seconds. */
  async putLease(id: bigint, ttl: number): Promise<void> {
    await this.write(() => this.leases.put(id.toString(), ttl));
  }

  /** Durably forgets lease id. */
  async removeLease(id: bigint): Promise<void> {
    await this.write(() => this.leases.remove(id.toString()));
  }

  /** Every stored lease with its granted TTL. */
  *storedLeases(): Generator<{ id: bigint; ttl: number }> {
    for (const { key, value } of this.leases.getRange({})) yield { id: BigInt(key), ttl: value };
  }

  /** Resolves once every write issued so far is committed and synced (held ones go at once). */
  async flushed(): Promise<void> {
    this.releaseHeld();
    await this.env.flushed;
  }

  /**
   * Has observer told how long each commit takes, from the first write it carries being
   * issued to lmdb until it is committed (and synced, unless unsafeNoSync).
   */
  observeCommits(observer: (seconds: number) => void): void {
    this.commitObserver = observer;
  }

  /** Issues one write to lmdb, timing the commit it joins if no write before it did. */
  private issue(write: () => Promise<unknown>): Promise<unknown> {
    const committed = write();
    const observer = this.commitObserver;
    if (observer === undefined || committed === this.lastTimedCommit) return committed;
    this.lastTimedCommit = committed;
    const started = performance.now();
    committed.then(
      () => observer((performance.now() - started) / 1000),
      () => undefined, // the writer's own promise reports the failure
    );
    return committed;
  }

  /** Issues write now, or holds it for the next release when writes are batched. */
  private write(write: () => Promise<unknown>): Promise<unknown> {
    const interval = this.options.batchIntervalMs ?? 0;
    if (interval <= 0) return this.issue(write);
    if (this.held === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const settled = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.held = { writes: [], timer: setTimeout(() => this.releaseHeld(), interval), settled, resolve, reject };
    }
    this.held.writes.push(write);
    return this.held.settled;
  }

  /**
   * Commits every held write, in order, in one explicit lmdb transaction: a member's applied
   * index is always written with the changes of the entries it covers, so the two are durable
   * together or not at all (not left to lmdb-js's batching of the writes issued in one turn).
   * Inside the transaction each write is carried out at once, and one commit (one fsync)
   * settles them all.
   */
  private releaseHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    clearTimeout(held.timer);
    try {
      this.issue(() =>
        this.env.transaction(() => {
          for (const write of held.writes) void write();
        }),
      ).then(() => held.resolve(), held.reject);
    } catch (error) {
      held.reject(error);
    }
  }

  /**
   * sizeOnDisk as of at most 250 ms ago: cheap enough for the space-quota check on
   * every write (a stat per write cost 3% of a busy member's time).
   */
  recentSizeOnDisk(fresh = false): number {
    const now = performance.now();
    if (fresh || now - this.sizeCheckedAt > 250) {
      this.cachedSize = this.sizeOnDisk();
      this.sizeCheckedAt = now;
    }
    return this.cachedSize;
  }

  /** Bytes the database file occupies on disk. */
  sizeOnDisk(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /** Bytes of pages holding data (the rest of the file is free pages), as etcd's dbSizeInUse. */
  sizeInUse(): number {
    type Stats = { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const pages = (st: Stats): number => st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages;
    const root = this.env.getStats() as Stats;
    let used = 2 + pages(root); // two meta pages, then the main tree
    for (const db of [this.revs, this.meta, this.leases]) used += pages(db.getStats() as Stats);
    return used * root.pageSize;
  }

  async close(): Promise<void> {
    this.releaseHeld();
    await this.env.close();
  }
}
