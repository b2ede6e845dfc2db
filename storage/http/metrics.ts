import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { status as Status } from '@grpc/grpc-js';
import type { WatchableStore } from '../mvcc/watchable-store.js';
import type { StoreServer } from '../server/store-server.js';
import { toServiceError } from '../grpc/errors.js';
import { invoke, type UnaryHandler } from '../grpc/unary.js';

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
  private readonly streams: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  /** Per unary method: plain counts, moved into the metrics above when they are read. */
  private readonly unaryCalls: UnaryCallStats[] = [];

  constructor(store: StoreServer, watchable: WatchableStore) {
    const registers = [this.registry];
    const calls = this.unaryCalls;
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
      registers,
      collect() {
        for (const c of calls) for (const [code, n] of c.takeHandled()) this.inc({ ...c.labels, grpc_code: code }, n);
      },
    });
    this.streams = new Counter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
      registers,
      collect() {
        for (const c of calls) this.inc(c.labels, c.takeStarted());
      },
    });
    this.registry.registerMetric(latencyHistogram(calls) as unknown as Metric);
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
    gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', () => (store.leaderId !== 0n ? 1 : 0));
    gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', () => (store.leaderId === store.memberId ? 1 : 0));
    gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', () => (store.isLearner ? 1 : 0));
    new Counter({
      name: 'etcd_server_leader_changes_seen_total',
      help: 'The number of leader changes seen.',
      registers,
      collect() {
        this.reset();
        this.inc(store.leaderChanges);
      },
    });
  }

  /**
   * Wraps a unary handler so that each call is counted and timed. The counts are plain
   * numbers, moved into prom-client when /metrics is read (errors included, so that the
   * metric has one source): prom-client hashes the label set on every update, which cost
   * a busy member 3.5% of its CPU.
   */
  instrument(service: string, method: string, handler: UnaryHandler): UnaryHandler {
    const stats = new UnaryCallStats({ grpc_type: 'unary', grpc_service: `etcdserverpb.${service}`, grpc_method: method });
    this.unaryCalls.push(stats);
    return (req, size, creds) => {
      stats.started++;
      const t0 = performance.now();
      return invoke(handler, req, size, creds).then(
        (res) => {
          stats.handledOk++;
          stats.observe((performance.now() - t0) / 1000);
          return res;
        },
        (err: unknown) => {
          const code = toServiceError(err).code ?? Status.UNKNOWN;
          stats.failed(codeNames.get(code) ?? String(code));
          stats.observe((performance.now() - t0) / 1000);
          throw err;
        },
      );
    };
  }

  /** Counts a started stream (Watch, LeaseKeepAlive). */
  streamStarted(service: string, method: string): void {
    this.streams.inc({ grpc_type: 'bidi_stream', grpc_service: `etcdserverpb.${service}`, grpc_method: method });
  }
}

/** go-grpc-prometheus's latency buckets as etcd's histograms use them, in seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type CallLabels = { grpc_type: string; grpc_service: string; grpc_method: string };

/** One unary method's calls: counts since the last read, and its latency histogram. */
class UnaryCallStats {
  started = 0;
  /** Completed calls: OK apart (nearly every call), the others by code name. */
  handledOk = 0;
  private readonly handledFailed = new Map<string, number>();
  /** Calls per latency bucket (the last is +Inf), not cumulative. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: CallLabels) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  takeStarted(): number {
    const n = this.started;
    this.started = 0;
    return n;
  }

  failed(code: string): void {
    this.handledFailed.set(code, (this.handledFailed.get(code) ?? 0) + 1);
  }

  /** Completed calls by code name since the last read. */
  takeHandled(): Array<[code: string, calls: number]> {
    const out: Array<[string, number]> = [['OK', this.handledOk], ...this.handledFailed];
    this.handledOk = 0;
    this.handledFailed.clear();
    return out;
  }
}

/** grpc_server_handling_seconds, read from the per-method stats (a prom-client collector of our own). */
function latencyHistogram(calls: readonly UnaryCallStats[]): { name: string; help: string; type: string; aggregator: string; get(): Promise<unknown>; reset(): void } {
  const name = 'grpc_server_handling_seconds';
  const help = 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
      for (const c of calls) {
        if (c.count === 0) continue;
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          cumulative += c.buckets[i]!;
          values.push({ labels: { ...c.labels, le }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${name}_bucket` });
        values.push({ labels: c.labels, value: c.sum, metricName: `${name}_sum` });
        values.push({ labels: c.labels, value: c.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset: () => undefined,
  };
}
