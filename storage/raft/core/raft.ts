// Length: one state machine, as etcd's raft.go: each role's step and tick functions read and
// write the same Raft state, so they stay in one module (log, progress, quorum, read-only are apart).
//
// The Raft protocol as a pure state machine. Inputs: tick(), step(message); outputs: the
// messages queued in `msgs`, the read states in `readStates`, and the log (whose unstable
// part and commit index the RawNode hands to the driver in a Ready).
//
// Membership changes are one member at a time and take effect when the application applies
// the entry (etcd's original scheme). Safety rests on three rules: a leader accepts a new
// conf change only after the previous one is applied (pendingConfIndex), a new leader treats
// everything in its log as possibly pending, and a member with committed but unapplied conf
// changes does not campaign.

import { changedMembership, ConfChangeType, decodeConfChange, type ConfChange } from './conf-change.js';
import { RaftError, RaftErrorCode, invariant } from './errors.js';
import type { LogStorage } from './log-storage.js';
import { silentLogger, type Logger } from './logger.js';
import {
  EntryType,
  MessageType,
  NONE,
  isEmptySnapshot,
  message,
  voteResponseType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageInit,
  type NodeId,
  type Snapshot,
} from './messages.js';
import { ProgressState, type Progress } from './progress.js';
import { ProgressTracker } from './progress-tracker.js';
import { VoteResult, voteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import type { RandomSource } from './random.js';
import { ReadOnly, ReadOnlyOption } from './read-only.js';

export const StateType = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

/** How a member starts, and its tunables. */
export interface RaftConfig {
  /** This member's id; never NONE. */
  readonly id: NodeId;
  /** The persisted log (and initial hard state and membership). */
  readonly storage: LogStorage;
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is
   * drawn from [electionTick, 2 * electionTick) after every reset.
   */
  readonly electionTick: number;
  /** Ticks between a leader's heartbeats; must be below electionTick. */
  readonly heartbeatTick: number;
  /** The source of randomness for election timeouts (seeded in tests and the simulator). */
  readonly random: RandomSource;
  /** Run a pre-vote round before a real election, so a partitioned member cannot inflate terms. Default true. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** How ReadIndex confirms leadership. Default 'safe'; 'lease-based' requires checkQuorum. */
  readonly readOnlyOption?: ReadOnlyOption;
  /** The byte budget of one append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** How many appends may be in flight to one follower. Default 256. */
  readonly maxInflightMsgs?: number;
  /**
   * The index the application has already applied (default: the snapshot index). Entries
   * up to it are not handed out again; conf changes among them are replayed internally.
   */
  readonly applied?: number;
  /** Where to log state changes. Default: nowhere. */
  readonly logger?: Logger;
}

/** The answer to a ReadIndex request: once `index` is applied, reads reflect every earlier write. */
export interface ReadState {
  /** The commit index at the time the request was confirmed. */
  readonly index: number;
  /** The context the request was made with. */
  readonly requestCtx: Uint8Array;
}

const CampaignType = {
  PreElection: 'pre-election',
  Election: 'election',
  Transfer: 'transfer',
} as const;
type CampaignType = (typeof CampaignType)[keyof typeof CampaignType];

/** A proposal entry before the leader assigns it a term and index. */
type NewEntry = Pick<Entry, 'type' | 'data'>;

export class Raft {
  readonly id: NodeId;
  /** The current term. */
  term = 0;
  /** The vote cast in the current term, or NONE. */
  vote: NodeId = NONE;
  /** The known leader of the current term, or NONE. */
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  /** Messages to send once the current Ready is persisted. */
  msgs: Message[] = [];
  /** Confirmed read requests for the application. */
  readStates: ReadState[] = [];
  /** This member is a learner in its current configuration. */
  isLearner = false;
  /** The member leadership is being handed to, or NONE. */
  leadTransferee: NodeId = NONE;
  /** A leader accepts no new conf change until the entry at this index is applied. */
  pendingConfIndex = 0;

  /** Set while stepping a request of this member's own application: refusals then throw. */
  private localRequest = false;
  /** TimeoutNow arrived while a committed conf change was unapplied: campaign once it is applied. */
  private pendingTransferCampaign = false;
  private readonly readOnly: ReadOnly;
  private pendingReadIndexMessages: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxSizePerMsg: number;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private tickFn: () => void = () => this.tickElection();
  private stepFn: (m: Message) => void = (m) => this.stepFollower(m);

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.id = config.id;
    this.electionTimeout = config.electionTick;
    this.heartbeatTimeout = config.heartbeatTick;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxSizePerMsg = config.maxSizePerMsg ?? 1024 * 1024;
    this.random = config.random;
    this.logger = config.logger ?? silentLogger;
    this.readOnly = new ReadOnly(config.readOnlyOption ?? ReadOnlyOption.Safe);
    this.raftLog = new RaftLog(config.storage);
    this.prs = new ProgressTracker(config.maxInflightMsgs ?? 256);

    const { hardState, confState } = config.storage.initialState();
    this.prs.setMembers(confState.voters, confState.learners, this.raftLog.lastIndex() + 1);
    this.isLearner = this.prs.isLearner(this.id);
    this.loadState(hardState);
    if (config.applied !== undefined && config.applied > this.raftLog.applied) {
      // The application already applied entries past the snapshot and will not see them
      // again, so the membership changes among them are replayed here.
      const log = this.raftLog;
      for (const entry of log.slice(log.applied + 1, config.applied + 1, Number.POSITIVE_INFINITY)) {
        if (entry.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(entry.data));
      }
      log.appliedTo(config.applied);
    }
    this.becomeFollower(this.term, NONE);
  }

  // ---- inputs -------------------------------------------------------------------------

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.tickFn();
  }

  /**
   * Processes one message: from a peer, or local (hup, beat). Requests that cannot proceed
   * are dropped quietly; use stepLocal() for the application's own requests.
   */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message, or a forwarded proposal or read request.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (!m.transfer && inLease) {
          // We heard from a leader within the election timeout: do not let a disruptive
          // (possibly removed or partitioned) member depose it.
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the term we will campaign in; it does not move us there.
      } else {
        const fromLeader = m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
        this.logger.info(`${this.id} [term ${this.term}] received ${m.type} with higher term ${m.term} from ${m.from}`);
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A stale leader (for example cut off and now back). Tell it our term so it steps
        // down; with pre-vote it could otherwise never learn of the newer term.
        this.send({ to: m.from, type: MessageType.AppResp });
      } else if (m.type === MessageType.PreVote) {
        this.send({ to: m.from, term: this.term, type: MessageType.PreVoteResp, reject: true });
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.preVote ? CampaignType.PreElection : CampaignType.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepFn(m);
    }
  }

  /**
   * Steps a request made by this member's own application (a proposal or a read). Unlike
   * step(), a refusal throws (RaftError 'proposal-dropped', 'conf-change-rejected' or
   * 'read-index-dropped'). A forwarded request that comes back over the network, even one
   * that started here, is stepped with step() and dropped quietly.
   */
  stepLocal(m: Message): void {
    this.localRequest = true;
    try {
      this.step(m);
    } finally {
      this.localRequest = false;
    }
  }

  // ---- role changes -------------------------------------------------------------------

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = (m) => this.stepFollower(m);
    this.tickFn = () => this.tickElection();
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    this.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  private becomePreCandidate(): void {
    invariant(this.state !== StateType.Leader, 'leader cannot become pre-candidate', { nodeId: this.id });
    // The term does not change, and neither does the vote.
    this.stepFn = (m) => this.stepCandidate(m);
    this.tickFn = () => this.tickElection();
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  private becomeCandidate(): void {
    invariant(this.state !== StateType.Leader, 'leader cannot become candidate', { nodeId: this.id });
    this.stepFn = (m) => this.stepCandidate(m);
    this.tickFn = () => this.tickElection();
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  private becomeLeader(): void {
    invariant(this.state !== StateType.Follower, 'follower cannot become leader directly', { nodeId: this.id });
    this.stepFn = (m) => this.stepLeader(m);
    this.tickFn = () => this.tickHeartbeat();
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.prs.progress.get(this.id)?.becomeReplicate();
    // Entries from earlier terms may hold a conf change that is not applied yet; refuse new
    // ones until everything up to here is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of our own term lets us commit (and so learn the commit index).
    this.appendEntries([{ type: EntryType.Normal, data: new Uint8Array(0) }]);
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.random.intn(this.electionTimeout);
    this.leadTransferee = NONE;
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.recentActive = false;
      pr.becomeProbe();
      pr.next = last + 1;
    }
    this.pendingConfIndex = 0;
    this.pendingTransferCampaign = false;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
  }

  // ---- ticks --------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: MessageType.CheckQuorum, from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.Beat, from: this.id }));
    }
  }

  // ---- elections ----------------------------------------------------------------------

  /** Whether this member may become leader: it is a voter and not installing a snapshot. */
  promotable(): boolean {
    return this.prs.isVoter(this.id) && this.raftLog.unstable.snapshot === undefined;
  }

  private hup(type: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is not promotable; not campaigning`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(`${this.id} has committed but unapplied conf changes; not campaigning at term ${this.term}`);
      if (type === CampaignType.Transfer) this.pendingTransferCampaign = true;
      return;
    }
    this.campaign(type);
  }

  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    const lo = Math.max(log.applied + 1, log.firstIndex());
    if (lo > log.committed) return false;
    for (const entry of log.slice(lo, log.committed + 1, Number.POSITIVE_INFINITY)) {
      if (entry.type === EntryType.ConfChange) return true;
    }
    return false;
  }

  private campaign(type: CampaignType): void {
    let term: number;
    let voteType: MessageType;
    if (type === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single-voter cluster wins at once.
      if (type === CampaignType.PreElection) this.campaign(CampaignType.Election);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      this.send({
        to: id,
        term,
        type: voteType,
        index: lastIndex,
        logTerm: lastTerm,
        transfer: type === CampaignType.Transfer,
      });
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes();
  }

  private handleVoteRequest(m: Message): void {
    const responseType = voteResponseType(m.type);
    // We can vote for m.from if we already did in this term, or if we have not voted and know
    // of no leader; a pre-vote for a later term is always considered.
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      // The response carries the request's term: a granted pre-vote must not look stale.
      this.send({ to: m.from, term: m.term, type: responseType });
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ to: m.from, term: this.term, type: responseType, reject: true });
    }
  }

  // ---- per-role step functions --------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE) {
          this.dropProposal(m, 'no leader');
          return;
        }
        this.msgs.push({ ...m, to: this.lead });
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) {
          this.logger.warn(`${this.id} has no leader; dropping leader transfer`);
          return;
        }
        this.msgs.push({ ...m, to: this.lead });
        return;
      case MessageType.TimeoutNow:
        // Leader transfers skip pre-vote: the leader asked for this election.
        this.hup(CampaignType.Transfer);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) {
          this.dropRead();
          return;
        }
        this.msgs.push({ ...m, to: this.lead });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context });
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myResponseType = this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        this.dropProposal(m, 'no leader');
        return;
      case MessageType.ReadIndex:
        this.dropRead();
        return;
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.VoteResp:
      case MessageType.PreVoteResp: {
        if (m.type !== myResponseType) return;
        const result = this.poll(m.from, !m.reject);
        if (result === VoteResult.Won) {
          if (this.state === StateType.PreCandidate) {
            this.campaign(CampaignType.Election);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === VoteResult.Lost) {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum: {
        const self = this.prs.progress.get(this.id);
        if (self !== undefined) self.recentActive = true;
        if (!this.prs.quorumActive()) {
          this.logger.warn(`${this.id} cannot reach a quorum; stepping down at term ${this.term}`);
          this.becomeFollower(this.term, NONE);
        }
        for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
        return;
      }
      case MessageType.Prop:
        this.leaderPropose(m);
        return;
      case MessageType.ReadIndex:
        if (this.prs.voters.length === 1 && this.prs.isVoter(this.id)) {
          this.answerReadIndex(m, this.raftLog.committed);
          return;
        }
        if (!this.committedEntryInCurrentTerm()) {
          // Until an entry of this term commits, our commit index may be behind the true one.
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.serveReadIndex(m);
        return;
      default:
        break;
    }

    const pr = this.prs.progress.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from, pr);
        return;
      default:
        return;
    }
  }

  // ---- leader -------------------------------------------------------------------------

  private leaderPropose(m: Message): void {
    if (m.entries.length === 0) return;
    if (!this.prs.isMember(this.id)) {
      this.dropProposal(m, 'this member was removed');
      return;
    }
    if (this.leadTransferee !== NONE) {
      this.dropProposal(m, `leadership is being transferred to ${this.leadTransferee}`);
      return;
    }
    const accepted: NewEntry[] = [];
    let nextIndex = this.raftLog.lastIndex() + 1;
    for (const entry of m.entries) {
      if (entry.type === EntryType.ConfChange) {
        const refusal = this.confChangeRefusal(decodeConfChange(entry.data));
        if (refusal !== undefined) {
          if (this.localRequest) {
            throw new RaftError(RaftErrorCode.ConfChangeRejected, refusal, { nodeId: this.id, reason: refusal });
          }
          this.logger.warn(`${this.id} ignoring forwarded conf change: ${refusal}`);
          continue;
        }
        this.pendingConfIndex = nextIndex;
      }
      accepted.push(entry);
      nextIndex++;
    }
    if (accepted.length === 0) return;
    this.appendEntries(accepted);
    this.bcastAppend();
  }

  /** Why the leader refuses a conf change now, or undefined if it accepts it. */
  private confChangeRefusal(cc: ConfChange): string | undefined {
    if (this.pendingConfIndex > this.raftLog.applied) {
      return `conf change at ${this.pendingConfIndex} is not applied yet (applied ${this.raftLog.applied})`;
    }
    if (cc.type === ConfChangeType.RemoveNode && this.prs.isVoter(cc.nodeId) && this.prs.voters.length === 1) {
      return 'cannot remove the last voter';
    }
    if (cc.type === ConfChangeType.AddLearner && this.prs.isVoter(cc.nodeId) && this.prs.voters.length === 1) {
      return 'cannot demote the last voter';
    }
    if (cc.type === ConfChangeType.AddNode && this.prs.isLearner(cc.nodeId)) {
      const pr = this.prs.progress.get(cc.nodeId);
      // Like etcd's server: promote only a learner that holds at least 90% of the log and is
      // streaming, so that the new voter does not stall the quorum.
      const last = this.raftLog.lastIndex();
      if (pr === undefined || pr.state !== ProgressState.Replicate || pr.match * 10 < last * 9) {
        return `learner ${cc.nodeId} is not caught up (match ${pr?.match ?? 0} of ${last})`;
      }
    }
    return undefined;
  }

  private appendEntries(entries: readonly NewEntry[]): void {
    const first = this.raftLog.lastIndex() + 1;
    const stamped: Entry[] = new Array<Entry>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as NewEntry;
      stamped[i] = { term: this.term, index: first + i, type: e.type, data: e.data };
    }
    const last = this.raftLog.append(stamped);
    this.prs.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
  }

  /** Advances the commit index to what a quorum holds, counting only entries of this term. */
  private maybeCommit(): boolean {
    const committed = this.raftLog.maybeCommit(this.prs.committed(), this.term);
    if (committed) this.releasePendingReadIndexMessages();
    return committed;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.raftLog.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    while (this.maybeSendAppend(m.from, false)) {
      // keep streaming while the window allows
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.state === ProgressState.Snapshot) {
      // A snapshot message can be lost; after a couple of election timeouts of silence, retry.
      pr.snapshotWaitBeats++;
      if (pr.snapshotWaitBeats * this.heartbeatTimeout >= 2 * this.electionTimeout) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
    if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);

    if (this.readOnly.option !== ReadOnlyOption.Safe || m.context.byteLength === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (voteResult(this.prs.voters, votes) !== VoteResult.Won) return;
    for (const status of this.readOnly.advance(m.context)) this.answerReadIndex(status.request, status.index);
  }

  private handleTransferLeader(transferee: NodeId, pr: Progress): void {
    if (pr.isLearner) {
      this.logger.warn(`${this.id} refusing to transfer leadership to learner ${transferee}`);
      return;
    }
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.leadTransferee = NONE;
    }
    if (transferee === this.id) return;
    this.logger.info(`${this.id} transferring leadership to ${transferee}`);
    // The transfer must finish within an election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ to, type: MessageType.TimeoutNow });
  }

  private serveReadIndex(m: Message): void {
    if (this.readOnly.option === ReadOnlyOption.Safe) {
      this.readOnly.addRequest(this.raftLog.committed, m);
      this.readOnly.recvAck(this.id, m.context);
      this.bcastHeartbeat(m.context);
    } else {
      this.answerReadIndex(m, this.raftLog.committed);
    }
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.serveReadIndex(m);
  }

  private answerReadIndex(request: Message, index: number): void {
    if (request.from === NONE || request.from === this.id) {
      this.readStates.push({ index, requestCtx: request.context });
    } else {
      this.send({ to: request.from, type: MessageType.ReadIndexResp, index, context: request.context });
    }
  }

  private bcastAppend(): void {
    for (const id of this.prs.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context?: Uint8Array): void {
    const ctx = context ?? this.readOnly.lastPendingContext();
    for (const [id, pr] of this.prs.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.raftLog.committed);
      this.send({ to: id, type: MessageType.Heartbeat, commit, context: ctx });
    }
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the follower the entries it lacks (or a snapshot if they are compacted). With
   * `sendIfEmpty` false, nothing is sent when there are no new entries. Returns whether a
   * message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    invariant(prevIndex <= this.raftLog.lastIndex(), `next ${pr.next} for ${to} is past the log end ${this.raftLog.lastIndex()}`);
    const prevTerm = this.raftLog.term(prevIndex);
    let entries: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        entries = this.raftLog.entriesFrom(pr.next, this.maxSizePerMsg);
      } catch (err) {
        if (!(err instanceof RaftError && err.code === RaftErrorCode.Compacted)) throw err;
      }
    }
    if (prevTerm === undefined || entries === undefined) return this.maybeSendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      to,
      type: MessageType.App,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.raftLog.committed,
    });
    if (entries.length > 0) {
      if (pr.state === ProgressState.Replicate) {
        const last = (entries[entries.length - 1] as Entry).index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === ProgressState.Probe) {
        pr.probeSent = true;
      }
    }
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    let snapshot: Snapshot;
    try {
      snapshot = this.raftLog.snapshot();
    } catch (err) {
      if (err instanceof RaftError && err.code === RaftErrorCode.SnapshotTemporarilyUnavailable) return false;
      throw err;
    }
    invariant(!isEmptySnapshot(snapshot), `entries for ${to} are compacted but there is no snapshot`);
    this.logger.info(`${this.id} sending snapshot at ${snapshot.metadata.index} to ${to}`);
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ to, type: MessageType.Snap, snapshot });
    return true;
  }

  // ---- follower -----------------------------------------------------------------------

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send({ to: m.from, type: MessageType.AppResp, index: this.raftLog.committed });
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ to: m.from, type: MessageType.AppResp, index: lastNew });
      return;
    }
    // Fast back-off: point the leader at the last entry that could match, skipping every
    // entry of a term the leader's entry at m.index is newer than.
    const hint = this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm);
    this.send({
      to: m.from,
      type: MessageType.AppResp,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send({ to: m.from, type: MessageType.HeartbeatResp, context: m.context });
  }

  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    if (snapshot === undefined) return;
    if (this.restore(snapshot)) {
      this.logger.info(`${this.id} restored snapshot at ${snapshot.metadata.index}`);
      this.send({ to: m.from, type: MessageType.AppResp, index: this.raftLog.lastIndex() });
    } else {
      this.send({ to: m.from, type: MessageType.AppResp, index: this.raftLog.committed });
    }
  }

  /** Installs a snapshot from the leader. Returns false if it is not needed. */
  private restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.raftLog.committed) return false;
    invariant(this.state === StateType.Follower, `restoring a snapshot as ${this.state}`, { nodeId: this.id });
    if (this.raftLog.matchTerm(index, term)) {
      // We already have the entry the snapshot ends at: just move the commit index.
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(snapshot);
    this.prs.setMembers(confState.voters, confState.learners, this.raftLog.lastIndex() + 1);
    this.isLearner = this.prs.isLearner(this.id);
    return true;
  }

  // ---- membership ---------------------------------------------------------------------

  /** Applies a committed conf change to the membership. Returns the new membership. */
  applyConfChange(cc: ConfChange): ConfState {
    const { voters, learners } = changedMembership(this.prs.voters, this.prs.learners, cc);
    this.prs.setMembers(voters, learners, this.raftLog.lastIndex() + 1);
    this.isLearner = this.prs.isLearner(this.id);

    if (this.state === StateType.Leader) {
      if (!this.prs.isVoter(this.id)) {
        this.stepDownAfterRemoval();
      } else {
        if (this.leadTransferee !== NONE && !this.prs.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
        // The quorum changed: the commit index may move.
        if (this.maybeCommit()) this.bcastAppend();
      }
    }
    return this.prs.confState();
  }

  /**
   * This leader was removed (or demoted). Tell the most up-to-date voter to campaign at
   * once, so the cluster is not leaderless for a whole election timeout, and step down.
   */
  private stepDownAfterRemoval(): void {
    const last = this.raftLog.lastIndex();
    let best: NodeId = NONE;
    for (const id of this.prs.voters) {
      const pr = this.prs.progress.get(id);
      if (pr !== undefined && pr.match === last) {
        best = id;
        break;
      }
    }
    this.bcastAppend();
    if (best !== NONE) this.sendTimeoutNow(best);
    this.logger.info(`${this.id} was removed from the configuration; stepping down at term ${this.term}`);
    this.becomeFollower(this.term, NONE);
  }

  /** The application applied entries (called by the RawNode on advance). */
  onApplied(): void {
    if (this.pendingTransferCampaign && this.state === StateType.Follower && !this.hasUnappliedConfChanges()) {
      this.pendingTransferCampaign = false;
      this.hup(CampaignType.Transfer);
    }
  }

  // ---- helpers ------------------------------------------------------------------------

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(state: HardState): void {
    const log = this.raftLog;
    invariant(
      state.commit <= log.lastIndex(),
      `persisted commit ${state.commit} is past the last index ${log.lastIndex()}`,
      { nodeId: this.id },
    );
    log.committed = Math.max(state.commit, log.committed);
    this.term = state.term;
    this.vote = state.vote;
  }

  private send(init: MessageInit): void {
    const isVoteRelated =
      init.type === MessageType.Vote ||
      init.type === MessageType.VoteResp ||
      init.type === MessageType.PreVote ||
      init.type === MessageType.PreVoteResp;
    let term = init.term ?? 0;
    if (isVoteRelated) {
      invariant(term !== 0, `${init.type} needs an explicit term`);
    } else if (init.type !== MessageType.Prop && init.type !== MessageType.ReadIndex) {
      term = this.term;
    }
    this.msgs.push(message({ ...init, from: this.id, term }));
  }

  private dropProposal(m: Message, reason: string): void {
    if (this.localRequest) {
      throw new RaftError(RaftErrorCode.ProposalDropped, `proposal dropped: ${reason}`, { nodeId: this.id, reason });
    }
    this.logger.warn(`${this.id} dropping proposal from ${m.from}: ${reason}`);
  }

  private dropRead(): void {
    if (this.localRequest) {
      throw new RaftError(RaftErrorCode.ReadIndexDropped, 'read index dropped: no leader', { nodeId: this.id });
    }
  }

  /** Bootstraps a brand-new cluster member: the initial voters enter the log as committed conf changes at term 1. */
  bootstrap(entries: readonly Entry[]): void {
    invariant(this.raftLog.lastIndex() === 0 && this.term === 0, 'bootstrap needs an empty log', { nodeId: this.id });
    this.becomeFollower(1, NONE);
    this.raftLog.append(entries);
    this.raftLog.committed = entries.length;
    for (const entry of entries) this.applyConfChange(decodeConfChange(entry.data));
  }

}

function validateConfig(config: RaftConfig): void {
  const fail = (msg: string) => {
    throw new RaftError(RaftErrorCode.InvalidConfig, msg);
  };
  if (config.id === NONE) fail('id must not be 0');
  if (!(config.heartbeatTick > 0)) fail('heartbeatTick must be positive');
  if (!(config.electionTick > config.heartbeatTick)) fail('electionTick must be greater than heartbeatTick');
  if (config.maxInflightMsgs !== undefined && !(config.maxInflightMsgs > 0)) fail('maxInflightMsgs must be positive');
  if (config.maxSizePerMsg !== undefined && !(config.maxSizePerMsg > 0)) fail('maxSizePerMsg must be positive');
  if (config.readOnlyOption === ReadOnlyOption.LeaseBased && config.checkQuorum === false) {
    fail('lease-based reads require checkQuorum');
  }
}
