/**
 * The objects ServiceAccount tokens name (ServiceAccounts, Pods, Secrets), read for
 * every token-authenticated request. A store read per request would double the cost of
 * a small GET, so verified lookups are cached; a watch on each resource (from the
 * current revision, so starting costs one small list each) drops an entry as soon as
 * its object is modified or deleted, so a deleted ServiceAccount or Pod is refused
 * once its DELETE has committed and the watch event arrived (milliseconds in
 * process). An entry also expires after maxAgeMs, which bounds how long a stalled
 * watch could keep a stale one; while a watch is down (it is restarted), its
 * resource is read from the store every time. kube-apiserver reads these through
 * its informer caches, which lag the store the same way.
 */
import { ApiError } from '../generic/api-error.js';
import type { ResourceStore } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import type { BoundObjectLookup, BoundObjectState } from './service-account-tokens.js';

type Resource = 'serviceaccounts' | 'pods' | 'secrets';

export interface CachedObjectLookupOptions {
  /** How long a cached entry is trusted without a watch event (default 10 s). */
  readonly maxAgeMs?: number;
  /** At most this many entries per resource; the oldest go first (default 10,000). */
  readonly maxEntries?: number;
  /** Wait before restarting a watch that ended (default 1 s). */
  readonly retryMs?: number;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
}

interface Entry {
  readonly state: BoundObjectState;
  readonly at: number;
}

/** One resource's cache and the watch that keeps it honest. */
class WatchedCache {
  readonly entries = new Map<string, Entry>();
  /** Keys read from the store right now: a watch event meanwhile makes the read stale. */
  readonly inFlight = new Map<string, Set<{ stale: boolean }>>();
  watching = false;
  private watch: { stop(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly store: ResourceStore,
    private readonly o: Required<Pick<CachedObjectLookupOptions, 'retryMs'>> & Pick<CachedObjectLookupOptions, 'log'>,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    try {
      // From the current revision: only changes matter, not the objects already there.
      const { metadata } = await this.store.list(undefined, { limit: 1 });
      if (this.stopped) return;
      this.watch = this.store.watch(undefined, { resourceVersion: metadata.resourceVersion }, (e) => {
        if (e.type === 'ERROR') {
          this.o.log?.(`watch of ${this.store.info.resource} for token checks ended: ${e.object.message}; starting again`);
          this.down();
          return;
        }
        if (e.type === 'MODIFIED' || e.type === 'DELETED') this.invalidate(keyOf(e.object));
      });
      this.watching = true;
    } catch (err) {
      this.o.log?.(`watch of ${this.store.info.resource} for token checks failed to start: ${(err as Error).message}; trying again`);
      this.down();
    }
  }

  private down(): void {
    this.watching = false;
    this.watch?.stop();
    this.watch = undefined;
    this.entries.clear();
    for (const flights of this.inFlight.values()) for (const f of flights) f.stale = true;
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.start(), this.o.retryMs);
    this.timer.unref();
  }

  invalidate(key: string): void {
    this.entries.delete(key);
    for (const f of this.inFlight.get(key) ?? []) f.stale = true;
  }

  stop(): void {
    this.stopped = true;
    this.watching = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watch?.stop();
    this.watch = undefined;
    this.entries.clear();
  }
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** A BoundObjectLookup over the registry's stores, cached as described above. */
export class CachedObjectLookup implements BoundObjectLookup {
  private readonly caches: Record<Resource, WatchedCache>;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Store reads made (cache misses), for tests and metrics. */
  reads = 0;

  constructor(stores: Record<Resource, ResourceStore>, options: CachedObjectLookupOptions = {}) {
    const o = { retryMs: options.retryMs ?? 1000, ...(options.log === undefined ? {} : { log: options.log }) };
    this.caches = { serviceaccounts: new WatchedCache(stores.serviceaccounts, o), pods: new WatchedCache(stores.pods, o), secrets: new WatchedCache(stores.secrets, o) };
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Starts the watches; until one is up, its resource is read from the store every time. */
  async start(): Promise<void> {
    await Promise.all(Object.values(this.caches).map((c) => c.start()));
  }

  stop(): void {
    for (const c of Object.values(this.caches)) c.stop();
  }

  async get(resource: Resource, namespace: string, name: string): Promise<BoundObjectState | undefined> {
    const cache = this.caches[resource];
    const key = `${namespace}/${name}`;
    const hit = cache.entries.get(key);
    if (hit !== undefined && this.now() - hit.at < this.maxAgeMs) return hit.state;
    const flight = { stale: false };
    const useCache = cache.watching;
    if (useCache) cache.inFlight.set(key, (cache.inFlight.get(key) ?? new Set()).add(flight));
    this.reads++;
    let obj: KubeObject;
    try {
      obj = await cache.store.get(namespace, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    } finally {
      const flights = cache.inFlight.get(key);
      flights?.delete(flight);
      if (flights?.size === 0) cache.inFlight.delete(key);
    }
    const state: BoundObjectState = { uid: obj.metadata.uid ?? '', ...(obj.metadata.deletionTimestamp === undefined ? {} : { deletionTimestamp: obj.metadata.deletionTimestamp }) };
    // Only found objects are cached: a missing one may be created any moment, and is cheap to refuse.
    if (useCache && cache.watching && !flight.stale) {
      cache.entries.delete(key);
      cache.entries.set(key, { state, at: this.now() });
      if (cache.entries.size > this.maxEntries) cache.entries.delete(cache.entries.keys().next().value!);
    }
    return state;
  }
}
