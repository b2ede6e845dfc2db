// `kite snapshot restore` with etcdctl's flags: a data dir built from a snapshot that starts
// as a member of a new cluster whose membership the flags give. As etcdctl does, every member
// restored from the same snapshot with the same --initial-cluster and token gets the same
// data, the same member ids and cluster id, and a fresh log holding only the membership, so
// the members started on those data dirs form one cluster.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from '../mvcc/backend.js';
import { ConfChangeType, encodeConfChange } from '../raft/core/conf-change.js';
import { EntryType, NONE, type Entry } from '../raft/core/messages.js';
import { DiskLogStorage } from '../raft/disk-storage.js';
import { restoreSnapshot, type RestoredSnapshot } from '../snapshot/etcd-snapshot.js';
import { computeMemberId, newClusterMembers } from './member-id.js';
import { encodeMemberContext } from './replicated-request.js';
import type { MemberInfo } from './member-types.js';
import { walDirOf } from './member-config.js';

/** etcdctl snapshot restore's flags, as given (defaults applied). */
export interface RestoreFlags {
  readonly name: string;
  /** --data-dir; empty: "<name>.etcd", as etcdctl. */
  readonly dataDir: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrls: string;
  readonly initialClusterToken: string;
  readonly skipHashCheck: boolean;
  /** --wal-dir; empty: <data-dir>/raft/wal. The WAL is written only for a cluster member (below). */
  readonly walDir: string;
  /**
   * Whether to write a cluster member's membership and Raft log. Without it (none of the
   * membership flags given) the data dir has no log, and the member that starts on it
   * becomes a one-voter cluster of its own flags.
   */
  readonly asClusterMember: boolean;
}

/** What a restore wrote. */
export interface RestoredMember extends RestoredSnapshot {
  readonly dataDir: string;
  /** The membership written (a cluster member's data dir only). */
  readonly cluster?: { readonly memberId: bigint; readonly clusterId: bigint; readonly members: readonly MemberInfo[] };
}

/** A refusal, in etcdctl's words where etcdctl refuses the same thing. */
export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

/**
 * Restores snapshotPath as flags say. The flags are checked before anything is written, in
 * etcdctl's order (URLs, then the membership, then the data dir); a restore that fails
 * after creating the data dir removes it again.
 */
export async function restoreMember(snapshotPath: string, flags: RestoreFlags): Promise<RestoredMember> {
  const plan = flags.asClusterMember ? planMembership(flags) : undefined;
  const dataDir = flags.dataDir === '' ? `${flags.name}.etcd` : flags.dataDir;
  if (existsSync(dataDir)) throw new RestoreError(`data-dir ${JSON.stringify(dataDir)} exists`);
  if (flags.walDir !== '' && existsSync(flags.walDir)) throw new RestoreError(`wal-dir ${JSON.stringify(flags.walDir)} exists`);
  if (!existsSync(snapshotPath)) throw new RestoreError(`open ${snapshotPath}: no such file or directory`);
  try {
    const restored = await restoreSnapshot(snapshotPath, dataDir, flags.skipHashCheck ? 'skip' : 'required');
    if (plan === undefined) return { ...restored, dataDir };
    await writeMembership(dataDir, walDirOf({ dataDir, walDir: flags.walDir }), plan, flags.initialClusterToken);
    return { ...restored, dataDir, cluster: plan };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    if (flags.walDir !== '') rmSync(flags.walDir, { recursive: true, force: true });
    throw err;
  }
}

interface MembershipPlan {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly members: readonly MemberInfo[];
}

/** The new cluster's members and ids, after etcd's bootstrap checks of the flags. */
function planMembership(flags: RestoreFlags): MembershipPlan {
  const advertised = parseUrls(flags.initialAdvertisePeerUrls);
  const cluster = parseUrlsMap(flags.initialCluster);
  const mine = cluster.get(flags.name);
  if (mine === undefined) throw new RestoreError(`couldn't find local name ${JSON.stringify(flags.name)} in the initial cluster configuration`);
  const mismatch = urlsDiffer(advertised, mine);
  if (mismatch !== undefined) {
    const has = mine.map((u) => `${flags.name}=${u}`).join(',');
    throw new RestoreError(`--initial-cluster has ${has} but missing from --initial-advertise-peer-urls=${advertised.join(',')} (${mismatch})`);
  }
  const all = [...cluster.values()].flat();
  if (new Set(all).size !== all.length) throw new RestoreError(`initial cluster ${urlsMapText(cluster)} has duplicate url`);
  const { members, clusterId } = newClusterMembers(cluster, flags.initialClusterToken);
  members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { memberId: computeMemberId(mine, flags.initialClusterToken), clusterId, members };
}

/**
 * Writes what StoreServer reads on a restart: its identity and the membership in the
 * database, and a Raft log of one committed AddNode entry per member (term 1), already applied
 * (the database's consistent index is the last of them), as a new cluster's founding log.
 */
async function writeMembership(dataDir: string, walDir: string, plan: MembershipPlan, token: string): Promise<void> {
  const entries: Entry[] = plan.members.map((m, i) => ({
    term: 1,
    index: i + 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId: m.id, context: encodeMemberContext({ name: m.name, peerUrls: m.peerUrls, isLearner: false }) }),
  }));
  const backend = Backend.open(dataDir);
  try {
    await backend.putMeta('identity', { memberId: plan.memberId.toString(), clusterId: plan.clusterId.toString(), token });
    await backend.putMeta('members', plan.members.map((m) => ({ id: m.id.toString(), name: m.name, peerUrls: [...m.peerUrls], clientUrls: [], isLearner: false })));
    await backend.putMeta('consistentIndex', entries.length);
  } finally {
    await backend.close();
  }
  const log = DiskLogStorage.open(join(dataDir, 'raft'), { walDir });
  try {
    await log.save({ entries, hardState: { term: 1, vote: NONE, commit: entries.length } }, true);
  } finally {
    await log.close();
  }
}

/** etcd's types.NewURLs: comma-separated URLs, each http(s) or unix(s) with host:port and no path; sorted. */
function parseUrls(text: string): string[] {
  const urls = text.split(',');
  for (const u of urls) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(u);
    const scheme = m?.[1]?.toLowerCase() ?? '';
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) throw new RestoreError(`URL scheme must be http, https, unix, or unixs: ${u}`);
    if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(m?.[2] ?? '')) throw new RestoreError(`URL address does not have the form "host:port": ${u}`);
    if ((m?.[3] ?? '') !== '') throw new RestoreError(`URL must not contain a path: ${u}`);
  }
  return urls.sort();
}

/** etcd's types.NewURLsMap: name=URL pairs, comma-separated; a name may repeat; empty pairs are skipped. */
function parseUrlsMap(text: string): Map<string, string[]> {
  const raw = new Map<string, string[]>();
  for (const part of text.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    raw.set(name, [...(raw.get(name) ?? []), eq < 0 ? '' : part.slice(eq + 1)]);
  }
  return new Map([...raw].map(([name, urls]) => [name, parseUrls(urls.join(','))]));
}

/** As etcd prints an initial cluster: names in order, name=URL for each of its URLs. */
function urlsMapText(cluster: ReadonlyMap<string, readonly string[]>): string {
  return [...cluster.keys()].sort().flatMap((name) => cluster.get(name)!.map((u) => `${name}=${u}`)).join(',');
}

/** Why two sorted URL lists differ, in etcd's words; undefined when they are equal. */
function urlsDiffer(a: readonly string[], b: readonly string[]): string | undefined {
  const quoted = (list: readonly string[]) => `[${list.map((u) => JSON.stringify(u)).join(' ')}]`;
  if (a.length !== b.length) return `len(${quoted(a)}) != len(${quoted(b)})`;
  const i = a.findIndex((u, k) => u !== b[k]);
  return i < 0 ? undefined : `resolved urls: ${JSON.stringify(a[i])} != ${JSON.stringify(b[i])}`;
}
