// The membership as this member currently applies it, and the leader's per-member progress
// and the candidate's votes.

import type { ConfState, NodeId } from './messages.js';
import { Progress } from './progress.js';
import { VoteResult, committedIndex, voteResult } from './quorum.js';

export class ProgressTracker {
  /** The voters, in the order they were added. */
  voters: NodeId[] = [];
  /** The learners, in the order they were added. */
  learners: NodeId[] = [];
  /** Progress of every member (voters and learners), this member included. */
  readonly progress = new Map<NodeId, Progress>();
  /** Votes received in the current election: true = granted. */
  readonly votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice() };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.learners.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  /** Sets the membership, creating progress for new members at `next`. */
  setMembers(voters: readonly NodeId[], learners: readonly NodeId[], next: number): void {
    this.voters = voters.slice();
    this.learners = learners.filter((id) => !voters.includes(id));
    const keep = new Set<NodeId>([...this.voters, ...this.learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of keep) {
      const existing = this.progress.get(id);
      const isLearner = this.learners.includes(id);
      if (existing === undefined) this.progress.set(id, new Progress(next, this.maxInflight, isLearner));
      else existing.isLearner = isLearner;
    }
  }

  /** The highest index acknowledged by a majority of voters. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Records a vote; only the first vote from each member counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Whether a majority of voters (the caller marks itself active) responded recently. */
  quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.voters) active.set(id, this.progress.get(id)?.recentActive ?? false);
    return voteResult(this.voters, active) === VoteResult.Won;
  }
}
