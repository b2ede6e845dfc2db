/**
 * Every active watch, for the insight page: the store watches the API server
 * holds (one per resource for the watch cache, plus any others) and the API
 * watches clients hold. Kept always (an entry per watch, a counter per event),
 * so the page shows them however long they have been open.
 */

export type WatchKind = 'store' | 'api';

export interface ActiveWatch {
  readonly id: number;
  readonly kind: WatchKind;
  /** The store prefix (store watches) or the resource path (API watches). */
  readonly target: string;
  /** The API group and resource an API watch is on ('' for store watches). */
  readonly group: string;
  readonly resource: string;
  /** The namespace an API watch is limited to ('' for all). */
  readonly namespace: string;
  /** Label and field selectors ('' when none). */
  readonly selector: string;
  /** Who holds it (an API watch's user; kite-apiserver for store watches). */
  readonly user: string;
  /** The revision (resourceVersion) it started from; 0: from now. */
  readonly startRevision: number;
  /** When it started (ms since the epoch). */
  readonly since: number;
  /** Events delivered so far. */
  delivered: number;
  /** The revision of the last event or progress notice it was given. */
  lastRevision: number;
}

/** What an active watch is, when it starts. */
export type WatchStart = Omit<ActiveWatch, 'id' | 'since' | 'delivered' | 'lastRevision'>;

export class WatcherRegistry {
  private readonly active = new Map<number, ActiveWatch>();
  private nextId = 1;
  /** The newest revision seen in any store answer or watch event. */
  private head = 0;

  /** Registers a watch; returns it, to be updated as events flow and passed to end(). */
  start(w: WatchStart): ActiveWatch {
    const watch: ActiveWatch = { ...w, id: this.nextId++, since: Date.now(), delivered: 0, lastRevision: w.startRevision > 0 ? w.startRevision - 1 : this.head };
    this.active.set(watch.id, watch);
    return watch;
  }

  /** The watch delivered events up to revision (count of them: 0 for a progress notice). */
  progressed(watch: ActiveWatch, revision: number, events: number): void {
    watch.delivered += events;
    if (revision > watch.lastRevision) watch.lastRevision = revision;
    this.sawRevision(revision);
  }

  end(watch: ActiveWatch): void {
    this.active.delete(watch.id);
  }

  /** The store answered at revision (the head moves forward only). */
  sawRevision(revision: number): void {
    if (revision > this.head) this.head = revision;
  }

  get headRevision(): number {
    return this.head;
  }

  /** The active watches, oldest first. */
  list(): ActiveWatch[] {
    return [...this.active.values()];
  }
}
