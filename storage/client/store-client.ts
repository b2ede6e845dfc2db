/**
 * The narrow interface between the registry and the store, after etcd's
 * client/v3/kubernetes: reads, conditional writes on mod_revision, counts and
 * prefix watches. Two implementations: in-process over an embedded member, and
 * gRPC to a Kite cluster or a real etcd. Keys and values are bytes; keys are
 * given as strings (UTF-8), as the registry builds them.
 */
import type { StorageErrorCode } from '../errors.js';

/** A stored object as the registry sees it. */
export interface StoredObject {
  readonly key: string;
  readonly value: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  /** 0n when the key has no lease. */
  readonly lease: bigint;
  /** How many times the key was written since it was created (etcd's version); absent where a client does not know it. */
  readonly version?: number;
}

export interface GetResult {
  /** undefined when the key does not exist (at that revision). */
  readonly object: StoredObject | undefined;
  /** The store's revision when it answered. */
  readonly revision: number;
}

export interface ListOptions {
  /** Read as of this revision (a consistent page of an earlier list); 0 or absent: now. */
  readonly revision?: number;
  /** At most this many objects; 0 or absent: all. */
  readonly limit?: number;
  /** Start after this key (the last key of the previous page). */
  readonly after?: string;
}

export interface ListResult {
  readonly objects: StoredObject[];
  /** The revision the list was read at. */
  readonly revision: number;
  /** Whether objects remain after this page. */
  readonly more: boolean;
  /** Objects left from the start of this page to the end of the prefix. */
  readonly remaining: number;
}

export interface WriteResult {
  /** Whether the condition held and the write happened. */
  readonly succeeded: boolean;
  /** The store revision after the write (or at the failed compare). */
  readonly revision: number;
  /** On failure: the key's current object, if it exists. */
  readonly current: StoredObject | undefined;
}

export type WatchEventType = 'put' | 'delete';

export interface StoreWatchEvent {
  readonly type: WatchEventType;
  readonly key: string;
  /** The new object (for put) or the deleted key at the delete's revision (value empty). */
  readonly object: StoredObject;
  /** The object before this event, when the store still has it. */
  readonly previous: StoredObject | undefined;
}

/** What a watch delivers, in order. */
export type StoreWatchNotice =
  | { readonly kind: 'events'; readonly revision: number; readonly events: readonly StoreWatchEvent[] }
  | { readonly kind: 'progress'; readonly revision: number }
  /** The watch ended; it sends nothing more. code Compacted: resume from a newer revision. */
  | { readonly kind: 'closed'; readonly code: StorageErrorCode; readonly compactRevision?: number; readonly message: string };

export interface StoreWatch {
  /** Stops the watch; no notice follows. */
  cancel(): void;
}

export interface StoreClient {
  get(key: string, revision?: number): Promise<GetResult>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Objects under prefix now. */
  count(prefix: string): Promise<number>;
  /**
   * Puts value if the key's mod_revision is expectedModRevision (0: the key must
   * not exist). lease attaches the key to a lease.
   */
  optimisticPut(key: string, value: Buffer, expectedModRevision: number, lease?: bigint): Promise<WriteResult>;
  /** Deletes the key if its mod_revision is expectedModRevision. */
  optimisticDelete(key: string, expectedModRevision: number): Promise<WriteResult>;
  /**
   * Watches every key under prefix from revision fromRevision (inclusive; 0: from
   * the next change), with previous values and progress notifications.
   */
  watch(prefix: string, fromRevision: number, onNotice: (n: StoreWatchNotice) => void): StoreWatch;
  /** Asks every watch of this client to report its progress (a progress notice). */
  requestProgress(): void;
  /** Grants a lease of ttl seconds; returns its id. */
  grantLease(ttlSeconds: number): Promise<bigint>;
  /** Compacts history up to revision. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
