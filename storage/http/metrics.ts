import { collectDefaultMetrics, Counter, exponentialBuckets, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { status as Status } from '@grpc/grpc-js';
import type { WatchableStore } from '../mvcc/watchable-store.js';
import type { StoreServer } from '../server/store-server.js';
import { toServiceError } from '../grpc/errors.js';
import type { StreamCall, StreamHandler } from '../grpc/http2-server.js';
import { invoke, type UnaryHandler } from '../grpc/unary.js';

/** gRPC status codes by number, named as grpc-go's codes.Code prints them (go-grpc-prometheus's grpc_code). */
const GRPC_CODE_NAMES: readonly string[] = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

function codeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? String(code);
}

/** go-grpc-prometheus's grpc_type of a streaming method. */
export type StreamType = 'bidi_stream' | 'server_stream';

/**
 * The status etcd 3.4's handler ends a stream with when the client goes away first, as its
 * metrics count it, where that is not Canceled (the error its receive or send then returns):
 * LeaseKeepAlive returns what its server-side context says, which etcd turns into "no
 * leader" (Unavailable) for a cancelled context.
 */
const CANCELLED_STREAM_CODE: Readonly<Record<string, number>> = {
  'etcdserverpb.Lease/LeaseKeepAlive': Status.UNAVAILABLE,
};

/** etcd's WAL fsync and backend commit buckets: 1 ms doubling to about 8 s. */
const DISK_BUCKETS = exponentialBuckets(0.001, 2, 14);
/** etcd's peer round trip buckets: 0.1 ms doubling to about 3.3 s. */
const ROUND_TRIP_BUCKETS = exponentialBuckets(0.0001, 2, 16);

/**
 * A member's Prometheus metrics, with etcd's and go-grpc-prometheus's names and types:
 * RPCs started and handled by service, method and code (streams included), leadership,
 * proposals, database size and keys, WAL fsync and backend commit latencies, and peer
 * traffic and round trips. The member counts in plain numbers (MemberStats) and this
 * reads them when scraped; its timings arrive through hooks this points at histograms.
 * One StoreMetrics per member: a second would take the member's hooks over.
 */
export class StoreMetrics {
  readonly registry = new Registry();
  /** Per method: plain counts, moved into the metrics above when they are read. */
  private readonly calls: CallStats[] = [];

  constructor(store: StoreServer, watchable: WatchableStore) {
    const registers = [this.registry];
    const calls = this.calls;
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
      registers,
      collect() {
        // Every code of every method, as go-grpc-prometheus initializes them: zeros included.
        for (const c of calls) c.takeHandled().forEach((n, code) => this.inc({ ...c.labels, grpc_code: codeName(code) }, n));
      },
    });
    new Counter({
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
    /** A counter whose total the member keeps: set to it when read. */
    const total = (name: string, help: string, value: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    };
    gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', () => store.kv.storage.sizeOnDisk());
    gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', () => store.kv.storage.sizeInUse());
    gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', () => store.kv.keyCount);
    gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.', () => store.kv.revision);
    gauge('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', () => store.kv.compactRevision);
    gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', () => watchable.watcherCount);
    gauge('etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', () => watchable.unsyncedCount);
    gauge('etcd_debugging_lease_total', 'The number of current leases.', () => store.leaseIds().length);
    gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', () => (store.leaderId !== 0n ? 1 : 0));
    gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', () => (store.leaderId === store.memberId ? 1 : 0));
    gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', () => (store.isLearner ? 1 : 0));
    total('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.', () => store.leaderChanges);
    // etcd's proposal metrics: committed and applied are the log indexes (gauges named _total).
    gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', () => store.committedIndex);
    gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.', () => store.lastAppliedIndex);
    gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.', () => store.stats.proposalsPending);
    total('etcd_server_proposals_failed_total', 'The total number of failed proposals seen.', () => store.stats.proposalsFailed);
    gauge('etcd_server_quota_backend_bytes', 'Current backend storage quota size in bytes.', () => store.config.quotaBackendBytes);

    const walFsync = new Histogram({
      name: 'etcd_disk_wal_fsync_duration_seconds',
      help: 'The latency distributions of fsync called by WAL.',
      buckets: DISK_BUCKETS,
      registers,
    });
    const backendCommit = new Histogram({
      name: 'etcd_disk_backend_commit_duration_seconds',
      help: 'The latency distributions of commit called by backend.',
      buckets: DISK_BUCKETS,
      registers,
    });
    const roundTrip = new Histogram({
      name: 'etcd_network_peer_round_trip_time_seconds',
      help: 'Round-Trip-Time histogram between peers',
      labelNames: ['To'],
      buckets: ROUND_TRIP_BUCKETS,
      registers,
    });
    store.stats.walSync = (seconds) => walFsync.observe(seconds);
    store.stats.backendCommit = (seconds) => backendCommit.observe(seconds);
    store.stats.peerRoundTrip = (peer, seconds) => roundTrip.observe({ To: peer.toString(16) }, seconds);
    const peerBytes = (name: string, help: string, label: 'To' | 'From', side: 'sent' | 'received'): void => {
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [id, bytes] of store.peerTraffic()[side]) this.inc({ [label]: id }, bytes);
        },
      });
    };
    peerBytes('etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.', 'To', 'sent');
    peerBytes('etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.', 'From', 'received');
  }

  /**
   * Wraps a unary handler of service (its full gRPC name) so that each call is counted and
   * timed. The counts are plain numbers, moved into prom-client when /metrics is read (errors
   * included, so that the metric has one source): prom-client hashes the label set on every
   * update, which cost a busy member 3.5% of its CPU.
   */
  instrument<Req>(service: string, method: string, handler: UnaryHandler<Req>): UnaryHandler<Req> {
    const stats = this.method('unary', service, method);
    return (req, size, creds) => {
      stats.started++;
      const t0 = performance.now();
      return invoke(handler, req, size, creds).then(
        (res) => {
          stats.handled(Status.OK);
          stats.observe((performance.now() - t0) / 1000);
          return res;
        },
        (err: unknown) => {
          stats.handled(toServiceError(err).code ?? Status.UNKNOWN);
          stats.observe((performance.now() - t0) / 1000);
          throw err;
        },
      );
    };
  }

  /**
   * Wraps a streaming handler so that each call is counted when it starts and when it ends:
   * with the status it ended with, or, when the client went away first, the status etcd's
   * handler returns then (CANCELLED_STREAM_CODE).
   */
  instrumentStream(type: StreamType, service: string, method: string, handler: StreamHandler): StreamHandler {
    const stats = this.method(type, service, method);
    const cancelledCode = CANCELLED_STREAM_CODE[`${service}/${method}`] ?? Status.CANCELLED;
    return (call: StreamCall) => {
      stats.started++;
      let isCounted = false;
      const ended = (code: number): void => {
        if (isCounted) return;
        isCounted = true;
        stats.handled(code);
      };
      call.once('finish', () => ended(call.statusCode()));
      call.once('cancelled', () => ended(cancelledCode));
      call.once('close', () => ended(call.writableFinished ? call.statusCode() : cancelledCode));
      handler(call);
    };
  }

  private method(type: string, service: string, method: string): CallStats {
    const stats = new CallStats({ grpc_type: type, grpc_service: service, grpc_method: method });
    this.calls.push(stats);
    return stats;
  }
}

/** go-grpc-prometheus's latency buckets as etcd's histograms use them, in seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type CallLabels = { grpc_type: string; grpc_service: string; grpc_method: string };

/** One method's calls: counts since the last read, and (unary) its latency histogram. */
class CallStats {
  started = 0;
  /** Completed calls since the last read, by status code. */
  private readonly handledByCode = new Float64Array(GRPC_CODE_NAMES.length);
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

  handled(code: number): void {
    // A code outside gRPC's (never sent by Kite) is counted as Unknown.
    this.handledByCode[code >= 0 && code < this.handledByCode.length ? code : Status.UNKNOWN]!++;
  }

  takeStarted(): number {
    const n = this.started;
    this.started = 0;
    return n;
  }

  /** Completed calls by status code since the last read (index = code), then zeroed. */
  takeHandled(): number[] {
    const out = [...this.handledByCode];
    this.handledByCode.fill(0);
    return out;
  }
}

/** grpc_server_handling_seconds, read from the per-method stats (a prom-client collector of our own). */
function latencyHistogram(calls: readonly CallStats[]): { name: string; help: string; type: string; aggregator: string; get(): Promise<unknown>; reset(): void } {
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
