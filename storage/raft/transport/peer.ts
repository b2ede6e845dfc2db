// One peer of this member (rafthttp's peer): its session, and the three ways to it: the
// raft stream for ordinary messages, the snapshot sender for a Snap message with its
// database file, and the pipeline for unary requests.

import { MessageType, type Message } from '../core/messages.js';
import type { TransportContext } from './context.js';
import { PeerSession } from './peer-session.js';
import { sendRequest } from './pipeline.js';
import { SnapshotSender, type SnapshotSource } from './snapshot-sender.js';
import { StreamWriter } from './stream-writer.js';

export class Peer {
  readonly session: PeerSession;
  private readonly writer: StreamWriter;
  private readonly snapshots: SnapshotSender;

  constructor(
    private readonly ctx: TransportContext,
    id: bigint,
    urls: readonly string[],
  ) {
    this.session = new PeerSession(ctx, id, urls);
    this.writer = new StreamWriter(ctx, this.session);
    this.snapshots = new SnapshotSender(ctx, this.session, this.writer);
  }

  /** ms timestamp since the raft stream to the peer has been continuously up, or undefined if it is down. */
  get activeSince(): number | undefined {
    return this.writer.activeSince;
  }

  /** Starts connecting: opens the raft stream. */
  start(): void {
    this.writer.start();
  }

  /** Queues m on the raft stream, or sends a Snap message with a database file from snapshotSource. */
  send(m: Message, snapshotSource: SnapshotSource | undefined): void {
    if (m.type === MessageType.Snap) void this.snapshots.send(m, snapshotSource);
    else this.writer.enqueue(m);
  }

  /** A unary request on the pipeline. */
  request(path: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
    return sendRequest(this.ctx, this.session, path, body, timeoutMs);
  }

  /** Stops every sender and closes the session. */
  remove(): void {
    this.session.isRemoved = true;
    this.writer.stop();
    this.snapshots.stop();
    this.session.destroy();
  }
}
