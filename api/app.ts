import { slowWatcherLimitsKey, type SlowWatcherLimits } from './watch-stream.js';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { errors } from '../registry/generic/api-error.js';
import type { Registry } from '../registry/generic/resource-store.js';
import { aggregatedDiscovery, aggregatedType, aggregatedVersion, apiGroupList, apiGroupOf, apiResourceList, apiVersions, groupVersions, versionInfo } from './discovery.js';
import type { Authenticator } from './authentication/authenticator.js';
import { alwaysAllow, type Authorizer } from './authorization/authorizer.js';
import { GzippedDocument, sendBody } from './compression.js';
import { kubeletClientKey, type KubeletClient } from './connect.js';
import { authenticationFilter } from './filters/authentication.js';
import { authorizationFilter } from './filters/authorization.js';
import { impersonationFilter } from './filters/impersonation.js';
import { serveIssuerDiscovery, type IssuerDiscovery } from './issuer-discovery.js';
import { observeFilter } from './filters/observe.js';
import { requestInfoFilter } from './filters/request-info.js';
import { insightFilter } from './filters/insight.js';
import { insightKey, type InsightServices } from './insight/insight-services.js';
import { serveInsightApi } from './insight/routes.js';
import { serveInsightPage } from './insight/static-files.js';
import { serveHealth, type HealthCheck } from './health.js';
import { ApiMetrics } from './metrics.js';
import { encodeBody, wanted } from './negotiate.js';
import { legacyWatchPath, resolvePath } from './request-path.js';
import { handleResource } from './resource-handler.js';
import { ServedOpenApi } from './served-openapi.js';
import { sendError } from './status.js';

export interface ApiAppOptions {
  readonly registry: Registry;
  /** host:port clients reach this server at, for /api's serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  /** Checks behind /livez (and /healthz). */
  readonly livez?: () => readonly HealthCheck[];
  /** Checks behind /readyz; the livez ones plus these. */
  readonly readyz?: () => readonly HealthCheck[];
  /** Metrics to count requests in; a fresh set by default. */
  readonly metrics?: ApiMetrics;
  /** Where each request is logged; not logged when absent. */
  readonly log?: Logger;
  /** Who is asking: client certificates, bearer tokens (or, on the plain-HTTP port, everyone is system:unsecured). */
  readonly authenticator: Authenticator;
  /** --anonymous-auth: requests without credentials are system:anonymous instead of 401. */
  readonly anonymous?: boolean;
  /** May they: AlwaysAllow unless given (also asked about impersonation headers). */
  readonly authorizer?: Authorizer;
  /** The ServiceAccount issuer's OpenID discovery document and keys; not served when absent. */
  readonly issuerDiscovery?: IssuerDiscovery;
  /** When a watch whose client does not read is closed (watch-stream.ts has the defaults). */
  readonly slowWatchers?: SlowWatcherLimits;
  /** The insight page (/ui/) and its endpoints (/ui/api/); not served when absent. */
  readonly insight?: InsightServices;
  /** How kubelets are reached (pods/log, exec, attach, portforward, nodes/proxy); without a client certificate when absent. */
  readonly kubeletClient?: KubeletClient;
}

/**
 * The API server's HTTP layer: filters (request info, metrics and the request
 * log, authentication, impersonation, authorization), health, ServiceAccount issuer discovery, discovery, OpenAPI, metrics, and every resource path, routed
 * to the registry. Thin by design: no storage logic here.
 */
export function createApiApp(o: ApiAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (o.slowWatchers !== undefined) app.locals[slowWatcherLimitsKey] = o.slowWatchers;
  if (o.kubeletClient !== undefined) app.locals[kubeletClientKey] = o.kubeletClient;
  const metrics = o.metrics ?? new ApiMetrics();
  const openapi = new ServedOpenApi(o.registry);
  app.use(requestInfoFilter);
  app.use(observeFilter(metrics, o.log));
  if (o.insight !== undefined) {
    app.locals[insightKey] = o.insight;
    serveInsightPage(app);
  }
  app.use(authenticationFilter({ authenticator: o.authenticator, anonymous: o.anonymous ?? false, ...(o.log === undefined ? {} : { log: o.log }) }));
  app.use(impersonationFilter(o.authorizer ?? alwaysAllow, o.log));
  if (o.insight !== undefined) {
    // The insight endpoints authorize each key and row themselves (by its resource), so
    // they come before the filter that would ask about their paths.
    serveInsightApi(app, o.insight, o.registry, o.authorizer ?? alwaysAllow);
    app.use(insightFilter(o.insight.trail));
  }
  app.use(authorizationFilter(o.authorizer ?? alwaysAllow, o.log));
  if (o.issuerDiscovery !== undefined) serveIssuerDiscovery(app, o.issuerDiscovery);
  const json = (req: Request, res: Response, body: unknown): void => {
    const { type, text } = encodeBody(body, wanted(req).format);
    sendBody(req, res, 200, type, text);
  };
  app.get('/version', (req, res) => json(req, res, versionInfo()));
  const ping: HealthCheck = { name: 'ping', check: () => undefined };
  const live = (): readonly HealthCheck[] => [ping, ...(o.livez?.() ?? [])];
  serveHealth(app, 'livez', live);
  serveHealth(app, 'healthz', live);
  serveHealth(app, 'readyz', () => [...live(), ...(o.readyz?.() ?? [])]);
  // Prometheus' own handler gzips /metrics whatever its size when asked to (kube-apiserver's does).
  app.get('/metrics', async (req, res) => {
    sendBody(req, res, 200, metrics.registry.contentType, await metrics.registry.metrics(), 0);
  });
  // kubectl asks for aggregated discovery first; kube-controller-manager 1.26 asks for v2beta1.
  const discovery = (req: Request, res: Response, core: boolean): void => {
    const version = aggregatedVersion(req.headers.accept);
    res.setHeader('Vary', 'Accept');
    if (version !== undefined) {
      res.status(200).type(aggregatedType(version)).send(JSON.stringify(aggregatedDiscovery(o.registry, core, version)));
      return;
    }
    json(req, res, core ? apiVersions(o.serverAddress) : apiGroupList(o.registry));
  };
  app.get('/api', (req, res) => discovery(req, res, true));
  app.get('/apis', (req, res) => discovery(req, res, false));
  const openapiV2 = new GzippedDocument();
  app.get('/openapi/v2', (req, res) => {
    const doc = openapi.set().v2();
    res.setHeader('ETag', `"${doc.hash.slice(0, 32)}"`);
    openapiV2.send(req, res, 'application/json', doc.body, doc.hash);
  });
  app.get('/openapi/v3', (req, res) => json(req, res, openapi.set().index()));
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => {
    const doc = openapi.set().documentJson(req.path.replace(/^\/openapi\/v3\//, ''));
    if (doc === undefined) return sendError(res, errors.notFoundPath());
    res.setHeader('Cache-Control', 'public, immutable');
    res.setHeader('ETag', `"${doc.hash.slice(0, 32)}"`);
    res.status(200).type('application/json').send(doc.body);
  });
  app.use((req, res) => {
    const path = req.path;
    const seg = path.split('/').filter((s) => s !== '');
    try {
      if (req.method === 'GET' && seg[0] === 'api' && seg.length === 2) {
        const list = apiResourceList(o.registry, '', seg[1]!);
        return list === undefined ? sendError(res, errors.notFoundPath()) : json(req, res, list);
      }
      if (req.method === 'GET' && seg[0] === 'apis' && seg.length === 3) {
        const list = apiResourceList(o.registry, seg[1]!, seg[2]!);
        return list === undefined ? sendError(res, errors.notFoundPath()) : json(req, res, list);
      }
      if (req.method === 'GET' && seg[0] === 'apis' && seg.length === 2) {
        const group = apiGroupOf(o.registry, seg[1]!);
        // An unknown group falls through to the mux's plain 404, as in kube-apiserver.
        if (group === undefined) return void res.status(404).type('text/plain; charset=utf-8').send('404 page not found\n');
        return json(req, res, group);
      }
    } catch (e) {
      return sendError(res, e);
    }
    const legacy = req.method === 'GET' ? legacyWatchPath(path) : undefined;
    const rp = resolvePath(o.registry, legacy ?? path);
    if (rp !== undefined && legacy !== undefined) return void handleResource(req, res, rp, true);
    if (rp === undefined) {
      // Outside the API, or in a group no one serves, the mux answers in plain text, as kube-apiserver's does.
      const groupServed = seg[0] === 'api' || (seg[0] === 'apis' && groupVersions(o.registry).some(([g]) => g === seg[1]));
      // A custom resource group answers unknown paths with the mux's plain 404, as kube-apiserver's CRD handler does.
      const customGroup = seg[0] === 'apis' && o.registry.resources().some((r) => r.group === seg[1] && r.custom === true);
      if (!groupServed || customGroup || (seg[0] === 'apis' && seg.length <= 2)) {
        res.status(404).type('text/plain; charset=utf-8').send('404 page not found\n');
        return;
      }
      return sendError(res, errors.notFoundPath());
    }
    void handleResource(req, res, rp);
  });
  // The last resort: a handler that threw outside the resource handler answers 500, never crashes the process.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, err));
  return app;
}
