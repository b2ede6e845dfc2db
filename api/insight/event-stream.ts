/**
 * The insight page's live feed, as server-sent events: `trail` (changed rows the
 * user may see), `head` (the newest store revision), `watchers` and `cluster`
 * (every second). While a stream is open the trail records (request-trail.ts);
 * when the last one closes it stops.
 */
import type { Request, Response } from 'express';
import type { Registry } from '../../registry/generic/resource-store.js';
import type { TrailEntry } from '../../registry/insight/trail-types.js';
import type { InsightAccess } from './access.js';
import type { InsightServices } from './insight-services.js';
import { keyOwners } from './key-views.js';
import { visibleWatchers } from './watcher-views.js';
import { visibleEntry } from './trail-views.js';

const periodMs = 1000;

export function serveEvents(req: Request, res: Response, s: InsightServices, registry: Registry, access: InsightAccess): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  let isOpen = true;
  const send = (event: string, data: unknown): void => {
    if (isOpen) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Batches go out in order, each once the previous one's access checks are done.
  let queue: Promise<void> = Promise.resolve();
  const onTrail = (changed: readonly TrailEntry[]): void => {
    queue = queue.then(async () => {
      const owners = keyOwners(registry);
      const rows: TrailEntry[] = [];
      for (const e of changed) {
        const v = await visibleEntry(e, access, owners);
        if (v !== undefined) rows.push(v);
      }
      if (rows.length > 0) send('trail', rows);
      send('head', { revision: s.watchers.headRevision });
    });
    queue = queue.catch((err: unknown) => send('problem', { message: String(err) }));
  };
  const stopTrail = s.trail.subscribe(onTrail);
  const stopCluster = s.cluster.subscribe((state) => send('cluster', state));
  const tick = (): void => {
    // Idle store watches hear of no revision until a progress notice: ask for one, so their lag is current.
    s.requestProgress?.();
    queue = queue
      .then(async () => send('watchers', await visibleWatchers(s, registry, access)))
      .catch((err: unknown) => send('problem', { message: String(err) }));
    res.write(': keep-alive\n\n');
  };
  const timer = setInterval(tick, periodMs);
  send('hello', { trailSize: s.trail.size, head: s.watchers.headRevision });
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
