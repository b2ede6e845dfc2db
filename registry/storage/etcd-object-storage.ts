/**
 * ObjectStorage over the store client (an embedded Kite member, a Kite
 * cluster or a real etcd): each object is JSON under its key, its
 * resourceVersion is the key's mod_revision (a list's is the revision it was
 * read at), and every write is a transaction conditional on mod_revision, as
 * kube-apiserver's etcd3 storage does.
 */
import { isDeepStrictEqual } from 'node:util';
import { KeyQueue } from './key-queue.js';
import type { StoreClient, StoredObject, StoreWatchEvent, StoreWatchNotice } from '../../storage/client/store-client.js';
import { isStorageError } from '../../storage/errors.js';
import { errors } from '../generic/api-error.js';
import { decodeContinue, encodeContinue, expiredContinueMessage } from '../generic/continue-token.js';
import type { KubeObject } from '../generic/types.js';
import { isRemoval, keyNotFound, ObjectStorageError, type DeleteOptions, type ListOptions, type ObjectStorage, type Preconditions, type StorageEvent, type StoredList, type StorageWatch, type TryUpdate, type WatchOptions, type WriteOptions } from './object-storage.js';
import type { SelectionPredicate } from './selection.js';

/** Options of an EtcdObjectStorage. */
export interface EtcdObjectStorageOptions {
  /** How often a watch with bookmarks asks the store for progress (ms); 60 s as kube-apiserver. */
  readonly bookmarkIntervalMs?: number;
  /** How many lost races guaranteedUpdate retries before giving up. */
  readonly maxRetries?: number;
}

/** The annotation a bookmark carries at the end of a watch's initial events. */
export const initialEventsEndAnnotation = 'k8s.io/initial-events-end';

function parseRevision(rv: string): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: resourceVersion "${rv}"`);
  return Number(rv);
}

/** Decodes a stored value; the resourceVersion is the revision given. */
export function decodeStored(value: Buffer, revision: number): KubeObject {
  const obj = JSON.parse(value.toString('utf8')) as KubeObject;
  obj.metadata.resourceVersion = String(revision);
  return obj;
}

/** Encodes an object for the store: JSON without resourceVersion (the key's revision stands for it). */
export function encodeStored(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

function checkPreconditions(key: string, obj: KubeObject, p: Preconditions | undefined): void {
  if (p?.uid !== undefined && p.uid !== obj.metadata.uid) {
    throw new ObjectStorageError('PreconditionFailed', key, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (p?.resourceVersion !== undefined && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ObjectStorageError('PreconditionFailed', key, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
  }
}

/** How long one lease serves writes of the same TTL before a new one is granted (kube-apiserver reuses leases for a minute). */
const leaseReuseSeconds = 60;

export class EtcdObjectStorage implements ObjectStorage {
  private readonly client: StoreClient;
  private readonly options: EtcdObjectStorageOptions;
  /** Updates and deletes of one key, one at a time (key-queue.ts says why). */
  private readonly updates = new KeyQueue();
  private readonly leases = new Map<number, { id: Promise<bigint>; grantedAt: number }>();

  constructor(client: StoreClient, options: EtcdObjectStorageOptions = {}) {
    this.client = client;
    this.options = options;
  }

  private decode(o: StoredObject): KubeObject {
    return decodeStored(o.value, o.modRevision);
  }

  /** A lease for writes that expire after ttl seconds, shared by the writes of a minute. */
  private async lease(ttl: number | undefined): Promise<bigint | undefined> {
    if (ttl === undefined || ttl <= 0) return undefined;
    const now = Date.now();
    const current = this.leases.get(ttl);
    if (current !== undefined && now - current.grantedAt < leaseReuseSeconds * 1000) return current.id;
    const id = this.client.grantLease(ttl + leaseReuseSeconds);
    this.leases.set(ttl, { id, grantedAt: now });
    id.catch(() => this.leases.delete(ttl));
    return id;
  }

  async create(key: string, obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const out = structuredClone(obj);
    delete out.metadata.resourceVersion;
    if (options.dryRun === true) {
      if ((await this.client.get(key)).object !== undefined) throw new ObjectStorageError('Exists', key, `key ${key} exists`);
      return out;
    }
    const r = await this.client.optimisticPut(key, encodeStored(out), 0, await this.lease(options.ttlSeconds));
    if (!r.succeeded) throw new ObjectStorageError('Exists', key, `key ${key} exists`);
    out.metadata.resourceVersion = String(r.revision);
    return out;
  }

  async get(key: string): Promise<KubeObject> {
    const r = await this.client.get(key);
    if (r.object === undefined) throw keyNotFound(key);
    return this.decode(r.object);
  }

  async count(prefix: string): Promise<number> {
    return this.client.count(prefix);
  }

  async currentResourceVersion(): Promise<string> {
    return String((await this.client.get('/registry/health')).revision);
  }

  requestWatchProgress(): void {
    this.client.requestProgress();
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options: WriteOptions = {}): Promise<KubeObject> {
    return options.dryRun === true ? this.updateNow(key, tryUpdate, options) : this.updates.run(key, () => this.updateNow(key, tryUpdate, options));
  }

  private async updateNow(key: string, tryUpdate: TryUpdate, options: WriteOptions): Promise<KubeObject> {
    let stored = (await this.client.get(key)).object;
    const max = this.options.maxRetries ?? 1000;
    for (let attempt = 0; ; attempt++) {
      if (stored === undefined) throw keyNotFound(key);
      const current = this.decode(stored);
      const result = await tryUpdate(structuredClone(current));
      if (isRemoval(result)) {
        if (options.dryRun === true) return result.object;
        const d = await this.client.optimisticDelete(key, stored.modRevision);
        if (d.succeeded) return result.object;
        stored = d.current;
      } else {
        result.metadata.resourceVersion = current.metadata.resourceVersion;
        if (isDeepStrictEqual(result, current) || options.dryRun === true) return result;
        const r = await this.client.optimisticPut(key, encodeStored(result), stored.modRevision, await this.lease(options.ttlSeconds));
        if (r.succeeded) {
          result.metadata.resourceVersion = String(r.revision);
          return result;
        }
        stored = r.current;
      }
      if (attempt >= max) throw new ObjectStorageError('Conflict', key, 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  delete(key: string, options: DeleteOptions = {}): Promise<KubeObject> {
    return options.dryRun === true ? this.deleteNow(key, options) : this.updates.run(key, () => this.deleteNow(key, options));
  }

  private async deleteNow(key: string, options: DeleteOptions): Promise<KubeObject> {
    let stored = (await this.client.get(key)).object;
    for (;;) {
      if (stored === undefined) throw keyNotFound(key);
      const current = this.decode(stored);
      checkPreconditions(key, current, options.preconditions);
      options.validate?.(current);
      if (options.dryRun === true) return current;
      const r = await this.client.optimisticDelete(key, stored.modRevision);
      if (r.succeeded) return current;
      stored = r.current;
    }
  }

  async list(prefix: string, options: ListOptions): Promise<StoredList> {
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : 0;
    const rv = options.resourceVersion ?? '';
    let revision = 0;
    let after: string | undefined;
    const hasContinue = options.continue !== undefined && options.continue !== '';
    if (hasContinue) {
      if (rv !== '' && rv !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
      const pos = decodeContinue(options.continue!);
      revision = pos.resourceVersion;
      after = prefix + pos.start;
    } else if (rv !== '' && rv !== '0') {
      const wanted = parseRevision(rv);
      if (options.resourceVersionMatch === 'Exact') revision = wanted;
      else {
        const head = (await this.client.get(prefix)).revision;
        if (head < wanted) throw new ObjectStorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${wanted}, current: ${head}`);
      }
    } else if (options.resourceVersionMatch !== undefined) {
      throw errors.badRequest(
        rv === '0' && options.resourceVersionMatch === 'Exact'
          ? 'resourceVersionMatch "Exact" is forbidden for resourceVersion "0"'
          : 'resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    }
    const predicate = options.predicate;
    const items: KubeObject[] = [];
    let more = false;
    let lastKey: string | undefined;
    let remaining = 0;
    let first = true;
    try {
      for (;;) {
        const page = await this.client.list(prefix, { revision, limit, after });
        revision = page.revision;
        if (first) remaining = page.remaining;
        first = false;
        for (const s of page.objects) {
          lastKey = s.key;
          const o = this.decode(s);
          if (predicate.matches(o)) items.push(o);
          if (limit > 0 && items.length >= limit) break;
        }
        const stoppedEarly = page.objects.length > 0 && lastKey !== page.objects[page.objects.length - 1]!.key;
        more = page.more || stoppedEarly;
        if (limit === 0 || items.length >= limit || !page.more) break;
        after = lastKey;
      }
    } catch (e) {
      if (isStorageError(e, 'Compacted')) {
        throw new ObjectStorageError('Expired', prefix, hasContinue ? expiredContinueMessage : 'The resourceVersion for the provided list is too old.');
      }
      throw e;
    }
    const list: { -readonly [K in keyof StoredList]: StoredList[K] } = { items, resourceVersion: String(revision) };
    if (more && lastKey !== undefined) {
      list.continue = encodeContinue({ resourceVersion: revision, start: lastKey.slice(prefix.length) });
      if (predicate.isEverything) list.remainingItemCount = Math.max(0, remaining - items.length);
    }
    return list;
  }

  watch(prefix: string, options: WatchOptions, onEvent: (e: StorageEvent) => void): StorageWatch {
    let stopped = false;
    let storeWatch: { cancel(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      stopped = true;
      storeWatch?.cancel();
      if (timer !== undefined) clearInterval(timer);
    };
    const emit = (e: StorageEvent): void => {
      if (stopped) return;
      onEvent(e);
      if (e.type === 'ERROR') stop();
    };
    const rv = options.resourceVersion ?? '';
    try {
      if (rv !== '' && rv !== '0') parseRevision(rv);
    } catch (e) {
      queueMicrotask(() => emit({ type: 'ERROR', error: e as Error }));
      return { stop };
    }
    const predicate = options.predicate;
    const onNotice = (n: StoreWatchNotice): void => {
      if (stopped) return;
      if (n.kind === 'events') {
        for (const e of n.events) {
          const w = this.translate(e, predicate);
          if (w !== undefined) emit(w);
        }
      } else if (n.kind === 'progress') {
        if (options.allowWatchBookmarks === true) emit({ type: 'BOOKMARK', resourceVersion: String(n.revision) });
      } else if (n.code === 'Compacted') {
        emit({ type: 'ERROR', error: new ObjectStorageError('Expired', prefix, `too old resource version: ${rv} (${n.compactRevision ?? ''})`) });
      } else {
        emit({ type: 'ERROR', error: errors.internal(n.message) });
      }
    };
    const startFrom = (fromRevision: number): void => {
      if (stopped) return;
      storeWatch = this.client.watch(prefix, fromRevision, onNotice);
      if (options.allowWatchBookmarks === true) {
        timer = setInterval(() => this.client.requestProgress(), this.options.bookmarkIntervalMs ?? 60_000);
        timer.unref();
      }
    };
    const initial = rv === '' || rv === '0' || options.sendInitialEvents === true;
    if (!initial) {
      startFrom(Number(rv) + 1);
      return { stop };
    }
    const sendInitial = async (): Promise<void> => {
      const list = await this.list(prefix, { predicate, ...(rv !== '' && rv !== '0' ? { resourceVersion: rv } : {}) });
      for (const o of list.items) emit({ type: 'ADDED', object: o });
      if (options.sendInitialEvents === true && options.allowWatchBookmarks === true) {
        emit({ type: 'BOOKMARK', resourceVersion: list.resourceVersion, annotations: { [initialEventsEndAnnotation]: 'true' } });
      }
      startFrom(Number(list.resourceVersion) + 1);
    };
    sendInitial().catch((e: unknown) => emit({ type: 'ERROR', error: e instanceof Error ? e : new Error(String(e)) }));
    return { stop };
  }

  /** A store event as the watch event a predicate sees: leaving the selection is DELETED, entering it ADDED. */
  private translate(e: StoreWatchEvent, predicate: SelectionPredicate): StorageEvent | undefined {
    // Without a selector a put is ADDED or MODIFIED by whether there was an object before: the
    // previous value need not be decoded (each watcher decodes for itself, so this halves a
    // watch fan-out's parsing).
    if (predicate.isEverything && e.type !== 'delete') return { type: e.previous === undefined ? 'ADDED' : 'MODIFIED', object: this.decode(e.object) };
    const revision = String(e.object.modRevision);
    const prev = e.previous === undefined ? undefined : this.decode(e.previous);
    const prevMatches = prev !== undefined && predicate.matches(prev);
    const asOf = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: revision } });
    if (e.type === 'delete') return prevMatches ? { type: 'DELETED', object: asOf(prev) } : undefined;
    const cur = this.decode(e.object);
    if (predicate.matches(cur)) return { type: prevMatches ? 'MODIFIED' : 'ADDED', object: cur };
    return prevMatches ? { type: 'DELETED', object: asOf(prev) } : undefined;
  }
}
