// etcd's --force-new-cluster: a member restarted on its data dir with the flag becomes the only
// member of its cluster. Its data and applied state stay; its Raft log keeps what was
// committed, loses what was not, and gains one committed RemoveNode entry for every other
// member (and an AddNode for itself if it was not a voter). Applying those on start makes the
// membership this member alone, in the database as in Raft, so it elects itself and can grow
// again with `member add`. The cluster id stays, as in etcd.

import { changedMembership, ConfChangeType, decodeConfChange, encodeConfChange, type ConfChange } from '../raft/core/conf-change.js';
import { RaftError, RaftErrorCode } from '../raft/core/errors.js';
import { EntryType, type Entry, type NodeId } from '../raft/core/messages.js';
import type { DiskLogStorage } from '../raft/disk-storage.js';

/** What forcing the new cluster changed in the log. */
export interface ForcedCluster {
  /** The commit index the log was cut at (everything after it was discarded). */
  readonly commit: number;
  /** Entries after the commit index that were discarded. */
  readonly discarded: number;
  /** Members removed by the entries appended (every member but this one). */
  readonly removed: readonly NodeId[];
  /** Whether this member, not a voter before, was added as one. */
  readonly addedSelf: boolean;
  /** The new commit index: the last of the appended entries. */
  readonly newCommit: number;
}

/**
 * Rewrites the log in storage (through its public interface) so that self is its cluster's only
 * voter. appliedIndex is what the member's database has applied: it is committed even when the
 * hard state on disk does not say so yet (a commit index alone is written lazily), so the log
 * is cut after whichever is later.
 */
export async function forceNewCluster(storage: DiskLogStorage, self: NodeId, appliedIndex: number): Promise<ForcedCluster> {
  const hardState = storage.hardState();
  const last = storage.lastIndex();
  if (appliedIndex > last) {
    throw new RaftError(RaftErrorCode.InvariantViolated, `the database has applied ${appliedIndex}, past the raft log's last entry ${last}`, { index: appliedIndex });
  }
  const commit = Math.max(hardState.commit, appliedIndex);
  const snapshot = storage.snapshot().metadata;

  // The membership as of commit: the snapshot's, then every committed conf change after it.
  let { voters, learners } = snapshot.confState;
  const committed = commit > snapshot.index ? storage.entries(snapshot.index + 1, commit + 1, Number.MAX_SAFE_INTEGER) : [];
  for (const e of committed) {
    if (e.type === EntryType.ConfChange) ({ voters, learners } = changedMembership(voters, learners, decodeConfChange(e.data)));
  }

  const others = [...voters, ...learners].filter((id) => id !== self).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const changes: ConfChange[] = others.map((nodeId) => ({ type: ConfChangeType.RemoveNode, nodeId }));
  const addedSelf = !voters.includes(self);
  if (addedSelf) changes.push({ type: ConfChangeType.AddNode, nodeId: self });
  const term = hardState.term;
  const entries: Entry[] = changes.map((cc, i) => ({ term, index: commit + 1 + i, type: EntryType.ConfChange, data: encodeConfChange(cc) }));
  if (entries.length === 0 && last > commit) {
    // Nothing to append, but the uncommitted tail must still go: entries replace the log from
    // their first index on, so the entry at commit is written again (or, when the snapshot
    // ends at commit, an empty entry follows it, which applies as nothing).
    entries.push(commit >= storage.firstIndex() ? storage.entries(commit, commit + 1, Number.MAX_SAFE_INTEGER)[0]! : { term, index: commit + 1, type: EntryType.Normal, data: new Uint8Array(0) });
  }
  const newCommit = Math.max(commit, entries.at(-1)?.index ?? commit);
  await storage.save({ entries, hardState: { term, vote: hardState.vote, commit: newCommit } }, true);
  return { commit, discarded: last - commit, removed: others, addedSelf, newCommit };
}
