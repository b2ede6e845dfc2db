// The peer transport between cluster members, in the manner of etcd's rafthttp, over
// HTTP/2 on the member's --listen-peer-urls (listener.ts). Per peer there is one
// long-lived client session (peer-session.ts), and on it:
// - POST /raft/stream stays open and carries Raft messages in frames (stream-writer.ts,
//   stream-reader.ts);
// - POST /raft/snapshot carries one Snap message and the database file
//   (snapshot-sender.ts, snapshot-receiver.ts);
// - any other path is a unary request answered by the receiver's onRequest (pipeline.ts).
// Every request carries the sender's member id, the cluster id and the addressee's member
// id; a receiver refuses a request for another cluster or member with 412 (handler.ts).
// This file is the transport as the Raft driver sees it: peers in and out, send, request.

import { mkdir } from 'node:fs/promises';
import type { Message } from '../core/messages.js';
import { TransportContext, type PeerTraffic, type TransportOptions } from './context.js';
import { PeerHandler } from './handler.js';
import { PeerListener, parseListenUrl } from './listener.js';
import { Peer } from './peer.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './pipeline.js';
import { parsePeerUrl } from './protocol.js';
import type { SnapshotSource } from './snapshot-sender.js';
import { TransportError, TransportErrorCode } from './transport-error.js';

/** A session is pinged this often and torn down if the previous ping is still unanswered. */
const PING_INTERVAL_MS = 5000;

export class PeerTransport {
  /** Called for an outgoing Snap message: returns a readable DB file path to stream plus a release callback. Set by the driver. */
  snapshotSource?: SnapshotSource;

  private readonly ctx: TransportContext;
  private readonly peers = new Map<bigint, Peer>();
  private readonly listener: PeerListener;
  private readonly handler: PeerHandler;
  private readonly pingTimer: NodeJS.Timeout;
  private closing?: Promise<void>;

  private constructor(options: TransportOptions) {
    this.ctx = new TransportContext(options);
    this.handler = new PeerHandler(this.ctx);
    this.listener = new PeerListener(this.ctx, (stream, headers) => this.handler.handle(stream, headers));
    this.pingTimer = setInterval(() => this.pingPeers(), PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  /** Listens on every listen URL. Rejects with TransportError `address-in-use` if a port is taken. */
  static async listen(options: TransportOptions): Promise<PeerTransport> {
    const addresses = options.listenPeerUrls.map(parseListenUrl);
    await mkdir(options.snapshotDir, { recursive: true });
    const transport = new PeerTransport(options);
    try {
      for (const address of addresses) await transport.listener.listen(address);
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
    if (this.ctx.isClosed) return;
    const known = this.peers.get(id);
    if (known !== undefined) {
      known.session.setUrls(urls);
      return;
    }
    const peer = new Peer(this.ctx, id, urls);
    this.peers.set(id, peer);
    peer.start();
  }

  /** Forgets a peer: drops its queue and closes its connections. */
  removePeer(id: bigint): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    this.peers.delete(id);
    peer.remove();
  }

  /** Queues messages for their `to` peers; never blocks or throws. Unknown peers: dropped. Snap messages go via the snapshot path. */
  send(msgs: readonly Message[]): void {
    if (this.ctx.isClosed) return;
    for (const m of msgs) this.peers.get(m.to)?.send(m, this.snapshotSource);
  }

  /** A unary POST to a peer; resolves with the response body, rejects with TransportError on error or timeout. */
  async request(id: bigint, path: string, body: Buffer, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<Buffer> {
    if (this.ctx.isClosed) throw new TransportError(TransportErrorCode.Closed, 'the peer transport is closed', { peerId: id, path });
    const peer = this.peers.get(id);
    if (peer === undefined) throw new TransportError(TransportErrorCode.UnknownPeer, `no peer ${id.toString(16)}`, { peerId: id, path });
    return peer.request(path, body, timeoutMs);
  }

  /** Bytes sent to and received from each peer since start, by member id in hex. */
  traffic(): PeerTraffic {
    return this.ctx.traffic();
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

  private pingPeers(): void {
    for (const peer of this.peers.values()) peer.session.pingIfConnected();
  }

  private async shutdown(): Promise<void> {
    this.ctx.isClosed = true;
    clearInterval(this.pingTimer);
    for (const peer of this.peers.values()) peer.remove();
    this.peers.clear();
    await this.listener.close();
    await this.handler.settled();
  }
}
