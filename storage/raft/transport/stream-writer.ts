// The sending end of the raft stream to one peer (rafthttp's streamWriter): one long-lived
// POST /raft/stream on which the messages queued within one event-loop turn go out as
// frames of encoded batches. A broken stream is reopened with exponential backoff; the
// messages queued meanwhile are kept up to MAX_QUEUED_MESSAGES and dropped beyond it, as
// Raft tolerates lost messages.

import type { ClientHttp2Stream } from 'node:http2';
import type { Message } from '../core/messages.js';
import { encodeMessages } from '../message-codec.js';
import type { TransportContext } from './context.js';
import { FRAME_HEADER_BYTES, writeFrameHeader } from './frame.js';
import type { PeerSession } from './peer-session.js';
import { STREAM_PATH, hex } from './protocol.js';
import { TransportError } from './transport-error.js';

/** Messages kept per peer while its stream is down or backed up; more are dropped. */
export const MAX_QUEUED_MESSAGES = 4096;
/** A frame is closed once its estimated size passes this, so one turn may write several. */
const FRAME_SOFT_LIMIT = 4 << 20;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;

export class StreamWriter {
  /** The raft stream, from request until close. */
  private stream?: ClientHttp2Stream;
  /** Set when the stream was accepted (200); the time it was. */
  private acceptedAt?: number;
  private queue: Message[] = [];
  private isFlushScheduled = false;
  private isWaitingForDrain = false;
  private backoffMs = BACKOFF_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  /** Messages dropped since the queue last drained. */
  private dropped = 0;

  constructor(
    private readonly ctx: TransportContext,
    private readonly peer: PeerSession,
  ) {}

  /** ms timestamp since the stream has been continuously up, or undefined while it is down. */
  get activeSince(): number | undefined {
    return this.acceptedAt;
  }

  /** Opens the stream. */
  start(): void {
    this.openStream();
  }

  /** Queues a message, to be written at the end of this event-loop turn; never blocks or throws. */
  enqueue(m: Message): void {
    if (this.queue.length >= MAX_QUEUED_MESSAGES) {
      if (this.dropped++ === 0) {
        this.ctx.log('warn', 'dropped raft messages: send queue to peer is full', { 'remote-peer-id': hex(this.peer.id), 'queue-size': MAX_QUEUED_MESSAGES });
      }
      return;
    }
    this.queue.push(m);
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Drops the queue and the stream, and reconnects no more. */
  stop(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.queue = [];
    this.acceptedAt = undefined;
    this.stream?.destroy();
  }

  private openStream(): void {
    this.reconnectTimer = undefined;
    if (this.ctx.isClosed || this.peer.isRemoved || this.stream !== undefined) return;
    let stream: ClientHttp2Stream;
    try {
      stream = this.peer.openRequest(STREAM_PATH, {}, { endStream: false });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      this.scheduleReconnect();
      return;
    }
    this.stream = stream;
    stream.on('response', (headers) => {
      const status = Number(headers[':status']);
      if (status === 200) {
        this.acceptedAt = Date.now();
        this.backoffMs = BACKOFF_MIN_MS;
        this.peer.noteSuccess();
        this.ctx.log('info', 'peer became active', { 'remote-peer-id': hex(this.peer.id), url: this.peer.sessionUrl });
        stream.resume();
        this.flush();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => this.peer.noteRefusal({ status, headers, body: Buffer.concat(chunks) }));
    });
    // The receiver ended its side (it is shutting down, or refused us): finish ours too.
    stream.on('end', () => stream.close());
    stream.on('error', () => {
      // Reported by the session's error handler or by 'peer became inactive' on close.
    });
    stream.on('close', () => this.onStreamClosed(stream));
  }

  private onStreamClosed(stream: ClientHttp2Stream): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.isWaitingForDrain = false;
    if (this.acceptedAt !== undefined) {
      this.acceptedAt = undefined;
      if (!this.ctx.isClosed && !this.peer.isRemoved) this.ctx.log('warn', 'peer became inactive (message send to peer failed)', { 'remote-peer-id': hex(this.peer.id) });
    }
    this.scheduleReconnect();
  }

  /** Reopens the stream after the backoff, which doubles up to BACKOFF_MAX_MS until a stream is accepted. */
  private scheduleReconnect(): void {
    if (this.ctx.isClosed || this.peer.isRemoved || this.reconnectTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.reconnectTimer = setTimeout(() => this.openStream(), delay);
  }

  /** Writes the queue to the stream, one frame per FRAME_SOFT_LIMIT, until the stream needs to drain. */
  private flush(): void {
    this.isFlushScheduled = false;
    const stream = this.stream;
    if (this.ctx.isClosed || stream === undefined || this.acceptedAt === undefined || this.isWaitingForDrain) return;
    while (this.queue.length > 0) {
      if (stream.writableNeedDrain) {
        this.isWaitingForDrain = true;
        stream.once('drain', () => {
          this.isWaitingForDrain = false;
          this.flush();
        });
        return;
      }
      // The frame's length prefix and its messages in one buffer: one write, one DATA frame
      // and one read at the other end, not two of each.
      const frame = encodeMessages(this.takeBatch(), FRAME_HEADER_BYTES);
      writeFrameHeader(frame, frame.length - FRAME_HEADER_BYTES);
      stream.write(frame);
      this.ctx.countSent(this.peer.id, frame.length);
    }
    if (this.dropped > 0) {
      this.ctx.log('warn', 'raft messages to peer were dropped while its queue was full', { 'remote-peer-id': hex(this.peer.id), dropped: this.dropped });
      this.dropped = 0;
    }
  }

  /** The oldest queued messages up to about FRAME_SOFT_LIMIT bytes. */
  private takeBatch(): Message[] {
    const queue = this.queue;
    let size = 0;
    let n = 0;
    while (n < queue.length && size < FRAME_SOFT_LIMIT) {
      const m = queue[n++] as Message;
      size += 64 + m.context.byteLength + (m.snapshot?.data.byteLength ?? 0);
      for (const e of m.entries) size += 24 + e.data.byteLength;
    }
    if (n === queue.length) {
      this.queue = [];
      return queue;
    }
    return queue.splice(0, n);
  }
}
