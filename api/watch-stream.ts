import type { Request, Response } from 'express';
import type { ResourceStore, WatchEvent, WatchOptions } from '../registry/generic/resource-store.js';
import { includeObject } from './query.js';
import type { Wanted } from './negotiate.js';
import { userOf } from './filters/authentication.js';
import { infoOf } from './filters/request-info.js';
import { insightKey, type InsightServices } from './insight/insight-services.js';
import type { ActiveWatch } from '../registry/insight/watcher-registry.js';

/**
 * When a watch's client has stopped reading: its unsent bytes have stayed over
 * `bytes` for `graceMs` without the socket draining. Such a watch is closed (the
 * client watches again from its last resourceVersion), as kube-apiserver closes
 * unresponsive watchers, so one slow client neither holds the others up nor
 * grows the server's memory without bound.
 */
export interface SlowWatcherLimits {
  readonly graceMs: number;
  readonly bytes: number;
}

export const defaultSlowWatcherLimits: SlowWatcherLimits = { graceMs: 5_000, bytes: 1 << 20 };

/** The most characters of events a watch holds back for the end of an event-loop turn. */
const MAX_CHUNK = 64 * 1024;

/** Where the app keeps its SlowWatcherLimits (app.locals). */
export const slowWatcherLimitsKey = 'kiteSlowWatcherLimits';

/** The JSON text of objects the watch cache shares (frozen, so their text cannot go stale). */
const sharedJson = new WeakMap<object, string>();

/**
 * One event's line. An object shared by every watch of the resource is encoded once for all
 * of them, as kube-apiserver's cachingObject does; the bytes are JSON.stringify's either way.
 */
function eventLine(type: WatchEvent['type'], object: unknown): string {
  if (typeof object !== 'object' || object === null || !Object.isFrozen(object)) return `${JSON.stringify({ type, object })}\n`;
  let json = sharedJson.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    sharedJson.set(object, json);
  }
  return `{"type":${JSON.stringify(type)},"object":${json}}\n`;
}

/** Lists the watch among the insight page's active watches. */
function listWatch(insight: InsightServices, req: Request, res: Response, namespace: string | undefined, options: WatchOptions): ActiveWatch {
  const info = infoOf(res);
  return insight.watchers.start({
    kind: 'api',
    target: req.path,
    group: info?.group ?? '',
    resource: info?.resource ?? '',
    namespace: namespace ?? '',
    selector: [options.labelSelector, options.fieldSelector].filter((x) => x !== undefined && x !== '').join(' '),
    user: userOf(res)?.name ?? '',
    startRevision: Number(options.resourceVersion ?? 0) || 0,
  });
}

/**
 * A watch: newline-delimited metav1.WatchEvent JSON, flushed at the end of each event-loop
 * turn that delivered events, until the client goes away, the timeout passes (timeoutSeconds,
 * else a random 30-60 min like kube-apiserver), or the registry sends an ERROR event. With a
 * Table Accept header each event carries a one-row Table, as kubectl get -w asks; with
 * as=PartialObjectMetadata each carries the object's metadata only, as client-go's metadata
 * informers ask.
 */
export function serveWatch(req: Request, res: Response, store: ResourceStore, namespace: string | undefined, options: WatchOptions & { timeoutSeconds?: number }, want: Wanted): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  let done = false;
  // Set once the registry's watch has started (an ERROR may end it while starting).
  const active: { watch?: { stop(): void } } = {};
  const insight = req.app.locals[insightKey] as InsightServices | undefined;
  // The insight page's view of this watch: listed while it runs, with what it delivered.
  const listed = insight === undefined ? undefined : { insight, watch: listWatch(insight, req, res, namespace, options) };
  // Lines waiting for the end of this turn of the event loop (see write), and their length.
  let pending: string[] = [];
  let pendingLength = 0;
  const finish = (): void => {
    if (done) return;
    if (pending.length > 0 && res.writable) res.write(pending.join(''));
    pending = [];
    pendingLength = 0;
    done = true;
    listed?.insight.watchers.end(listed.watch);
    clearTimeout(timer);
    active.watch?.stop();
    res.end();
  };
  let tableColumnsSent = false;
  const convert = (e: WatchEvent): unknown => {
    if (e.type === 'ERROR') return e.object;
    if (e.type === 'BOOKMARK') return { ...e.object, metadata: { ...e.object.metadata, creationTimestamp: null } };
    if (want.as === 'Table') {
      // Only the first event's Table defines the columns; later ones carry rows alone.
      const table = store.table([e.object], { resourceVersion: e.object.metadata.resourceVersion ?? '' }, includeObject(req), want.metaVersion) as Record<string, unknown>;
      if (tableColumnsSent) table['columnDefinitions'] = [];
      tableColumnsSent = true;
      return table;
    }
    if (want.as === 'PartialObjectMetadata' || want.as === 'PartialObjectMetadataList') return store.partialMetadata(e.object, want.metaVersion);
    return e.object;
  };
  const limits = (req.app.locals[slowWatcherLimitsKey] as SlowWatcherLimits | undefined) ?? defaultSlowWatcherLimits;
  // Since when the socket has not drained (undefined: it has).
  let blockedSince: number | undefined;
  res.on('drain', () => {
    blockedSince = undefined;
  });
  // Events that reach the watch in one turn of the event loop go to the socket as one chunk:
  // with 1,000 watchers, a write per event per watcher (a TLS record and a syscall each) cost
  // more than the events themselves. A long run of events (a watch from an old resourceVersion)
  // is written in chunks of about MAX_CHUNK characters.
  const flush = (): void => {
    const lines = pending;
    pending = [];
    pendingLength = 0;
    if (done || lines.length === 0) return;
    if (res.write(lines.length === 1 ? lines[0]! : lines.join(''))) return;
    const now = Date.now();
    blockedSince ??= now;
    if (now - blockedSince >= limits.graceMs && res.writableLength > limits.bytes) {
      // The client is not reading: close rather than buffer its events without end.
      finish();
      res.destroy();
    }
  };
  const write = (e: WatchEvent): void => {
    if (done) return;
    if (pending.length === 0) setImmediate(flush);
    const line = eventLine(e.type, convert(e));
    pending.push(line);
    pendingLength += line.length;
    if (e.type === 'ERROR') {
      finish();
      return;
    }
    if (pendingLength >= MAX_CHUNK) flush();
    if (listed !== undefined) {
      const revision = Number(e.object.metadata.resourceVersion ?? 0);
      listed.insight.watchers.progressed(listed.watch, revision, e.type === 'BOOKMARK' ? 0 : 1);
      if (e.type !== 'BOOKMARK') listed.insight.trail.delivered(revision, 'api');
    }
  };
  const seconds = options.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800);
  const timer = setTimeout(finish, seconds * 1000);
  active.watch = store.watch(namespace, options, write);
  if (done) active.watch.stop(); // an ERROR event arrived while the watch was starting
  req.on('close', finish);
  res.on('close', finish);
}
