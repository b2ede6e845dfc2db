import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { status as Status } from '@grpc/grpc-js';
import type { WatchableStore } from '../mvcc/watchable-store.js';
import type { StoreServer } from '../server/store-server.js';
import { toServiceError } from '../grpc/errors.js';
import type { UnaryHandler } from '../grpc/unary.js';

const codeNames = new Map<number, string>(
  Object.entries(Status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('').replace(/^Ok$/, 'OK')]),
);

/**
 * A member's Prometheus metrics, with etcd's and go-grpc-prometheus's names where
 * they exist: RPC counts and latencies by service, method and code, database size,
 * revisions, watchers and leases.
 */
export class StoreMetrics {
  readonly registry = new Registry();
  private readonly handled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly seconds: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly streams: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;

  constructor(store: StoreServer, watchable: WatchableStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.handled = new Counter({ name: 'grpc_server_handled_total', help: 'Total number of RPCs completed on the server, regardless of success or failure.', labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'], registers });
    this.seconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.streams = new Counter({ name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.', labelNames: ['grpc_type', 'grpc_service', 'grpc_method'], registers });
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(value()); } });
    };
    gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', () => store.kv.storage.sizeOnDisk());
    gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', () => store.kv.storage.sizeInUse());
    gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.', () => store.kv.revision);
    gauge('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', () => store.kv.compactRevision);
    gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', () => watchable.watcherCount);
    gauge('etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', () => watchable.unsyncedCount);
    gauge('etcd_debugging_lease_total', 'The number of current leases.', () => store.leaseIds().length);
    gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', () => 1);
  }

  /** Wraps a unary handler so that each call is counted and timed (label children resolved once, not per call). */
  instrument(service: string, method: string, handler: UnaryHandler): UnaryHandler {
    const labels = { grpc_type: 'unary', grpc_service: `etcdserverpb.${service}`, grpc_method: method };
    const started = this.streams.labels(labels);
    const latency = this.seconds.labels(labels);
    const handledOk = this.handled.labels({ ...labels, grpc_code: 'OK' });
    const observe = (t0: number): void => latency.observe((performance.now() - t0) / 1000);
    return async (req, size) => {
      started.inc();
      const t0 = performance.now();
      try {
        const res = await handler(req, size);
        handledOk.inc();
        observe(t0);
        return res;
      } catch (err) {
        const code = toServiceError(err).code ?? Status.UNKNOWN;
        this.handled.inc({ ...labels, grpc_code: codeNames.get(code) ?? String(code) });
        observe(t0);
        throw err;
      }
    };
  }

  /** Counts a started stream (Watch, LeaseKeepAlive). */
  streamStarted(service: string, method: string): void {
    this.streams.inc({ grpc_type: 'bidi_stream', grpc_service: `etcdserverpb.${service}`, grpc_method: method });
  }
}
