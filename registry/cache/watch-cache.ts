/**
 * The in-memory state of one resource, as kube-apiserver's watchCache keeps
 * it: every object under the resource's prefix at the cache's revision,
 * ordered by key, and a window of the recent changes, so a watch can start at
 * any revision the window still covers. Objects are frozen when they enter:
 * the cache, its events and every response share one copy of each.
 */
import type { KubeObject } from '../generic/types.js';

/** One change of the resource, as the cache saw it. */
export interface CachedEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  /** The revision of the change (the object's resourceVersion; a deletion's own revision). */
  readonly revision: number;
  /** The object after the change; for DELETED, the object as it was, at the deletion's revision. */
  readonly object: KubeObject;
  /** The object before the change; undefined for ADDED. */
  readonly previous: KubeObject | undefined;
}

/** How long the window keeps changes, and how many at least and at most. */
export interface WindowLimits {
  /** Changes younger than this stay in the window (kube-apiserver: 75 s). */
  readonly freshMs: number;
  /** The window keeps at least this many changes whatever their age. */
  readonly minEvents: number;
  /** And never more than this many. */
  readonly maxEvents: number;
}

export const defaultWindowLimits: WindowLimits = { freshMs: 75_000, minEvents: 100, maxEvents: 102_400 };

/** The one empty object every cached object's empty objects become (fieldsV1's leaves are all `{}`). */
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** Fields whose values are timestamps: objects written in the same second share one string. */
const TIMESTAMP_FIELDS: ReadonlySet<string> = new Set(['creationTimestamp', 'time', 'deletionTimestamp', 'lastTransitionTime', 'lastUpdateTime', 'lastHeartbeatTime', 'lastProbeTime', 'startTime']);

/** Recent timestamps, for sharing; cleared when it gets this big. */
const timestamps = new Map<string, string>();
const TIMESTAMPS_KEPT = 1024;

function sharedTimestamp(t: string): string {
  const seen = timestamps.get(t);
  if (seen !== undefined) return seen;
  if (timestamps.size >= TIMESTAMPS_KEPT) timestamps.clear();
  timestamps.set(t, t);
  return t;
}

/**
 * Freezes an object and everything in it, so a shared copy cannot be changed by anyone
 * holding it. On the way, parts that are equal in every object are made one: each empty
 * object becomes EMPTY (a ConfigMap's managedFields hold three) and a timestamp seen
 * recently becomes the string already held. With 40,000 ConfigMaps in the cache that is
 * about 230 bytes an object of the 1.75 KiB the API server holds for each.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === 'string') {
      if (TIMESTAMP_FIELDS.has(k)) o[k] = sharedTimestamp(v);
    } else if (v !== null && typeof v === 'object') {
      if (!Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && isEmpty(v)) o[k] = EMPTY;
      else deepFreeze(v);
    }
  }
  return Object.freeze(value);
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** The first index in sorted keys whose key is >= key. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The window cannot serve a watch from this revision: changes after it were dropped. */
export class WindowExpired {
  /** The oldest revision a watch can still start from. */
  readonly oldest: number;
  constructor(oldest: number) {
    this.oldest = oldest;
  }
}

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  /** The keys of objects, sorted (a list walks them in order; a prefix is a contiguous run). */
  private readonly keys: string[] = [];
  /** The window: changes in revision order, with when each arrived. */
  private events: { readonly event: CachedEvent; readonly at: number }[] = [];
  private head = 0;
  /** Every change after this revision is in the window. */
  private windowStart = 0;
  private dropped = false;
  private rev = 0;
  /** The revision of the newest change applied (rev can be newer, by a progress notification). */
  private lastChange = 0;
  private readonly limits: WindowLimits;
  private readonly now: () => number;

  constructor(limits: WindowLimits = defaultWindowLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /** The revision the cache reflects: every change up to it has been applied. */
  get revision(): number {
    return this.rev;
  }

  /** How many objects the cache holds. */
  get size(): number {
    return this.objects.size;
  }

  /** How many changes the window holds. */
  get windowSize(): number {
    return this.events.length - this.head;
  }

  /** The oldest revision a watch can start from (every later change is in the window). */
  get oldestWatchable(): number {
    return this.windowStart;
  }

  /**
   * Whether the window has dropped changes since the last replace: when it has not, the
   * changes before oldestWatchable are ones the cache never saw (they came before its
   * list), not ones it let go.
   */
  get hasDropped(): boolean {
    return this.dropped;
  }

  /** Replaces the whole state with a list read at revision (a reflector's list); the window starts empty there. */
  replace(items: readonly KubeObject[], revision: number, keyOf: (o: KubeObject) => string): void {
    this.objects.clear();
    for (const o of items) this.objects.set(keyOf(o), deepFreeze(o));
    this.keys.length = 0;
    this.keys.push(...[...this.objects.keys()].sort());
    this.events = [];
    this.head = 0;
    this.windowStart = revision;
    this.dropped = false;
    this.rev = revision;
    this.lastChange = revision;
  }

  /**
   * Applies one change at revision; returns the change as the cache records it
   * (with the previous object). A change at or below the previous change's
   * revision is a broken invariant of the store's watch and throws. (One at or
   * below a progress notification's revision is the store's mistake, which the
   * cacher handles: see Cacher.)
   */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', key: string, object: KubeObject, revision: number): CachedEvent {
    if (revision <= this.lastChange) throw new Error(`watch cache: a change at revision ${revision} arrived after one at revision ${this.lastChange}`);
    const previous = this.objects.get(key);
    const frozen = deepFreeze(object);
    if (type === 'DELETED') {
      if (previous !== undefined) {
        this.objects.delete(key);
        this.keys.splice(lowerBound(this.keys, key), 1);
      }
    } else {
      if (previous === undefined) this.keys.splice(lowerBound(this.keys, key), 0, key);
      this.objects.set(key, frozen);
    }
    const event: CachedEvent = { type: type === 'DELETED' ? 'DELETED' : previous === undefined ? 'ADDED' : 'MODIFIED', key, revision, object: frozen, previous };
    this.events.push({ event, at: this.now() });
    this.lastChange = revision;
    if (revision > this.rev) this.rev = revision;
    this.trim();
    return event;
  }

  /** The store has sent everything up to revision (a progress notification). */
  progress(revision: number): void {
    if (revision > this.rev) this.rev = revision;
  }

  private trim(): void {
    const { freshMs, minEvents, maxEvents } = this.limits;
    const cutoff = this.now() - freshMs;
    while (this.windowSize > maxEvents || (this.windowSize > minEvents && this.events[this.head]!.at < cutoff)) {
      this.windowStart = this.events[this.head]!.event.revision;
      this.dropped = true;
      this.head++;
    }
    // Drop the consumed front now and then rather than on every change.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** The object at key now. */
  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * A page of the objects under prefix as they were at revision, in key order,
   * after the key `after` when given: at most limit (0: all) that select
   * selects. The state at an older revision is the current one with the
   * window's later changes undone, so revision must be one the window covers
   * (WindowExpired otherwise). more says whether keys follow the page;
   * remaining counts them when asked.
   */
  page(
    prefix: string,
    revision: number,
    options: { readonly after?: string; readonly limit?: number; readonly select?: (o: KubeObject) => boolean; readonly countRemaining?: boolean },
  ): { readonly items: KubeObject[]; readonly lastKey: string | undefined; readonly more: boolean; readonly remaining: number } | WindowExpired {
    const later = this.since(revision);
    if (later instanceof WindowExpired) return later;
    // The keys changed after revision, with their state at revision (undefined: absent then).
    const undone = new Map<string, KubeObject | undefined>();
    for (const e of later) if (e.key.startsWith(prefix) && !undone.has(e.key)) undone.set(e.key, e.previous);
    const from = options.after !== undefined && options.after >= prefix ? options.after + '\0' : prefix;
    const changed = [...undone.keys()].filter((k) => k >= from).sort();
    const limit = options.limit ?? 0;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining = 0;
    let i = lowerBound(this.keys, from);
    let j = 0;
    for (;;) {
      // The next key in order, from the current keys (those not changed) or the changed ones.
      while (i < this.keys.length && undone.has(this.keys[i]!)) i++;
      const current = i < this.keys.length && this.keys[i]!.startsWith(prefix) ? this.keys[i]! : undefined;
      const old = j < changed.length ? changed[j]! : undefined;
      if (current === undefined && old === undefined) break;
      let key: string;
      let object: KubeObject | undefined;
      if (old === undefined || (current !== undefined && current < old)) {
        key = current!;
        object = this.objects.get(key);
        i++;
      } else {
        key = old;
        object = undone.get(key);
        j++;
      }
      if (object === undefined) continue;
      if (limit > 0 && items.length >= limit) {
        more = true;
        if (options.countRemaining !== true) break;
        remaining++;
        continue;
      }
      lastKey = key;
      if (options.select === undefined || options.select(object)) items.push(object);
    }
    return { items, lastKey, more, remaining };
  }

  /** The window's changes after revision, in order; WindowExpired when some were dropped already. */
  since(revision: number): readonly CachedEvent[] | WindowExpired {
    if (revision < this.windowStart) return new WindowExpired(this.windowStart);
    const out: CachedEvent[] = [];
    // Binary search for the first change after revision.
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.event.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.events.length; i++) out.push(this.events[i]!.event);
    return out;
  }
}
