import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { noteServedBy } from './served-by.js';
import { StorageError, type StorageErrorCode } from '../errors.js';
import { prefixRangeEnd } from '../mvcc/key-value.js';
import { EtcdGrpcClient, type ClientTls, type WireDuplex, type WireMessage } from './etcd-grpc-client.js';
import type { GetResult, ListOptions, ListResult, StoreClient, StoreWatch, StoreWatchEvent, StoreWatchNotice, StoredObject, WriteResult } from './store-client.js';

function toObject(kv: WireMessage): StoredObject {
  return {
    key: (kv.key as Buffer).toString(),
    value: kv.value as Buffer,
    createRevision: Number(kv.createRevision),
    modRevision: Number(kv.modRevision),
    lease: BigInt((kv.lease as string | undefined) ?? 0),
    version: Number(kv.version ?? 0),
  };
}

function revisionOf(res: WireMessage): number {
  return Number((res.header as WireMessage).revision);
}

/** gRPC failures in the store's error vocabulary. */
export function fromGrpcError(err: unknown): StorageError {
  const e = err as Partial<ServiceError>;
  const message = e.details ?? (err instanceof Error ? err.message : String(err));
  let code: StorageErrorCode = 'InvalidArgument';
  if (message.includes('required revision has been compacted')) code = 'Compacted';
  else if (message.includes('future revision')) code = 'FutureRevision';
  else if (message.includes('requested lease not found')) code = 'LeaseNotFound';
  else if (message.includes('database space exceeded')) code = 'NoSpace';
  else if (e.code === Status.UNAVAILABLE) code = 'Unavailable';
  else if (e.code === Status.DEADLINE_EXCEEDED) code = 'Timeout';
  else if (e.code === Status.PERMISSION_DENIED) code = 'PermissionDenied';
  return new StorageError(code, { detail: message });
}

/**
 * Whether an Unavailable error says the write cannot have been applied: the
 * connection was never made, or the member had no leader to propose to.
 */
export function hadNoEffect(err: unknown): boolean {
  const details = String((err as Partial<ServiceError>).details ?? '');
  return /No connection established|ECONNREFUSED|etcdserver: no leader|etcdserver: server stopped/.test(details);
}

/**
 * How long one call to one endpoint may take. A member answers within its own request
 * timeout (etcd's: 5 s plus two election timeouts), so this only ends calls that something
 * between here and the member lost, which would otherwise hold their API request for good
 * (kube-apiserver's own limit on a request is 60 s). Its expiry is a Timeout, which the
 * API server answers with 503 as it does the member's.
 */
export const DEFAULT_CALL_DEADLINE_MS = 30_000;

/**
 * The store client over gRPC, to a Kite cluster or a real etcd. Reads move on to
 * the next endpoint when one is unavailable or does not answer in time. Writes move
 * on only when the request certainly had no effect (no connection, or no leader to
 * take it); one that timed out may have been applied, so its error goes to the
 * caller. Watches share one Watch stream; if it breaks, each watch is closed with
 * Unavailable and its owner resumes from the last revision it saw.
 */
export class GrpcStoreClient implements StoreClient {
  private readonly endpoints: readonly string[];
  private readonly clients: EtcdGrpcClient[];
  private current = 0;
  private stream: WireDuplex | undefined;
  private readonly watchers = new Map<number, { created: boolean; onNotice: (n: StoreWatchNotice) => void }>();
  private nextWatchId = 1;

  /**
   * endpoints: host:port, http://host:port or https://host:port, one or more; tls is how
   * to reach https endpoints (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile);
   * deadlineMs bounds each call to one endpoint (DEFAULT_CALL_DEADLINE_MS by default).
   */
  constructor(endpoints: readonly string[], tls?: ClientTls, deadlineMs = DEFAULT_CALL_DEADLINE_MS) {
    if (endpoints.length === 0) throw new Error('GrpcStoreClient: no endpoints');
    this.endpoints = endpoints.map((e) => e.replace(/^https?:\/\//, '').replace(/\/$/, ''));
    this.clients = endpoints.map((e, i) => new EtcdGrpcClient(this.endpoints[i]!, {}, deadlineMs, e.startsWith('https://') || tls !== undefined ? (tls ?? { ca: Buffer.alloc(0) }) : undefined));
  }

  private async read<T>(fn: (c: EtcdGrpcClient) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    for (let i = 0; i < this.clients.length; i++) {
      // The endpoint this attempt uses: other calls may move `current` on while it runs.
      const at = this.current;
      try {
        const r = await fn(this.clients[at]!);
        noteServedBy(this.endpoints[at]!);
        return r;
      } catch (err) {
        lastErr = err;
        const code = (err as Partial<ServiceError>).code;
        if (code !== Status.UNAVAILABLE && code !== Status.DEADLINE_EXCEEDED) throw fromGrpcError(err);
        this.current = (this.current + 1) % this.clients.length;
      }
    }
    throw fromGrpcError(lastErr);
  }

  private async write<T>(fn: (c: EtcdGrpcClient) => Promise<T>): Promise<T> {
    // Every endpoint twice, so that a write during an election waits for the new leader.
    const attempts = 2 * this.clients.length;
    for (let i = 1; ; i++) {
      const at = this.current;
      try {
        const r = await fn(this.clients[at]!);
        noteServedBy(this.endpoints[at]!);
        return r;
      } catch (err) {
        if ((err as Partial<ServiceError>).code !== Status.UNAVAILABLE) throw fromGrpcError(err);
        this.current = (this.current + 1) % this.clients.length;
        if (i >= attempts || !hadNoEffect(err)) throw fromGrpcError(err);
        await new Promise((r) => setTimeout(r, 100 * i));
      }
    }
  }

  async get(key: string, revision = 0): Promise<GetResult> {
    const res = await this.read((c) => c.range({ key: Buffer.from(key), revision }));
    const kv = (res.kvs as WireMessage[])[0];
    return { object: kv === undefined ? undefined : toObject(kv), revision: revisionOf(res) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const p = Buffer.from(prefix);
    const start = options.after === undefined ? p : Buffer.concat([Buffer.from(options.after), Buffer.from([0])]);
    const revision = options.revision ?? 0;
    const res = await this.read((c) => c.range({ key: start, rangeEnd: prefixRangeEnd(p), limit: options.limit ?? 0, revision }));
    return { objects: (res.kvs as WireMessage[]).map(toObject), revision: revision > 0 ? revision : revisionOf(res), more: res.more === true, remaining: Number(res.count) };
  }

  async count(prefix: string): Promise<number> {
    const p = Buffer.from(prefix);
    return Number((await this.read((c) => c.range({ key: p, rangeEnd: prefixRangeEnd(p), countOnly: true }))).count);
  }

  private async conditional(key: string, expectedModRevision: number, op: WireMessage): Promise<WriteResult> {
    const k = Buffer.from(key);
    const res = await this.write((c) =>
      c.txn({
        compare: [{ result: 'EQUAL', target: 'MOD', key: k, modRevision: expectedModRevision }],
        success: [op],
        failure: [{ requestRange: { key: k } }],
      }),
    );
    const succeeded = res.succeeded === true;
    const range = succeeded ? undefined : ((res.responses as WireMessage[])[0]?.responseRange as WireMessage | undefined);
    const kv = (range?.kvs as WireMessage[] | undefined)?.[0];
    return { succeeded, revision: revisionOf(res), current: kv === undefined ? undefined : toObject(kv) };
  }

  optimisticPut(key: string, value: Buffer, expectedModRevision: number, lease = 0n): Promise<WriteResult> {
    return this.conditional(key, expectedModRevision, { requestPut: { key: Buffer.from(key), value, lease: lease.toString() } });
  }

  optimisticDelete(key: string, expectedModRevision: number): Promise<WriteResult> {
    return this.conditional(key, expectedModRevision, { requestDeleteRange: { key: Buffer.from(key) } });
  }

  watch(prefix: string, fromRevision: number, onNotice: (n: StoreWatchNotice) => void): StoreWatch {
    const id = this.nextWatchId++;
    const p = Buffer.from(prefix);
    this.watchers.set(id, { created: false, onNotice });
    this.watchStream().write({ createRequest: { key: p, rangeEnd: prefixRangeEnd(p), startRevision: fromRevision, prevKv: true, progressNotify: true, watchId: id } });
    return {
      cancel: () => {
        if (this.watchers.delete(id)) this.stream?.write({ cancelRequest: { watchId: id } });
      },
    };
  }

  requestProgress(): void {
    if (this.stream !== undefined) this.stream.write({ progressRequest: {} });
  }

  private watchStream(): WireDuplex {
    if (this.stream !== undefined) return this.stream;
    const stream = this.clients[this.current]!.watch();
    this.stream = stream;
    stream.on('data', (res: WireMessage) => this.onWatchResponse(res));
    const broken = (err: unknown): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.current = (this.current + 1) % this.clients.length;
      const message = err instanceof Error ? err.message : 'watch stream ended';
      const all = [...this.watchers.values()];
      this.watchers.clear();
      for (const w of all) w.onNotice({ kind: 'closed', code: 'Unavailable', message });
    };
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('watch stream ended by the server')));
    return stream;
  }

  private onWatchResponse(res: WireMessage): void {
    const id = Number(res.watchId);
    const revision = revisionOf(res);
    if (id === -1) {
      // A progress response not tied to one watcher (etcd 3.4): every watch of the stream.
      for (const w of this.watchers.values()) w.onNotice({ kind: 'progress', revision });
      return;
    }
    const w = this.watchers.get(id);
    if (w === undefined) return;
    if (res.canceled === true) {
      this.watchers.delete(id);
      const compactRevision = Number(res.compactRevision ?? 0);
      w.onNotice(compactRevision > 0 ? { kind: 'closed', code: 'Compacted', compactRevision, message: 'required revision has been compacted' } : { kind: 'closed', code: 'InvalidArgument', message: String(res.cancelReason ?? 'watch canceled by the server') });
      return;
    }
    if (res.created === true) {
      w.created = true;
      return;
    }
    const events = (res.events as WireMessage[] | undefined) ?? [];
    if (events.length === 0) {
      w.onNotice({ kind: 'progress', revision });
      return;
    }
    w.onNotice({
      kind: 'events',
      revision,
      events: events.map((e): StoreWatchEvent => {
        const kv = toObject(e.kv as WireMessage);
        return { type: e.type === 'DELETE' ? 'delete' : 'put', key: kv.key, object: kv, previous: e.prevKv ? toObject(e.prevKv as WireMessage) : undefined };
      }),
    });
  }

  async grantLease(ttlSeconds: number): Promise<bigint> {
    const res = await this.write((c) => c.leaseGrant({ TTL: ttlSeconds, ID: 0 }));
    return BigInt(res.ID as string);
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.write((c) => c.compact({ revision, physical: false }));
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'Compacted')) throw err;
    }
  }

  async close(): Promise<void> {
    this.stream?.cancel();
    this.stream = undefined;
    this.watchers.clear();
    for (const c of this.clients) c.close();
  }
}
