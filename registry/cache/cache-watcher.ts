/**
 * One client watch served from a watch cache: the changes under its prefix
 * that its selector sees, in revision order and each once, as the storage's
 * watch events. An object leaving the selection is DELETED for the watcher,
 * one entering it ADDED, as kube-apiserver's cacheWatcher reports them.
 */
import type { KubeObject } from '../generic/types.js';
import type { StorageEvent } from '../storage/object-storage.js';
import type { SelectionPredicate } from '../storage/selection.js';
import type { CachedEvent } from './watch-cache.js';

export interface CacheWatcherOptions {
  /** The prefix watched (a resource's, or one namespace's of it). */
  readonly prefix: string;
  readonly predicate: SelectionPredicate;
  /** Whether BOOKMARK events are wanted. */
  readonly allowBookmarks: boolean;
  readonly onEvent: (e: StorageEvent) => void;
  /** Told when onEvent threw: the watcher has stopped. */
  readonly onFailure?: (error: unknown) => void;
}

/** obj as of revision (a deletion, or an object leaving the selection, is reported at the change's revision). */
function asOf(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

export class CacheWatcher {
  private readonly options: CacheWatcherOptions;
  private sent: number;
  private stopped = false;

  /** A watcher that has seen everything up to revision. */
  constructor(options: CacheWatcherOptions, revision: number) {
    this.options = options;
    this.sent = revision;
  }

  /** The revision everything up to which has been sent. */
  get revision(): number {
    return this.sent;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Sends a change if it is new to this watcher, under its prefix and seen by its selector. */
  send(change: CachedEvent): void {
    if (this.stopped || change.revision <= this.sent) return;
    this.sent = change.revision;
    if (!change.key.startsWith(this.options.prefix)) return;
    const e = this.translate(change);
    if (e !== undefined) this.deliver(e);
  }

  private translate(change: CachedEvent): StorageEvent | undefined {
    const p = this.options.predicate;
    if (p.isEverything) return { type: change.type, object: change.object };
    if (change.type === 'DELETED') return p.matches(change.object) ? { type: 'DELETED', object: change.object } : undefined;
    const wasSeen = change.previous !== undefined && p.matches(change.previous);
    if (p.matches(change.object)) return { type: wasSeen ? 'MODIFIED' : 'ADDED', object: change.object };
    return wasSeen ? { type: 'DELETED', object: asOf(change.previous!, change.revision) } : undefined;
  }

  /** A bookmark at revision, when the watcher wants bookmarks and has been sent nothing newer. */
  bookmark(revision: number): void {
    if (!this.options.allowBookmarks || revision < this.sent) return;
    this.sent = revision;
    this.deliver({ type: 'BOOKMARK', resourceVersion: String(revision) });
  }

  /** Ends the watch with an error. */
  fail(error: Error): void {
    this.deliver({ type: 'ERROR', error });
    this.stopped = true;
  }

  /** Hands an event to the client; a client that throws is stopped rather than allowed to stop the others. */
  deliver(e: StorageEvent): void {
    if (this.stopped) return;
    try {
      this.options.onEvent(e);
    } catch (error) {
      this.stopped = true;
      this.options.onFailure?.(error);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}
