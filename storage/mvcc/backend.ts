import { open, type Database, type RootDatabase } from 'lmdb';
import { mkdirSync, statSync } from 'node:fs';
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
  private readonly env: RootDatabase;
  private readonly revs: Database<RevisionRecord, number>;
  private readonly meta: Database<unknown, string>;
  private readonly leases: Database<number, string>;

  private constructor(path: string, env: RootDatabase) {
    this.path = path;
    this.env = env;
    this.revs = env.openDB<RevisionRecord, number>({ name: 'revisions' });
    this.meta = env.openDB<unknown, string>({ name: 'meta' });
    this.leases = env.openDB<number, string>({ name: 'leases' });
  }

  /** Opens (creating if needed) the environment in dir. */
  static open(dir: string, options: BackendOptions = {}): Backend {
    mkdirSync(dir, { recursive: true });
    const env = open({
      path: join(dir, 'kite.mdb'),
      maxDbs: 8,
      // Commits are synced before their promises resolve; overlapping sync would
      // resolve at commit time, before the data is durable.
      overlappingSync: false,
      noSync: options.unsafeNoSync === true,
      compression: false,
    });
    return new Backend(dir, env);
  }

  /** The record of main revision rev, if stored. */
  getRecord(rev: number): RevisionRecord | undefined {
    return this.revs.get(rev);
  }

  /** Durably stores the record of main revision rev. */
  async putRecord(rev: number, record: RevisionRecord): Promise<void> {
    await this.revs.put(rev, record);
  }

  /** Durably removes the record of main revision rev. */
  async removeRecord(rev: number): Promise<void> {
    await this.revs.remove(rev);
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
    await this.meta.put(key, value);
  }

  /** Durably records lease id (decimal) with its granted TTL in seconds. */
  async putLease(id: bigint, ttl: number): Promise<void> {
    await this.leases.put(id.toString(), ttl);
  }

  /** Durably forgets lease id. */
  async removeLease(id: bigint): Promise<void> {
    await this.leases.remove(id.toString());
  }

  /** Every stored lease with its granted TTL. */
  *storedLeases(): Generator<{ id: bigint; ttl: number }> {
    for (const { key, value } of this.leases.getRange({})) yield { id: BigInt(key), ttl: value };
  }

  /** Resolves once every write issued so far is committed and synced. */
  async flushed(): Promise<void> {
    await this.env.flushed;
  }

  /** Bytes the database file occupies on disk. */
  sizeOnDisk(): number {
    try {
      return statSync(join(this.path, 'kite.mdb')).size;
    } catch {
      return 0;
    }
  }

  /** Bytes of pages lmdb has in use (the rest of the file is free pages). */
  sizeInUse(): number {
    const stat = this.env.getStats() as { pageSize?: number; treeBranchPageCount?: number; treeLeafPageCount?: number; overflowPages?: number; lastPageNumber?: number; freelistEntries?: number };
    const pageSize = stat.pageSize ?? 4096;
    const last = stat.lastPageNumber ?? 0;
    return (last + 1) * pageSize;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
