import { INTERNAL, type Caller } from '../auth/auth-info.js';
import { isStorageError, StorageError } from '../errors.js';
import { prefixRangeEnd, type KeyValue } from '../mvcc/key-value.js';
import type { WatchableStore, WatchEvent, WatchNotice, Watcher } from '../mvcc/watchable-store.js';
import type { RangeResponse, ResponseOp } from '../server/kv-requests.js';
import type { StoreServer } from '../server/store-server.js';
import type { GetResult, ListOptions, ListResult, StoreClient, StoreWatch, StoreWatchEvent, StoreWatchNotice, StoredObject, WriteResult } from './store-client.js';
import { toKeyRange } from '../mvcc/key-value.js';

function toObject(kv: KeyValue): StoredObject {
  return { key: kv.key.toString(), value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision, lease: kv.lease, version: kv.version };
}

function currentOf(responses: readonly ResponseOp[]): StoredObject | undefined {
  const r = responses[0];
  return r?.kind === 'range' && r.range.kvs[0] !== undefined ? toObject(r.range.kvs[0]) : undefined;
}

function toEvent(e: WatchEvent): StoreWatchEvent {
  return { type: e.type, key: e.kv.key.toString(), object: toObject(e.kv), previous: e.prevKv === undefined ? undefined : toObject(e.prevKv) };
}

/** Who an embedded client's requests run as. */
export interface EmbeddedClientOptions {
  /**
   * The caller of each request, asked afresh every time: an etcd user whose permissions
   * the store checks, as it checks a remote client's. Absent: the member's own internal
   * caller, to which no permission applies (tests, tools on a store without auth).
   */
  readonly caller?: () => Caller;
}

/**
 * The store client of an embedded member: calls go straight to the StoreServer
 * and the watchable store in this process, with no gRPC hop.
 */
export class EmbeddedStoreClient implements StoreClient {
  private readonly server: StoreServer;
  private readonly watchable: WatchableStore;
  private readonly caller: () => Caller;
  private readonly watches = new Map<Watcher, (n: StoreWatchNotice) => void>();
  private nextId = 1;

  constructor(server: StoreServer, watchable: WatchableStore, options: EmbeddedClientOptions = {}) {
    this.server = server;
    this.watchable = watchable;
    this.caller = options.caller ?? (() => INTERNAL);
  }

  async get(key: string, revision = 0): Promise<GetResult> {
    const r = this.server.range({ key: Buffer.from(key), revision }, this.caller());
    return { object: r.kvs[0] === undefined ? undefined : toObject(r.kvs[0]), revision: r.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const p = Buffer.from(prefix);
    const start = options.after === undefined ? p : Buffer.concat([Buffer.from(options.after), Buffer.from([0])]);
    const revision = options.revision ?? 0;
    const r: RangeResponse = this.server.range({ key: start, rangeEnd: prefixRangeEnd(p), limit: options.limit ?? 0, revision }, this.caller());
    return { objects: r.kvs.map(toObject), revision: revision > 0 ? revision : r.revision, more: r.more, remaining: r.count };
  }

  async count(prefix: string): Promise<number> {
    const p = Buffer.from(prefix);
    return this.server.range({ key: p, rangeEnd: prefixRangeEnd(p), countOnly: true }, this.caller()).count;
  }

  async optimisticPut(key: string, value: Buffer, expectedModRevision: number, lease = 0n): Promise<WriteResult> {
    const k = Buffer.from(key);
    const r = await this.server.txn({
      compare: [{ result: 'EQUAL', target: 'MOD', key: k, modRevision: expectedModRevision }],
      success: [{ kind: 'put', put: { key: k, value, lease } }],
      failure: [{ kind: 'range', range: { key: k } }],
    }, this.caller());
    return { succeeded: r.succeeded, revision: r.revision, current: r.succeeded ? undefined : currentOf(r.responses) };
  }

  async optimisticDelete(key: string, expectedModRevision: number): Promise<WriteResult> {
    const k = Buffer.from(key);
    const r = await this.server.txn({
      compare: [{ result: 'EQUAL', target: 'MOD', key: k, modRevision: expectedModRevision }],
      success: [{ kind: 'deleteRange', deleteRange: { key: k } }],
      failure: [{ kind: 'range', range: { key: k } }],
    }, this.caller());
    return { succeeded: r.succeeded, revision: r.revision, current: r.succeeded ? undefined : currentOf(r.responses) };
  }

  watch(prefix: string, fromRevision: number, onNotice: (n: StoreWatchNotice) => void): StoreWatch {
    const p = Buffer.from(prefix);
    try {
      // As etcd does, a watch's read permission is checked once, when it is created.
      this.server.auth.store.checkKeys(this.caller(), 'read', p, prefixRangeEnd(p));
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      queueMicrotask(() => onNotice({ kind: 'closed', code: err.code, message: err.message }));
      return { cancel: () => undefined };
    }
    // Filled in once the watchable store has created the watcher.
    const ref: { watcher?: Watcher } = {};
    let done = false;
    const sink = {
      isFull: () => false,
      send: (n: WatchNotice) => {
        if (done) return;
        if (n.kind === 'events') onNotice({ kind: 'events', revision: n.revision, events: n.events.map(toEvent) });
        else if (n.kind === 'progress') onNotice({ kind: 'progress', revision: n.revision });
        else {
          done = true;
          if (ref.watcher) this.watches.delete(ref.watcher);
          onNotice({ kind: 'closed', code: 'Compacted', compactRevision: n.compactRevision, message: 'required revision has been compacted' });
        }
      },
    };
    const watcher = this.watchable.watch(this.nextId++, { range: toKeyRange(p, prefixRangeEnd(p)), startRevision: fromRevision, prevKv: true, noPut: false, noDelete: false, progressNotify: true }, sink);
    ref.watcher = watcher;
    this.watches.set(watcher, onNotice);
    return {
      cancel: () => {
        done = true;
        this.watchable.cancel(watcher);
        this.watches.delete(watcher);
      },
    };
  }

  requestProgress(): void {
    // Pending events go first, so a notice at revision R follows every event up to R.
    this.watchable.flushPending();
    const revision = this.server.kv.revision;
    for (const [w, onNotice] of this.watches) if (w.isSynced && !w.isCanceled) onNotice({ kind: 'progress', revision });
  }

  async grantLease(ttlSeconds: number): Promise<bigint> {
    return (await this.server.leaseGrant(ttlSeconds, 0n)).id;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.server.compact({ revision });
    } catch (err) {
      if (!isStorageError(err, 'Compacted')) throw err;
    }
  }

  async close(): Promise<void> {
    for (const w of this.watches.keys()) this.watchable.cancel(w);
    this.watches.clear();
  }
}
