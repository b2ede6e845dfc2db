// A peer transport's options, and the state its pieces share: the member's and the
// cluster's ids, whether the transport is closed, its log, and the bytes counted per peer.

import type { Message } from '../core/messages.js';
import type { TlsMaterial } from '../../tls/tls-material.js';
import { hex } from './protocol.js';

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

/** What the senders, receivers and listener of one transport share. */
export class TransportContext {
  /** This member's id in hex, as it goes in headers and log fields. */
  readonly memberIdHex: string;
  /** The cluster's id in hex. */
  readonly clusterIdHex: string;
  /** Set once the transport starts closing: nothing new is started, and failures are no longer logged. */
  isClosed = false;
  /** Bytes written to each peer (by member id in hex): raft frames, snapshots and request bodies. */
  private readonly sentBytes = new Map<string, number>();
  /** Bytes read from each peer (by the member id in hex it sent as its own), likewise. */
  private readonly receivedBytes = new Map<string, number>();

  constructor(readonly options: TransportOptions) {
    this.memberIdHex = options.memberId.toString(16);
    this.clusterIdHex = options.clusterId.toString(16);
  }

  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, msg, { 'local-member-id': this.memberIdHex, ...fields });
  }

  countSent(peerId: bigint, bytes: number): void {
    const id = hex(peerId);
    this.sentBytes.set(id, (this.sentBytes.get(id) ?? 0) + bytes);
  }

  /** Counts bytes from the member that named itself from (the sender's header, as etcd labels it). */
  countReceived(from: string, bytes: number): void {
    this.receivedBytes.set(from, (this.receivedBytes.get(from) ?? 0) + bytes);
  }

  /** Bytes sent to and received from each peer since start, by member id in hex. */
  traffic(): PeerTraffic {
    return { sent: new Map(this.sentBytes), received: new Map(this.receivedBytes) };
  }
}
