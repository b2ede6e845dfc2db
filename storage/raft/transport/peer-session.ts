// The HTTP/2 client session to one peer, and what every sender to that peer shares: its
// URLs (after a failure the next one is tried), the identity headers on each request,
// pings that measure the round trip and catch a dead connection, refusals (logged once
// until the next success), and whether the peer has been removed.

import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { TransportContext } from './context.js';
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_REFUSAL,
  HEADER_TO,
  MAX_SESSION_MEMORY_MB,
  SESSION_WINDOW_BYTES,
  STREAM_WINDOW_BYTES,
  hex,
  peerDialOptions,
  type PeerResponse,
} from './protocol.js';
import { TransportError, TransportErrorCode, errorText } from './transport-error.js';

export class PeerSession {
  /** Set when the peer is removed (or the transport closes): every sender to it stops. */
  isRemoved = false;
  private urls: readonly string[];
  private urlIndex = 0;
  private session?: ClientHttp2Session;
  private currentUrl?: string;
  private isPingOutstanding = false;
  /** Whether an unsuccessful connection attempt has been logged since the last success. */
  private isFailureLogged = false;
  /** The last refusal logged (a 412 reason or a status), cleared on success. */
  private lastRefusal?: string;

  constructor(
    private readonly ctx: TransportContext,
    readonly id: bigint,
    urls: readonly string[],
  ) {
    this.urls = urls;
  }

  /** The URL of the current session, if there is one. */
  get sessionUrl(): string | undefined {
    return this.currentUrl;
  }

  /** Replaces the peer's URLs; a session to a URL the peer no longer has is dropped (the stream reconnects). */
  setUrls(urls: readonly string[]): void {
    if (urls.length === this.urls.length && urls.every((u, i) => u === this.urls[i])) return;
    this.urls = urls;
    this.urlIndex = 0;
    if (this.currentUrl !== undefined && !urls.includes(this.currentUrl)) this.session?.destroy();
  }

  /** Starts a POST to the peer with the identity headers; a session that cannot take it is dropped. */
  openRequest(path: string, extraHeaders: Record<string, string>, options?: { endStream: boolean }): ClientHttp2Stream {
    const headers = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/octet-stream',
      [HEADER_CLUSTER_ID]: this.ctx.clusterIdHex,
      [HEADER_FROM]: this.ctx.memberIdHex,
      [HEADER_TO]: hex(this.id),
      ...extraHeaders,
    };
    const session = this.current();
    try {
      return session.request(headers, options);
    } catch (err) {
      // The session is going away (GOAWAY, or destroyed in between); the next call starts a new one.
      session.destroy();
      throw new TransportError(TransportErrorCode.Unreachable, `cannot start ${path} to peer ${hex(this.id)}: ${errorText(err)}`, { peerId: this.id, path }, { cause: err });
    }
  }

  /** A request was accepted: the next failure or refusal is logged again. */
  noteSuccess(): void {
    this.isFailureLogged = false;
    this.lastRefusal = undefined;
  }

  /** Logs a refusal (412 or another status) once until the next success; a 410 means this member was removed. */
  noteRefusal(res: PeerResponse): void {
    if (res.status === 410 && !this.ctx.isClosed) {
      this.ctx.log('warn', 'a peer says this member has been permanently removed from the cluster', { 'remote-peer-id': hex(this.id) });
      this.ctx.options.onRemoved?.();
    }
    const reason = res.status === 412 ? String(res.headers[HEADER_REFUSAL] ?? 'precondition-failed') : `status ${res.status}`;
    if (this.lastRefusal === reason || this.ctx.isClosed) return;
    this.lastRefusal = reason;
    const fields = {
      'local-member-id': this.ctx.memberIdHex,
      'local-member-cluster-id': this.ctx.clusterIdHex,
      'remote-peer-id': hex(this.id),
      reason: res.body.toString('utf8'),
    };
    if (reason === 'cluster-id-mismatch') this.ctx.log('warn', 'request sent was ignored by remote peer due to cluster ID mismatch', fields);
    else this.ctx.log('warn', 'request sent was refused by remote peer', { ...fields, status: res.status });
  }

  /** The periodic check: pings a connected session, or tears it down if the last ping is still unanswered. */
  pingIfConnected(): void {
    const session = this.session;
    if (session === undefined || session.connecting || session.closed || session.destroyed) return;
    if (this.isPingOutstanding) {
      this.ctx.log('warn', 'peer did not answer a ping in time; reconnecting', { 'remote-peer-id': hex(this.id) });
      session.destroy();
      return;
    }
    this.ping(session);
  }

  destroy(): void {
    this.session?.destroy();
  }

  private current(): ClientHttp2Session {
    const existing = this.session;
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const url = this.urls[this.urlIndex % this.urls.length] as string;
    const session = connect(url, { settings: { initialWindowSize: STREAM_WINDOW_BYTES }, maxSessionMemory: MAX_SESSION_MEMORY_MB, ...peerDialOptions(url, this.ctx.options.tls) });
    this.session = session;
    this.currentUrl = url;
    this.isPingOutstanding = false;
    session.on('connect', () => {
      // node emits 'connect' on a later tick: the session may have been destroyed since
      // (the peer was removed, the transport stopped), and then its methods throw.
      if (session.closed || session.destroyed) return;
      session.setLocalWindowSize(SESSION_WINDOW_BYTES);
      // A first round trip at once, rather than after the first ping interval.
      this.ping(session);
    });
    session.on('error', (err: Error) => {
      if (this.session !== session) return;
      this.urlIndex++; // try the peer's next URL
      if (!this.isFailureLogged && !this.ctx.isClosed) {
        this.isFailureLogged = true;
        this.ctx.log('warn', 'cannot reach peer', { 'remote-peer-id': hex(this.id), url, error: err.message });
      }
    });
    session.on('close', () => {
      if (this.session === session) {
        this.session = undefined;
        this.currentUrl = undefined;
      }
    });
    return session;
  }

  /** Pings the session, reporting the round trip; an outstanding ping is unanswered. */
  private ping(session: ClientHttp2Session): void {
    if (session.closed || session.destroyed) return;
    this.isPingOutstanding = true;
    session.ping((err, durationMs) => {
      if (err !== null) return;
      if (this.session === session) this.isPingOutstanding = false;
      this.ctx.options.onRoundTrip?.(this.id, durationMs / 1000);
    });
  }
}
