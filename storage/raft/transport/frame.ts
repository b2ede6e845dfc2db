// The frame format of the raft stream and of a snapshot's head: a u32 big-endian length,
// then that many bytes.

import { TransportError, TransportErrorCode } from './transport-error.js';

/** The length prefix's size. */
export const FRAME_HEADER_BYTES = 4;

/** The 4-byte length prefix of a frame of `length` bytes. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeFrameHeader(header, length);
  return header;
}

/** Writes the length prefix of a frame of `length` bytes at the start of buf. */
export function writeFrameHeader(buf: Buffer, length: number): void {
  buf.writeUInt32BE(length, 0);
}

/**
 * Splits a byte stream into frames, however the stream was chunked. A frame longer than
 * the limit throws TransportError `malformed-frame`.
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
      if (this.buffered < FRAME_HEADER_BYTES) return undefined;
      const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
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
