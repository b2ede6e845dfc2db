/**
 * A key's retained history: every revision of the key the store still has, across
 * its lives (each creation, its changes, and the delete that ended it), newest first,
 * back to where compaction cut it off. Read with one store watch on the key from the
 * oldest retained revision (compact revision + 1, learnt from the watch's Compacted
 * answer, with the key as of the compact revision read first), collected up to the
 * revision asked for, then cancelled. Paged: at most limit versions, older pages by
 * `before`; only that many are held while the watch runs.
 */
import { StorageError, isStorageError } from '../../storage/errors.js';
import type { StoreClient, StoredObject } from '../../storage/client/store-client.js';

/** The reads a history needs. */
export type KeyReader = Pick<StoreClient, 'get' | 'watch' | 'requestProgress'>;

export interface KeyVersion {
  /** The revision that wrote this version (or deleted the key). */
  readonly modRevision: number;
  /** The revision that created the key (this life of it; 0 for a delete). */
  readonly createRevision: number;
  /** etcd's version (0 for a delete, and when the client does not report it). */
  readonly version: number;
  /** The lease, as a decimal string ("0": none). */
  readonly lease: string;
  /** The stored bytes (empty for a delete). */
  readonly value: Buffer;
  /** Whether this revision deleted the key (ending a life). */
  readonly isDelete: boolean;
}

export interface KeyHistory {
  /** The key asked about. */
  readonly key: string;
  /** The store's revision when read. */
  readonly revision: number;
  /** Whether the key exists at the revision asked for. */
  readonly exists: boolean;
  /** Versions, newest first: the first page starts with the one at the revision asked for. */
  readonly versions: readonly KeyVersion[];
  /** Set when the store was compacted: revisions up to this one are gone. */
  readonly compactedAt?: number;
  /** Whether older retained versions remain (ask again with before = the last version's modRevision). */
  readonly isTruncated: boolean;
  /** How many retained versions there are at or before the revision asked for (and before `before`). */
  readonly total: number;
}

export interface KeyHistoryOptions {
  /** The revision to read the history as of (0: now). */
  readonly revision?: number;
  /** Only versions older than this revision (paging; 0: none). */
  readonly before?: number;
  /** At most this many versions (default 100). */
  readonly limit?: number;
  /** How long to wait for the watch to reach the revision (ms, default 10 s). */
  readonly timeoutMs?: number;
}

function versionOf(o: StoredObject, isDelete: boolean): KeyVersion {
  return { modRevision: o.modRevision, createRevision: isDelete ? 0 : o.createRevision, version: isDelete ? 0 : (o.version ?? 0), lease: isDelete ? '0' : o.lease.toString(), value: isDelete ? Buffer.alloc(0) : o.value, isDelete };
}

/** The newest `limit` items pushed, in order, and how many were pushed. */
class Newest<T> {
  readonly items: T[] = [];
  total = 0;
  constructor(private readonly limit: number) {}
  push(item: T): void {
    this.total++;
    this.items.push(item);
    if (this.items.length > this.limit) this.items.shift();
  }
}

/**
 * The key's events from revision `from` to upTo (those at or below `upper` kept in newest),
 * by a watch on the key; resolves with the compact revision when the store has compacted
 * past `from`, else undefined once the watch has reached upTo.
 */
function collect(reader: KeyReader, key: string, from: number, upTo: number, upper: number, newest: Newest<KeyVersion>, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    let isDone = false;
    const finish = (err: Error | undefined, compacted?: number): void => {
      if (isDone) return;
      isDone = true;
      clearInterval(asking);
      clearTimeout(timer);
      held.watch?.cancel();
      if (err !== undefined) reject(err);
      else resolve(compacted);
    };
    // The watch reaches upTo when an event or a progress notice says so: ask for progress until then.
    const asking = setInterval(() => reader.requestProgress(), 100);
    const timer = setTimeout(() => finish(new StorageError('Timeout', { key: Buffer.from(key), revision: upTo })), timeoutMs);
    // The watch's notices may come before watch() returns: finish() finds it here once it has.
    const held: { watch?: { cancel(): void } } = {};
    const watch = reader.watch(key, from, (n) => {
      if (isDone) return;
      if (n.kind === 'closed') {
        if (n.code === 'Compacted' && n.compactRevision !== undefined) finish(undefined, n.compactRevision);
        else finish(new StorageError(n.code, { key: Buffer.from(key), revision: from }));
        return;
      }
      if (n.kind === 'events') {
        for (const e of n.events) if (e.key === key && e.object.modRevision <= upper) newest.push(versionOf(e.object, e.type === 'delete'));
      }
      if (n.revision >= upTo) finish(undefined);
    });
    held.watch = watch;
    if (isDone) watch.cancel();
    else reader.requestProgress();
  });
}

/** The history of key as of options.revision (0: now). */
export async function keyHistory(reader: KeyReader, key: string, options: KeyHistoryOptions = {}): Promise<KeyHistory> {
  const limit = options.limit ?? 100;
  const now = await reader.get(key, options.revision ?? 0);
  const upTo = options.revision !== undefined && options.revision > 0 ? options.revision : now.revision;
  const upper = options.before !== undefined && options.before > 0 ? Math.min(upTo, options.before - 1) : upTo;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let newest = new Newest<KeyVersion>(limit);
  let compactedAt: number | undefined;
  let from = 1;
  // Each compaction met moves the start on; give up after a few in a row (compactions racing the read).
  for (let attempt = 0; ; attempt++) {
    const compacted = from > upTo ? undefined : await collect(reader, key, from, upTo, upper, newest, timeoutMs);
    if (compacted === undefined) break;
    if (attempt >= 3) throw new StorageError('Compacted', { key: Buffer.from(key), revision: compacted });
    compactedAt = compacted;
    newest = new Newest<KeyVersion>(limit);
    // The key as of the compact revision is still readable: its version is the oldest retained.
    let base: StoredObject | undefined;
    try {
      base = (await reader.get(key, Math.min(compacted, upTo))).object;
    } catch (err) {
      if (!isStorageError(err, 'Compacted')) throw err;
      continue;
    }
    if (base !== undefined && base.modRevision <= upper) newest.push(versionOf(base, false));
    from = compacted + 1;
  }
  const versions = [...newest.items].reverse();
  return {
    key,
    revision: now.revision,
    exists: now.object !== undefined,
    versions,
    ...(compactedAt === undefined ? {} : { compactedAt: compactedAt - 1 }),
    isTruncated: newest.total > versions.length,
    total: newest.total,
  };
}
