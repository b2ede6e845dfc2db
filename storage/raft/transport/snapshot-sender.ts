// Sends a Snap message with its database file to one peer (rafthttp's snapshotSender):
// POST /raft/snapshot carries a frame with the encoded message, then the file's bytes,
// paced by HTTP/2 flow control and never held in memory. One snapshot at a time per peer;
// a Snap for a peer whose stream is down, or while one is being sent, is dropped (the
// Raft core sends it again).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ClientHttp2Stream } from 'node:http2';
import { pipeline } from 'node:stream/promises';
import type { Message } from '../core/messages.js';
import { encodeMessages } from '../message-codec.js';
import type { TransportContext } from './context.js';
import { frameHeader } from './frame.js';
import type { PeerSession } from './peer-session.js';
import { readResponse } from './pipeline.js';
import { HEADER_SNAPSHOT_SIZE, SNAPSHOT_PATH, hex } from './protocol.js';
import type { StreamWriter } from './stream-writer.js';
import { errorText } from './transport-error.js';

/** A database file to stream to a peer with a Snap message. */
export interface SnapshotFile {
  /** A readable file; it must not change until release is called. */
  readonly path: string;
  /** Called once the transfer has finished or failed. */
  readonly release: () => void;
}

/** Where the database file for an outgoing Snap message comes from (set by the driver). */
export type SnapshotSource = () => Promise<SnapshotFile>;

export class SnapshotSender {
  /** Whether a snapshot is being sent; a second Snap meanwhile is dropped. */
  private isSending = false;
  private stream?: ClientHttp2Stream;

  constructor(
    private readonly ctx: TransportContext,
    private readonly peer: PeerSession,
    private readonly writer: StreamWriter,
  ) {}

  /** Sends msg with a file from source; failures are logged, never thrown. */
  async send(msg: Message, source: SnapshotSource | undefined): Promise<void> {
    const { ctx, peer } = this;
    const fields = { 'remote-peer-id': hex(peer.id), 'snapshot-index': msg.snapshot?.metadata.index };
    if (source === undefined) {
      ctx.log('warn', 'dropped snapshot message: no snapshot source is set', fields);
      return;
    }
    if (this.writer.activeSince === undefined) {
      // Copying the database for a peer that is down is wasted work; the core resends.
      ctx.log('info', 'dropped snapshot message: the peer is not connected', fields);
      return;
    }
    if (this.isSending) {
      ctx.log('info', 'dropped snapshot message: a snapshot to the peer is still being sent', fields);
      return;
    }
    this.isSending = true;
    let file: SnapshotFile | undefined;
    try {
      file = await source();
      if (ctx.isClosed || peer.isRemoved) return;
      const { size } = await stat(file.path);
      if (ctx.isClosed || peer.isRemoved) return;
      const head = encodeMessages([msg]);
      const prefix = frameHeader(head.length);
      const req = peer.openRequest(SNAPSHOT_PATH, { [HEADER_SNAPSHOT_SIZE]: String(size) });
      this.stream = req;
      const response = readResponse(req);
      req.write(prefix);
      req.write(head);
      const [, res] = await Promise.all([pipeline(createReadStream(file.path, { highWaterMark: 256 << 10 }), req), response]);
      if (res.status === 412) {
        peer.noteRefusal(res);
        return;
      }
      ctx.countSent(peer.id, prefix.length + head.length + size);
      if (res.status !== 204) throw new Error(`peer answered status ${res.status}: ${res.body.toString('utf8')}`);
      ctx.log('info', 'sent database snapshot to peer', { ...fields, bytes: size });
    } catch (err) {
      // The edge of a background task: the core resends the snapshot after a timeout.
      if (!ctx.isClosed && !peer.isRemoved) ctx.log('warn', 'failed to send database snapshot to peer', { ...fields, error: errorText(err) });
    } finally {
      this.isSending = false;
      this.stream = undefined;
      file?.release();
    }
  }

  /** Breaks off a transfer under way. */
  stop(): void {
    this.stream?.destroy();
  }
}
