// The driver's interface to the core: inputs (tick, step, propose, ...) and the Ready batch.
//
// Per Ready, the driver must, in this order: persist the snapshot, entries and hard state
// (durably when mustSync), send the messages, apply the snapshot and committed entries, and
// call advance(). Only one Ready is outstanding at a time; the core keeps accepting input
// meanwhile, and what that input produces comes out in the next Ready.

import { ConfChangeType, encodeConfChange, type ConfChange } from './conf-change.js';
import { RaftError, RaftErrorCode, invariant } from './errors.js';
import {
  EntryType,
  MessageType,
  hardStateEqual,
  isLocalMessage,
  message,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from './messages.js';
import type { ProgressState } from './progress.js';
import { Raft, type RaftConfig, type ReadState, type StateType } from './raft.js';

/** Volatile state worth reporting to the application; never persisted. */
export interface SoftState {
  /** The known leader, or NONE. */
  readonly lead: NodeId;
  /** This member's role. */
  readonly state: StateType;
}

/** One batch of work for the driver. */
export interface Ready {
  /** Set when the leader or role changed. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed; persist it with `entries`. */
  readonly hardState?: HardState;
  /** Entries to append to the persisted log (replacing any persisted entries they overlap). */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader to persist and then load into the application. */
  readonly snapshot?: Snapshot;
  /** Committed entries to apply, in order, after persisting. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send after persisting. */
  readonly messages: readonly Message[];
  /** Confirmed read requests: serve each once `index` is applied. */
  readonly readStates: readonly ReadState[];
  /** The hard state's term or vote changed, or there are entries: the write must be durable before sending. */
  readonly mustSync: boolean;
}

/** A member's progress as the leader sees it. */
export interface ProgressStatus {
  /** The highest index known to be on the member. */
  readonly match: number;
  /** The next index the leader will send. */
  readonly next: number;
  /** Probe, replicate or snapshot. */
  readonly state: ProgressState;
  /** The member is a learner. */
  readonly isLearner: boolean;
  /** The member responded since the last quorum check. */
  readonly recentActive: boolean;
}

/** A snapshot of a member's state, for tests, metrics and the driver's decisions. */
export interface Status {
  /** This member. */
  readonly id: NodeId;
  /** Term, vote and commit index (in memory; possibly not yet persisted). */
  readonly hardState: HardState;
  /** Leader and role. */
  readonly softState: SoftState;
  /** The highest index the application reported applied. */
  readonly applied: number;
  /** The first index still in the log. */
  readonly firstIndex: number;
  /** The last index in the log (persisted or not). */
  readonly lastIndex: number;
  /** The membership as this member applies it. */
  readonly confState: ConfState;
  /** The member leadership is being transferred to, or NONE. */
  readonly leadTransferee: NodeId;
  /** Each member's replication progress; set on the leader only. */
  readonly progress?: ReadonlyMap<NodeId, ProgressStatus>;
}

/** What the outstanding Ready handed out, to settle on advance(). */
interface InFlight {
  /** The hard state to remember as persisted. */
  readonly hardState?: HardState;
  /** The last entry to mark stable (if it was not replaced meanwhile). */
  readonly lastEntry?: Entry;
  /** The snapshot to mark stable and applied. */
  readonly snapshotIndex?: number;
  /** The last committed entry handed out for applying. */
  readonly lastCommittedIndex?: number;
}

export class RawNode {
  /** The protocol state machine. Exposed for tests and diagnostics; drive it through this class. */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private inFlight: InFlight | undefined = undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.softState();
    this.prevHardState = this.raft.hardState();
  }

  /**
   * Starts a brand-new cluster: writes the initial voters into the log as committed
   * conf-change entries at term 1 (they come out in the first Ready, to persist and apply).
   * Only for the founding members; a member joining later starts with an empty log and learns
   * the membership from the leader.
   */
  bootstrap(voters: readonly NodeId[]): void {
    if (voters.length === 0) throw new RaftError(RaftErrorCode.InvalidConfig, 'bootstrap needs at least one voter');
    const entries: Entry[] = voters.map((nodeId, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId }),
    }));
    this.raft.bootstrap(entries);
  }

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first if enabled). */
  campaign(): void {
    this.raft.step(message({ type: MessageType.Hup, from: this.raft.id }));
  }

  /** Proposes one command. Throws RaftError 'proposal-dropped' if it cannot be accepted now. */
  propose(data: Uint8Array): void {
    this.proposeBatch([data]);
  }

  /** Proposes several commands in one message (the way a busy server batches). */
  proposeBatch(batch: readonly Uint8Array[]): void {
    const entries = batch.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data }));
    this.raft.stepLocal(message({ type: MessageType.Prop, from: this.raft.id, entries }));
  }

  /**
   * Proposes a membership change. Throws 'proposal-dropped' without a leader, and (on the
   * leader) 'conf-change-rejected' while another change is pending or the change is unsafe.
   */
  proposeConfChange(cc: ConfChange): void {
    const entry = { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) };
    this.raft.stepLocal(message({ type: MessageType.Prop, from: this.raft.id, entries: [entry] }));
  }

  /** Processes a message from a peer. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) {
      throw new RaftError(RaftErrorCode.InvalidMessage, `cannot step local message ${m.type}`);
    }
    this.raft.step(m);
  }

  /**
   * Requests a linearizable read. The answer arrives as a ReadState with the same context;
   * the context must be unique among outstanding requests. Throws 'read-index-dropped'
   * without a leader.
   */
  readIndex(context: Uint8Array): void {
    this.raft.stepLocal(message({ type: MessageType.ReadIndex, from: this.raft.id, context }));
  }

  /** Asks the leader to hand leadership to `transferee` (etcd's MoveLeader). */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: transferee }));
  }

  /** Applies a committed conf change entry to the membership; call it when applying the entry. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Whether there is a Ready to take (always false while one is outstanding). */
  hasReady(): boolean {
    if (this.inFlight !== undefined) return false;
    const r = this.raft;
    if (!softStateEqual(this.softState(), this.prevSoftState)) return true;
    if (!hardStateEqual(r.hardState(), this.prevHardState)) return true;
    if (r.raftLog.unstable.snapshot !== undefined) return true;
    if (r.raftLog.unstable.entries.length > 0) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    return r.raftLog.hasNextCommittedEntries();
  }

  /** Takes the next batch of work. Call advance() when it is done. */
  ready(): Ready {
    if (this.inFlight !== undefined) {
      throw new RaftError(RaftErrorCode.MisuseOfApi, 'ready() called again before advance()');
    }
    const r = this.raft;
    const softState = this.softState();
    const hardState = r.hardState();
    const softChanged = !softStateEqual(softState, this.prevSoftState);
    const hardChanged = !hardStateEqual(hardState, this.prevHardState);
    const entries = r.raftLog.unstable.entries.slice();
    const snapshot = r.raftLog.unstable.snapshot;
    const committedEntries = r.raftLog.nextCommittedEntries();
    const messages = r.msgs;
    r.msgs = [];
    const readStates = r.readStates;
    r.readStates = [];
    const mustSync =
      entries.length > 0 ||
      snapshot !== undefined ||
      hardState.term !== this.prevHardState.term ||
      hardState.vote !== this.prevHardState.vote;
    if (softChanged) this.prevSoftState = softState;

    const lastCommitted = committedEntries[committedEntries.length - 1];
    this.inFlight = {
      hardState: hardChanged ? hardState : undefined,
      lastEntry: entries[entries.length - 1],
      snapshotIndex: snapshot?.metadata.index,
      lastCommittedIndex: lastCommitted?.index,
    };
    return {
      softState: softChanged ? softState : undefined,
      hardState: hardChanged ? hardState : undefined,
      entries,
      snapshot,
      committedEntries,
      messages,
      readStates,
      mustSync,
    };
  }

  /** The last Ready has been persisted, sent and applied. */
  advance(): void {
    const done = this.inFlight;
    if (done === undefined) throw new RaftError(RaftErrorCode.MisuseOfApi, 'advance() without a Ready');
    const log = this.raft.raftLog;
    if (done.hardState !== undefined) this.prevHardState = done.hardState;
    if (done.snapshotIndex !== undefined) {
      log.unstable.stableSnapTo(done.snapshotIndex);
      // The application loaded the snapshot, so everything it covers is applied.
      if (done.snapshotIndex > log.applied) {
        invariant(done.snapshotIndex <= log.committed, `snapshot ${done.snapshotIndex} past commit ${log.committed}`);
        log.applied = done.snapshotIndex;
      }
    }
    if (done.lastEntry !== undefined) log.unstable.stableTo(done.lastEntry.index, done.lastEntry.term);
    if (done.lastCommittedIndex !== undefined) log.appliedTo(done.lastCommittedIndex);
    this.inFlight = undefined;
    this.raft.onApplied();
  }

  /** The member's current state. */
  status(): Status {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | undefined;
    if (r.state === 'leader') {
      progress = new Map();
      for (const [id, pr] of r.prs.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
        });
      }
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: this.softState(),
      applied: r.raftLog.applied,
      firstIndex: r.raftLog.firstIndex(),
      lastIndex: r.raftLog.lastIndex(),
      confState: r.prs.confState(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  private softState(): SoftState {
    return { lead: this.raft.lead, state: this.raft.state };
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.state === b.state;
}
