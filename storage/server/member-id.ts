import { createHash } from 'node:crypto';
import type { MemberInfo } from './member-types.js';

/**
 * A member's id as etcd derives it: the first 8 bytes (big-endian) of the SHA-1 of
 * its sorted peer URLs, the cluster token, and, for members added at run time, the
 * time they were added in Unix seconds. So a Kite member started with the same
 * flags as an etcd member gets the same id.
 */
export function computeMemberId(peerUrls: readonly string[], clusterToken: string, addedAtUnixSeconds?: number): bigint {
  const parts = [...peerUrls].sort().join('') + clusterToken + (addedAtUnixSeconds === undefined ? '' : String(addedAtUnixSeconds));
  return createHash('sha1').update(parts).digest().readBigUInt64BE(0);
}

/** The cluster id as etcd derives it: SHA-1 over the sorted member ids, 8 bytes each. */
export function computeClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(buf).digest().readBigUInt64BE(0);
}

/** A member id as etcd prints it: lowercase hex without leading zeros. */
export function formatMemberId(id: bigint): string {
  return id.toString(16);
}

/**
 * The members of a new cluster bootstrapped from an initial cluster (name -> peer URLs) and
 * token, in its order, with their ids and the cluster's id, as etcd derives them.
 */
export function newClusterMembers(initialCluster: ReadonlyMap<string, readonly string[]>, clusterToken: string): { members: MemberInfo[]; clusterId: bigint } {
  const members = [...initialCluster].map(([name, urls]) => ({ id: computeMemberId(urls, clusterToken), name, peerUrls: [...urls], clientUrls: [], isLearner: false }));
  return { members, clusterId: computeClusterId(members.map((m) => m.id)) };
}
