// Length: one scanner whose state follows the client's HTTP/2 frames and HPACK blocks byte by
// byte (the HPACK decoder and the Huffman table are already apart).

/**
 * Lets requests whose `:authority` is not a plain host[:port] through to node's HTTP/2
 * server, as grpc-go's server lets them through.
 *
 * etcdctl 3.4 dials each endpoint by its URL and sends it as the authority
 * (`http://127.0.0.1:2379`); etcd 3.5's clients send `#initially=[...]`. nghttp2, under
 * node:http2, checks every request's :authority against the characters of RFC 3986's
 * authority and resets the stream (PROTOCOL_ERROR) when one is outside them; node offers
 * no option to turn that check off. So the bytes a client sends pass through
 * InboundHeaderScanner on their way in: it follows the frames and, in HEADERS and
 * CONTINUATION frames, the client's HPACK context, and re-encodes the rare header block
 * that carries such an authority, with each character outside the set replaced by '_'.
 * (Kite reads the authority nowhere; the octet count stays the same, so the dynamic
 * table the server's decoder builds from the re-encoded block matches, entry for entry
 * and size for size, the one the client's encoder assumes, and every later block passes
 * as it was sent.)
 *
 * Work per frame is reading its 9-byte header; a header block is walked field by field,
 * decoding only what enters the dynamic table and the literal authorities. Bytes are
 * handed on as slices of what was read, copied only around a header block that spans
 * reads or is re-encoded. Input the scanner cannot follow (not HTTP/2, a malformed
 * header block) is handed on unchanged from there on: node's session rejects it itself.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { FieldKind, HpackDecoder, HpackError, type DecodedField } from './hpack-decoder.js';

/** A client's connection preface (RFC 9113 section 3.4). */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_LENGTH = 9;
export const TYPE_HEADERS = 0x1;
export const TYPE_SETTINGS = 0x4;
const TYPE_CONTINUATION = 0x9;
const TYPE_PUSH_PROMISE = 0x5;
const FLAG_END_STREAM = 0x1;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
const AUTHORITY = ':authority';
/** A frame no larger than this is always acceptable: SETTINGS_MAX_FRAME_SIZE cannot be set lower. */
export const MIN_MAX_FRAME_SIZE = 16384;
/** CONTINUATION frames one header block may take before the scanner stops following (nghttp2 refuses far fewer). */
const MAX_CONTINUATIONS = 64;

/** The octets nghttp2 accepts in an :authority (RFC 3986's unreserved, sub-delims, ':', '@', '[', ']', '%'). */
const AUTHORITY_OCTETS: Uint8Array = (() => {
  const ok = new Uint8Array(256);
  for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@[]%") ok[c.charCodeAt(0)] = 1;
  return ok;
})();

/**
 * Where a HEADERS frame's header block fragment lies in its payload, past the pad length,
 * the priority fields and the padding; undefined when they do not fit in the payload.
 */
export function headerBlockBounds(payload: Uint8Array, flags: number): { readonly start: number; readonly stop: number } | undefined {
  let start = 0;
  let stop = payload.length;
  if (flags & FLAG_PADDED) {
    stop -= payload.length > 0 ? payload[0]! : 1;
    start = 1;
  }
  if (flags & FLAG_PRIORITY) start += 5;
  return stop < start ? undefined : { start, stop };
}

/** Whether value (latin1) is an :authority nghttp2 accepts. */
export function isAcceptedAuthority(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (AUTHORITY_OCTETS[value.charCodeAt(i)] !== 1) return false;
  return true;
}

/** value with every octet nghttp2 refuses in an :authority replaced by '_' (the same length). */
export function acceptedAuthority(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) out += AUTHORITY_OCTETS[value.charCodeAt(i)] === 1 ? value[i] : '_';
  return out;
}

/** One header block spanning frames, held until its END_HEADERS. */
interface OpenBlock {
  readonly streamId: number;
  /** The HEADERS frame's flags and priority fields, for re-encoded frames. */
  readonly flags: number;
  readonly priority: Buffer | undefined;
  /** Its frames as received (copies), headers and payloads in turn. */
  readonly raw: Buffer[];
  /** The header block fragments in them. */
  readonly fragments: Buffer[];
  continuations: number;
}

/**
 * Follows the frames a client sends and re-encodes the header blocks whose :authority
 * node's HTTP/2 server would refuse. Pure: bytes in, bytes out.
 */
export class InboundHeaderScanner {
  private readonly hpack: HpackDecoder;
  /** Preface octets still to pass. */
  private prefaceLeft = CLIENT_PREFACE.length;
  /** Octets of the current non-header frame's payload still to pass. */
  private skipLeft = 0;
  /** The first octets of a frame header split across reads (held). */
  private partialHeader: Buffer | undefined;
  /** A header frame whose payload is being gathered across reads (held). */
  private gathering: { readonly header: Buffer; readonly parts: Buffer[]; left: number } | undefined;
  /** A header block that spans frames (held). */
  private block: OpenBlock | undefined;
  /** Stopped following (input it could not follow): everything passes unchanged. */
  private isLost = false;
  private readonly fields: DecodedField[] = [];

  /** maxFrameSize: the largest frame the receiving side takes (re-encoded blocks are split to fit). */
  constructor(
    private readonly maxFrameSize = MIN_MAX_FRAME_SIZE,
    headerTableSize = 4096,
  ) {
    this.hpack = new HpackDecoder(headerTableSize);
  }

  /** Whether it stopped following the connection (and passes bytes unchanged). */
  get lost(): boolean {
    return this.isLost;
  }

  /**
   * The bytes to hand on for chunk, in order: slices of chunk where nothing changed;
   * a header block split across reads is handed on once whole.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.isLost) return [chunk];
    const out: Buffer[] = [];
    const end = chunk.length;
    let pos = 0;
    /** chunk[from, pos) passes unchanged and is not handed on yet; held octets move `from` past them. */
    let from = 0;
    if (this.prefaceLeft > 0) {
      pos = Math.min(this.prefaceLeft, end);
      this.prefaceLeft -= pos;
    }
    while (pos < end) {
      if (this.skipLeft > 0) {
        const n = Math.min(this.skipLeft, end - pos);
        this.skipLeft -= n;
        pos += n;
        continue;
      }
      const g = this.gathering;
      if (g !== undefined) {
        const n = Math.min(g.left, end - pos);
        g.parts.push(Buffer.from(chunk.subarray(pos, pos + n)));
        g.left -= n;
        pos += n;
        from = pos;
        if (g.left === 0) {
          this.gathering = undefined;
          this.headerFrame(g.header, g.parts.length === 1 ? g.parts[0]! : Buffer.concat(g.parts), out);
          if (this.isLost) return pushRest(out, chunk, pos);
        }
        continue;
      }
      // A frame header: whole in chunk, or completing one split across reads.
      let header: Buffer;
      let isSplit = false;
      if (this.partialHeader !== undefined) {
        const n = Math.min(FRAME_HEADER_LENGTH - this.partialHeader.length, end - pos);
        header = Buffer.concat([this.partialHeader, chunk.subarray(pos, pos + n)]);
        pos += n;
        from = pos;
        if (header.length < FRAME_HEADER_LENGTH) {
          this.partialHeader = header;
          break;
        }
        this.partialHeader = undefined;
        isSplit = true;
      } else if (end - pos < FRAME_HEADER_LENGTH) {
        if (from < pos) out.push(chunk.subarray(from, pos));
        this.partialHeader = Buffer.from(chunk.subarray(pos, end));
        pos = end;
        from = end;
        break;
      } else {
        header = chunk.subarray(pos, pos + FRAME_HEADER_LENGTH);
        pos += FRAME_HEADER_LENGTH;
      }
      const headerStart = pos - FRAME_HEADER_LENGTH;
      const length = header.readUIntBE(0, 3);
      const type = header[3]!;
      const isHeaderFrame = type === TYPE_HEADERS || type === TYPE_CONTINUATION;
      const isBroken =
        this.block !== undefined
          ? type !== TYPE_CONTINUATION || (header.readUInt32BE(5) & 0x7fffffff) !== this.block.streamId
          : type === TYPE_CONTINUATION || type === TYPE_PUSH_PROMISE;
      if (isBroken || (isHeaderFrame && length > this.maxFrameSize)) {
        // Not what a client may send (node's session ends the connection over it): stop following.
        this.isLost = true;
        if (!isSplit && from < headerStart) out.push(chunk.subarray(from, headerStart));
        this.pushHeld(out);
        if (isSplit) out.push(header);
        return pushRest(out, chunk, isSplit ? pos : headerStart);
      }
      if (!isHeaderFrame) {
        if (isSplit) out.push(header);
        this.skipLeft = length;
        continue;
      }
      if (!isSplit && this.block === undefined && header[4]! & FLAG_END_HEADERS && end - pos >= length) {
        // The common case, a header block in one frame within this read: it stays part of
        // the slice handed on unless it has to be re-encoded.
        pos += length;
        const frames = this.singleFrame(header, chunk.subarray(pos - length, pos));
        if (frames !== undefined) {
          if (from < headerStart) out.push(chunk.subarray(from, headerStart));
          out.push(...frames);
          from = pos;
        }
        if (this.isLost) return pushRest(out, chunk, from);
        continue;
      }
      // A header frame held until its block is whole: hand on what passed before it.
      if (!isSplit && from < headerStart) out.push(chunk.subarray(from, headerStart));
      from = pos;
      if (end - pos >= length) {
        pos += length;
        from = pos;
        this.headerFrame(header, chunk.subarray(pos - length, pos), out);
        if (this.isLost) return pushRest(out, chunk, pos);
      } else {
        this.gathering = { header: isSplit ? header : Buffer.from(header), parts: [], left: length };
      }
    }
    if (from < end) out.push(chunk.subarray(from, end));
    return out;
  }

  /**
   * A header block that is one HEADERS frame, as slices of a read: undefined when it passes
   * as it is (also when it cannot be followed: isLost says so), else the frames to send
   * instead.
   */
  private singleFrame(header: Buffer, payload: Buffer): Buffer[] | undefined {
    const flags = header[4]!;
    const bounds = headerBlockBounds(payload, flags);
    if (bounds === undefined) {
      this.isLost = true;
      return undefined;
    }
    const { start, stop } = bounds;
    const priority = flags & FLAG_PRIORITY ? payload.subarray(start - 5, start) : undefined;
    const rewritten = this.rewrite(payload.subarray(start, stop));
    return rewritten === undefined ? undefined : this.frames(rewritten, header.readUInt32BE(5) & 0x7fffffff, flags, priority);
  }

  /** Decodes a whole header block; the block re-encoded when an authority needs it, else undefined (isLost set on malformed input). */
  private rewrite(fragment: Buffer): Buffer | undefined {
    const fields = this.fields;
    fields.length = 0;
    try {
      this.hpack.decode(fragment, 0, fragment.length, fields, AUTHORITY);
    } catch (err) {
      if (!(err instanceof HpackError)) throw err;
      this.isLost = true;
      return undefined;
    }
    return fields.length > 0 ? reencode(fragment, fields) : undefined;
  }

  /** Hands on what is held (an open block, a frame being gathered, a split header), in order. */
  private pushHeld(out: Buffer[]): void {
    if (this.block !== undefined) out.push(...this.block.raw);
    this.block = undefined;
    if (this.gathering !== undefined) out.push(this.gathering.header, ...this.gathering.parts);
    this.gathering = undefined;
    if (this.partialHeader !== undefined) out.push(this.partialHeader);
    this.partialHeader = undefined;
  }

  /**
   * A whole HEADERS or CONTINUATION frame of a block held across frames or reads: held
   * until END_HEADERS, then handed on as received or re-encoded. On input it cannot
   * follow, hands on what it held and this frame, and stops following.
   */
  private headerFrame(header: Buffer, payload: Buffer, out: Buffer[]): void {
    const type = header[3]!;
    const flags = header[4]!;
    // A CONTINUATION frame is all header block: its flags have no padding or priority.
    const bounds = type === TYPE_HEADERS ? headerBlockBounds(payload, flags) : { start: 0, stop: payload.length };
    const open = this.block;
    if (bounds === undefined || (open !== undefined && ++open.continuations > MAX_CONTINUATIONS)) {
      this.isLost = true;
      this.pushHeld(out);
      out.push(header, payload);
      return;
    }
    const { start, stop } = bounds;
    const held = Buffer.from(payload);
    const block = open ?? {
      streamId: header.readUInt32BE(5) & 0x7fffffff,
      flags,
      priority: flags & FLAG_PRIORITY ? held.subarray(start - 5, start) : undefined,
      raw: [],
      fragments: [],
      continuations: 0,
    };
    this.block = block;
    block.raw.push(Buffer.from(header), held);
    block.fragments.push(held.subarray(start, stop));
    if ((flags & FLAG_END_HEADERS) === 0) return;
    this.block = undefined;
    const rewritten = this.rewrite(Buffer.concat(block.fragments));
    if (rewritten === undefined) out.push(...block.raw);
    else out.push(...this.frames(rewritten, block.streamId, block.flags, block.priority));
  }

  /** A header block as HEADERS (+ CONTINUATION) frames no larger than maxFrameSize, unpadded. */
  private frames(block: Buffer, streamId: number, flags: number, priority: Buffer | undefined): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    let first = true;
    do {
      const prefix = first ? priority : undefined;
      const n = Math.min(this.maxFrameSize - (prefix === undefined ? 0 : prefix.length), block.length - pos);
      const header = Buffer.alloc(FRAME_HEADER_LENGTH);
      header.writeUIntBE(n + (prefix === undefined ? 0 : prefix.length), 0, 3);
      header[3] = first ? TYPE_HEADERS : TYPE_CONTINUATION;
      header[4] = (first ? flags & (FLAG_END_STREAM | FLAG_PRIORITY) : 0) | (pos + n === block.length ? FLAG_END_HEADERS : 0);
      header.writeUInt32BE(streamId, 5);
      out.push(header);
      if (prefix !== undefined) out.push(prefix);
      out.push(block.subarray(pos, pos + n));
      pos += n;
      first = false;
    } while (pos < block.length);
    return out;
  }
}

/** out with chunk[from, end) after it. */
function pushRest(out: Buffer[], chunk: Buffer, from: number): Buffer[] {
  if (from < chunk.length) out.push(chunk.subarray(from));
  return out;
}

/**
 * block with each literal :authority that nghttp2 refuses re-encoded as the same kind of
 * literal (same name reference, same indexing) with an accepted value of the same length;
 * undefined when none needs it.
 */
function reencode(block: Buffer, authorities: readonly DecodedField[]): Buffer | undefined {
  const parts: Buffer[] = [];
  let from = 0;
  for (const f of authorities) {
    if (isAcceptedAuthority(f.value)) continue;
    parts.push(block.subarray(from, f.start), literal(f.kind, f.nameIndex, f.name, acceptedAuthority(f.value)));
    from = f.end;
  }
  if (parts.length === 0) return undefined;
  parts.push(block.subarray(from));
  return Buffer.concat(parts);
}

/** A literal field representation (RFC 7541 section 6.2) with plain (not Huffman-coded) strings. */
export function literal(kind: FieldKind, nameIndex: number, name: string, value: string): Buffer {
  const bytes: number[] = [];
  const [pattern, prefix] = kind === FieldKind.Incremental ? [0x40, 6] : kind === FieldKind.NeverIndexed ? [0x10, 4] : [0x00, 4];
  integer(bytes, pattern, prefix, nameIndex);
  if (nameIndex === 0) pushString(bytes, name);
  pushString(bytes, value);
  return Buffer.from(bytes);
}

function pushString(bytes: number[], s: string): void {
  integer(bytes, 0x00, 7, s.length);
  for (let i = 0; i < s.length; i++) bytes.push(s.charCodeAt(i) & 0xff);
}

/** An HPACK integer with an n-bit prefix after the pattern bits (RFC 7541 section 5.1). */
function integer(bytes: number[], pattern: number, n: number, value: number): void {
  const max = (1 << n) - 1;
  if (value < max) {
    bytes.push(pattern | value);
    return;
  }
  bytes.push(pattern | max);
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
}

/**
 * A connection as node's HTTP/2 server is given it: the socket's bytes through an
 * InboundHeaderScanner on the way in, straight to the socket on the way out.
 */
export class AuthorityFilterSocket extends Duplex {
  private readonly scanner: InboundHeaderScanner;

  constructor(readonly socket: Socket) {
    super({ allowHalfOpen: true });
    this.scanner = new InboundHeaderScanner();
    socket.on('data', (chunk: Buffer) => {
      let more = true;
      for (const b of this.scanner.push(chunk)) more = this.push(b);
      if (!more) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, done);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.socket.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!.chunk);
    this.socket.write(chunks[last]!.chunk, done);
    this.socket.uncork();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}

