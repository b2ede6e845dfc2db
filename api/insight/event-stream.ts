/**
 * The insight page's live feed, as server-sent events: `trail` (changed rows the
 * user may see), `head` (the newest store revision), `watchers` and `cluster`
 * (every second). While a stream is open the trail records (request-trail.ts);
 * when the last one closes it stops.
 */
import type { Request, Response } from 'express';
import type { ClusterMonitor } from '../../registry/insight/cluster-monitor.js';
import type { RequestTrail } from '../../registry/insight/request-trail.js';
import type { TrailEntry } from '../../registry/insight/trail-types.js';

const periodMs = 1000;

/** What a stream follows: the trail, the cluster, and the store's head revision. */
export interface EventSources {
  readonly trail: RequestTrail;
  readonly cluster: ClusterMonitor;
  /** The newest store revision seen. */
  headRevision(): number;
  /** Asks every store watch for a progress notice, so idle watches show how far they are. */
  readonly requestProgress?: () => void;
}

/** What one viewer may see of them. */
export interface EventViews {
  /** The changed rows as the viewer may see them (left out: rows it may not see). */
  rows(changed: readonly TrailEntry[]): Promise<TrailEntry[]>;
  /** The watchers list as the viewer may see it. */
  watchers(): Promise<unknown>;
}

export function serveEvents(req: Request, res: Response, s: EventSources, views: EventViews): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
  // (An HTTP/2 compatibility response has no flushHeaders: its headers go with the first event.)
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  let isOpen = true;
  const send = (event: string, data: unknown): void => {
    if (isOpen) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Batches go out in order, each once the previous one's access checks are done.
  let queue: Promise<void> = Promise.resolve();
  const onTrail = (changed: readonly TrailEntry[]): void => {
    queue = queue.then(async () => {
      const rows = await views.rows(changed);
      if (rows.length > 0) send('trail', rows);
      send('head', { revision: s.headRevision() });
    });
    queue = queue.catch((err: unknown) => send('problem', { message: String(err) }));
  };
  const stopTrail = s.trail.subscribe(onTrail);
  const stopCluster = s.cluster.subscribe((state) => send('cluster', state));
  const tick = (): void => {
    // Idle store watches hear of no revision until a progress notice: ask for one, so their lag is current.
    s.requestProgress?.();
    queue = queue
      .then(async () => send('watchers', await views.watchers()))
      .catch((err: unknown) => send('problem', { message: String(err) }));
    res.write(': keep-alive\n\n');
  };
  const timer = setInterval(tick, periodMs);
  send('hello', { trailSize: s.trail.size, head: s.headRevision() });
  tick();
  const close = (): void => {
    if (!isOpen) return;
    isOpen = false;
    clearInterval(timer);
    stopTrail();
    stopCluster();
    res.end();
  };
  req.on('close', close);
  res.on('close', close);
}
