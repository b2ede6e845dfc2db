/** Protobuf wire-format pieces the store reads and writes by hand (hot KV and watch messages, snapshots, Raft messages' varints). */

/** The base-128 varint of a 64-bit value (two's complement for negatives). */
export function varint(n: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, n);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    out.push(byte);
  } while (x > 0n);
  return out;
}

/** A varint field: tag (wire type 0) and value. */
export function varintField(field: number, value: bigint): Buffer {
  return Buffer.from([(field << 3) | 0, ...varint(value)]);
}

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/**
 * Bytes in the varint (unsigned LEB128, protobuf's base-128) of a non-negative safe
 * integer. The Raft message codec uses the same encoding.
 */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (let v = Math.floor(n / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes the varint of a non-negative safe integer at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  // Bit operations only below 2^31, where they are exact.
  while (n >= 0x80000000) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** A malformed message: the gRPC layer answers INTERNAL, as grpc-go does for an unmarshalling error. */
export class WireError extends Error {}

/** Reads the fields of one message, in order. */
export class ProtoReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next field's tag: field number << 3 | wire type. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw new WireError(`illegal tag ${tag} at offset ${this.pos}`);
    return tag;
  }

  /** A varint of at most 32 bits (tags, lengths, enums, bools). */
  uint32(): number {
    const { lo, hi } = this.varint64();
    if (hi !== 0) throw new WireError('varint out of 32-bit range');
    return lo;
  }

  /** An int64 or uint64 varint as the decimal string proto-loader gives (longs: String). */
  int64String(unsigned = false): string {
    const { lo, hi } = this.varint64();
    if (hi === 0) return String(lo);
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    return (unsigned ? n : BigInt.asIntN(64, n)).toString();
  }

  bool(): boolean {
    const { lo, hi } = this.varint64();
    return lo !== 0 || hi !== 0;
  }

  /** A length-delimited field's payload (sharing the message's memory). */
  bytes(): Buffer {
    const n = this.uint32();
    if (this.pos + n > this.buf.length) throw new WireError(`length ${n} runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips an unknown field's value. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint64();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.bytes();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  /** Checks a known field came with the wire type its declaration gives. */
  expect(tag: number, wireType: number): void {
    if ((tag & 7) !== wireType) throw new WireError(`wrong wire type ${tag & 7} for field ${tag >>> 3}`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError('message truncated');
    this.pos += n;
  }

  private varint64(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new WireError('message truncated inside a varint');
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new WireError('varint longer than 10 bytes');
  }
}
