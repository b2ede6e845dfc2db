/** Told how long one operation took, in seconds. */
export type DurationObserver = (seconds: number) => void;

/** Told a round trip to a peer (by member id) and how long it took, in seconds. */
export type RoundTripObserver = (peer: bigint, seconds: number) => void;

export type { PeerTraffic } from '../raft/transport/context.js';

const ignoreDuration: DurationObserver = () => undefined;
const ignoreRoundTrip: RoundTripObserver = () => undefined;

/**
 * What a member counts about its own work, for the metrics the wire edge serves
 * (storage/http/metrics.ts): plain counters it reads when scraped, and hooks it points
 * at its histograms. The member's lower layers (the Raft log, the backend, the peer
 * transport) call the hooks through callbacks the member hands them, so they know
 * nothing of metrics. Until the edge sets a hook, its reports are dropped.
 */
export class MemberStats {
  /** Proposals made and not yet applied or failed (etcd_server_proposals_pending). */
  proposalsPending = 0;
  /**
   * Proposals that failed to be applied: refused by Raft, timed out, or lost with a
   * leader (etcd_server_proposals_failed_total). A request the applier refuses (a failed
   * permission check) was applied, and is not one.
   */
  proposalsFailed = 0;
  /** Each durable sync of the member's log (etcd_disk_wal_fsync_duration_seconds). */
  walSync: DurationObserver = ignoreDuration;
  /** Each commit of the MVCC backend (etcd_disk_backend_commit_duration_seconds). */
  backendCommit: DurationObserver = ignoreDuration;
  /** Each probe of a peer's round trip (etcd_network_peer_round_trip_time_seconds). */
  peerRoundTrip: RoundTripObserver = ignoreRoundTrip;
}
