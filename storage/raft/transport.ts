// The peer transport between cluster members, in the manner of etcd's rafthttp, over
// HTTP/2 on the member's --listen-peer-urls: cleartext (h2c) on http URLs, TLS with ALPN h2
// on https URLs. With TLS, a member dials its peers presenting its peer certificate, and
// with --peer-client-cert-auth refuses a peer without a valid one (and, with
// --peer-cert-allowed-cn, one whose certificate has another common name).
//
// Per peer there is one long-lived client session. On it:
// - POST /raft/stream stays open; the messages queued for the peer within one event-loop
//   turn are written as one frame (u32 big-endian length, then an encoded batch). The
//   receiver decodes frames as they complete and hands each batch to onMessages.
// - POST /raft/snapshot carries one Snap message: a frame with the encoded message, then
//   the database file's bytes. HTTP/2 flow control paces it; neither side holds the file
//   in memory. The receiver writes a temp file in snapshotDir, fsyncs it, renames it and
//   calls onSnapshot.
// - Any other path is a unary request answered by the receiver's onRequest.
// Every request carries the sender's member id, the cluster id and the addressee's member
// id; a receiver refuses a request for another cluster or member with 412.
//
// If the stream breaks, it is reopened with exponential backoff. Messages queued while it
// is down are kept up to a bound and dropped beyond it: Raft tolerates lost messages.

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import {
  connect,
  constants,
  createServer,
  createSecureServer,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { MessageType, type Message } from './core/messages.js';
import { peerSanRefusal } from '../tls/peer-san.js';
import { clientTlsOptions, serverTlsOptions, type TlsMaterial } from '../tls/tls-material.js';
import { MessageCodecError, decodeMessages, encodeMessages } from './message-codec.js';

export interface TransportOptions {
  /** This member's id. */
  readonly memberId: bigint;
  /** The cluster's id; sent with every request and checked on every request received. */
  readonly clusterId: bigint;
  /** URLs to listen on for peers, `http://host:port` or `https://host:port`. */
  readonly listenPeerUrls: readonly string[];
  /** The peer certificate: served on https listen URLs and presented when dialing https peers. */
  readonly tls?: TlsMaterial;
  /** Raft messages received from peers (already decoded), in the order sent per peer. */
  readonly onMessages: (msgs: Message[]) => void;
  /** A Snap message arrived together with its database file, saved at dbPath (inside snapshotDir); the receiver owns the file. */
  readonly onSnapshot: (msg: Message, dbPath: string) => void;
  /** Where received snapshot files are written; created if missing. */
  readonly snapshotDir: string;
  /** Unary requests from peers: path like '/kite/lease/renew'; return the response body or throw (error text goes back with status 500). */
  readonly onRequest?: (path: string, body: Buffer) => Promise<Buffer>;
  /**
   * The cluster's member list, served as JSON on GET /members to anyone (etcd's peer
   * endpoint of the same name): a member joining with --initial-cluster-state=existing
   * reads its own id and the cluster id there, before it can name the cluster.
   */
  readonly membersView?: () => unknown;
  /** Whether a member id was removed from the cluster: its requests are refused with 410 Gone, as etcd's. */
  readonly isRemoved?: (id: bigint) => boolean;
  /** A peer answered 410 Gone: this member has been removed from the cluster and must stop. */
  readonly onRemoved?: () => void;
  /** Where the transport reports connectivity changes and refusals. */
  readonly log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** Skip etcd's check of peer certificates' SANs against their address (--experimental-peer-skip-client-san-verification). */
  readonly skipClientSanVerification?: boolean;
  /** Told each measured round trip to a peer (an HTTP/2 ping on its session), in seconds. */
  readonly onRoundTrip?: (peer: bigint, seconds: number) => void;
}

/** Bytes exchanged with each peer since start, keyed by the peer's member id in hex (as etcd labels them). */
export interface PeerTraffic {
  /** Bytes sent to each peer. */
  readonly sent: ReadonlyMap<string, number>;
  /** Bytes received from each peer. */
  readonly received: ReadonlyMap<string, number>;
}

/** A database file to stream to a peer with a Snap message. */
export interface SnapshotFile {
  /** A readable file; it must not change until release is called. */
  readonly path: string;
  /** Called once the transfer has finished or failed. */
  readonly release: () => void;
}

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

export const STREAM_PATH = '/raft/stream';
/** Where a joining member reads the cluster's member list (see TransportOptions.membersView). */
export const MEMBERS_PATH = '/members';
export const SNAPSHOT_PATH = '/raft/snapshot';

/** Marks a peer connection whose certificate is still being checked (Transport.admitPeer). */
const ADMISSION = Symbol('peer admission');
type AdmittedSocket = TLSSocket & { [ADMISSION]?: Promise<boolean> };

const HEADER_CLUSTER_ID = 'x-kite-cluster-id';
const HEADER_FROM = 'x-kite-from';
const HEADER_TO = 'x-kite-to';
const HEADER_SNAPSHOT_SIZE = 'x-kite-snapshot-size';
/** On a 412: which check failed (`cluster-id-mismatch` or `member-id-mismatch`). */
const HEADER_REFUSAL = 'x-kite-refusal';

/** Messages kept per peer while its stream is down or backed up; more are dropped. */
export const MAX_QUEUED_MESSAGES = 4096;
/** A frame is closed once its estimated size passes this, so one turn may write several. */
const FRAME_SOFT_LIMIT = 4 << 20;
/** The largest frame a receiver accepts. */
const MAX_FRAME_BYTES = 256 << 20;
/** The largest unary request or response body. */
const MAX_BODY_BYTES = 16 << 20;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** A session is pinged this often and torn down if the previous ping is still unanswered. */
const PING_INTERVAL_MS = 5000;
const STREAM_WINDOW_BYTES = 1 << 20;
const SESSION_WINDOW_BYTES = 16 << 20;
const MAX_SESSION_MEMORY_MB = 64;

interface Peer {
  readonly id: bigint;
  urls: readonly string[];
  urlIndex: number;
  session?: ClientHttp2Session;
  sessionUrl?: string;
  isPingOutstanding: boolean;
  /** The raft stream, from request until close. */
  stream?: ClientHttp2Stream;
  /** Set when the stream was accepted (200); the time it was. */
  activeSince?: number;
  queue: Message[];
  isFlushScheduled: boolean;
  isWaitingForDrain: boolean;
  backoffMs: number;
  reconnectTimer?: NodeJS.Timeout;
  /** Messages dropped since the queue last drained. */
  dropped: number;
  /** Whether an unsuccessful connection attempt has been logged since the last success. */
  isFailureLogged: boolean;
  /** The last refusal logged (a 412 reason or a status), cleared on success. */
  lastRefusal?: string;
  /** Whether a snapshot is being sent; a second Snap meanwhile is dropped. */
  isSendingSnapshot: boolean;
  snapshotStream?: ClientHttp2Stream;
  isRemoved: boolean;
}

interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class PeerTransport {
  /** Called for an outgoing Snap message: returns a readable DB file path to stream plus a release callback. Set by the driver. */
  snapshotSource?: () => Promise<SnapshotFile>;

  private readonly peers = new Map<bigint, Peer>();
  private readonly servers: Http2Server[] = [];
  private readonly serverSessions = new Set<Http2Session>();
  /** Snapshot receptions under way; close() waits for them to clean up. */
  private readonly receptions = new Set<Promise<void>>();
  /** Remote (member, cluster) pairs whose cluster-id mismatch has been logged. */
  private readonly loggedMismatches = new Set<string>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly memberIdHex: string;
  private readonly clusterIdHex: string;
  private isClosed = false;
  private closing?: Promise<void>;
  /** Bytes written to each peer (by member id in hex): raft frames, snapshots and request bodies. */
  private readonly sentBytes = new Map<string, number>();
  /** Bytes read from each peer (by the member id in hex it sent as its own), likewise. */
  private readonly receivedBytes = new Map<string, number>();

  private constructor(private readonly options: TransportOptions) {
    this.memberIdHex = options.memberId.toString(16);
    this.clusterIdHex = options.clusterId.toString(16);
    this.pingTimer = setInterval(() => this.pingPeers(), PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  /** Listens on every listen URL. Rejects with TransportError `address-in-use` if a port is taken. */
  static async listen(options: TransportOptions): Promise<PeerTransport> {
    const addresses = options.listenPeerUrls.map(parseListenUrl);
    await mkdir(options.snapshotDir, { recursive: true });
    const transport = new PeerTransport(options);
    try {
      for (const address of addresses) await transport.listenOn(address);
    } catch (err) {
      await transport.close();
      throw err;
    }
    return transport;
  }

  /** Adds a peer and starts connecting to it; for a known peer, replaces its URLs. Idempotent. */
  addPeer(id: bigint, peerUrls: readonly string[]): void {
    if (peerUrls.length === 0) throw new TransportError(TransportErrorCode.InvalidArgument, `peer ${id.toString(16)} has no URLs`, { peerId: id });
    const urls = peerUrls.map(parsePeerUrl);
    if (this.isClosed) return;
    const known = this.peers.get(id);
    if (known !== undefined) {
      if (urls.length === known.urls.length && urls.every((u, i) => u === known.urls[i])) return;
      known.urls = urls;
      known.urlIndex = 0;
      // A session to a URL the peer no longer has is dropped; the stream reconnects.
      if (known.sessionUrl !== undefined && !urls.includes(known.sessionUrl)) known.session?.destroy();
      return;
    }
    const peer: Peer = {
      id,
      urls,
      urlIndex: 0,
      isPingOutstanding: false,
      queue: [],
      isFlushScheduled: false,
      isWaitingForDrain: false,
      backoffMs: BACKOFF_MIN_MS,
      dropped: 0,
      isFailureLogged: false,
      isSendingSnapshot: false,
      isRemoved: false,
    };
    this.peers.set(id, peer);
    this.openStream(peer);
  }

  /** Forgets a peer: drops its queue and closes its connections. */
  removePeer(id: bigint): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    this.peers.delete(id);
    this.teardown(peer);
  }

  /** Queues messages for their `to` peers; never blocks or throws. Unknown peers: dropped. Snap messages go via the snapshot path. */
  send(msgs: readonly Message[]): void {
    if (this.isClosed) return;
    for (const m of msgs) {
      const peer = this.peers.get(m.to);
      if (peer === undefined) continue;
      if (m.type === MessageType.Snap) {
        void this.sendSnapshot(peer, m);
        continue;
      }
      if (peer.queue.length >= MAX_QUEUED_MESSAGES) {
        if (peer.dropped++ === 0) {
          this.log('warn', 'dropped raft messages: send queue to peer is full', { 'remote-peer-id': hex(peer.id), 'queue-size': MAX_QUEUED_MESSAGES });
        }
        continue;
      }
      peer.queue.push(m);
      if (!peer.isFlushScheduled) {
        peer.isFlushScheduled = true;
        setImmediate(() => this.flush(peer));
      }
    }
  }

  /** A unary POST to a peer; resolves with the response body, rejects with TransportError on error or timeout. */
  async request(id: bigint, path: string, body: Buffer, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<Buffer> {
    if (this.isClosed) throw new TransportError(TransportErrorCode.Closed, 'the peer transport is closed', { peerId: id, path });
    const peer = this.peers.get(id);
    if (peer === undefined) throw new TransportError(TransportErrorCode.UnknownPeer, `no peer ${id.toString(16)}`, { peerId: id, path });
    if (!path.startsWith('/') || path === STREAM_PATH || path === SNAPSHOT_PATH) {
      throw new TransportError(TransportErrorCode.InvalidArgument, `cannot send a unary request to path ${JSON.stringify(path)}`, { peerId: id, path });
    }
    const req = this.openRequest(peer, path, {});
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      req.close(constants.NGHTTP2_CANCEL);
    }, timeoutMs);
    req.end(body);
    this.countSent(peer, body.length);
    let res: Response;
    try {
      res = await readResponse(req);
    } catch (err) {
      if (isTimedOut) throw new TransportError(TransportErrorCode.Timeout, `peer ${hex(id)} did not answer ${path} within ${timeoutMs} ms`, { peerId: id, path });
      if (this.isClosed) throw new TransportError(TransportErrorCode.Closed, 'the peer transport closed during the request', { peerId: id, path });
      throw new TransportError(TransportErrorCode.Unreachable, `request ${path} to peer ${hex(id)} failed: ${errorText(err)}`, { peerId: id, path }, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 200) return res.body;
    const text = res.body.toString('utf8');
    if (res.status === 412) {
      this.noteRefusal(peer, res);
      const code = res.headers[HEADER_REFUSAL] === 'member-id-mismatch' ? TransportErrorCode.MemberIdMismatch : TransportErrorCode.ClusterIdMismatch;
      throw new TransportError(code, text, { peerId: id, path, status: res.status });
    }
    throw new TransportError(TransportErrorCode.RemoteError, `peer ${hex(id)} answered ${path} with status ${res.status}: ${text}`, { peerId: id, path, status: res.status });
  }

  /** Bytes sent to and received from each peer since start, by member id in hex. */
  traffic(): PeerTraffic {
    return { sent: new Map(this.sentBytes), received: new Map(this.receivedBytes) };
  }

  /** ms timestamp since the raft stream to the peer has been continuously up, or undefined if it is down. */
  activeSince(id: bigint): number | undefined {
    return this.peers.get(id)?.activeSince;
  }

  /** Stops listening and closes every session and stream at once. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- sending -------------------------------------------------------------------

  private session(peer: Peer): ClientHttp2Session {
    const current = peer.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const url = peer.urls[peer.urlIndex % peer.urls.length] as string;
    const session = connect(url, { settings: { initialWindowSize: STREAM_WINDOW_BYTES }, maxSessionMemory: MAX_SESSION_MEMORY_MB, ...peerDialOptions(url, this.options.tls) });
    peer.session = session;
    peer.sessionUrl = url;
    peer.isPingOutstanding = false;
    session.on('connect', () => {
      session.setLocalWindowSize(SESSION_WINDOW_BYTES);
      // A first round trip at once, rather than after the first ping interval.
      this.ping(peer, session);
    });
    session.on('error', (err: Error) => {
      if (peer.session !== session) return;
      peer.urlIndex++; // try the peer's next URL
      if (!peer.isFailureLogged && !this.isClosed) {
        peer.isFailureLogged = true;
        this.log('warn', 'cannot reach peer', { 'remote-peer-id': hex(peer.id), url, error: err.message });
      }
    });
    session.on('close', () => {
      if (peer.session === session) {
        peer.session = undefined;
        peer.sessionUrl = undefined;
      }
    });
    return session;
  }

  /** Starts a POST to the peer with the identity headers; a session that cannot take it is dropped. */
  private openRequest(peer: Peer, path: string, extraHeaders: Record<string, string>, options?: { endStream: boolean }): ClientHttp2Stream {
    const headers = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/octet-stream',
      [HEADER_CLUSTER_ID]: this.clusterIdHex,
      [HEADER_FROM]: this.memberIdHex,
      [HEADER_TO]: hex(peer.id),
      ...extraHeaders,
    };
    const session = this.session(peer);
    try {
      return session.request(headers, options);
    } catch (err) {
      // The session is going away (GOAWAY, or destroyed in between); the next call starts a new one.
      session.destroy();
      throw new TransportError(TransportErrorCode.Unreachable, `cannot start ${path} to peer ${hex(peer.id)}: ${errorText(err)}`, { peerId: peer.id, path }, { cause: err });
    }
  }

  private openStream(peer: Peer): void {
    peer.reconnectTimer = undefined;
    if (this.isClosed || peer.isRemoved || peer.stream !== undefined) return;
    let stream: ClientHttp2Stream;
    try {
      stream = this.openRequest(peer, STREAM_PATH, {}, { endStream: false });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      this.scheduleReconnect(peer);
      return;
    }
    peer.stream = stream;
    stream.on('response', (headers) => {
      const status = Number(headers[':status']);
      if (status === 200) {
        peer.activeSince = Date.now();
        peer.backoffMs = BACKOFF_MIN_MS;
        peer.isFailureLogged = false;
        peer.lastRefusal = undefined;
        this.log('info', 'peer became active', { 'remote-peer-id': hex(peer.id), url: peer.sessionUrl });
        stream.resume();
        this.flush(peer);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => this.noteRefusal(peer, { status, headers, body: Buffer.concat(chunks) }));
    });
    // The receiver ended its side (it is shutting down, or refused us): finish ours too.
    stream.on('end', () => stream.close());
    stream.on('error', () => {
      // Reported by the session's error handler or by 'peer became inactive' on close.
    });
    stream.on('close', () => this.onStreamClosed(peer, stream));
  }

  private onStreamClosed(peer: Peer, stream: ClientHttp2Stream): void {
    if (peer.stream !== stream) return;
    peer.stream = undefined;
    peer.isWaitingForDrain = false;
    if (peer.activeSince !== undefined) {
      peer.activeSince = undefined;
      if (!this.isClosed && !peer.isRemoved) this.log('warn', 'peer became inactive (message send to peer failed)', { 'remote-peer-id': hex(peer.id) });
    }
    this.scheduleReconnect(peer);
  }

  /** Reopens the stream after the peer's backoff, which doubles up to BACKOFF_MAX_MS until a stream is accepted. */
  private scheduleReconnect(peer: Peer): void {
    if (this.isClosed || peer.isRemoved || peer.reconnectTimer !== undefined) return;
    const delay = peer.backoffMs;
    peer.backoffMs = Math.min(peer.backoffMs * 2, BACKOFF_MAX_MS);
    peer.reconnectTimer = setTimeout(() => this.openStream(peer), delay);
  }

  /** Writes the peer's queue to its stream, one frame per FRAME_SOFT_LIMIT, until the stream needs to drain. */
  private flush(peer: Peer): void {
    peer.isFlushScheduled = false;
    const stream = peer.stream;
    if (this.isClosed || stream === undefined || peer.activeSince === undefined || peer.isWaitingForDrain) return;
    while (peer.queue.length > 0) {
      if (stream.writableNeedDrain) {
        peer.isWaitingForDrain = true;
        stream.once('drain', () => {
          peer.isWaitingForDrain = false;
          this.flush(peer);
        });
        return;
      }
      const payload = encodeMessages(takeBatch(peer));
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(payload.length);
      stream.write(header);
      stream.write(payload);
      this.countSent(peer, header.length + payload.length);
    }
    if (peer.dropped > 0) {
      this.log('warn', 'raft messages to peer were dropped while its queue was full', { 'remote-peer-id': hex(peer.id), dropped: peer.dropped });
      peer.dropped = 0;
    }
  }

  private async sendSnapshot(peer: Peer, msg: Message): Promise<void> {
    const fields = { 'remote-peer-id': hex(peer.id), 'snapshot-index': msg.snapshot?.metadata.index };
    const source = this.snapshotSource;
    if (source === undefined) {
      this.log('warn', 'dropped snapshot message: no snapshot source is set', fields);
      return;
    }
    if (peer.activeSince === undefined) {
      // Copying the database for a peer that is down is wasted work; the core resends.
      this.log('info', 'dropped snapshot message: the peer is not connected', fields);
      return;
    }
    if (peer.isSendingSnapshot) {
      this.log('info', 'dropped snapshot message: a snapshot to the peer is still being sent', fields);
      return;
    }
    peer.isSendingSnapshot = true;
    let file: SnapshotFile | undefined;
    try {
      file = await source();
      if (this.isClosed || peer.isRemoved) return;
      const { size } = await stat(file.path);
      if (this.isClosed || peer.isRemoved) return;
      const head = encodeMessages([msg]);
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeUInt32BE(head.length);
      const req = this.openRequest(peer, SNAPSHOT_PATH, { [HEADER_SNAPSHOT_SIZE]: String(size) });
      peer.snapshotStream = req;
      const response = readResponse(req);
      req.write(prefix);
      req.write(head);
      const [, res] = await Promise.all([pipeline(createReadStream(file.path, { highWaterMark: 256 << 10 }), req), response]);
      if (res.status === 412) {
        this.noteRefusal(peer, res);
        return;
      }
      this.countSent(peer, prefix.length + head.length + size);
      if (res.status !== 204) throw new Error(`peer answered status ${res.status}: ${res.body.toString('utf8')}`);
      this.log('info', 'sent database snapshot to peer', { ...fields, bytes: size });
    } catch (err) {
      // The edge of a background task: the core resends the snapshot after a timeout.
      if (!this.isClosed && !peer.isRemoved) this.log('warn', 'failed to send database snapshot to peer', { ...fields, error: errorText(err) });
    } finally {
      peer.isSendingSnapshot = false;
      peer.snapshotStream = undefined;
      file?.release();
    }
  }

  /** Logs a refusal (412 or another status) once per peer until the next success. */
  private noteRefusal(peer: Peer, res: Response): void {
    if (res.status === 410 && !this.isClosed) {
      this.log('warn', 'a peer says this member has been permanently removed from the cluster', { 'remote-peer-id': hex(peer.id) });
      this.options.onRemoved?.();
    }
    const reason = res.status === 412 ? String(res.headers[HEADER_REFUSAL] ?? 'precondition-failed') : `status ${res.status}`;
    if (peer.lastRefusal === reason || this.isClosed) return;
    peer.lastRefusal = reason;
    const fields = {
      'local-member-id': this.memberIdHex,
      'local-member-cluster-id': this.clusterIdHex,
      'remote-peer-id': hex(peer.id),
      reason: res.body.toString('utf8'),
    };
    if (reason === 'cluster-id-mismatch') this.log('warn', 'request sent was ignored by remote peer due to cluster ID mismatch', fields);
    else this.log('warn', 'request sent was refused by remote peer', { ...fields, status: res.status });
  }

  private pingPeers(): void {
    for (const peer of this.peers.values()) {
      const session = peer.session;
      if (session === undefined || session.connecting || session.closed || session.destroyed) continue;
      if (peer.isPingOutstanding) {
        this.log('warn', 'peer did not answer a ping in time; reconnecting', { 'remote-peer-id': hex(peer.id) });
        session.destroy();
        continue;
      }
      this.ping(peer, session);
    }
  }

  /** Pings the peer's session, reporting the round trip; an outstanding ping is unanswered. */
  private ping(peer: Peer, session: ClientHttp2Session): void {
    if (session.closed || session.destroyed) return;
    peer.isPingOutstanding = true;
    session.ping((err, durationMs) => {
      if (err !== null) return;
      if (peer.session === session) peer.isPingOutstanding = false;
      this.options.onRoundTrip?.(peer.id, durationMs / 1000);
    });
  }

  private countSent(peer: Peer, bytes: number): void {
    const id = hex(peer.id);
    this.sentBytes.set(id, (this.sentBytes.get(id) ?? 0) + bytes);
  }

  /** Counts bytes from the member that named itself from (the sender's header, as etcd labels it). */
  private countReceived(from: string, bytes: number): void {
    this.receivedBytes.set(from, (this.receivedBytes.get(from) ?? 0) + bytes);
  }

  private teardown(peer: Peer): void {
    peer.isRemoved = true;
    clearTimeout(peer.reconnectTimer);
    peer.reconnectTimer = undefined;
    peer.queue = [];
    peer.activeSince = undefined;
    peer.stream?.destroy();
    peer.snapshotStream?.destroy();
    peer.session?.destroy();
  }

  private async shutdown(): Promise<void> {
    this.isClosed = true;
    clearInterval(this.pingTimer);
    for (const peer of this.peers.values()) this.teardown(peer);
    this.peers.clear();
    for (const session of this.serverSessions) session.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.allSettled([...this.receptions]);
  }

  // ---- receiving -----------------------------------------------------------------

  private listenOn(address: ListenAddress): Promise<void> {
    const settings = { settings: { initialWindowSize: STREAM_WINDOW_BYTES }, maxSessionMemory: MAX_SESSION_MEMORY_MB };
    let server: Http2Server;
    if (address.secure) {
      const tls = this.options.tls;
      if (tls === undefined) throw new TransportError(TransportErrorCode.InvalidArgument, `cannot listen on TLS for ${address.host}:${address.port}: KeyFile and CertFile are not presented`, { url: address.url });
      server = createSecureServer({ ...settings, ...serverTlsOptions(tls, ['h2']) }) as unknown as Http2Server;
      // A failed handshake (no certificate, or one the peer CA did not sign) only ends that connection.
      server.on('tlsClientError', (err: Error) => this.log('warn', 'rejected connection from a peer', { url: address.url, error: err.message }));
      server.on('secureConnection', (socket: TLSSocket) => this.admitPeer(socket, address.url));
    } else {
      server = createServer(settings);
    }
    server.on('session', (session: Http2Session) => {
      this.serverSessions.add(session);
      session.on('close', () => this.serverSessions.delete(session));
      session.on('error', () => {
        // A peer that went away; its streams close with the session.
      });
      session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
      if (this.isClosed) session.destroy();
    });
    server.on('stream', (stream, headers) => this.handleStream(stream, headers));
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = `${address.host}:${address.port}`;
        reject(
          err.code === 'EADDRINUSE'
            ? new TransportError(TransportErrorCode.AddressInUse, `cannot listen for peers on ${address.url}: address ${where} is already in use`, { url: address.url })
            : new TransportError(TransportErrorCode.ListenFailed, `cannot listen for peers on ${address.url}: ${err.message}`, { url: address.url }, { cause: err }),
        );
      };
      server.once('error', onError);
      server.listen(address.port, address.host, () => {
        server.off('error', onError);
        server.on('error', (err: Error) => this.log('warn', 'peer listener error', { url: address.url, error: err.message }));
        this.servers.push(server);
        this.log('info', 'listening for peers', { url: address.url });
        resolve();
      });
    });
  }

  /** --peer-cert-allowed-cn, --peer-cert-allowed-hostname: why a connecting peer's certificate is refused, or undefined. */
  private refusePeerCertificate(socket: TLSSocket): string | undefined {
    const host = this.options.tls?.allowedHostname ?? '';
    if (host !== '') {
      const cert = socket.getPeerCertificate();
      const mismatch = cert === undefined || Object.keys(cert).length === 0 ? new Error('no certificate') : checkServerIdentity(host, cert);
      if (mismatch !== undefined) return `the peer certificate is not valid for ${host}: ${mismatch.message}`;
    }
    const allowed = this.options.tls?.allowedCn ?? '';
    if (allowed === '') return undefined;
    const subject = socket.getPeerCertificate()?.subject as { CN?: string | string[] } | undefined;
    const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
    return cn === allowed ? undefined : `CommonName authentication failed: the certificate's CN ${JSON.stringify(cn ?? '')} is not ${JSON.stringify(allowed)}`;
  }

  /**
   * Checks a peer's certificate once its TLS handshake is done: --peer-cert-allowed-cn and
   * --peer-cert-allowed-hostname at once, then etcd's check of its subject alternative names
   * against the address it connects from (storage/tls/peer-san.ts), which may resolve DNS
   * names. The connection's streams wait for the verdict; a refused connection is closed
   * (on the socket itself: destroying an HTTP/2 session that has not yet seen the client's
   * preface leaves the connection open) before any of them is served.
   */
  private admitPeer(socket: TLSSocket, url: string): void {
    const refuse = (refusal: string): false => {
      this.log('warn', 'rejected connection from a peer', { url, error: refusal });
      socket.destroy();
      return false;
    };
    const refusal = this.refusePeerCertificate(socket);
    if (refusal !== undefined) {
      refuse(refusal);
      return;
    }
    if (this.options.skipClientSanVerification === true) return;
    const admission = peerSanRefusal(socket.getPeerCertificate(), socket.remoteAddress ?? '').then((r) => (r === undefined ? true : refuse(r)));
    (socket as AdmittedSocket)[ADMISSION] = admission;
    void admission.then(() => delete (socket as AdmittedSocket)[ADMISSION]);
  }

  private handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // A session's socket reads through to the connection's own (admitPeer's mark included).
    const admission = (stream.session?.socket as AdmittedSocket | undefined)?.[ADMISSION];
    if (admission !== undefined) {
      void admission.then((admitted) => {
        if (admitted) this.handleAdmittedStream(stream, headers);
      });
      return;
    }
    this.handleAdmittedStream(stream, headers);
  }

  private handleAdmittedStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => {
      // A peer reset its stream or went away; 'close' follows.
    });
    if (this.isClosed) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const path = headers[':path'] ?? '';
    if (headers[':method'] === 'GET' && path === MEMBERS_PATH && this.options.membersView !== undefined) {
      stream.respond({ ':status': 200, 'content-type': 'application/json', [HEADER_CLUSTER_ID]: this.clusterIdHex });
      stream.end(JSON.stringify(this.options.membersView()));
      return;
    }
    if (headers[':method'] !== 'POST') {
      respondText(stream, 405, `peer requests must be POST, not ${String(headers[':method'])}`);
      return;
    }
    if (!this.checkIdentity(stream, headers)) return;
    const from = String(headers[HEADER_FROM]);
    if (this.options.isRemoved !== undefined && /^[0-9a-f]{1,16}$/.test(from) && this.options.isRemoved(BigInt(`0x${from}`))) {
      respondText(stream, 410, 'the member has been permanently removed from the cluster', 'removed');
      return;
    }
    if (path === STREAM_PATH) this.receiveStream(stream, from);
    else if (path === SNAPSHOT_PATH) this.track(this.receiveSnapshot(stream, headers, from));
    else void this.serveRequest(stream, path, from);
  }

  /** Refuses (412) a request for another cluster or member; says whether it may proceed. */
  private checkIdentity(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    const cluster = headers[HEADER_CLUSTER_ID];
    const from = String(headers[HEADER_FROM] ?? 'unknown');
    if (cluster !== this.clusterIdHex) {
      const key = `${from}/${String(cluster)}`;
      if (!this.loggedMismatches.has(key)) {
        if (this.loggedMismatches.size >= 1024) this.loggedMismatches.clear();
        this.loggedMismatches.add(key);
        this.log('warn', 'request cluster ID mismatch', {
          'local-member-id': this.memberIdHex,
          'local-member-cluster-id': this.clusterIdHex,
          'remote-peer-id': from,
          'remote-peer-cluster-id': cluster ?? null,
        });
      }
      respondText(
        stream,
        412,
        `request cluster ID mismatch: member ${this.memberIdHex} is in cluster ${this.clusterIdHex}, the request from member ${from} is for cluster ${String(cluster ?? 'none')}`,
        'cluster-id-mismatch',
      );
      return false;
    }
    const to = headers[HEADER_TO];
    if (to !== undefined && to !== this.memberIdHex) {
      respondText(stream, 412, `member ID mismatch: the request from member ${from} is for member ${String(to)}, this is member ${this.memberIdHex}`, 'member-id-mismatch');
      return false;
    }
    return true;
  }

  private receiveStream(stream: ServerHttp2Stream, from: string): void {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
    const reader = new FrameReader(MAX_FRAME_BYTES);
    let isBroken = false;
    stream.on('data', (chunk: Buffer) => {
      if (isBroken) return;
      this.countReceived(from, chunk.length);
      reader.push(chunk);
      for (;;) {
        let msgs: Message[];
        try {
          const frame = reader.next();
          if (frame === undefined) return;
          msgs = decodeMessages(frame);
        } catch (err) {
          if (!(err instanceof MessageCodecError) && !(err instanceof TransportError)) throw err;
          isBroken = true;
          this.log('warn', 'malformed raft stream from peer; closing it', { 'remote-peer-id': from, error: err.message });
          stream.close(constants.NGHTTP2_PROTOCOL_ERROR);
          return;
        }
        // A member removed while its stream was open: close the stream, so that its
        // reconnection is answered 410 Gone and it learns it was removed.
        const sender = msgs[0]?.from;
        if (sender !== undefined && this.options.isRemoved?.(sender) === true) {
          isBroken = true;
          stream.close(constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        // Outside the try: an exception from the driver is not a wire problem.
        if (msgs.length > 0) this.options.onMessages(msgs);
      }
    });
    stream.on('end', () => {
      if (!stream.destroyed) stream.end();
    });
  }

  private async receiveSnapshot(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, from: string): Promise<void> {
    const size = Number(headers[HEADER_SNAPSHOT_SIZE]);
    if (!Number.isSafeInteger(size) || size < 0) {
      respondText(stream, 400, `missing or invalid ${HEADER_SNAPSHOT_SIZE} header`);
      return;
    }
    const dir = this.options.snapshotDir;
    const tmpPath = join(dir, `.receiving-${randomUUID()}.snap.db.part`);
    let msg: Message | undefined;
    let dbPath: string;
    try {
      const fh = await open(tmpPath, 'wx');
      try {
        const head = new FrameReader(MAX_FRAME_BYTES);
        let written = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          this.countReceived(from, chunk.length);
          let rest = chunk;
          if (msg === undefined) {
            head.push(chunk);
            const frame = head.next();
            if (frame === undefined) continue;
            msg = snapMessage(decodeMessages(frame));
            rest = head.rest();
          }
          written += rest.length;
          if (written > size) throw new Error(`more than the announced ${size} bytes`);
          await writeAll(fh, rest);
        }
        if (msg === undefined) throw new Error('the stream ended before the snap message');
        if (written !== size) throw new Error(`the stream ended after ${written} of ${size} bytes`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const index = msg.snapshot?.metadata.index ?? 0;
      dbPath = join(dir, `${index.toString(16).padStart(16, '0')}-${randomUUID().slice(0, 8)}.snap.db`);
      await rename(tmpPath, dbPath);
      await syncDir(dir);
    } catch (err) {
      // The edge of the wire: report to the sender and log; the leader retries later.
      await rm(tmpPath, { force: true });
      if (!this.isClosed) this.log('warn', 'failed to receive database snapshot from peer', { 'remote-peer-id': from, error: errorText(err) });
      respondText(stream, err instanceof MessageCodecError ? 400 : 500, `cannot receive snapshot: ${errorText(err)}`);
      return;
    }
    if (this.isClosed) {
      await rm(dbPath, { force: true });
      return;
    }
    this.log('info', 'received database snapshot from peer', { 'remote-peer-id': from, 'snapshot-index': msg.snapshot?.metadata.index, path: dbPath });
    this.options.onSnapshot(msg, dbPath);
    if (!stream.destroyed && !stream.headersSent) {
      stream.respond({ ':status': 204 }, { endStream: true });
    }
  }

  private async serveRequest(stream: ServerHttp2Stream, path: string, from: string): Promise<void> {
    const onRequest = this.options.onRequest;
    if (onRequest === undefined) {
      respondText(stream, 404, `member ${this.memberIdHex} serves no unary peer requests (${path})`);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(stream);
    } catch (err) {
      respondText(stream, 413, errorText(err));
      return;
    }
    this.countReceived(from, body.length);
    let response: Buffer;
    try {
      response = await onRequest(path, body);
    } catch (err) {
      // The contract: whatever the handler throws goes back to the caller as a 500.
      this.log('info', 'peer request failed', { 'remote-peer-id': from, path, error: errorText(err) });
      respondText(stream, 500, errorText(err));
      return;
    }
    if (stream.destroyed || stream.headersSent) return;
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
    stream.end(response);
  }

  private track(reception: Promise<void>): void {
    this.receptions.add(reception);
    void reception.finally(() => this.receptions.delete(reception));
  }

  private log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, msg, { 'local-member-id': this.memberIdHex, ...fields });
  }
}

/**
 * Splits a byte stream into frames (u32 big-endian length, then that many bytes), however
 * the stream was chunked. A frame longer than the limit throws TransportError `malformed-frame`.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frameLength = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Appends received bytes. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame's payload, or undefined until more bytes arrive. */
  next(): Buffer | undefined {
    if (this.frameLength < 0) {
      if (this.buffered < 4) return undefined;
      const length = this.take(4).readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        throw new TransportError(TransportErrorCode.MalformedFrame, `frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      this.frameLength = length;
    }
    if (this.buffered < this.frameLength) return undefined;
    const frame = this.take(this.frameLength);
    this.frameLength = -1;
    return frame;
  }

  /** Everything buffered past the frames taken so far (including a partial frame's bytes). */
  rest(): Buffer {
    return this.take(this.buffered);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first === undefined || n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0] as Buffer;
      const k = Math.min(chunk.length, n - offset);
      chunk.copy(out, offset, 0, k);
      if (k === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(k);
      offset += k;
    }
    return out;
  }
}

// ---- helpers ---------------------------------------------------------------------

interface ListenAddress {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

function parseListenUrl(url: string): ListenAddress {
  const origin = parsePeerUrl(url);
  const u = new URL(origin);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const secure = u.protocol === 'https:';
  return { url, host, port: u.port === '' ? (secure ? 443 : 80) : Number(u.port), secure };
}

/** Checks a peer URL (http or https) and returns its origin, `http://host:port`. */
function parsePeerUrl(url: string): string {
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

function hex(id: bigint): string {
  return id.toString(16);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function snapMessage(msgs: Message[]): Message {
  const [msg] = msgs;
  if (msgs.length !== 1 || msg === undefined || msg.type !== MessageType.Snap || msg.snapshot === undefined) {
    throw new MessageCodecError('a snapshot transfer must start with exactly one snap message carrying a snapshot', 0);
  }
  return msg;
}

function respondText(stream: ServerHttp2Stream, status: number, text: string, refusal?: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const headers: Record<string, string | number> = { ':status': status, 'content-type': 'text/plain; charset=utf-8' };
  if (refusal !== undefined) headers[HEADER_REFUSAL] = refusal;
  stream.respond(headers);
  stream.end(text);
  // Discard whatever the peer still sends with its request.
  stream.resume();
}

/** Collects a response (status, headers, body); rejects if the stream breaks first. */
function readResponse(stream: ClientHttp2Stream): Promise<Response> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        reject(new Error(`response body exceeds ${MAX_BODY_BYTES} bytes`));
        stream.close(constants.NGHTTP2_CANCEL);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (status === undefined) reject(new Error('the stream ended without a response'));
      else resolve({ status, headers, body: Buffer.concat(chunks, length) });
    });
    stream.on('error', reject);
    stream.on('close', () => reject(new Error(`the stream closed before the response was complete (code ${stream.rstCode})`)));
  });
}

/** Collects a request body up to MAX_BODY_BYTES. */
async function readBody(stream: ServerHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) throw new Error(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

function takeBatch(peer: Peer): Message[] {
  const queue = peer.queue;
  let size = 0;
  let n = 0;
  while (n < queue.length && size < FRAME_SOFT_LIMIT) {
    const m = queue[n++] as Message;
    size += 64 + m.context.byteLength + (m.snapshot?.data.byteLength ?? 0);
    for (const e of m.entries) size += 24 + e.data.byteLength;
  }
  if (n === queue.length) {
    peer.queue = [];
    return queue;
  }
  return queue.splice(0, n);
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
