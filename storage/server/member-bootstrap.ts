// How a member starts: from its data dir (a restart), as a founder of a new cluster, by
// joining a running one, or by converting the store of an earlier single-member version;
// and --force-new-cluster on a restart. Configurations that contradict the data dir or the
// cluster are refused here, before the member runs.
import type { KvStore } from '../mvcc/kv-store.js';
import type { NodeId } from '../raft/core/messages.js';
import type { DiskLogStorage } from '../raft/disk-storage.js';
import type { TlsMaterial } from '../tls/tls-material.js';
import { fetchClusterMembers, type ClusterView } from './cluster-join.js';
import { forceNewCluster } from './force-new-cluster.js';
import type { MemberConfig } from './member-config.js';
import { ConfigError } from './member-flags.js';
import { computeMemberId, formatMemberId, newClusterMembers } from './member-id.js';
import type { ComponentLog } from './member-log.js';
import { fromStored, type MemberInfo } from './member-types.js';

export interface StartPlan {
  readonly identity: { memberId: bigint; clusterId: bigint };
  /** Membership to record (a fresh member); undefined on a restart. */
  readonly members?: MemberInfo[];
  /** The founding voters to bootstrap the log with (a new cluster's fresh member). */
  readonly founding?: NodeId[];
}

/** Decides how this member starts, and refuses a configuration that contradicts the data or the cluster. */
export async function planStart(config: MemberConfig, storage: DiskLogStorage, kv: KvStore, peerTls: TlsMaterial | undefined): Promise<StartPlan> {
  const stored = kv.storage.getMeta<{ memberId: string; clusterId: string; token: string }>('identity');
  if (!storage.isEmpty()) {
    if (stored === undefined) throw new ConfigError(`data dir ${config.dataDir} has a raft log but no member identity; it is damaged`);
    return { identity: { memberId: BigInt(stored.memberId), clusterId: BigInt(stored.clusterId) } };
  }
  if (stored !== undefined || kv.revision > 1) return convertLoneStore(config, stored);
  // (buildMemberConfig has checked that --initial-cluster names this member with its own URLs.)
  if (config.initialClusterState === 'new') {
    const { members, clusterId } = newClusterMembers(config.initialCluster, config.initialClusterToken);
    const ids = members.map((m) => m.id);
    if (new Set(ids).size !== ids.length) throw new ConfigError('--initial-cluster names two members with the same peer URLs');
    const memberId = computeMemberId(config.initialAdvertisePeerUrls, config.initialClusterToken);
    const founding = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { identity: { memberId, clusterId }, members, founding };
  }
  // Joining: the cluster must already list this member (added with `member add`).
  const peers = [...config.initialCluster].filter(([name]) => name !== config.name).flatMap(([, urls]) => urls);
  const listsMe = (v: ClusterView): boolean => v.members.some((m) => sameUrls(m.peerUrls, config.initialAdvertisePeerUrls));
  const view = await fetchClusterMembers(peers, undefined, peerTls, listsMe);
  const members = view.members.map(fromStored);
  const me = members.find((m) => sameUrls(m.peerUrls, config.initialAdvertisePeerUrls));
  if (me === undefined) {
    throw new ConfigError(
      `the cluster (${peers.join(', ')}) has no member with peer URLs ${config.initialAdvertisePeerUrls.join(',')}; add it first with \`etcdctl member add ${config.name} --peer-urls=${config.initialAdvertisePeerUrls.join(',')}\``,
    );
  }
  if (me.name !== '' && me.name !== config.name) {
    throw new ConfigError(`the cluster already has a started member ${me.name} with these peer URLs`);
  }
  return { identity: { memberId: me.id, clusterId: BigInt(view.clusterId) }, members };
}

/**
 * A data dir with a store but no Raft log is a single-member store of an earlier version,
 * which applied writes with no log. It becomes a one-voter cluster keeping its data and its
 * identity; it can grow from there with `member add`, so it is never a new member of a
 * larger cluster.
 */
function convertLoneStore(config: MemberConfig, stored: { memberId: string; clusterId: string } | undefined): StartPlan {
  if (config.initialCluster.size > 1 || config.initialClusterState === 'existing') {
    throw new ConfigError(
      `data dir ${config.dataDir} holds a single-member store; start it alone and grow it with \`etcdctl member add\`, or give this member an empty --data-dir`,
    );
  }
  const { members, clusterId } = newClusterMembers(config.initialCluster, config.initialClusterToken);
  // The ids it was first started with stand, even if its peer URLs or token changed since.
  const identity = stored === undefined ? { memberId: members[0]!.id, clusterId } : { memberId: BigInt(stored.memberId), clusterId: BigInt(stored.clusterId) };
  return { identity, members: [{ ...members[0]!, id: identity.memberId }], founding: [identity.memberId] };
}

/** Forces the new cluster (force-new-cluster.ts) and says what it did, in etcd's words. */
export async function forceNewClusterAndLog(config: MemberConfig, storage: DiskLogStorage, kv: KvStore, identity: { memberId: bigint; clusterId: bigint }, log: ComponentLog): Promise<void> {
  const forced = await forceNewCluster(storage, identity.memberId, kv.storage.getMeta<number>('consistentIndex') ?? 0);
  const ids = { 'local-member-id': formatMemberId(identity.memberId), 'cluster-id': formatMemberId(identity.clusterId) };
  log('info', 'forcing restart member', { ...ids, 'data-dir': config.dataDir, 'commit-index': forced.commit });
  if (forced.discarded > 0) log('info', 'discarding uncommitted WAL entries', { count: forced.discarded, 'commit-index': forced.commit });
  for (const id of forced.removed) log('info', 'appending a committed entry that removes member', { ...ids, 'removed-member-id': formatMemberId(id) });
  if (forced.addedSelf) log('info', 'appending a committed entry that adds this member as a voter', ids);
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].map(normalizeUrl).sort();
  const y = [...b].map(normalizeUrl).sort();
  return x.length === y.length && x.every((u, i) => u === y[i]);
}

function normalizeUrl(u: string): string {
  try {
    return new URL(u).toString().replace(/\/$/, '');
  } catch {
    return u;
  }
}
