/**
 * ObjectStorage with a watch cache in front, one cache per resource: writes
 * and gets go to the storage underneath, lists and watches come from the
 * resource's cache where their resourceVersion semantics allow (cacher.ts)
 * and from the storage otherwise. A resource's cache starts with its first
 * list or watch, so resources nobody reads hold no memory.
 */
import { requestContext } from '../insight/request-context.js';
import type { KubeObject } from '../generic/types.js';
import { keyNotFound, type DeleteOptions, type GetOptions, type ListOptions, type ObjectStorage, type StorageEvent, type StoredList, type StorageWatch, type TryUpdate, type WatchOptions, type WriteOptions } from '../storage/object-storage.js';
import { Cacher, type CacherOptions, type CacherStats } from './cacher.js';

export type CachedStorageOptions = Omit<CacherOptions, 'prefix'> & {
  /** How long a resource's first read waits for its cache to fill before the storage answers it (ms). */
  readonly startTimeoutMs?: number;
};

/** The caches of every resource over one storage. */
export class CachedObjectStorage {
  private readonly storage: ObjectStorage;
  private readonly options: CachedStorageOptions;
  private readonly cachers = new Map<string, Cacher>();
  private stopped = false;

  constructor(storage: ObjectStorage, options: CachedStorageOptions = {}) {
    this.storage = storage;
    this.options = options;
  }

  /** The storage a resource's store uses: its reads under prefix come from the resource's cache. */
  forResource(prefix: string): ObjectStorage {
    return new ResourceCachedStorage(this.storage, () => this.cacher(prefix), this.options.startTimeoutMs ?? 3000);
  }

  /** The cache of the resource at prefix, started on first use. */
  private cacher(prefix: string): Cacher | undefined {
    if (this.stopped) return undefined;
    const existing = this.cachers.get(prefix);
    if (existing !== undefined) return existing;
    const c = new Cacher(this.storage, { ...this.options, prefix });
    this.cachers.set(prefix, c);
    // The reflector is the server's own work, not the request's that first needed it (the
    // insight trail files its lists and watch under kite-apiserver, for as long as it runs).
    requestContext.exit(() => c.start());
    return c;
  }

  /** Stops the cache of one resource (its resource was removed). */
  forget(prefix: string): void {
    this.cachers.get(prefix)?.stop();
    this.cachers.delete(prefix);
  }

  /** What each resource's cache holds, by prefix. */
  stats(): Record<string, CacherStats> {
    return Object.fromEntries([...this.cachers].map(([p, c]) => [p, c.stats()]));
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cachers.values()) c.stop();
    this.cachers.clear();
  }
}

/** One resource's view: the storage's writes, the cache's reads. */
class ResourceCachedStorage implements ObjectStorage {
  private readonly storage: ObjectStorage;
  private readonly cacher: () => Cacher | undefined;
  private readonly startTimeoutMs: number;

  constructor(storage: ObjectStorage, cacher: () => Cacher | undefined, startTimeoutMs: number) {
    this.storage = storage;
    this.cacher = cacher;
    this.startTimeoutMs = startTimeoutMs;
  }

  create(key: string, obj: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.storage.create(key, obj, options);
  }

  get(key: string, options?: GetOptions): Promise<KubeObject> {
    const c = this.cacher();
    if (options?.resourceVersion === '0' && c?.isReady === true) {
      const cached = c.get(key);
      return cached === undefined ? Promise.reject(keyNotFound(key)) : Promise.resolve(cached);
    }
    return this.storage.get(key);
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: WriteOptions): Promise<KubeObject> {
    return this.storage.guaranteedUpdate(key, tryUpdate, options);
  }

  delete(key: string, options?: DeleteOptions): Promise<KubeObject> {
    return this.storage.delete(key, options);
  }

  count(prefix: string): Promise<number> {
    return this.storage.count(prefix);
  }

  currentResourceVersion(): Promise<string> {
    return this.storage.currentResourceVersion();
  }

  requestWatchProgress(): void {
    this.storage.requestWatchProgress();
  }

  async list(prefix: string, options: ListOptions): Promise<StoredList> {
    const c = this.cacher();
    if (c !== undefined && (c.isReady || (await c.whenReady(this.startTimeoutMs)))) {
      const served = await c.list(prefix, options);
      if (served !== undefined) return served;
    }
    return this.storage.list(prefix, options);
  }

  watch(prefix: string, options: WatchOptions, onEvent: (e: StorageEvent) => void): StorageWatch {
    const c = this.cacher();
    if (c === undefined) return this.storage.watch(prefix, options, onEvent);
    if (c.isReady) return c.watch(prefix, options, onEvent) ?? this.storage.watch(prefix, options, onEvent);
    // The cache is filling: start the watch once it is ready (or on the storage if it does not get ready in time).
    let stopped = false;
    let inner: StorageWatch | undefined;
    void c.whenReady(this.startTimeoutMs).then((ready) => {
      if (stopped) return;
      inner = (ready ? c.watch(prefix, options, onEvent) : undefined) ?? this.storage.watch(prefix, options, onEvent);
    });
    return {
      stop: () => {
        stopped = true;
        inner?.stop();
      },
    };
  }
}
