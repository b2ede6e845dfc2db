import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreServer } from '../server/store-server.js';
import { ETCD_API_VERSION, ETCD_CLUSTER_VERSION, KITE_VERSION } from '../version.js';
import { Gateway } from './gateway.js';
import type { StoreMetrics } from './metrics.js';
import { requestCommonName } from '../grpc/http2-server.js';
import type { ClientHooks } from '../grpc/client-observer.js';

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The HTTP/1.1 side of a client port: /health, /version, /metrics and the JSON gateway. */
export function httpHandler(store: StoreServer, gateway: Gateway, metrics: StoreMetrics, hooks?: ClientHooks): (req: IncomingMessage, res: ServerResponse) => void {
  const metricsAndHealth = metricsHandler(store, metrics);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (Gateway.matches(path)) {
      // etcd refuses gateway requests that carry a named client certificate when auth and
      // --client-cert-auth are on: the gateway never uses a certificate's CN as the user.
      if (path.startsWith('/v3/') && store.auth.store.isEnabled && store.config.auth?.clientCertAuth === true && requestCommonName(req) !== '') {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end('CommonName of client sending a request against gateway will be ignored and not used as expected\n');
        return;
      }
      gateway.handle(req, res, path);
      return;
    }
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/version' && isGet) {
      send(res, 200, { etcdserver: ETCD_API_VERSION, etcdcluster: ETCD_CLUSTER_VERSION, kite: KITE_VERSION });
      return;
    }
    // An extra handler set from outside the store (the insight page of `kite store`).
    if (hooks?.http?.(req, res) === true) return;
    metricsAndHealth(req, res);
  };
}

/** /metrics and /health, which --listen-metrics-urls serve on their own; 404 for anything else. */
export function metricsHandler(store: StoreServer, metrics: StoreMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/health' && isGet) {
      // etcd 3.4's rule: healthy without alarms, with a leader, and when a read through the
      // log succeeds; its body says only whether (no reason field, unlike 3.5).
      const probe = store.alarmList().length > 0 ? Promise.reject(new Error('alarm')) : store.probeHealth();
      probe.then(
        () => send(res, 200, { health: 'true' }),
        () => {
          // etcd answers an unhealthy member with Go's http.Error: plain text, a newline after.
          res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
          res.end(`${JSON.stringify({ health: 'false' })}\n`);
        },
      );
      return;
    }
    if (path === '/metrics' && isGet) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => send(res, 500, { error: String(err) }),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  };
}
