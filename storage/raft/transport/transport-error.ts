// The peer transport's one error class: a string code, and the peer, URL, path or HTTP
// status involved.

export const TransportErrorCode = {
  /** A listen URL's port is taken. */
  AddressInUse: 'address-in-use',
  /** Listening failed for another reason. */
  ListenFailed: 'listen-failed',
  /** A URL or path is not one the transport accepts. */
  InvalidArgument: 'invalid-argument',
  /** The id is not a known peer. */
  UnknownPeer: 'unknown-peer',
  /** The peer could not be reached, or the exchange broke off. */
  Unreachable: 'unreachable',
  /** The peer did not answer in time. */
  Timeout: 'timeout',
  /** The peer belongs to another cluster (HTTP 412). */
  ClusterIdMismatch: 'cluster-id-mismatch',
  /** The member listening at the peer's URL is not the one addressed (HTTP 412). */
  MemberIdMismatch: 'member-id-mismatch',
  /** The peer answered with an error status (its onRequest threw, or no such handler). */
  RemoteError: 'remote-error',
  /** Bytes on the wire that are not a valid frame. */
  MalformedFrame: 'malformed-frame',
  /** The transport is closed. */
  Closed: 'closed',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** Context fields of a TransportError. */
export interface TransportErrorContext {
  /** The peer involved. */
  readonly peerId?: bigint;
  /** The URL involved. */
  readonly url?: string;
  /** The request path involved. */
  readonly path?: string;
  /** The HTTP status the peer answered with. */
  readonly status?: number;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly code: TransportErrorCode,
    message: string,
    readonly context: TransportErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** The text of a caught error, for logs and answers. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
