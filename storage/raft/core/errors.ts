// The core's one error class. Tests and drivers match on `code`, never on message text.

export const RaftErrorCode = {
  /** A proposal was refused: no leader is known, a transfer is under way, or this member was removed. */
  ProposalDropped: 'proposal-dropped',
  /** A read-index request was refused because no leader is known. */
  ReadIndexDropped: 'read-index-dropped',
  /** A conf change was refused: another one is still pending, or it is not allowed now. */
  ConfChangeRejected: 'conf-change-rejected',
  /** The requested log index is before the first available one (compacted into a snapshot). */
  Compacted: 'compacted',
  /** The requested log index is after the last one. */
  Unavailable: 'unavailable',
  /** The snapshot is older than the one already held. */
  SnapshotOutOfDate: 'snapshot-out-of-date',
  /** The storage cannot produce a snapshot right now; the leader retries later. */
  SnapshotTemporarilyUnavailable: 'snapshot-temporarily-unavailable',
  /** A message the driver must not step (local messages come from tick and campaign). */
  InvalidMessage: 'invalid-message',
  /** The configuration is invalid. */
  InvalidConfig: 'invalid-config',
  /** The API was used out of order (for example ready() twice without advance()). */
  MisuseOfApi: 'misuse-of-api',
  /** A Raft invariant is broken. The member must stop; continuing could lose data. */
  InvariantViolated: 'invariant-violated',
} as const;
export type RaftErrorCode = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

/** Context fields attached to an error. */
export interface RaftErrorContext {
  /** The member that raised it. */
  readonly nodeId?: bigint;
  /** The log index involved. */
  readonly index?: number;
  /** The term involved. */
  readonly term?: number;
  /** A short machine-readable reason within the code. */
  readonly reason?: string;
}

export class RaftError extends Error {
  override readonly name = 'RaftError';

  constructor(
    readonly code: RaftErrorCode,
    message: string,
    readonly context: RaftErrorContext = {},
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws an invariant violation if `condition` is false. */
export function invariant(condition: boolean, message: string, context: RaftErrorContext = {}): asserts condition {
  if (!condition) throw new RaftError(RaftErrorCode.InvariantViolated, message, context);
}
