/**
 * The store-only part of the insight page, as `kite store` serves it on its client
 * URLs: every key (not only /registry) with its history, the trail of the client
 * calls the member served, its watches, the cluster, and the tour's etcdctl steps.
 * Who may see what is the member's own etcd auth, worked out by the composition root
 * (viewerOf): a viewer sees the keys, rows and watches whose every key range it may
 * read. What needs an API server (Kubernetes users and resources, the protobuf form of
 * objects) is left out, and the tour says so.
 */
import type { Express, Request, Response } from 'express';
import type { ClusterMonitor } from '../../registry/insight/cluster-monitor.js';
import { keyHistory, type KeyReader } from '../../registry/insight/key-history.js';
import type { RequestTrail } from '../../registry/insight/request-trail.js';
import type { ListOptions, ListResult } from '../../registry/insight/store-reads.js';
import type { StoreOp, TrailEntry } from '../../registry/insight/trail-types.js';
import type { ActiveWatch } from '../../registry/insight/watcher-registry.js';
import { serveEvents } from './event-stream.js';
import { renderValue, versionView } from './key-views.js';
import { clusterSteps, type TourStep } from './tour.js';

/** Who is looking, by the member's auth. */
export interface StoreViewer {
  /** The etcd user, or the client's address with auth off. */
  readonly name: string;
  /** Whether the viewer may read every key in [key, rangeEnd) ('' : the key alone; "\0": from key on). */
  mayRead(key: string, rangeEnd?: string): boolean;
}

/** A refusal of the viewer, with the HTTP status to answer and the member's words. */
export interface ViewerRefusal {
  readonly status: number;
  readonly message: string;
}

/** A request the store page refuses itself (a bad parameter, a key the viewer may not read). */
export class StorePageError extends Error implements ViewerRefusal {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A watch a client holds on the member, as the watchers list shows it. */
export type StoreWatch = ActiveWatch & { readonly key: string; readonly rangeEnd: string };

export interface StorePageServices {
  /** The client calls served (the store's --insight-trail-size). */
  readonly trail: RequestTrail;
  /** The members and leader changes. */
  readonly cluster: ClusterMonitor;
  /** Reads of the member's keys, made as the member itself (the page filters them per viewer). */
  readonly store: KeyReader & { list(prefix: string, options?: ListOptions): Promise<ListResult> };
  /** The watches clients hold now. */
  watches(): readonly StoreWatch[];
  /** The member's revision. */
  headRevision(): number;
}

/** The most keys the keyspace lists at once. */
const maxKeys = 10_000;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function isRefusal(err: unknown): err is ViewerRefusal {
  return typeof err === 'object' && err !== null && typeof (err as ViewerRefusal).status === 'number' && typeof (err as ViewerRefusal).message === 'string';
}

/** The row as the viewer may see it: only rows whose every key range it may read. */
export function visibleStoreEntry(e: TrailEntry, viewer: StoreViewer): TrailEntry | undefined {
  const mayRead = (op: StoreOp): boolean => (op.kind === 'etcd' ? op.ranges.every((r) => viewer.mayRead(r.key, r.rangeEnd)) : 'key' in op ? viewer.mayRead(op.key) : viewer.mayRead('', '\0'));
  return e.ops.every(mayRead) ? e : undefined;
}

/** The tour's steps a store can answer: the keyspace, one key as etcdctl -w json shows it, the members. */
async function storeTour(s: StorePageServices, viewer: StoreViewer): Promise<TourStep[]> {
  const cluster = await s.cluster.state();
  const me = cluster.members.find((m) => m.role === 'leader') ?? cluster.members[0];
  const keys = (await s.store.list('', { limit: 400 })).objects.filter((o) => viewer.mayRead(o.key));
  const first = keys.find((o) => o.key.startsWith('/registry/namespaces/')) ?? keys[0];
  const b64 = (b: string | Buffer): string => Buffer.from(b).toString('base64');
  return [
    {
      id: 'get-prefix',
      title: 'Every key this member keeps',
      command: 'etcdctl get "" --prefix --keys-only',
      explanation: 'The whole keyspace, in byte order. An API server keeps its objects under /registry/<resource>/[<namespace>/]<name>; the Keyspace tab shows any keys as a tree split on "/". Keys you may not read are left out.',
      result: keys.map((o) => o.key),
    },
    {
      id: 'get-key',
      title: 'One key, with its revisions',
      command: first === undefined ? 'etcdctl get <key> -w=json' : `etcdctl get ${first.key} -w=json`,
      explanation:
        "create_revision is the store revision that created the key, mod_revision the one that last changed it (an object's resourceVersion), version how many times it was written since it was created. " +
        'Comparing how Kite (JSON) and kube-apiserver on etcd (protobuf) store one object needs `kite apiserver`: its tour shows both forms.',
      result:
        first === undefined
          ? { kvs: [], count: 0 }
          : {
              header: { cluster_id: me?.clusterId ?? '', member_id: me === undefined || me.id === '?' ? '' : BigInt(`0x${me.id}`).toString(), revision: s.headRevision(), raft_term: me?.term ?? 0 },
              kvs: [{ key: b64(first.key), create_revision: first.createRevision, mod_revision: first.modRevision, version: first.version ?? 0, value: b64(first.value) }],
              count: 1,
              value: renderValue(first.value).value,
            },
    },
    ...clusterSteps(cluster),
    {
      id: 'apiserver-only',
      title: 'Kubernetes users, resources and protobuf need kite apiserver',
      command: 'kite apiserver --etcd-servers=<this member>',
      explanation:
        "This page is served by a store member: it knows etcd users and key ranges, not Kubernetes. Run `kite apiserver` on this store to see each API request (user, verb, resource) above the store calls it caused, and the API server's watches.",
      result: [],
    },
  ];
}

/** Adds the store page's /ui/api/ routes to app. */
export function serveStorePage(app: Express, s: StorePageServices, viewerOf: (req: Request) => Promise<StoreViewer>): void {
  const refuse = (res: Response, err: unknown): void => {
    if (res.headersSent) return;
    const code = (err as { code?: unknown } | undefined)?.code;
    if (isRefusal(err)) res.status(err.status).json({ message: err.message, code: err.status });
    // A revision the store no longer has, or does not have yet (a key's history as of it), in etcd's words.
    else if (code === 'Compacted') res.status(410).json({ message: 'etcdserver: mvcc: required revision has been compacted', code: 410 });
    else if (code === 'FutureRevision') res.status(400).json({ message: 'etcdserver: mvcc: required revision is a future revision', code: 400 });
    else res.status(500).json({ message: err instanceof Error ? err.message : String(err), code: 500 });
  };
  const handle = (fn: (req: Request, viewer: StoreViewer) => Promise<unknown> | unknown) => (req: Request, res: Response) => {
    viewerOf(req)
      .then((viewer) => fn(req, viewer))
      .then((body) => {
        if (!res.headersSent) res.status(200).type('application/json').send(JSON.stringify(body));
      })
      .catch((err: unknown) => refuse(res, err));
  };
  const watchers = (viewer: StoreViewer) => {
    const head = s.headRevision();
    return { head, watchers: s.watches().filter((w) => viewer.mayRead(w.key, w.rangeEnd)).map((w) => ({ ...w, lag: Math.max(0, head - w.lastRevision) })) };
  };
  app.get('/ui/api/info', handle((_req, viewer) => ({ mode: 'store', user: viewer.name })));
  app.get(
    '/ui/api/keyspace',
    handle(async (_req, viewer) => {
      const listed = await s.store.list('', { limit: maxKeys });
      return { revision: listed.revision, isTruncated: listed.more, keys: listed.objects.filter((o) => viewer.mayRead(o.key)).map((o) => ({ key: o.key, modRevision: o.modRevision })) };
    }),
  );
  app.get(
    '/ui/api/key',
    handle(async (req, viewer) => {
      const key = text(req.query['key']);
      const revision = Number(text(req.query['revision']) ?? '0');
      if (key === undefined) throw new StorePageError(400, 'key is required');
      if (!Number.isInteger(revision) || revision < 0) throw new StorePageError(400, 'revision must be a non-negative integer');
      const before = Number(text(req.query['before']) ?? '0');
      if (!Number.isInteger(before) || before < 0) throw new StorePageError(400, 'before must be a non-negative integer');
      if (!viewer.mayRead(key)) throw new StorePageError(403, 'etcdserver: permission denied');
      const h = await keyHistory(s.store, key, { revision, before });
      return { key, group: '', resource: '', namespace: '', name: key, revision: h.revision, exists: h.exists, isRedacted: false, versions: h.versions.map((v) => versionView(v)), ...(h.compactedAt === undefined ? {} : { compactedAt: h.compactedAt }), isTruncated: h.isTruncated, total: h.total };
    }),
  );
  app.get(
    '/ui/api/trail',
    handle((_req, viewer) => ({ size: s.trail.size, isRecording: s.trail.isRecording, entries: s.trail.entries().flatMap((e) => visibleStoreEntry(e, viewer) ?? []) })),
  );
  app.get('/ui/api/watchers', handle((_req, viewer) => watchers(viewer)));
  app.get('/ui/api/cluster', handle(() => s.cluster.refresh()));
  app.get('/ui/api/tour', handle((_req, viewer) => storeTour(s, viewer)));
  app.get('/ui/api/events', (req, res) => {
    viewerOf(req).then(
      (viewer) =>
        serveEvents(req, res, { trail: s.trail, cluster: s.cluster, headRevision: () => s.headRevision() }, {
          rows: (changed) => Promise.resolve(changed.flatMap((e) => visibleStoreEntry(e, viewer) ?? [])),
          watchers: () => Promise.resolve(watchers(viewer)),
        }),
      (err: unknown) => refuse(res, err),
    );
  });
}
