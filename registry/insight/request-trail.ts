/**
 * The request trail: a bounded ring of the latest requests and the store
 * operations each caused. It records only while someone watches it (a
 * subscriber, i.e. an open insight page); otherwise every call is one boolean
 * test. Subscribers get changed entries in batches, at most every flushMs.
 */
import { currentEntry } from './request-context.js';
import type { EtcdCallOp, RequestFacts, StoreOp, TrailEntry, TxnOp } from './trail-types.js';

/** How many store operations one entry keeps; the rest are counted in `dropped`. */
export const maxOpsPerEntry = 64;

/** Who the API server's own store calls (watch cache, controllers, bookkeeping) are filed under. */
export const serverFacts: RequestFacts = { user: 'kite-apiserver', groups: [], userAgent: '', verb: 'internal', uri: '', group: '', resource: '', subresource: '', namespace: '', name: '' };

/** How many revisions' early deliveries are kept waiting for their txn. */
const maxEarly = 256;

export type TrailListener = (changed: readonly TrailEntry[]) => void;

export interface RequestTrailOptions {
  /** The ring's size: entries kept (--insight-trail-size). */
  readonly size: number;
  /** How long changes are gathered before subscribers hear of them (ms). */
  readonly flushMs?: number;
  /** The clock (ms since the epoch). */
  readonly now?: () => number;
}

export class RequestTrail {
  private readonly ring: (TrailEntry | undefined)[];
  private next = 0;
  private nextId = 1;
  private readonly listeners = new Set<TrailListener>();
  private readonly pending = new Set<TrailEntry>();
  private timer: NodeJS.Timeout | undefined;
  /** Recent successful txns by the revision they produced, to credit watch deliveries; as bounded as the ring. */
  private readonly byRevision = new Map<number, { readonly op: TxnOp | EtcdCallOp; readonly entry: TrailEntry }>();
  /**
   * Deliveries of revisions no recorded txn has yet: a watch can get a write's event before
   * the write's caller hears it succeeded. Credited when the txn is recorded; bounded.
   */
  private readonly early = new Map<number, { storeWatchers: number; apiWatchers: number }>();
  private readonly flushMs: number;
  private readonly now: () => number;

  constructor(o: RequestTrailOptions) {
    if (!Number.isInteger(o.size) || o.size < 1) throw new RangeError(`trail size must be a positive integer, got ${o.size}`);
    this.ring = new Array<TrailEntry | undefined>(o.size);
    this.flushMs = o.flushMs ?? 50;
    this.now = o.now ?? Date.now;
  }

  /** Whether calls are being recorded (someone is subscribed). */
  get isRecording(): boolean {
    return this.listeners.size > 0;
  }

  /** The ring's capacity. */
  get size(): number {
    return this.ring.length;
  }

  /** Starts recording for listener; returns the function that stops it. */
  subscribe(listener: TrailListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.early.clear();
        clearTimeout(this.timer);
        this.timer = undefined;
        this.pending.clear();
      }
    };
  }

  /** The entries held, oldest first. */
  entries(): TrailEntry[] {
    const out: TrailEntry[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const e = this.ring[(this.next + i) % this.ring.length];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** A new entry for a request that arrived now. */
  begin(facts: RequestFacts): TrailEntry {
    const entry: TrailEntry = { ...facts, id: this.nextId++, at: this.now(), ops: [], dropped: 0 };
    const old = this.ring[this.next];
    if (old !== undefined) this.forget(old);
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
    this.changed(entry);
    return entry;
  }

  /** The request was answered with code. */
  finish(entry: TrailEntry, code: number): void {
    entry.code = code;
    entry.ms = this.now() - entry.at;
    this.changed(entry);
  }

  /** Files op under the current request's entry, or under a fresh entry of the server's own. */
  record(op: StoreOp): void {
    if (!this.isRecording) return;
    // A call made after its request was answered (work the request left running) is the server's own.
    const current = currentEntry();
    const entry = current !== undefined && current.code === undefined ? current : this.begin(serverFacts);
    this.file(entry, op);
  }

  /**
   * A request answered already, with its one store operation: a client's call of a
   * `kite store` member (code 0: served, else the gRPC status code of its error).
   */
  served(facts: RequestFacts, op: StoreOp, code: number, ms: number): void {
    if (!this.isRecording) return;
    const entry = this.begin(facts);
    entry.code = code;
    entry.ms = Math.round(ms * 10) / 10;
    this.file(entry, op);
  }

  private file(entry: TrailEntry, op: StoreOp): void {
    if (entry.ops.length < maxOpsPerEntry) entry.ops.push(op);
    else entry.dropped++;
    if ((op.kind === 'txn' && op.isSucceeded) || (op.kind === 'etcd' && op.isWrite && op.error === undefined)) {
      this.byRevision.set(op.revision, { op, entry });
      const before = this.early.get(op.revision);
      if (before !== undefined) {
        this.early.delete(op.revision);
        op.delivered.storeWatchers += before.storeWatchers;
        op.delivered.apiWatchers += before.apiWatchers;
      }
    }
    this.changed(entry);
  }

  /** A watch event of revision was delivered to one watcher (a store watch, or an API watch). */
  delivered(revision: number, to: 'store' | 'api'): void {
    if (!this.isRecording) return;
    const found = this.byRevision.get(revision);
    if (found === undefined) {
      const counts = this.early.get(revision) ?? { storeWatchers: 0, apiWatchers: 0 };
      if (to === 'store') counts.storeWatchers++;
      else counts.apiWatchers++;
      this.early.set(revision, counts);
      // Revisions never claimed (writes made before recording began, or by others) are dropped oldest first.
      if (this.early.size > maxEarly) this.early.delete(this.early.keys().next().value!);
      return;
    }
    if (to === 'store') found.op.delivered.storeWatchers++;
    else found.op.delivered.apiWatchers++;
    this.changed(found.entry);
  }

  private forget(entry: TrailEntry): void {
    for (const op of entry.ops) if ((op.kind === 'txn' || op.kind === 'etcd') && this.byRevision.get(op.revision)?.op === op) this.byRevision.delete(op.revision);
  }

  private changed(entry: TrailEntry): void {
    if (!this.isRecording) return;
    this.pending.add(entry);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const l of this.listeners) l(batch);
  }
}
