// What the transports of two members agree on: the request paths, the identity headers
// every request carries, size limits and HTTP/2 windows, how peer URLs are read and
// dialed, and how a receiver answers with text.

import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { clientTlsOptions, type TlsMaterial } from '../../tls/tls-material.js';
import { TransportError, TransportErrorCode } from './transport-error.js';

export const STREAM_PATH = '/raft/stream';
/** Where a joining member reads the cluster's member list (see TransportOptions.membersView). */
export const MEMBERS_PATH = '/members';
export const SNAPSHOT_PATH = '/raft/snapshot';

export const HEADER_CLUSTER_ID = 'x-kite-cluster-id';
export const HEADER_FROM = 'x-kite-from';
export const HEADER_TO = 'x-kite-to';
export const HEADER_SNAPSHOT_SIZE = 'x-kite-snapshot-size';
/** On a 412: which check failed (`cluster-id-mismatch` or `member-id-mismatch`). */
export const HEADER_REFUSAL = 'x-kite-refusal';

/** The largest frame a receiver accepts. */
export const MAX_FRAME_BYTES = 256 << 20;
/** The largest unary request or response body. */
export const MAX_BODY_BYTES = 16 << 20;
export const STREAM_WINDOW_BYTES = 1 << 20;
export const SESSION_WINDOW_BYTES = 16 << 20;
export const MAX_SESSION_MEMORY_MB = 64;

/** A peer's complete answer to a request. */
export interface PeerResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A member id as it travels in headers and labels: lowercase hex. */
export function hex(id: bigint): string {
  return id.toString(16);
}

/** Checks a peer URL (http or https) and returns its origin, `http://host:port`. */
export function parsePeerUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new TransportError(TransportErrorCode.InvalidArgument, `invalid peer URL ${JSON.stringify(url)}`, { url }, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TransportError(TransportErrorCode.InvalidArgument, `peer URL ${url} must be http:// or https://`, { url });
  }
  return u.origin;
}

/**
 * How to dial a peer at url: over TLS with this member's peer certificate when the URL is
 * https (verifying the peer's against the peer CA, unless the certificate was generated).
 */
export function peerDialOptions(url: string, tls: TlsMaterial | undefined): Record<string, unknown> {
  if (!url.startsWith('https:')) return {};
  return { ...(tls === undefined ? {} : clientTlsOptions(tls)), ALPNProtocols: ['h2'] };
}

/** Answers a request with a status and a text body (and, on a 412, the refusal header). */
export function respondText(stream: ServerHttp2Stream, status: number, text: string, refusal?: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const headers: Record<string, string | number> = { ':status': status, 'content-type': 'text/plain; charset=utf-8' };
  if (refusal !== undefined) headers[HEADER_REFUSAL] = refusal;
  stream.respond(headers);
  stream.end(text);
  // Discard whatever the peer still sends with its request.
  stream.resume();
}
