/**
 * An in-process informer: a watch on one resource's store that keeps a cache
 * of its objects and tells a handler about every change. It starts with the
 * current state (ADDED events, then the initial-events-end bookmark: synced),
 * and when the watch ends with an error it starts again, comparing the new
 * state with its cache so that deletions it missed are reported too.
 */
import type { ResourceStore } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import type { ControllerLog } from './work-queue.js';

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class Informer {
  readonly store: ResourceStore;
  private readonly handler: (type: InformerEvent, obj: KubeObject) => void;
  private readonly log: ControllerLog;
  private readonly retryMs: number;
  private readonly cache = new Map<string, KubeObject>();
  private watch: { stop(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private isSynced = false;
  private syncWaiters: (() => void)[] = [];

  constructor(store: ResourceStore, handler: Informer['handler'], options: { log: ControllerLog; retryMs: number }) {
    this.store = store;
    this.handler = handler;
    this.log = options.log;
    this.retryMs = options.retryMs;
  }

  start(): void {
    this.stopped = false;
    let seen: Set<string> | undefined = new Set();
    this.watch = this.store.watch(undefined, { resourceVersion: '', sendInitialEvents: true, allowWatchBookmarks: true }, (e) => {
      if (this.stopped) return;
      if (e.type === 'ERROR') {
        this.watch = undefined;
        this.log(`watch of ${this.store.info.resource} ended: ${e.object.message}; starting again`);
        this.timer = setTimeout(() => this.stopped || this.start(), this.retryMs);
        this.timer.unref();
        return;
      }
      if (e.type === 'BOOKMARK') {
        if (seen !== undefined && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true') {
          // The initial state is complete: whatever the cache holds that it did not mention is gone.
          for (const [key, obj] of [...this.cache]) {
            if (seen.has(key)) continue;
            this.cache.delete(key);
            this.handler('DELETED', obj);
          }
          seen = undefined;
          this.markSynced();
        }
        return;
      }
      const key = keyOf(e.object);
      if (e.type === 'DELETED') {
        this.cache.delete(key);
        this.handler('DELETED', e.object);
        return;
      }
      seen?.add(key);
      const existed = this.cache.has(key);
      this.cache.set(key, e.object);
      this.handler(existed ? 'MODIFIED' : 'ADDED', e.object);
    });
  }

  private markSynced(): void {
    this.isSynced = true;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once the initial state has been delivered. */
  synced(): Promise<void> {
    return this.isSynced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  /** The cached object by namespace and name. */
  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  /** Every cached object. */
  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
