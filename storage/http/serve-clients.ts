import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WatchableStore } from '../mvcc/watchable-store.js';
import type { StoreServer } from '../server/store-server.js';
import { Gateway } from './gateway.js';
import { httpHandler, metricsHandler } from './http-handler.js';
import { StoreMetrics } from './metrics.js';
import { ClientListener, parseListenUrl } from './client-listener.js';
import { clusterHandlers } from '../grpc/cluster-service.js';
import { kvHandlers } from '../grpc/kv-service.js';
import { leaseHandlers, leaseKeepAlive } from '../grpc/lease-service.js';
import { maintenanceHandlers, snapshotStream } from '../grpc/maintenance-service.js';
import { GrpcServer, type StreamHandler } from '../grpc/http2-server.js';
import { etcdService, healthService, preEncodedKey, type EtcdServiceName } from '../grpc/proto.js';
import { healthHandlers, healthWatch } from '../grpc/health-service.js';
import { invoke, type AnyUnaryHandler, type UnaryHandler, type Wire } from '../grpc/unary.js';
import type { RangeRequest } from '../server/kv-requests.js';
import type { ClientHooks } from '../grpc/client-observer.js';
import { toServiceError } from '../grpc/errors.js';
import { watchStream } from '../grpc/watch-service.js';
import { authHandlers } from '../grpc/auth-service.js';
import { serverTlsOptions, type TlsMaterial } from '../tls/tls-material.js';
import { StorageError } from '../errors.js';

/** The gRPC health service's full name. */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** etcd adds this much room above --max-request-bytes for gRPC framing. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** A member's client side: gRPC services and the HTTP endpoints, on every listen URL. */
export interface ClientServer {
  /** The ports actually bound, one per listen URL (useful with port 0). */
  readonly ports: readonly number[];
  /** The ports of --listen-metrics-urls, in order. */
  readonly metricsPorts: readonly number[];
  readonly watchable: WatchableStore;
  readonly metrics: StoreMetrics;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** A watchable store to share with in-process clients; one is made if absent. */
  readonly watchable?: WatchableStore;
  /** The certificate of the https listen URLs. */
  readonly tls?: TlsMaterial;
  /** An observer of served calls and an extra HTTP handler, set from outside the store (bin/). */
  readonly hooks?: ClientHooks;
}

/**
 * etcd's rule for learners: they answer Maintenance.Status and serializable ranges only;
 * every other request gets "rpc not supported for learner" (gRPC and the JSON gateway alike).
 */
function learnerGate<Req>(store: StoreServer, service: EtcdServiceName | 'Health', method: string, handler: UnaryHandler<Req>): UnaryHandler<Req> {
  const alwaysServed = service === 'Maintenance' && method === 'Status';
  const rangeMethod = service === 'KV' && method === 'Range';
  if (alwaysServed) return handler;
  return (req, size, creds) => {
    // A Range's request is the RangeRequest its decoder gave (kv-request-decode).
    if (store.isLearner && !(rangeMethod && (req as RangeRequest).serializable)) throw new StorageError('NotSupportedForLearner');
    return handler(req, size, creds);
  };
}

/**
 * A KV handler that reports each call to the hooks' observer while it observes; otherwise
 * it costs one boolean test. The user is worked out again only then.
 */
function observed<Req>(store: StoreServer, hooks: ClientHooks, method: string, handler: UnaryHandler<Req>): UnaryHandler<Req> {
  const codec = etcdService('KV')[method];
  return (req, size, creds) => {
    if (!hooks.isObserving) return handler(req, size, creds);
    const started = performance.now();
    const report = (response: Wire | undefined, err: unknown): void => {
      const ms = performance.now() - started;
      const user = store.auth.store.isEnabled ? Promise.resolve(store.callerOf(creds)).then((c) => c.username, () => '') : Promise.resolve('');
      void user.then((name) => {
        const bytes = response?.[preEncodedKey as unknown as string] as Buffer | undefined;
        const decoded = bytes !== undefined && codec !== undefined ? (codec.responseDeserialize(bytes) as Wire) : response;
        hooks.observer?.served({
          service: 'KV',
          method,
          via: creds.viaGateway === true ? 'gateway' : 'grpc',
          peer: creds.peer ?? '',
          user: name,
          request: req,
          ms,
          ...(decoded === undefined ? {} : { response: decoded }),
          ...(err === undefined ? {} : { error: toServiceError(err).details ?? String(err) }),
        });
      });
    };
    return invoke(handler as AnyUnaryHandler, req, size, creds).then(
      (res) => {
        report(res, undefined);
        return res;
      },
      (err: unknown) => {
        report(undefined, err);
        throw err;
      },
    );
  };
}

/** Serves store on each of its --listen-client-urls: gRPC, the JSON gateway, /health, /version and /metrics. */
export async function serveClients(store: StoreServer, options: ServeOptions = {}): Promise<ClientServer> {
  const watchable = options.watchable ?? new WatchableStore(store.kv);
  const ownsWatchable = options.watchable === undefined;
  const metrics = new StoreMetrics(store, watchable);
  /** Each service's handlers, each called only with what its method's decoder gives (see proto.ts). */
  type Handlers = Record<string, AnyUnaryHandler>;
  const unaryHandlers: Partial<Record<EtcdServiceName, Handlers>> = {};
  // Counted inside etcd's interceptors, as go-grpc-prometheus is: a learner's refusals are not.
  const hooks = options.hooks;
  const instrumented = (service: EtcdServiceName, all: Handlers): Handlers => {
    const out: Handlers = {};
    for (const [method, h] of Object.entries(all)) {
      const gated = learnerGate(store, service, method, metrics.instrument(`etcdserverpb.${service}`, method, h));
      out[method] = service === 'KV' && hooks !== undefined ? observed(store, hooks, method, gated) : gated;
    }
    unaryHandlers[service] = out;
    return out;
  };
  const watch = metrics.instrumentStream('bidi_stream', 'etcdserverpb.Watch', 'Watch', watchStream(store, watchable, hooks));
  const keepAlive = metrics.instrumentStream('bidi_stream', 'etcdserverpb.Lease', 'LeaseKeepAlive', leaseKeepAlive(store));
  const snapshot = metrics.instrumentStream('server_stream', 'etcdserverpb.Maintenance', 'Snapshot', snapshotStream(store));

  const gateway = new Gateway({
    unary: (service, method): AnyUnaryHandler | undefined => unaryHandlers[service]?.[method],
    watch,
    keepAlive,
    ...(hooks === undefined ? {} : { isObserving: () => hooks.isObserving }),
  });
  const http = httpHandler(store, gateway, metrics, hooks);
  // HTTP/2 requests that are not gRPC (a TLS client that negotiated h2) go to the HTTP side.
  const grpcServer = new GrpcServer({
    maxReceiveBytes: store.config.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    ...(hooks === undefined ? {} : { isObserving: () => hooks.isObserving }),
    http: (req, res) => http(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  });
  const add = (service: EtcdServiceName, unaryHandlers: Handlers, streams: Record<string, StreamHandler> = {}): void => {
    for (const [method, codec] of Object.entries(etcdService(service))) {
      const path = `/etcdserverpb.${service}/${method}`;
      const stream = streams[method];
      if (stream !== undefined) {
        grpcServer.add(path, codec, {
          kind: 'stream',
          handler: (call) => {
            // A learner serves no stream but Snapshot, as etcd's stream interceptor.
            if (store.isLearner && method !== 'Snapshot') call.fail(new StorageError('NotSupportedForLearner'));
            else stream(call);
          },
        });
      } else if (unaryHandlers[method] !== undefined) {
        grpcServer.add(path, codec, { kind: 'unary', handler: unaryHandlers[method] });
      }
    }
  };
  add('KV', instrumented('KV', kvHandlers(store)));
  add('Maintenance', instrumented('Maintenance', maintenanceHandlers(store)), { Snapshot: snapshot });
  add('Cluster', instrumented('Cluster', clusterHandlers(store)));
  add('Lease', instrumented('Lease', leaseHandlers(store)), { LeaseKeepAlive: keepAlive });
  add('Watch', {}, { Watch: watch });
  add('Auth', instrumented('Auth', authHandlers(store)));
  // etcd's interceptors stand in front of the health service too: a learner refuses it.
  const health = healthHandlers();
  const watchHealth = metrics.instrumentStream('server_stream', HEALTH_SERVICE, 'Watch', healthWatch);
  for (const [method, codec] of Object.entries(healthService())) {
    const path = `/${HEALTH_SERVICE}/${method}`;
    const unary = health[method];
    if (unary !== undefined) grpcServer.add(path, codec, { kind: 'unary', handler: learnerGate(store, 'Health', method, metrics.instrument(HEALTH_SERVICE, method, unary)) });
    else grpcServer.add(path, codec, { kind: 'stream', handler: (call) => (store.isLearner ? call.fail(new StorageError('NotSupportedForLearner')) : watchHealth(call)) });
  }

  const listener = new ClientListener(grpcServer, http, options.tls);
  const ports: number[] = [];
  const metricsServers: Server[] = [];
  const closeMetrics = (): Promise<unknown> => Promise.all(metricsServers.map((s) => new Promise((resolve) => s.close(resolve))));
  try {
    for (const url of store.config.listenClientUrls) ports.push(await listener.listen(parseListenUrl(url)));
    // --listen-metrics-urls: /metrics and /health only, as etcd serves them there.
    const onMetricsUrl = metricsHandler(store, metrics);
    for (const url of store.config.listenMetricsUrls ?? []) {
      const { hostname, port, protocol } = new URL(url);
      // etcd serves an https metrics URL with the client side's certificate and client-cert rule.
      if (protocol === 'https:' && options.tls === undefined) throw new Error(`cannot listen on TLS for ${hostname}:${port}: KeyFile and CertFile are not presented`);
      const server = protocol === 'https:' && options.tls !== undefined ? createHttpsServer(serverTlsOptions(options.tls, ['http/1.1']), onMetricsUrl) : createServer(onMetricsUrl);
      metricsServers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`listen tcp ${hostname}:${port}: ${err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message}`)));
        server.listen(Number(port), hostname.replace(/^\[|\]$/g, ''), resolve);
      });
    }
  } catch (err) {
    if (ownsWatchable) watchable.close();
    await listener.close();
    await closeMetrics();
    throw err;
  }
  return {
    ports,
    metricsPorts: metricsServers.map((s) => (s.address() as AddressInfo).port),
    watchable,
    metrics,
    close: async () => {
      if (ownsWatchable) watchable.close();
      await listener.close();
      await closeMetrics();
    },
  };
}
