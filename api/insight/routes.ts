/**
 * The insight page's endpoints under /ui/api/, behind the API server's
 * authentication and impersonation like any request: the keyspace, one key
 * with its history, the trail, the watchers, the cluster, the tour, and a
 * stream of server-sent events (trail rows, the head revision, watchers, the
 * cluster) that keeps the page live. Each answer holds only what the user may see.
 */
import type { Express, Request, Response } from 'express';
import type { Registry } from '../../registry/generic/resource-store.js';
import type { TrailEntry } from '../../registry/insight/trail-types.js';
import { errors } from '../../registry/generic/api-error.js';
import type { Authorizer } from '../authorization/authorizer.js';
import { userOf } from '../filters/authentication.js';
import { sendError } from '../status.js';
import { InsightAccess } from './access.js';
import type { InsightServices } from './insight-services.js';
import { keyOwners, keyView, visibleTree } from './key-views.js';
import { tourSteps } from './tour.js';
import { matchesFilter, visibleEntry, type TrailFilter } from './trail-views.js';
import { serveEvents } from './event-stream.js';
import { visibleWatchers } from './watcher-views.js';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function filterOf(req: Request): TrailFilter {
  const q = req.query;
  const f: { resource?: string; namespace?: string; user?: string; verb?: string } = {};
  for (const k of ['resource', 'namespace', 'user', 'verb'] as const) {
    const v = text(q[k]);
    if (v !== undefined) f[k] = v;
  }
  return f;
}

/** Adds the /ui/api/ routes to app; they run after the authentication filters. */
export function serveInsightApi(app: Express, s: InsightServices, registry: Registry, authorizer: Authorizer): void {
  const accessOf = (res: Response): InsightAccess => {
    const user = userOf(res);
    if (user === undefined) throw errors.internal('no user for an insight request');
    return new InsightAccess(authorizer, user);
  };
  const handle = (fn: (req: Request, res: Response, access: InsightAccess) => Promise<unknown>) => (req: Request, res: Response) => {
    fn(req, res, accessOf(res)).then(
      (body) => {
        if (!res.headersSent) res.status(200).type('application/json').send(JSON.stringify(body));
      },
      (err: unknown) => sendError(res, err),
    );
  };
  app.get('/ui/api/info', handle((_req, res) => Promise.resolve({ mode: 'apiserver', user: userOf(res)?.name ?? '' })));
  app.get('/ui/api/keyspace', handle((_req, _res, access) => visibleTree(s, registry, access)));
  app.get(
    '/ui/api/key',
    handle(async (req, _res, access) => {
      const key = text(req.query['key']);
      if (key === undefined) throw errors.badRequest('key is required');
      const revision = Number(text(req.query['revision']) ?? '0');
      if (!Number.isInteger(revision) || revision < 0) throw errors.badRequest('revision must be a non-negative integer');
      const before = Number(text(req.query['before']) ?? '0');
      if (!Number.isInteger(before) || before < 0) throw errors.badRequest('before must be a non-negative integer');
      const view = await keyView(s, registry, access, key, revision, before);
      if (view === undefined) throw errors.forbiddenRequest({ group: '', resource: '' }, key, `you may not see ${key}`);
      return view;
    }),
  );
  app.get(
    '/ui/api/trail',
    handle(async (req, _res, access) => {
      const owners = keyOwners(registry);
      const filter = filterOf(req);
      const rows = [];
      for (const e of s.trail.entries()) {
        const v = await visibleEntry(e, access, owners);
        if (v !== undefined && matchesFilter(v, filter)) rows.push(v);
      }
      return { size: s.trail.size, isRecording: s.trail.isRecording, entries: rows };
    }),
  );
  app.get('/ui/api/watchers', handle((_req, _res, access) => visibleWatchers(s, registry, access)));
  app.get('/ui/api/cluster', handle(() => s.cluster.refresh()));
  app.get('/ui/api/tour', handle((_req, _res, access) => tourSteps(s, registry, access)));
  app.get('/ui/api/events', (req, res) => {
    try {
      const access = accessOf(res);
      const sources = { trail: s.trail, cluster: s.cluster, headRevision: () => s.watchers.headRevision, ...(s.requestProgress === undefined ? {} : { requestProgress: s.requestProgress }) };
      serveEvents(req, res, sources, {
        rows: async (changed) => {
          const owners = keyOwners(registry);
          const rows: TrailEntry[] = [];
          for (const e of changed) {
            const v = await visibleEntry(e, access, owners);
            if (v !== undefined) rows.push(v);
          }
          return rows;
        },
        watchers: () => visibleWatchers(s, registry, access),
      });
    } catch (err) {
      sendError(res, err);
    }
  });
}
