import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from '../registry/generic/resource-store.js';
import { errors } from '../registry/generic/api-error.js';
import { AGGREGATED_DISCOVERY_TYPE, aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, versionInfo, wantsAggregated } from './discovery.js';
import { encodeBody, wanted } from './negotiate.js';
import { resolvePath } from './request-path.js';
import { handleResource } from './resource-handler.js';
import { sendError } from './status.js';

/** Where the OpenAPI v3 documents come from (schemas/). */
export interface OpenApiSource {
  /** The /openapi/v3 index. */
  index(): unknown;
  /** The serialized document for a path such as "api/v1" or "apis/apps/v1", if served (its bytes match the index's hash). */
  document(path: string): { body: string } | undefined;
}

export interface ApiAppOptions {
  readonly registry: Registry;
  readonly openapi?: OpenApiSource;
  /** host:port clients reach this server at, for /api's serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  /** Answers /readyz and /livez; true by default. */
  readonly isReady?: () => boolean;
}

/**
 * The API server's HTTP layer: discovery, OpenAPI, health, and every resource
 * path, routed to the registry. Thin by design: no storage logic here.
 */
export function createApiApp(o: ApiAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const json = (req: Request, res: Response, body: unknown): void => {
    const { type, text } = encodeBody(body, wanted(req).format);
    res.status(200).type(type).send(text);
  };
  app.get('/version', (req, res) => json(req, res, versionInfo()));
  for (const path of ['/healthz', '/livez', '/readyz']) {
    app.get(path, (_req, res) => {
      const ok = o.isReady?.() ?? true;
      res.status(ok ? 200 : 503).type('text/plain').send(ok ? 'ok' : 'not ready');
    });
  }
  // kubectl asks for aggregated discovery first and falls back to the legacy documents.
  const discovery = (req: Request, res: Response, core: boolean): void => {
    if (wantsAggregated(req.headers.accept)) {
      res.setHeader('Vary', 'Accept');
      res.status(200).type(AGGREGATED_DISCOVERY_TYPE).send(JSON.stringify(aggregatedDiscovery(o.registry, core)));
      return;
    }
    json(req, res, core ? apiVersions(o.serverAddress) : apiGroupList(o.registry));
  };
  app.get('/api', (req, res) => discovery(req, res, true));
  app.get('/apis', (req, res) => discovery(req, res, false));
  app.get('/openapi/v3', (req, res) => {
    if (o.openapi === undefined) return sendError(res, errors.notFoundPath(req.path));
    json(req, res, o.openapi.index());
  });
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => {
    const doc = o.openapi?.document(req.path.replace(/^\/openapi\/v3\//, ''));
    if (doc === undefined) return sendError(res, errors.notFoundPath(req.path));
    res.setHeader('Cache-Control', 'public, immutable');
    res.status(200).type('application/json').send(doc.body);
  });
  app.use((req, res) => {
    const path = req.path;
    const seg = path.split('/').filter((s) => s !== '');
    if (req.method === 'GET' && seg[0] === 'api' && seg.length === 2) {
      const list = apiResourceList(o.registry, '', seg[1]!);
      return list === undefined ? sendError(res, errors.notFoundPath(path)) : json(req, res, list);
    }
    if (req.method === 'GET' && seg[0] === 'apis' && seg.length === 3) {
      const list = apiResourceList(o.registry, seg[1]!, seg[2]!);
      return list === undefined ? sendError(res, errors.notFoundPath(path)) : json(req, res, list);
    }
    if (req.method === 'GET' && seg[0] === 'apis' && seg.length === 2) {
      const group = (apiGroupList(o.registry) as { groups: Array<{ name: string }> }).groups.find((g) => g.name === seg[1]);
      return group === undefined ? sendError(res, errors.notFoundPath(path)) : json(req, res, { kind: 'APIGroup', apiVersion: 'v1', ...group });
    }
    const rp = resolvePath(o.registry, path);
    if (rp === undefined) return sendError(res, errors.notFoundPath(path));
    void handleResource(req, res, rp);
  });
  return app;
}
