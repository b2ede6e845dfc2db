/**
 * A key's retained history: every version the store still has, newest first,
 * walked back through historical reads (get at mod_revision - 1) until the
 * key's creation or the compacted revision, which cut the rest off.
 */
import { isStorageError } from '../../storage/errors.js';
import type { StoreClient, StoredObject } from '../../storage/client/store-client.js';

/** The reads a history needs. */
export type KeyReader = Pick<StoreClient, 'get'>;

export interface KeyVersion {
  /** The revision that wrote this version. */
  readonly modRevision: number;
  /** The revision that created the key (this generation of it). */
  readonly createRevision: number;
  /** etcd's version (0 when the client does not report it). */
  readonly version: number;
  /** The lease, as a decimal string ("0": none). */
  readonly lease: string;
  /** The stored bytes. */
  readonly value: Buffer;
}

export interface KeyHistory {
  /** The key asked about. */
  readonly key: string;
  /** The store's revision when read. */
  readonly revision: number;
  /** Whether the key exists at the revision asked for. */
  readonly exists: boolean;
  /** Versions, newest first (the first is the one at the revision asked for). */
  readonly versions: readonly KeyVersion[];
  /** Set when compaction removed older versions: the oldest revision the walk could not read. */
  readonly compactedAt?: number;
  /** Whether the walk stopped at the limit with more versions left. */
  readonly isTruncated: boolean;
}

function versionOf(o: StoredObject): KeyVersion {
  return { modRevision: o.modRevision, createRevision: o.createRevision, version: o.version ?? 0, lease: o.lease.toString(), value: o.value };
}

/** The history of key as of revision (0: now), at most limit versions. */
export async function keyHistory(reader: KeyReader, key: string, revision = 0, limit = 100): Promise<KeyHistory> {
  const now = await reader.get(key, revision);
  const versions: KeyVersion[] = [];
  let compactedAt: number | undefined;
  let object = now.object;
  while (object !== undefined && versions.length < limit) {
    versions.push(versionOf(object));
    if (object.modRevision <= object.createRevision) {
      object = undefined;
      break;
    }
    const before = object.modRevision - 1;
    try {
      object = (await reader.get(key, before)).object;
    } catch (err) {
      if (!isStorageError(err, 'Compacted')) throw err;
      compactedAt = before;
      object = undefined;
    }
  }
  return { key, revision: now.revision, exists: now.object !== undefined, versions, ...(compactedAt === undefined ? {} : { compactedAt }), isTruncated: object !== undefined };
}
