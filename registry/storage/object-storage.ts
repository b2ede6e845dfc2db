/**
 * The storage interface the registry's stores are written against, after
 * Kubernetes' storage.Interface: objects in, objects out, with
 * metadata.resourceVersion as the store's revision. One implementation keeps
 * objects as JSON in an etcd-compatible store (etcd-object-storage.ts); a
 * watch cache can implement the same interface in front of it. Failures are
 * ObjectStorageErrors, or ApiErrors for a malformed request (a bad continue
 * token); the registry store translates the former in one table.
 */
import type { KubeObject } from '../generic/types.js';
import type { SelectionPredicate } from './selection.js';

/** What list and watch are given about resourceVersion (metav1.ListOptions' semantics). */
export interface ReadOptions {
  /** "" or absent: the newest state; "0": any state (the newest here); N: see resourceVersionMatch. */
  readonly resourceVersion?: string;
  /** How resourceVersion N applies to a list: exactly N, or N or newer (the default when N is given). */
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListOptions extends ReadOptions {
  readonly predicate: SelectionPredicate;
  /** At most this many objects; 0 or absent: all. */
  readonly limit?: number;
  /** The continue token of the previous page. */
  readonly continue?: string;
}

/** The list an implementation answers with: items and the list's metadata. */
export interface StoredList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface WatchOptions extends ReadOptions {
  readonly predicate: SelectionPredicate;
  /** Send the state at the start as ADDED events first (resourceVersion "" or "0", or sendInitialEvents). */
  readonly sendInitialEvents?: boolean;
  /** Send BOOKMARK events: after the initial events (with the initial-events-end annotation) and periodically. */
  readonly allowWatchBookmarks?: boolean;
}

/** A watch event of storage: the object as stored, resourceVersion set to the event's revision. */
export type StorageEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  /** Progress: everything up to resourceVersion has been sent. annotations marks the end of the initial events. */
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string; readonly annotations?: Readonly<Record<string, string>> }
  /** The watch ended with an error; nothing follows. */
  | { readonly type: 'ERROR'; readonly error: Error };

export interface StorageWatch {
  /** Stops the watch; no event follows. */
  stop(): void;
}

/** How a write is made. */
export interface WriteOptions {
  /** Check everything, store nothing. */
  readonly dryRun?: boolean;
  /** The object expires this many seconds after the write (events), through a store lease. */
  readonly ttlSeconds?: number;
}

/** The state of the object a write is conditional on. */
export interface Preconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/**
 * Computes the new object from the current one for guaranteedUpdate. It may be
 * called again with a newer current object when a concurrent write won; it
 * throws to abort. Returning `remove` deletes the object instead (a finalized
 * deletion).
 */
export type TryUpdate = (current: KubeObject) => Promise<KubeObject | Removal>;

/** What a TryUpdate returns to delete the object instead of writing it. */
export interface Removal {
  readonly remove: true;
  readonly object: KubeObject;
}

/** Whether a TryUpdate's result is a removal (objects always have metadata; a removal never does). */
export function isRemoval(r: KubeObject | Removal): r is Removal {
  return !('metadata' in r);
}

/** What delete takes: preconditions, a check that may throw to refuse, and dryRun. */
export interface DeleteOptions {
  readonly preconditions?: Preconditions;
  readonly validate?: (current: KubeObject) => void;
  readonly dryRun?: boolean;
}

/** How fresh a get must be. */
export interface GetOptions {
  /** "0": any recent state; unset: the newest. */
  readonly resourceVersion?: '0';
}

export interface ObjectStorage {
  /** Creates the object at key; Exists if the key is taken. Returns it with its resourceVersion. */
  create(key: string, obj: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  /**
   * The object at key; NotFound when absent. With resourceVersion "0" any recent state will
   * do (kube-apiserver's GET at resourceVersion 0): a cache answers from memory, and the object
   * it gives is shared and frozen. Otherwise the newest state.
   */
  get(key: string, options?: GetOptions): Promise<KubeObject>;
  /** Objects under prefix that the predicate selects, a page at a time. */
  list(prefix: string, options: ListOptions): Promise<StoredList>;
  /** Streams changes under prefix until stop() or an ERROR event. */
  watch(prefix: string, options: WatchOptions, onEvent: (e: StorageEvent) => void): StorageWatch;
  /**
   * Reads the object, applies tryUpdate and writes the result if the object is
   * unchanged meanwhile, retrying on a lost race. Writes nothing when the result
   * equals the current object or with dryRun. Returns the object as stored.
   */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: WriteOptions): Promise<KubeObject>;
  /** Deletes the object if the preconditions hold (validate may throw to refuse); returns it as it was. */
  delete(key: string, options?: DeleteOptions): Promise<KubeObject>;
  /** How many objects are under prefix. */
  count(prefix: string): Promise<number>;
  /** The store's current revision, as a resourceVersion (a linearizable read). */
  currentResourceVersion(): Promise<string>;
  /** Asks the store to report the progress of this storage's watches: a BOOKMARK to each that allows them. */
  requestWatchProgress(): void;
}

/** The storage layer's error codes; the registry store words them for its resource. */
export type ObjectStorageErrorCode =
  /** The key does not exist. */
  | 'NotFound'
  /** create: the key exists. */
  | 'Exists'
  /** A precondition (uid, resourceVersion) failed; message says which. */
  | 'PreconditionFailed'
  /** guaranteedUpdate gave up after too many lost races. */
  | 'Conflict'
  /** The resourceVersion asked for was compacted (410 Gone). */
  | 'Expired'
  /** The resourceVersion asked for is newer than the store's (504 after waiting). */
  | 'TooLargeResourceVersion';

export class ObjectStorageError extends Error {
  readonly code: ObjectStorageErrorCode;
  readonly key: string;

  constructor(code: ObjectStorageErrorCode, key: string, message: string) {
    super(message);
    this.name = 'ObjectStorageError';
    this.code = code;
    this.key = key;
  }
}

/** The error of an absent key, worded as kube-apiserver's etcd3 storage words it. */
export function keyNotFound(key: string): ObjectStorageError {
  return new ObjectStorageError('NotFound', key, `key ${key} not found`);
}

export function isObjectStorageError(e: unknown, code?: ObjectStorageErrorCode): e is ObjectStorageError {
  return e instanceof ObjectStorageError && (code === undefined || e.code === code);
}
