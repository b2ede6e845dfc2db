// Majority arithmetic over one set of voters.

import type { NodeId } from './messages.js';

export const VoteResult = {
  /** Not decided yet: more votes may still arrive. */
  Pending: 'pending',
  /** Too many rejections: a majority can no longer be reached. */
  Lost: 'lost',
  /** A majority granted. */
  Won: 'won',
} as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** How many of `n` voters make a majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index that a majority of voters have acknowledged. `acked` gives each voter's
 * acknowledged index (0 if unknown). An empty voter set commits nothing.
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  const indexes = new Array<number>(n);
  for (let i = 0; i < n; i++) indexes[i] = acked(voters[i] as NodeId);
  indexes.sort((a, b) => b - a);
  // Sorted in decreasing order, the majority-th largest is held by a majority.
  return indexes[majority(n) - 1] as number;
}

/**
 * The outcome of an election given the votes received so far (true = granted). Votes from
 * non-voters are ignored. An empty voter set can never win.
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const n = voters.length;
  if (n === 0) return VoteResult.Lost;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const q = majority(n);
  if (granted >= q) return VoteResult.Won;
  if (n - rejected < q) return VoteResult.Lost;
  return VoteResult.Pending;
}
