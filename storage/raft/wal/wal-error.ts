// The write-ahead log's one error class. Callers and tests match on `code`, never on the
// message; `file` and `offset` say where in the log the problem is.

export const WalErrorCode = {
  /** A record's CRC does not match its contents (or the chain from the records before it). */
  CrcMismatch: 'crc-mismatch',
  /** A record is cut short or zeroed somewhere other than the tail of the last segment. */
  TornRecord: 'torn-record',
  /** A record decodes, but what it says cannot be: an unknown type, a bad payload, a gap in the log. */
  Corrupt: 'corrupt',
  /** The log was used after close() or after a write failed. */
  Closed: 'closed',
} as const;
export type WalErrorCode = (typeof WalErrorCode)[keyof typeof WalErrorCode];

/** Where in the log an error was found. */
export interface WalErrorContext {
  /** The segment file's path. */
  readonly file?: string;
  /** The byte offset in the file of the record at fault. */
  readonly offset?: number;
  /** The Raft log index involved. */
  readonly index?: number;
}

export class WalError extends Error {
  override readonly name = 'WalError';

  constructor(
    readonly code: WalErrorCode,
    message: string,
    readonly context: WalErrorContext = {},
  ) {
    super(`wal ${code}: ${message}`);
  }
}
