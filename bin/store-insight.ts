/**
 * The insight page of `kite store`, put together: the member's client edge reports the
 * calls it serves (storage/grpc/client-observer.ts) into a request trail, the page's
 * routes (api/insight/store-page.ts) are mounted on the client URLs under /ui/, and
 * who may see what is the member's own etcd auth (storage/http/page-viewer.ts).
 */
import express from 'express';
import { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Request } from 'express';
import { serveInsightPage } from '../api/insight/static-files.js';
import { serveStorePage, type StoreViewer, type StoreWatch } from '../api/insight/store-page.js';
import { ClusterMonitor } from '../registry/insight/cluster-monitor.js';
import { RequestTrail } from '../registry/insight/request-trail.js';
import type { RequestFacts } from '../registry/insight/trail-types.js';
import { INTERNAL } from '../storage/auth/auth-info.js';
import { EmbeddedStoreClient } from '../storage/client/embedded-client.js';
import type { ListOptions, ListResult } from '../storage/client/store-client.js';
import { ClientHooks, type ClientObserver, type ServedCall, type ServedWatch } from '../storage/grpc/client-observer.js';
import { describeCall } from '../storage/grpc/describe-call.js';
import { pageViewer } from '../storage/http/page-viewer.js';
import type { WatchableStore } from '../storage/mvcc/watchable-store.js';
import type { StoreServer } from '../storage/server/store-server.js';
import type { TlsMaterial } from '../storage/tls/tls-material.js';
import { embeddedProbe, remoteProbe, type RemoteProbe } from './insight-cluster-probe.js';

export interface StoreInsight {
  /** What runMember takes: the observer and the /ui/ handler, live once attached. */
  readonly hooks: ClientHooks;
  /**
   * Binds the page to the member, once its store is open (before it serves clients).
   * clientTls: the member's https client certificate and CA, which it also presents to
   * the other members when it asks them for their status.
   */
  attach(store: StoreServer, watchable: WatchableStore, clientTls?: TlsMaterial): void;
  /** Closes the connections the cluster monitor holds. */
  close(): void;
}

const gatewayPaths: Record<string, string> = { Range: 'kv/range', Put: 'kv/put', DeleteRange: 'kv/deleterange', Txn: 'kv/txn', Compact: 'kv/compaction' };

/** A served call's row: who (the etcd user, else the client's address), the method and its path. */
function factsOf(call: ServedCall, key: string): RequestFacts {
  return {
    user: call.user !== '' ? call.user : call.peer,
    groups: [],
    userAgent: call.via === 'gateway' ? 'JSON gateway' : 'gRPC',
    verb: call.method,
    uri: call.via === 'gateway' ? `/v3/${gatewayPaths[call.method] ?? call.method}` : `/etcdserverpb.${call.service}/${call.method}`,
    group: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: key,
  };
}

function rangeText(key: Buffer, rangeEnd: Buffer): string {
  if (rangeEnd.length === 0) return key.toString('utf8');
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return `${key.toString('utf8')} (from key on)`;
  return `[${key.toString('utf8')}, ${rangeEnd.toString('utf8')})`;
}

function watchView(w: ServedWatch): StoreWatch {
  return {
    id: w.id,
    kind: 'store',
    target: rangeText(w.key, w.rangeEnd),
    group: '',
    resource: '',
    namespace: '',
    selector: '',
    user: w.user !== '' ? `${w.user} (${w.peer})` : w.peer,
    startRevision: w.startRevision,
    since: w.since,
    delivered: w.delivered,
    lastRevision: w.lastRevision,
    key: w.key.toString('utf8'),
    rangeEnd: w.rangeEnd.toString('utf8'),
  };
}

/** The page for a member, with a trail of trailSize calls (--insight-trail-size). */
export function storeInsight(trailSize: number): StoreInsight {
  const hooks = new ClientHooks();
  const trail = new RequestTrail({ size: trailSize });
  let remote: RemoteProbe | undefined;
  const observer: ClientObserver = {
    get isObserving() {
      return trail.isRecording;
    },
    served(call) {
      const d = describeCall(call);
      const op = { kind: 'etcd' as const, method: call.method, ...d, ms: call.ms, ...(call.error === undefined ? {} : { error: call.error }), delivered: { storeWatchers: 0, apiWatchers: 0 } };
      trail.served(factsOf(call, d.key), op, call.error === undefined ? 0 : 2, call.ms);
    },
    delivered(_watch, revisions) {
      let last = -1;
      for (const r of revisions) {
        if (r !== last) trail.delivered(r, 'store');
        last = r;
      }
    },
  };
  return {
    hooks,
    attach(store, watchable, clientTls) {
      const embedded = new EmbeddedStoreClient(store, watchable);
      // The page's keyspace is every key: etcdctl get "" --prefix, a range from "\0" to "\0".
      const everyKey = (o: ListOptions = {}): Promise<ListResult> => {
        const r = store.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), limit: o.limit ?? 0, revision: o.revision ?? 0 }, INTERNAL);
        const objects = r.kvs.map((kv) => ({ key: kv.key.toString('utf8'), value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease }));
        return Promise.resolve({ objects, revision: r.revision, more: r.more, remaining: r.count });
      };
      const reader = {
        get: (key: string, revision?: number) => embedded.get(key, revision),
        list: (prefix: string, o?: ListOptions) => (prefix === '' ? everyKey(o) : embedded.list(prefix, o)),
        watch: embedded.watch.bind(embedded),
        requestProgress: () => embedded.requestProgress(),
      };
      const endpoint = store.config.advertiseClientUrls[0] ?? store.config.listenClientUrls[0] ?? '';
      // A member alone answers for itself; in a cluster, each member is asked at its client URL.
      // (Members publish their client URLs once they start: the probe follows the list.)
      let asked = '';
      const probe = () => {
        const urls = store.members().flatMap((m) => m.clientUrls.slice(0, 1));
        if (urls.length <= 1) return embeddedProbe(store, endpoint)();
        if (remote === undefined || asked !== urls.join(',')) {
          remote?.close();
          asked = urls.join(',');
          remote = remoteProbe(urls, clientTls === undefined ? undefined : { ca: clientTls.ca ?? Buffer.alloc(0), cert: clientTls.cert, key: clientTls.key });
        }
        // A member that does not answer is still named by the membership this member knows.
        const known = new Map(store.members().map((m) => [m.clientUrls[0] ?? '', m]));
        return remote.probe().then((states) =>
          states.map((st) => {
            const m = known.get(st.endpoint);
            return m === undefined || st.name !== '' ? st : { ...st, name: m.name, ...(st.id === '?' ? { id: m.id.toString(16) } : {}) };
          }),
        );
      };
      const cluster = new ClusterMonitor(store.members().length > 1 ? 'remote' : 'embedded', probe);
      const viewerOf = async (req: Request): Promise<StoreViewer> => {
        const v = await pageViewer(store, req);
        return { name: v.name, mayRead: (key, rangeEnd) => v.mayRead(Buffer.from(key), rangeEnd === undefined ? undefined : Buffer.from(rangeEnd)) };
      };
      const services = { trail, cluster, store: reader, watches: () => hooks.activeWatches().map(watchView), headRevision: () => store.kv.revision };
      const appFor = (isHttp2: boolean): express.Express => {
        const app = express();
        app.disable('x-powered-by');
        if (isHttp2) {
          // A TLS client that negotiated h2 (a browser does) comes as node's HTTP/2 compatibility
          // request and response: this app's request and response are express's, built on those.
          const own = (proto: object, methods: object): object => Object.create(proto, Object.getOwnPropertyDescriptors(methods)) as object;
          const appField = { app: { configurable: true, enumerable: true, writable: true, value: app } };
          app.request = Object.create(own(Http2ServerRequest.prototype, express.request), appField) as express.Request;
          app.response = Object.create(own(Http2ServerResponse.prototype, express.response), appField) as express.Response;
        }
        serveInsightPage(app);
        serveStorePage(app, services, viewerOf);
        return app;
      };
      const apps = { http1: appFor(false), http2: appFor(true) };
      hooks.observer = observer;
      hooks.http = (req, res) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (path !== '/ui' && !path.startsWith('/ui/')) return false;
        (req.httpVersionMajor >= 2 ? apps.http2 : apps.http1)(req, res);
        return true;
      };
    },
    close: () => remote?.close(),
  };
}
