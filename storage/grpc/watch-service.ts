import { toKeyRange } from '../mvcc/key-value.js';
import type { WatchableStore, WatchEvent, Watcher, WatchNotice, WatchSink } from '../mvcc/watchable-store.js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire, keyValueToWire } from './convert.js';
import { encodedWatchEvents } from './watch-encoding.js';
import type { StreamCall } from './http2-server.js';
import type { Caller } from '../auth/auth-info.js';
import { toServiceError } from './errors.js';
import type { WatchCreateRequest, WatchRequest } from './stream-request-decode.js';
import type { ClientHooks, ServedWatch } from './client-observer.js';

/** grpc-go's names of the status codes a refused watch reports in its cancel reason. */
const CODE_NAMES: Record<number, string> = { 3: 'InvalidArgument', 7: 'PermissionDenied', 9: 'FailedPrecondition', 16: 'Unauthenticated' };

/** A refused watch's cancel reason: the error as grpc-go prints a status. */
function cancelReason(err: unknown): string {
  const se = toServiceError(err);
  return `rpc error: code = ${CODE_NAMES[se.code ?? 2] ?? 'Unknown'} desc = ${se.details ?? ''}`;
}

type Wire = Record<string, unknown>;

/** Responses a stream may have queued before its watchers are set aside (etcd's chanBufLen). */
const STREAM_BUFFER_RESPONSES = 128;

/** How often watchers that asked for progress notifications get one (etcd's default is 10 minutes). */
export const DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;

function eventToWire(e: WatchEvent): Wire {
  const out: Wire = { type: e.type === 'put' ? 'PUT' : 'DELETE', kv: keyValueToWire(e.kv) };
  if (e.prevKv !== undefined) out.prevKv = keyValueToWire(e.prevKv);
  return out;
}

/**
 * etcd's Watch service: one bidirectional stream carries many watchers. With hooks, each
 * watch is listed there while it lasts, and its deliveries reported to an observer.
 */
export function watchStream(server: StoreServer, watchable: WatchableStore, hooks?: ClientHooks): (call: StreamCall) => void {
  const header = (revision?: number) => headerToWire(server.header(revision));
  return (call: StreamCall) => {
    const watchers = new Map<number, Watcher>();
    /** The hooks' record of each watch, by watch id (empty without hooks). */
    const served = new Map<number, ServedWatch>();
    const unlist = (watchId: number): void => {
      const w = served.get(watchId);
      if (w === undefined) return;
      served.delete(watchId);
      hooks?.watchEnded(w);
    };
    const fragmentFor = new Set<number>();
    let nextId = 0;
    let closed = false;
    const write = (msg: Wire): void => {
      if (!closed && !call.writableEnded && !call.destroyed) call.write(msg);
    };
    const sink: WatchSink = {
      isFull: () => closed || call.writableLength >= STREAM_BUFFER_RESPONSES,
      send: (n: WatchNotice) => {
        switch (n.kind) {
          case 'events':
            sendEvents(n.watchId, n.revision, n.events);
            break;
          case 'progress': {
            const w = served.get(n.watchId);
            if (w !== undefined && n.revision > w.lastRevision) w.lastRevision = n.revision;
            write({ header: header(n.revision), watchId: n.watchId, events: [] });
            break;
          }
          case 'compacted':
            watchers.delete(n.watchId);
            unlist(n.watchId);
            // As etcd 3.4: no revision in the header and no cancel reason, only compact_revision.
            write({ header: header(0), watchId: n.watchId, canceled: true, compactRevision: n.compactRevision });
            break;
        }
      },
    };
    const sendEvents = (watchId: number, revision: number, events: WatchEvent[]): void => {
      if (hooks !== undefined) noteDelivery(hooks, watchId, revision, events);
      if (!fragmentFor.has(watchId) || events.length <= 1) {
        write(encodedWatchEvents(server.header(revision), watchId, events));
        return;
      }
      const wire = events.map(eventToWire);
      const limit = server.config.maxRequestBytes;
      // Fragmented: split so that each response stays under the request size limit.
      let chunk: Wire[] = [];
      let size = 0;
      const flush = (more: boolean): void => {
        write({ header: header(revision), watchId, events: chunk, fragment: more });
        chunk = [];
        size = 0;
      };
      wire.forEach((e, i) => {
        const kv = e.kv as { key: Buffer; value: Buffer };
        const bytes = kv.key.length + kv.value.length + 64;
        if (chunk.length > 0 && size + bytes > limit) flush(true);
        chunk.push(e);
        size += bytes;
        if (i === wire.length - 1) flush(false);
      });
    };
    const noteDelivery = (hooks: ClientHooks, watchId: number, revision: number, events: WatchEvent[]): void => {
      const w = served.get(watchId);
      if (w === undefined) return;
      w.delivered += events.length;
      if (revision > w.lastRevision) w.lastRevision = revision;
      if (hooks.isObserving) hooks.observer?.delivered(w, events.map((e) => e.kv.modRevision));
    };
    call.on('drain', () => watchable.scheduleSync());
    const progressTimer = setInterval(() => {
      watchable.flushPending();
      for (const w of watchers.values()) {
        if (w.isSynced && w.options.progressNotify && !sink.isFull()) write({ header: header(server.kv.revision), watchId: w.id, events: [] });
      }
    }, server.config.watchProgressNotifyIntervalMs ?? DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS);
    progressTimer.unref();

    /**
     * A watch is created only if its caller may read its range (checked at creation, as
     * etcd); otherwise the stream answers with watch id -1, created and canceled. Returns
     * a promise when the caller is still being worked out (a JWT being verified).
     */
    const create = (req: WatchCreateRequest): Promise<void> | undefined => {
      let caller: Caller | Promise<Caller>;
      try {
        caller = server.callerOf(call.credentials);
      } catch (err) {
        refuse(err);
        return undefined;
      }
      if (caller instanceof Promise) return caller.then((c) => permitted(c, req), refuse);
      permitted(caller, req);
      return undefined;
    };
    const refuse = (err: unknown): void => {
      write({ header: header(), watchId: -1, created: true, canceled: true, cancelReason: cancelReason(err) });
    };
    const permitted = (caller: Caller, req: WatchCreateRequest): void => {
      if (closed) return;
      try {
        server.auth.store.checkKeys(caller, 'read', req.key, req.rangeEnd.length > 0 ? req.rangeEnd : undefined);
      } catch (err) {
        return refuse(err);
      }
      start(req, caller);
    };
    const start = (req: WatchCreateRequest, caller: Caller): void => {
      const requested = req.watchId;
      if (requested !== 0 && watchers.has(requested)) {
        // etcd 3.4 answers a duplicate id with watch id -1.
        write({ header: header(), watchId: -1, created: true, canceled: true, cancelReason: 'mvcc: duplicate watch ID provided on the WatchStream' });
        return;
      }
      let id = requested;
      if (id === 0) {
        while (watchers.has(nextId)) nextId++;
        id = nextId++;
      }
      if (req.fragment) fragmentFor.add(id);
      // The created response goes first; the watcher may send events right after.
      write({ header: header(), watchId: id, created: true });
      const w = watchable.watch(
        id,
        {
          range: toKeyRange(req.key, req.rangeEnd),
          startRevision: Math.max(0, req.startRevision),
          prevKv: req.prevKv,
          noPut: req.noPut,
          noDelete: req.noDelete,
          progressNotify: req.progressNotify,
        },
        sink,
      );
      watchers.set(id, w);
      if (hooks !== undefined) {
        const user = caller.kind === 'user' ? caller.username : '';
        served.set(id, hooks.watchStarted({ watchId: id, peer: call.credentials.peer ?? '', user, key: req.key, rangeEnd: req.rangeEnd, startRevision: w.options.startRevision }, server.kv.revision));
      }
    };
    const cancel = (id: number): void => {
      const w = watchers.get(id);
      if (w === undefined) return;
      watchable.cancel(w);
      watchers.delete(id);
      unlist(id);
      fragmentFor.delete(id);
      write({ header: header(), watchId: id, canceled: true });
    };
    const closeAll = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(progressTimer);
      for (const w of watchers.values()) watchable.cancel(w);
      watchers.clear();
      for (const id of [...served.keys()]) unlist(id);
    };
    /** Set while a create waits for its caller: later requests wait behind it, in order. */
    let queue: Promise<void> | undefined;
    const settle = (p: Promise<void>): void => {
      queue = p;
      void p.finally(() => {
        if (queue === p) queue = undefined;
      });
    };
    call.on('data', (req: WatchRequest) => {
      if (queue !== undefined) return settle(queue.then(() => handle(req)));
      const pending = handle(req);
      if (pending !== undefined) settle(pending);
    });
    let progressRetry: NodeJS.Timeout | undefined;
    const answerProgress = (): void => {
      progressRetry = undefined;
      if (closed) return;
      watchable.flushPending();
      if (watchable.isSinkSynced(sink)) write({ header: header(server.kv.revision), watchId: -1 });
      else if (progressRetry === undefined) progressRetry = setTimeout(answerProgress, 10);
    };
    const handle = (req: WatchRequest): Promise<void> | undefined => {
      switch (req.kind) {
        case 'create':
          return create(req.create);
        case 'cancel':
          cancel(req.watchId);
          break;
        case 'progress':
          // Not tied to one watcher: etcd 3.4 answers with watch id -1. The revision is the
          // one reads see, sent after every event up to it (the pending ones go first); a
          // stream with watchers still catching up is answered once they have caught up,
          // so the notice never claims a revision whose events are still to come.
          if (progressRetry === undefined) answerProgress();
          break;
      }
      return undefined;
    };
    // A client that is done sending (CloseSend, as grpc-gateway does) still gets its
    // watchers' events: etcd ends a Watch only when the client goes away.
    call.on('cancelled', closeAll);
    call.on('close', closeAll);
    call.on('error', closeAll);
  };
}
