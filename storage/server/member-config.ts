import { join } from 'node:path';
import type { AuthOptions } from '../auth/member-auth.js';
import type { TlsProtocol, TlsSettings } from '../tls/tls-settings.js';

/** A member's configuration: etcd's flags, already parsed and checked. */
export interface MemberConfig {
  readonly name: string;
  readonly dataDir: string;
  /** etcd's --wal-dir: where the Raft log's WAL lives; empty for <data-dir>/raft/wal. */
  readonly walDir?: string;
  readonly listenClientUrls: readonly string[];
  readonly advertiseClientUrls: readonly string[];
  readonly listenPeerUrls: readonly string[];
  readonly initialAdvertisePeerUrls: readonly string[];
  /** name -> peer URLs, from --initial-cluster. */
  readonly initialCluster: ReadonlyMap<string, readonly string[]>;
  readonly initialClusterState: 'new' | 'existing';
  readonly initialClusterToken: string;
  /** Largest write request accepted, in bytes (etcd's --max-request-bytes). */
  readonly maxRequestBytes: number;
  /** Most operations in one Txn (etcd's --max-txn-ops). */
  readonly maxTxnOps: number;
  /** Raft election timeout in ms (etcd's --election-timeout); the minimum lease TTL derives from it. */
  readonly electionTimeoutMs: number;
  /** Raft heartbeat interval in ms (etcd's --heartbeat-interval). */
  readonly heartbeatIntervalMs: number;
  /** Applied entries between Raft snapshots (etcd's --snapshot-count). */
  readonly snapshotCount?: number;
  /** Log entries kept behind a Raft snapshot for slow followers (etcd's --experimental-snapshot-catchup-entries). */
  readonly snapshotCatchUpEntries?: number;
  /** Space quota in bytes; writes past it raise the NOSPACE alarm. 0: no quota. */
  readonly quotaBackendBytes: number;
  /** etcd's --auto-compaction-mode and --auto-compaction-retention, parsed; undefined: off. */
  readonly autoCompaction?: { readonly mode: 'periodic'; readonly retentionMs: number } | { readonly mode: 'revision'; readonly retention: number };
  /** Interval of progress notifications to watchers that asked for them (ms). */
  readonly watchProgressNotifyIntervalMs?: number;
  /** Skip fsync: benchmarks of the write path only, never for real data. */
  readonly unsafeNoFsync: boolean;
  /**
   * etcd's --strict-reconfig-check (on unless false): refuse a membership change that would
   * leave the cluster without a working quorum (storage/server/reconfig-check.ts).
   */
  readonly strictReconfigCheck?: boolean;
  /**
   * etcd's --force-new-cluster: restarted on a data dir with a Raft log, the member discards
   * uncommitted entries and commits the removal of every other member (force-new-cluster.ts).
   */
  readonly forceNewCluster?: boolean;
  /** Compare this member's data with its peers' before joining in (--experimental-initial-corrupt-check). */
  readonly initialCorruptCheck?: boolean;
  /** Raft's pre-vote phase (--pre-vote); default on. */
  readonly preVote?: boolean;
  /** How long a cluster member holds applied writes before committing them (--backend-batch-interval); 0 or absent: 100 ms. */
  readonly backendBatchIntervalMs?: number;
  /** Skip the check of peer certificates' SANs against their address (--experimental-peer-skip-client-san-verification). */
  readonly peerSkipClientSanVerification?: boolean;
  /** Extra http URLs serving /metrics and /health only (--listen-metrics-urls). */
  readonly listenMetricsUrls?: readonly string[];
  /** TLS of the https client URLs (--cert-file, ...); absent: none. */
  readonly clientTls?: TlsSettings;
  /** TLS of the https peer URLs and of connections to peers (--peer-cert-file, ...); absent: none. */
  readonly peerTls?: TlsSettings;
  /** --cipher-suites and --tls-min-version; absent: Node's defaults from TLS 1.2 up. */
  readonly tlsProtocol?: TlsProtocol;
  /** --auth-token, --auth-token-ttl, --bcrypt-cost, --client-cert-auth; absent: etcd's defaults. */
  readonly auth?: AuthOptions;
}

/** etcd's defaults for a member started with no flags. */
export const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's default space quota (used when --quota-backend-bytes is 0). */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

/** The directory of a member's WAL: --wal-dir, or <data-dir>/raft/wal. */
export function walDirOf(config: Pick<MemberConfig, 'dataDir' | 'walDir'>): string {
  return config.walDir !== undefined && config.walDir !== '' ? config.walDir : join(config.dataDir, 'raft', 'wal');
}
