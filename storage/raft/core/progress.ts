// The leader's view of one follower's log (Raft's nextIndex and matchIndex, plus flow control).

import { Inflights } from './inflights.js';

export const ProgressState = {
  /** Unknown how much of the log the follower has: send one append at a time and wait. */
  Probe: 'probe',
  /** The follower is in sync: stream appends optimistically, up to the in-flight window. */
  Replicate: 'replicate',
  /** The follower needs a snapshot; wait until it has it. */
  Snapshot: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  /** The highest index known to be replicated on the follower. */
  match: number;
  /** The next index to send. */
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Heartbeat responses received while in Snapshot state (to give up on a lost snapshot). */
  snapshotWaitBeats = 0;
  /** Whether the follower responded since the last quorum check. */
  recentActive = false;
  /** In Probe state: an append is outstanding, so wait before sending another. */
  probeSent = false;
  /** Appends in flight, in Replicate state. */
  readonly inflights: Inflights;
  /** The member is a learner: it gets the log but does not vote or count for commit. */
  isLearner: boolean;

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.match = 0;
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotWaitBeats = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      // The follower is known to have (or to be getting) the snapshot: probe after it.
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append up to `index` was acknowledged. Returns whether match moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Replicate state: entries up to `lastIndex` were just sent. */
  optimisticUpdate(lastIndex: number): void {
    this.next = lastIndex + 1;
  }

  /**
   * An append at `rejected` was refused; `matchHint` is where the follower suggests to
   * continue. Returns false if the rejection is stale (from an earlier probe).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
