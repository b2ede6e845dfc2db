import { inRange, type Event, type KeyRange, type KeyValue } from './key-value.js';
import type { KvStore } from './kv-store.js';

/** An event as a watcher receives it. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
}

/** What a watch stream is told about one of its watchers. */
export type WatchNotice =
  | { readonly kind: 'events'; readonly watchId: number; readonly revision: number; readonly events: WatchEvent[] }
  | { readonly kind: 'progress'; readonly watchId: number; readonly revision: number }
  | { readonly kind: 'compacted'; readonly watchId: number; readonly revision: number; readonly compactRevision: number };

/** Where a watcher's notices go: one watch stream. */
export interface WatchSink {
  /** Whether the stream has too much unsent already; a full sink gets nothing until it drains. */
  isFull(): boolean;
  send(notice: WatchNotice): void;
}

export interface WatchOptions {
  readonly range: KeyRange;
  /** First revision to deliver; 0 means from the next change on. */
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly progressNotify: boolean;
}

/** Most revisions one catch-up response carries (etcd's watchBatchMaxRevs). */
const CATCH_UP_MAX_REVISIONS = 1000;
/** How often watchers that fell behind are retried while their sinks are full. */
const SYNC_INTERVAL_MS = 100;
/**
 * Revisions whose events stay in memory for watchers catching up: a watcher set
 * aside for a moment reads them from here (the same event objects every other
 * watcher got, encoded once) instead of from the store.
 */
const RECENT_REVISIONS = 4096;

/** One watcher: a key range, the next revision it needs, and where to send. */
export class Watcher {
  readonly id: number;
  readonly options: WatchOptions;
  readonly sink: WatchSink;
  /** The next revision this watcher has not been sent yet. */
  nextRevision: number;
  isSynced = false;
  isCanceled = false;

  constructor(id: number, options: WatchOptions, sink: WatchSink, nextRevision: number) {
    this.id = id;
    this.options = options;
    this.sink = sink;
    this.nextRevision = nextRevision;
  }

  matches(e: Event): boolean {
    if (e.type === 'put' ? this.options.noPut : this.options.noDelete) return false;
    return inRange(this.options.range, e.kv.key.toString('latin1'));
  }
}

/**
 * Watch on top of the MVCC store, as etcd's watchable store: synced watchers are
 * fed inline as each revision becomes visible to reads (KvStore.onChange); a watcher
 * that starts in the past, or whose stream is full, is unsynced and caught up from the
 * store in batches, then rejoins the synced group at exactly the revision it
 * reached. Events are never held in memory for a slow watcher: the store is the buffer.
 */
export class WatchableStore {
  private readonly kv: KvStore;
  private readonly synced = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private syncScheduled = false;
  /** Events for synced watchers gathered this tick, sent together (see notify). */
  private readonly pending = new Map<Watcher, { revision: number; events: WatchEvent[] }>();
  private flushScheduled = false;
  /**
   * The events of the newest RECENT_REVISIONS revisions, in a ring: revision r's events sit
   * at slot r % RECENT_REVISIONS, if recentRevisions there says r (a revision without
   * events leaves its slot to an older one). A Map evicting its oldest key cost over 1 us
   * per revision: V8 walks the deleted entries at its front on each keys().next().
   */
  private readonly recentRevisions = new Float64Array(RECENT_REVISIONS);
  private readonly recentEvents = new Array<readonly Event[] | undefined>(RECENT_REVISIONS);
  /** Every revision above this one is in the ring (if it had events). */
  private recentFrom: number;
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;

  constructor(kv: KvStore) {
    this.kv = kv;
    this.recentFrom = kv.revision;
    const stopChanges = kv.onChange((revision, events) => this.notify(revision, events));
    const stopRestores = kv.onRestore(() => this.restored());
    this.stopListening = () => {
      stopChanges();
      stopRestores();
    };
    this.timer = setInterval(() => this.syncWatchers(), SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /** Number of watchers, synced and catching up. */
  get watcherCount(): number {
    return this.synced.size + this.unsynced.size;
  }

  /** Number of watchers catching up from the store (behind, or set aside as slow). */
  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  /** Starts a watcher; the caller has checked its id is free on its stream. */
  watch(id: number, options: WatchOptions, sink: WatchSink): Watcher {
    // "From now" is after what reads see; the watcher is synced if reads already see
    // everything before its start, and later revisions' events reach it as reads see them.
    const start = options.startRevision > 0 ? options.startRevision : this.kv.revision + 1;
    const w = new Watcher(id, options, sink, start);
    if (start > this.kv.revision) {
      w.isSynced = true;
      this.synced.add(w);
    } else {
      this.unsynced.add(w);
      this.scheduleSync();
    }
    return w;
  }

  cancel(w: Watcher): void {
    w.isCanceled = true;
    this.pending.delete(w);
    this.synced.delete(w);
    this.unsynced.delete(w);
  }

  /** Sends a progress notice to every synced watcher that asked for them, after what was pending for it. */
  notifyProgress(): void {
    this.flushPending();
    const revision = this.kv.revision;
    for (const w of this.synced) {
      if (w.options.progressNotify && !w.sink.isFull()) w.sink.send({ kind: 'progress', watchId: w.id, revision });
    }
  }

  /** Whether every watcher of sink is synced (its progress can be reported exactly). */
  isSinkSynced(sink: WatchSink): boolean {
    for (const w of this.unsynced) if (w.sink === sink) return false;
    return true;
  }

  /**
   * The store was replaced by a newer one (a snapshot from the leader): every watcher
   * catches up from the new store, from the revision it had reached.
   */
  private restored(): void {
    this.flushPending();
    this.clearRecent();
    this.recentFrom = this.kv.revision;
    for (const w of this.synced) {
      w.isSynced = false;
      this.unsynced.add(w);
    }
    this.synced.clear();
    this.scheduleSync();
  }

  close(): void {
    clearInterval(this.timer);
    this.stopListening();
    this.pending.clear();
    this.clearRecent();
    this.synced.clear();
    this.unsynced.clear();
  }

  /**
   * Called once per revision as reads come to see it, in order. One commit often makes
   * many revisions visible in the same tick; a synced watcher's events of that tick go
   * out in one response (each revision's events whole, in order), which saves a
   * message per revision per watcher under load.
   */
  private notify(revision: number, events: readonly Event[]): void {
    const slot = revision % RECENT_REVISIONS;
    this.recentRevisions[slot] = revision;
    this.recentEvents[slot] = events;
    // Revisions arrive in increasing order, so the ring now holds every one above this.
    if (revision - RECENT_REVISIONS > this.recentFrom) this.recentFrom = revision - RECENT_REVISIONS;
    for (const w of this.synced) {
      if (w.nextRevision > revision) continue; // started at a future revision
      if (w.sink.isFull()) {
        // Set it aside: it will be caught up from the store when its stream drains.
        this.synced.delete(w);
        w.isSynced = false;
        this.unsynced.add(w);
        continue;
      }
      const matching = events.filter((e) => w.matches(e));
      w.nextRevision = revision + 1;
      if (matching.length === 0) continue;
      const batch = this.pending.get(w);
      if (batch === undefined) this.pending.set(w, { revision, events: this.withPrev(w, matching) });
      else {
        batch.revision = revision;
        batch.events.push(...this.withPrev(w, matching));
      }
    }
    if (this.pending.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
    if (this.unsynced.size > 0) this.scheduleSync();
  }

  /**
   * Sends what notify gathered; always before any catch-up response or progress
   * notice, so order holds: a progress notice at revision R follows every event
   * up to R of a synced watcher.
   */
  flushPending(): void {
    this.flushScheduled = false;
    for (const [w, batch] of this.pending) {
      if (!w.isCanceled) w.sink.send({ kind: 'events', watchId: w.id, revision: batch.revision, events: batch.events });
    }
    this.pending.clear();
  }

  /** Asks for a catch-up pass soon (a stream that was full has drained). */
  scheduleSync(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.syncWatchers();
    });
  }

  /** Catches unsynced watchers up from the store, one batch each per pass. */
  private syncWatchers(): void {
    this.flushPending();
    const current = this.kv.revision;
    const compacted = this.kv.compactRevision;
    let again = false;
    for (const w of this.unsynced) {
      if (w.sink.isFull()) continue;
      if (w.nextRevision < compacted) {
        this.unsynced.delete(w);
        w.isCanceled = true;
        w.sink.send({ kind: 'compacted', watchId: w.id, revision: current, compactRevision: compacted });
        continue;
      }
      const upTo = Math.min(current, w.nextRevision - 1 + CATCH_UP_MAX_REVISIONS);
      const events: WatchEvent[] = [];
      for (const revEvents of this.eventsBetween(w.nextRevision - 1, upTo)) {
        const matching = revEvents.filter((e) => w.matches(e));
        if (matching.length > 0) events.push(...this.withPrev(w, matching));
      }
      w.nextRevision = upTo + 1;
      if (events.length > 0) w.sink.send({ kind: 'events', watchId: w.id, revision: current, events });
      if (w.nextRevision > current) {
        this.unsynced.delete(w);
        w.isSynced = true;
        this.synced.add(w);
      } else {
        again = true;
      }
    }
    if (again) this.scheduleSync();
  }

  /** The events of revisions in (after, upTo], in order: from memory when recent, else from the store. */
  private *eventsBetween(after: number, upTo: number): Generator<readonly Event[]> {
    if (after >= this.recentFrom) {
      for (let rev = after + 1; rev <= upTo; rev++) {
        const slot = rev % RECENT_REVISIONS;
        const events = this.recentEvents[slot];
        if (events !== undefined && this.recentRevisions[slot] === rev) yield events;
      }
      return;
    }
    for (const { events } of this.kv.changesSince(after, upTo)) yield events;
  }

  private clearRecent(): void {
    this.recentRevisions.fill(0);
    this.recentEvents.fill(undefined);
  }

  private withPrev(w: Watcher, events: readonly Event[]): WatchEvent[] {
    if (!w.options.prevKv) return events as WatchEvent[];
    return events.map((e) => {
      const prevKv = this.kv.prevKeyValue(e.kv.key, e.kv.modRevision);
      return prevKv === undefined ? e : { ...e, prevKv };
    });
  }
}
