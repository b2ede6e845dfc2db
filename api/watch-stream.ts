import type { Request, Response } from 'express';
import type { ResourceStore, WatchEvent, WatchOptions } from '../registry/generic/resource-store.js';
import { includeObject } from './query.js';
import type { Wanted } from './negotiate.js';
import { partialObjectMetadata } from './response-form.js';

/**
 * A watch: newline-delimited metav1.WatchEvent JSON, flushed per event, until the
 * client goes away, the timeout passes (timeoutSeconds, else a random 30-60 min
 * like kube-apiserver), or the registry sends an ERROR event. With a Table Accept
 * header each event carries a one-row Table, as kubectl get -w asks; with
 * as=PartialObjectMetadata each carries the object's metadata only, as
 * client-go's metadata informers ask.
 */
export function serveWatch(req: Request, res: Response, store: ResourceStore, namespace: string | undefined, options: WatchOptions & { timeoutSeconds?: number }, want: Wanted): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  let done = false;
  // Set once the registry's watch has started (an ERROR may end it while starting).
  const active: { watch?: { stop(): void } } = {};
  const finish = (): void => {
    if (done) return;
    done = true;
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
    if (want.as === 'PartialObjectMetadata' || want.as === 'PartialObjectMetadataList') return partialObjectMetadata(e.object, want.metaVersion);
    return e.object;
  };
  const write = (e: WatchEvent): void => {
    if (done) return;
    res.write(JSON.stringify({ type: e.type, object: convert(e) }) + '\n');
    if (e.type === 'ERROR') finish();
  };
  const seconds = options.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800);
  const timer = setTimeout(finish, seconds * 1000);
  active.watch = store.watch(namespace, options, write);
  if (done) active.watch.stop(); // an ERROR event arrived while the watch was starting
  req.on('close', finish);
  res.on('close', finish);
}
