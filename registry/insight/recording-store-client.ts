/**
 * A store client that tells the insight page what the registry asks of the
 * store: every range, conditional txn, watch, lease grant and compaction, with
 * the request it was made for (request-context.ts). It decorates the registry's
 * client and changes nothing about the calls. When no page is subscribed the
 * trail records nothing and each call costs one boolean test; watches are
 * always counted (watcher-registry.ts), at one counter per event.
 */
import { isStorageError } from '../../storage/errors.js';
import { noteServedByIn, type ServedBySlot } from '../../storage/client/served-by.js';
import type { ListOptions, StoreClient, StoreWatchNotice } from '../../storage/client/store-client.js';
import type { RequestTrail } from './request-trail.js';
import type { StoreOp } from './trail-types.js';
import type { WatcherRegistry } from './watcher-registry.js';

export interface RecordingOptions {
  readonly trail: RequestTrail;
  readonly watchers: WatcherRegistry;
}

function errorCode(err: unknown): string {
  return isStorageError(err) ? err.code : err instanceof Error ? err.name : 'Error';
}

export function recordingStoreClient(inner: StoreClient, o: RecordingOptions): StoreClient {
  const { trail, watchers } = o;
  const served = (endpoint: string): { servedBy?: string } => (endpoint === '' ? {} : { servedBy: endpoint });
  /**
   * Runs call, and when recording files the op describe() makes of its outcome, with the
   * endpoint that answered this very call (a client of several endpoints notes it: served-by.ts).
   */
  const recorded = async <T>(call: () => Promise<T>, describe: (r: T | undefined, ms: number, error: string | undefined, servedBy: string) => StoreOp): Promise<T> => {
    if (!trail.isRecording) return call();
    const started = performance.now();
    const slot: ServedBySlot = { endpoint: '' };
    try {
      const r = await noteServedByIn(slot, call);
      trail.record(describe(r, performance.now() - started, undefined, slot.endpoint));
      return r;
    } catch (err) {
      trail.record(describe(undefined, performance.now() - started, errorCode(err), slot.endpoint));
      throw err;
    }
  };
  const range = (key: string, isPrefix: boolean, options: ListOptions & { isCountOnly?: boolean }, count: number, atRevision: number, ms: number, error: string | undefined, servedBy: string): StoreOp => ({
    kind: 'range',
    key,
    isPrefix,
    revision: options.revision ?? 0,
    limit: options.limit ?? 0,
    isCountOnly: options.isCountOnly === true,
    ...(options.after === undefined ? {} : { after: options.after }),
    count,
    atRevision,
    ms,
    ...served(servedBy),
    ...(error === undefined ? {} : { error }),
  });
  const txn = (key: string, expected: number, then: 'put' | 'delete', lease: bigint, valueBytes: number) =>
    (r: { succeeded: boolean; revision: number } | undefined, ms: number, error: string | undefined, servedBy: string): StoreOp => ({
      kind: 'txn',
      key,
      expectedModRevision: expected,
      then,
      lease: lease.toString(),
      valueBytes,
      isSucceeded: r?.succeeded === true,
      revision: r?.revision ?? 0,
      ms,
      ...served(servedBy),
      ...(error === undefined ? {} : { error }),
      delivered: { storeWatchers: 0, apiWatchers: 0 },
    });
  return {
    get: async (key, revision) => {
      const r = await recorded(() => inner.get(key, revision), (g, ms, e, by) => range(key, false, { revision: revision ?? 0 }, g?.object === undefined ? 0 : 1, g?.revision ?? 0, ms, e, by));
      watchers.sawRevision(r.revision);
      return r;
    },
    list: async (prefix, options = {}) => {
      const r = await recorded(() => inner.list(prefix, options), (l, ms, e, by) => range(prefix, true, options, l?.objects.length ?? 0, l?.revision ?? 0, ms, e, by));
      if ((options.revision ?? 0) === 0) watchers.sawRevision(r.revision);
      return r;
    },
    count: (prefix) => recorded(() => inner.count(prefix), (n, ms, e, by) => range(prefix, true, { isCountOnly: true }, n ?? 0, 0, ms, e, by)),
    optimisticPut: async (key, value, expected, lease) => {
      const r = await recorded(() => inner.optimisticPut(key, value, expected, lease), txn(key, expected, 'put', lease ?? 0n, value.length));
      watchers.sawRevision(r.revision);
      return r;
    },
    optimisticDelete: async (key, expected) => {
      const r = await recorded(() => inner.optimisticDelete(key, expected), txn(key, expected, 'delete', 0n, 0));
      watchers.sawRevision(r.revision);
      return r;
    },
    watch: (prefix, fromRevision, onNotice) => {
      const active = watchers.start({ kind: 'store', target: prefix, group: '', resource: '', namespace: '', selector: '', user: 'kite-apiserver', startRevision: fromRevision });
      if (trail.isRecording) trail.record({ kind: 'watch', key: prefix, startRevision: fromRevision });
      const w = inner.watch(prefix, fromRevision, (n: StoreWatchNotice) => {
        if (n.kind === 'events') {
          watchers.progressed(active, n.revision, n.events.length);
          if (trail.isRecording) for (const ev of n.events) trail.delivered(ev.object.modRevision, 'store');
        } else if (n.kind === 'progress') watchers.progressed(active, n.revision, 0);
        else watchers.end(active);
        onNotice(n);
      });
      return {
        cancel: () => {
          watchers.end(active);
          w.cancel();
        },
      };
    },
    requestProgress: () => inner.requestProgress(),
    grantLease: (ttl) => recorded(() => inner.grantLease(ttl), (id, ms) => ({ kind: 'lease', detail: `LeaseGrant TTL=${ttl}s -> ${id === undefined ? 'failed' : `ID=${id.toString(16)}`}`, ms })),
    compact: (revision) => recorded(() => inner.compact(revision), (_r, ms, e) => ({ kind: 'compact', detail: `Compact revision=${revision} physical=false${e === undefined ? '' : ` (${e})`}`, ms })),
    close: () => inner.close(),
  };
}
