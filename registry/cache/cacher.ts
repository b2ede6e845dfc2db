/**
 * The watch cache of one resource, after kube-apiserver's cacher: a reflector
 * lists the resource's prefix from the storage it fronts and follows it with
 * one watch; lists, and watches of every client, are served from the cache in
 * memory. It answers the reads of the ObjectStorage interface; writes go to
 * the storage underneath (cached-storage.ts routes them).
 *
 * Which reads come from memory, and why they are correct:
 * - resourceVersion "0": any state is allowed; the cache's is served.
 * - resourceVersion N (NotOlderThan, the default): served once the cache has
 *   reached N (waiting up to freshnessTimeoutMs, then Too large resource version).
 * - resourceVersion "" (the newest state, a consistent read): the storage's
 *   current revision is read first (a linearizable read of no objects), the
 *   cache waits until it has seen that revision, asking the store for a watch
 *   progress notification when no change of this resource will bring it there;
 *   then the cache is at least as new as every write acknowledged before the
 *   request. If that takes longer than freshnessTimeoutMs the storage answers.
 * - Exact N and continue tokens at N: the cache's state with the window's changes
 *   after N undone, while the window still reaches back to N; else the storage.
 */
import { decodeContinue, encodeContinue } from '../generic/continue-token.js';
import type { KubeObject } from '../generic/types.js';
import { initialEventsEndAnnotation } from '../storage/etcd-object-storage.js';
import { isObjectStorageError, ObjectStorageError, type ListOptions, type ObjectStorage, type StorageEvent, type StoredList, type StorageWatch, type WatchOptions } from '../storage/object-storage.js';
import { everything } from '../storage/selection.js';
import { CacheWatcher, type CacheWatcherOptions } from './cache-watcher.js';
import { defaultWindowLimits, WatchCache, WindowExpired, type CachedEvent, type WindowLimits } from './watch-cache.js';

/** What a Cacher is told. */
export interface CacherOptions {
  /** The resource's key prefix (its objects are <prefix>[<namespace>/]<name>). */
  readonly prefix: string;
  /** How long the window keeps changes. */
  readonly window?: WindowLimits;
  /** How often watches that allow bookmarks get one (ms); kube-apiserver: about a minute. */
  readonly bookmarkIntervalMs?: number;
  /** How long a read waits for the cache to reach the revision it needs (ms); kube-apiserver: 3 s. */
  readonly freshnessTimeoutMs?: number;
  /** How often a waiting read asks the store for progress again (ms). */
  readonly progressRetryMs?: number;
  /**
   * Whether the store's requested progress notifications can be trusted to
   * follow every event up to their revision (true of Kite's store; etcd before
   * 3.4.31 may send one before earlier events). Without it, consistent reads and
   * reads of revisions the cache has not seen a change at go to the storage.
   */
  readonly trustProgress?: boolean;
  /** Where the reflector reports trouble. */
  readonly log?: (message: string) => void;
  /** The clock of the window (ms). */
  readonly now?: () => number;
}

/** What a cacher holds and has done, for metrics and tests. */
export interface CacherStats {
  readonly objects: number;
  readonly windowEvents: number;
  readonly revision: number;
  readonly oldestWatchable: number;
  readonly watchers: number;
  readonly listsServed: number;
  readonly eventsDispatched: number;
  readonly initializations: number;
}

interface FreshnessWaiter {
  readonly revision: number;
  readonly resolve: (reached: boolean) => void;
}

function parseRevision(rv: string): number | undefined {
  return /^\d+$/.test(rv) ? Number(rv) : undefined;
}

export class Cacher {
  readonly prefix: string;
  private readonly storage: ObjectStorage;
  private readonly options: CacherOptions;
  private readonly cache: WatchCache;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: FreshnessWaiter[] = [];
  private ready = false;
  private progressTrusted: boolean;
  private stopped = false;
  private storeWatch: StorageWatch | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters: (() => void)[] = [];
  /** Counters for metrics: lists answered from memory, events handed to client watches, (re)lists of the store. */
  private listsServed = 0;
  private eventsDispatched = 0;
  private initializations = 0;

  constructor(storage: ObjectStorage, options: CacherOptions) {
    this.storage = storage;
    this.options = options;
    this.prefix = options.prefix;
    this.cache = new WatchCache(options.window ?? defaultWindowLimits, options.now ?? Date.now);
    this.progressTrusted = options.trustProgress ?? true;
  }

  /** Starts the reflector: list, then watch from the list's revision. */
  start(): void {
    this.reflect(true);
    this.bookmarkTimer = setInterval(() => this.bookmarkTick(), this.options.bookmarkIntervalMs ?? 60_000);
    this.bookmarkTimer.unref();
  }

  /** Stops the reflector and ends every client watch. */
  stop(): void {
    this.stopped = true;
    this.storeWatch?.stop();
    for (const t of [this.bookmarkTimer, this.progressTimer, this.retryTimer]) if (t !== undefined) clearTimeout(t);
    for (const w of this.watchers) w.stop();
    this.watchers.clear();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }

  /** Whether the cache has been filled and follows the store. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the cache is ready (or after timeoutMs). */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.ready), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The object at key as the cache has it now (shared and frozen), or undefined. */
  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  /** What the cache holds, for metrics and tests. */
  stats(): CacherStats {
    return {
      objects: this.cache.size,
      windowEvents: this.cache.windowSize,
      revision: this.cache.revision,
      oldestWatchable: this.cache.oldestWatchable,
      watchers: this.watchers.size,
      listsServed: this.listsServed,
      eventsDispatched: this.eventsDispatched,
      initializations: this.initializations,
    };
  }

  private keyOf(o: KubeObject): string {
    const ns = o.metadata.namespace;
    return ns !== undefined && ns !== '' ? `${this.prefix}${ns}/${o.metadata.name ?? ''}` : `${this.prefix}${o.metadata.name ?? ''}`;
  }

  // ---- the reflector ----

  /** Lists (on the first start, or when the watch's revision was compacted) or resumes the store watch. */
  private reflect(relist: boolean): void {
    if (this.stopped) return;
    const run = async (): Promise<void> => {
      if (relist) {
        const list = await this.storage.list(this.prefix, { predicate: everything });
        if (this.stopped) return;
        const revision = Number(list.resourceVersion);
        this.initializations++;
        this.cache.replace(list.items, revision, (o) => this.keyOf(o));
        // Watchers followed a history the cache no longer has: they start again from a list.
        for (const w of this.watchers) w.fail(new ObjectStorageError('Expired', this.prefix, `too old resource version: ${w.revision} (${revision})`));
        this.watchers.clear();
      }
      this.storeWatch = this.storage.watch(this.prefix, { predicate: everything, resourceVersion: String(this.cache.revision), allowWatchBookmarks: true }, (e) => this.onStoreEvent(e));
      if (!this.ready) {
        this.ready = true;
        for (const f of this.readyWaiters.splice(0)) f();
      }
    };
    run().catch((e: unknown) => this.retry(relist, e));
  }

  private retry(relist: boolean, e: unknown): void {
    if (this.stopped) return;
    this.options.log?.(`watch cache of ${this.prefix}: ${e instanceof Error ? e.message : String(e)}; trying again`);
    this.retryTimer = setTimeout(() => this.reflect(relist), 500);
    this.retryTimer.unref();
  }

  private onStoreEvent(e: StorageEvent): void {
    if (this.stopped) return;
    if (e.type === 'ERROR') {
      this.storeWatch = undefined;
      // A compacted revision means changes were missed: list again. Anything else: resume where the cache is.
      this.retry(isObjectStorageError(e.error, 'Expired'), e.error);
      return;
    }
    if (e.type === 'BOOKMARK') {
      if (this.progressTrusted) this.cache.progress(Number(e.resourceVersion));
    } else {
      const revision = Number(e.object.metadata.resourceVersion);
      const overtaken = revision <= this.cache.revision;
      let change: CachedEvent;
      try {
        change = this.cache.apply(e.type, this.keyOf(e.object), e.object, revision);
      } catch (err) {
        // The store's watch broke its order: the cache cannot be trusted; build it again from a list.
        this.options.log?.(`watch cache of ${this.prefix}: ${err instanceof Error ? err.message : String(err)}; listing again`);
        this.storeWatch?.stop();
        this.storeWatch = undefined;
        this.retry(true, err);
        return;
      }
      if (overtaken) this.distrustProgress(revision);
      for (const w of this.watchers) w.send(change);
      this.eventsDispatched += this.watchers.size;
    }
    this.wakeWaiters();
  }

  /**
   * A change arrived at a revision a progress notification had already claimed:
   * from now on the cache goes by changes alone, and watchers told of that
   * revision (by a bookmark) start again, since they would miss the change.
   */
  private distrustProgress(revision: number): void {
    this.progressTrusted = false;
    this.options.log?.(`watch cache of ${this.prefix}: the store sent a change at revision ${revision} after a progress notification at or past it; progress notifications are no longer used`);
    for (const w of this.watchers) {
      if (w.revision < revision) continue;
      w.fail(new ObjectStorageError('Expired', this.prefix, `too old resource version: ${w.revision} (${revision})`));
      this.watchers.delete(w);
    }
  }

  // ---- freshness ----

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const rev = this.cache.revision;
    const still: FreshnessWaiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= rev) w.resolve(true);
      else still.push(w);
    }
    this.waiters = still;
    if (still.length === 0 && this.progressTimer !== undefined) {
      clearInterval(this.progressTimer);
      this.progressTimer = undefined;
    }
  }

  /** Resolves true once the cache has seen revision, false after the freshness timeout. */
  private waitFresh(revision: number): Promise<boolean> {
    if (this.cache.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, this.options.freshnessTimeoutMs ?? 3000);
      const waiter: FreshnessWaiter = {
        revision,
        resolve: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      this.waiters.push(waiter);
      this.storage.requestWatchProgress();
      if (this.progressTimer === undefined) {
        this.progressTimer = setInterval(() => this.storage.requestWatchProgress(), this.options.progressRetryMs ?? 100);
        this.progressTimer.unref();
      }
    });
  }

  /** The revision a consistent read must see: the store's current one, read linearizably. */
  private async consistentRevision(): Promise<number> {
    return Number(await this.storage.currentResourceVersion());
  }

  // ---- list ----

  /**
   * Answers a list from memory when its resourceVersion semantics allow it;
   * undefined when the storage underneath must (the cache is not ready, or the
   * list asks for a state the window no longer has, or bad parameters the
   * storage words the errors of).
   */
  async list(prefix: string, options: ListOptions): Promise<StoredList | undefined> {
    if (!this.ready) return undefined;
    const rv = options.resourceVersion ?? '';
    const match = options.resourceVersionMatch;
    const hasContinue = options.continue !== undefined && options.continue !== '';
    if (hasContinue) {
      if (rv !== '' && rv !== '0') return undefined;
      const pos = decodeContinue(options.continue!);
      return this.pageAt(prefix, pos.resourceVersion, options, prefix + pos.start);
    }
    if (rv === '') {
      if (match !== undefined || !this.progressTrusted) return undefined;
      const wanted = await this.consistentRevision();
      if (!(await this.waitFresh(wanted))) return undefined;
      return this.pageAt(prefix, this.cache.revision, options, undefined);
    }
    if (rv === '0') {
      if (match === 'Exact') return undefined;
      return this.pageAt(prefix, this.cache.revision, options, undefined);
    }
    const wanted = parseRevision(rv);
    if (wanted === undefined) return undefined;
    if (match === 'Exact') return wanted <= this.cache.revision ? this.pageAt(prefix, wanted, options, undefined) : undefined;
    if (wanted > this.cache.revision && !this.progressTrusted) return undefined;
    if (!(await this.waitFresh(wanted))) {
      throw new ObjectStorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${wanted}, current: ${this.cache.revision}`);
    }
    return this.pageAt(prefix, this.cache.revision, options, undefined);
  }

  private pageAt(prefix: string, revision: number, options: ListOptions, after: string | undefined): StoredList | undefined {
    const predicate = options.predicate;
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : 0;
    const page = this.cache.page(prefix, revision, {
      ...(after === undefined ? {} : { after }),
      limit,
      ...(predicate.isEverything ? {} : { select: (o: KubeObject) => predicate.matches(o) }),
      countRemaining: predicate.isEverything,
    });
    if (page instanceof WindowExpired) return undefined;
    this.listsServed++;
    const list: { -readonly [K in keyof StoredList]: StoredList[K] } = { items: page.items, resourceVersion: String(revision) };
    if (page.more && page.lastKey !== undefined) {
      list.continue = encodeContinue({ resourceVersion: revision, start: page.lastKey.slice(prefix.length) });
      if (predicate.isEverything) list.remainingItemCount = page.remaining;
    }
    return list;
  }

  // ---- watch ----

  /**
   * Starts a client watch served from the cache. Returns undefined when the
   * storage underneath must serve it: the cache is not ready, the resourceVersion
   * is malformed (the storage words the error), or it is older than the cache's
   * list with no change dropped since. A cache starts on its resource's first read,
   * not with the server as kube-apiserver's do, so such a revision can be one
   * kube-apiserver's window would still hold (a client that wrote, then watches from
   * its write); the store has it unless compacted (then its 410).
   */
  watch(prefix: string, options: WatchOptions, onEvent: (e: StorageEvent) => void): StorageWatch | undefined {
    if (!this.ready) return undefined;
    const rv = options.resourceVersion ?? '';
    const wanted = rv === '' || rv === '0' ? 0 : parseRevision(rv);
    if (wanted === undefined) return undefined;
    if (!this.progressTrusted && (rv === '' || wanted > this.cache.revision)) return undefined;
    if (wanted > 0 && wanted < this.cache.oldestWatchable && !this.cache.hasDropped) return undefined;
    let stopped = false;
    let watcher: CacheWatcher | undefined;
    const handle: StorageWatch = {
      stop: () => {
        stopped = true;
        if (watcher !== undefined) {
          watcher.stop();
          this.watchers.delete(watcher);
        }
      },
    };
    const watcherOptions: CacheWatcherOptions = {
      prefix,
      predicate: options.predicate,
      allowBookmarks: options.allowWatchBookmarks === true,
      onEvent,
      onFailure: (error) => {
        this.options.log?.(`watch cache of ${this.prefix}: a watcher failed and was stopped: ${error instanceof Error ? error.message : String(error)}`);
        if (watcher !== undefined) this.watchers.delete(watcher);
      },
    };
    const begin = async (): Promise<void> => {
      const initial = rv === '' || rv === '0' || options.sendInitialEvents === true;
      // The revision the watch must not start before.
      const floor = rv === '' ? await this.consistentRevision() : wanted;
      if (stopped) return;
      if (floor > this.cache.revision && !(await this.waitFresh(floor))) {
        throw new ObjectStorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${floor}, current: ${this.cache.revision}`);
      }
      if (stopped) return;
      // From here to the watcher's registration nothing awaits, so no change can fall between.
      if (initial) {
        const start = this.cache.revision;
        const page = this.cache.page(prefix, start, options.predicate.isEverything ? {} : { select: (o) => options.predicate.matches(o) });
        watcher = new CacheWatcher(watcherOptions, start);
        if (page instanceof WindowExpired) throw new Error('watch cache: the current revision is outside its own window');
        for (const o of page.items) watcher.deliver({ type: 'ADDED', object: o });
        if (options.sendInitialEvents === true && options.allowWatchBookmarks === true) {
          watcher.deliver({ type: 'BOOKMARK', resourceVersion: String(start), annotations: { [initialEventsEndAnnotation]: 'true' } });
        }
      } else {
        const later = this.cache.since(wanted);
        if (later instanceof WindowExpired) throw new ObjectStorageError('Expired', prefix, `too old resource version: ${wanted} (${later.oldest})`);
        watcher = new CacheWatcher(watcherOptions, wanted);
        for (const e of later) watcher.send(e);
      }
      if (stopped || watcher.isStopped) return;
      this.watchers.add(watcher);
    };
    begin().catch((e: unknown) => {
      if (stopped) return;
      stopped = true;
      onEvent({ type: 'ERROR', error: e instanceof Error ? e : new Error(String(e)) });
    });
    return handle;
  }

  private bookmarkTick(): void {
    if (!this.ready || this.watchers.size === 0) return;
    // Ask the store where it is, so the bookmark carries a fresh revision; send what the cache knows now.
    this.storage.requestWatchProgress();
    const revision = this.cache.revision;
    for (const w of this.watchers) w.bookmark(revision);
  }
}
