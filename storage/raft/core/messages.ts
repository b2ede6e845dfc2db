// Data that crosses the core's boundary: log entries, persisted state, snapshots and
// the messages peers exchange. Everything here is plain readonly data.

/** A member id. etcd member ids are uint64, so they are bigints here. */
export type NodeId = bigint;

/** The id that means "nobody" (no vote, no known leader). */
export const NONE: NodeId = 0n;

export const EntryType = {
  Normal: 'normal',
  ConfChange: 'conf-change',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One log entry. */
export interface Entry {
  /** The term of the leader that created the entry. */
  readonly term: number;
  /** The entry's position in the log, starting at 1. */
  readonly index: number;
  /** Whether `data` is an application command or an encoded ConfChange. */
  readonly type: EntryType;
  /** The payload; empty for the no-op entry a new leader appends. */
  readonly data: Uint8Array;
}

/** The state that must be durable before any message that depends on it is sent. */
export interface HardState {
  /** The latest term this member has seen. */
  readonly term: number;
  /** Who this member voted for in `term`, or NONE. */
  readonly vote: NodeId;
  /** The highest index known to be committed. */
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

/** The membership of the cluster at some index. */
export interface ConfState {
  /** Members whose votes and acknowledgements count. */
  readonly voters: readonly NodeId[];
  /** Members that receive the log but neither vote nor count toward commit. */
  readonly learners: readonly NodeId[];
}

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

/** Describes what a snapshot covers. */
export interface SnapshotMetadata {
  /** The last log index the snapshot includes. */
  readonly index: number;
  /** The term of the entry at `index`. */
  readonly term: number;
  /** The membership as of `index`. */
  readonly confState: ConfState;
}

/** The application's state up to some index, replacing the log before it. */
export interface Snapshot {
  /** What the snapshot covers. */
  readonly metadata: SnapshotMetadata;
  /** The application's serialized state; opaque to the core. */
  readonly data: Uint8Array;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE },
  data: new Uint8Array(0),
};

export const MessageType = {
  /** Local: start an election (sent to self by tick or campaign). */
  Hup: 'hup',
  /** Local: the leader should send heartbeats. */
  Beat: 'beat',
  /** Local: the leader should check that a quorum is still active. */
  CheckQuorum: 'check-quorum',
  /** A proposal of entries; local, or forwarded from a follower to the leader. */
  Prop: 'prop',
  /** Append entries, leader to follower. */
  App: 'app',
  AppResp: 'app-resp',
  Vote: 'vote',
  VoteResp: 'vote-resp',
  PreVote: 'pre-vote',
  PreVoteResp: 'pre-vote-resp',
  /** Install a snapshot, leader to follower. */
  Snap: 'snap',
  Heartbeat: 'heartbeat',
  HeartbeatResp: 'heartbeat-resp',
  /** Ask the leader to hand leadership to `from` (or to the transferee named in `index`). */
  TransferLeader: 'transfer-leader',
  /** Leader to transferee: campaign now, ignoring the election timeout. */
  TimeoutNow: 'timeout-now',
  /** A linearizable read request; local, or forwarded from a follower to the leader. */
  ReadIndex: 'read-index',
  ReadIndexResp: 'read-index-resp',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** A message between members (or from the driver to its own member). */
export interface Message {
  /** What the message is. */
  readonly type: MessageType;
  /** The sender. */
  readonly from: NodeId;
  /** The receiver. */
  readonly to: NodeId;
  /** The sender's term (0 for local messages and proposals). */
  readonly term: number;
  /**
   * App: term of the entry at `index`. Vote and pre-vote: the candidate's last log term.
   * Rejected app-resp: the term of the follower's entry at `rejectHint`.
   */
  readonly logTerm: number;
  /**
   * App: the index just before `entries`. Vote: the candidate's last index. App-resp: the
   * follower's last matching index (or the rejected index). Read-index-resp: the read index.
   */
  readonly index: number;
  /** Entries to append (app) or to propose (prop). */
  readonly entries: readonly Entry[];
  /** The sender's commit index (app, heartbeat). */
  readonly commit: number;
  /** The snapshot to install (snap). */
  readonly snapshot?: Snapshot;
  /** Whether a response refuses the request. */
  readonly reject: boolean;
  /** For a rejected app-resp, the follower's suggestion of where to probe next. */
  readonly rejectHint: number;
  /** Read-index request id, echoed through heartbeats and responses; empty otherwise. */
  readonly context: Uint8Array;
  /** On vote requests: the election is a leader transfer, so leases are ignored. */
  readonly transfer: boolean;
}

const EMPTY_BYTES = new Uint8Array(0);
const NO_ENTRIES: readonly Entry[] = [];

/** Fields needed to build a message; everything else defaults to empty. */
export type MessageInit = Pick<Message, 'type'> & Partial<Omit<Message, 'type'>>;

/** Builds a message, filling unset fields with their empty values. */
export function message(init: MessageInit): Message {
  return {
    type: init.type,
    from: init.from ?? NONE,
    to: init.to ?? NONE,
    term: init.term ?? 0,
    logTerm: init.logTerm ?? 0,
    index: init.index ?? 0,
    entries: init.entries ?? NO_ENTRIES,
    commit: init.commit ?? 0,
    snapshot: init.snapshot,
    reject: init.reject ?? false,
    rejectHint: init.rejectHint ?? 0,
    context: init.context ?? EMPTY_BYTES,
    transfer: init.transfer ?? false,
  };
}

/** Messages that are only ever stepped locally and never sent over the network. */
export function isLocalMessage(type: MessageType): boolean {
  return type === MessageType.Hup || type === MessageType.Beat || type === MessageType.CheckQuorum;
}

/** Responses, whose `term` says nothing about a leader. */
export function isResponseMessage(type: MessageType): boolean {
  return (
    type === MessageType.AppResp ||
    type === MessageType.VoteResp ||
    type === MessageType.PreVoteResp ||
    type === MessageType.HeartbeatResp ||
    type === MessageType.ReadIndexResp
  );
}

/** The response type that answers a vote or pre-vote request. */
export function voteResponseType(type: MessageType): MessageType {
  return type === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
}

/** An approximate byte size of an entry, used for message and batch limits. */
export function entrySize(entry: Entry): number {
  return entry.data.byteLength + 24;
}

export function isEmptySnapshot(snapshot: Snapshot | undefined): boolean {
  return snapshot === undefined || snapshot.metadata.index === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
