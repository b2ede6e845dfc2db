/**
 * Counts and logs every request once it is answered: apiserver_request_total
 * and apiserver_request_duration_seconds with kube-apiserver's labels, the
 * in-flight gauge while it runs, and one structured log line (verb, path,
 * user when known, code, latency). Watches and streams (logs, exec, proxies) are counted
 * when they end, and not among the requests in flight.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../metrics.js';
import { userOf } from './authentication.js';
import { infoOf } from './request-info.js';

const mutating = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);

/** Subresources whose requests last as long as a stream does, as kube-apiserver's long-running check counts them. */
const longRunningSubresources = new Set(['attach', 'exec', 'log', 'portforward', 'proxy']);

export function observeFilter(metrics: ApiMetrics, log: Logger | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const info = infoOf(res);
    const kind = info !== undefined && mutating.has(info.verb) ? 'mutating' : 'readOnly';
    const longRunning = info?.verb === 'watch' || longRunningSubresources.has(info?.subresource ?? '');
    if (!longRunning) metrics.inflight.inc({ request_kind: kind });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (!longRunning) metrics.inflight.dec({ request_kind: kind });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const code = res.statusCode;
      if (info?.isResourceRequest === true) {
        const labels = {
          verb: info.verb.toUpperCase() === 'CREATE' ? 'POST' : info.verb === 'update' ? 'PUT' : info.verb.toUpperCase(),
          dry_run: typeof req.query['dryRun'] === 'string' ? req.query['dryRun'] : '',
          group: info.group,
          version: info.version,
          resource: info.resource,
          subresource: info.subresource,
          scope: info.name !== '' ? 'resource' : info.namespace !== '' ? 'namespace' : 'cluster',
          component: 'apiserver',
        };
        metrics.requests.inc({ ...labels, code: String(code) });
        metrics.duration.observe(labels, seconds);
      }
      const entry = { verb: info?.verb ?? req.method.toLowerCase(), uri: req.originalUrl, user: userOf(res)?.name, userAgent: req.headers['user-agent'], code, latencyMs: Math.round(seconds * 1e6) / 1e3 };
      const internal = res.locals['internalError'] as unknown;
      // A failure of Kite's own, not the client's: logged with its stack whatever the level.
      if (internal !== undefined) log?.error({ ...entry, err: internal }, 'request failed inside the server');
      else log?.info(entry, 'request');
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}
