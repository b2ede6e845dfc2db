/**
 * Reads the fields of one protobuf message, in order, refusing malformed input with
 * the words of the Unmarshal methods gogoproto generates for etcd 3.4's messages (which
 * grpc-go sends back after "grpc: error unmarshalling request: ", or on a stream "grpc: failed
 * to unmarshal the received message "): "unexpected EOF",
 * "proto: integer overflow", "proto: wrong wireType = 0 for field Key", and so on.
 * Unknown fields are skipped as gogoproto's skip function does, groups included.
 */

/** A malformed message: the gRPC layer answers INTERNAL, as grpc-go does for an unmarshalling error. */
export class WireError extends Error {}

const TWO_32 = 4294967296;

const unexpectedEof = (): WireError => new WireError('unexpected EOF');
const integerOverflow = (): WireError => new WireError('proto: integer overflow');
const negativeLength = (): WireError => new WireError('proto: negative length found during unmarshaling');

export class ProtoReader {
  private pos = 0;
  /** The low and high 32 bits of the varint read last. */
  private lo = 0;
  private hi = 0;
  /** The wire type of the field whose tag was read last. */
  wireType = 0;

  /**
   * @param buf the message's bytes (read in place: bytes fields share its memory)
   * @param message the message's name in errors, as gogoproto names it (e.g. "PutRequest")
   */
  constructor(
    private readonly buf: Buffer,
    private readonly message: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next field's tag: returns its field number and keeps its wire type in wireType. */
  field(): number {
    this.varint();
    const wireType = this.lo & 7;
    const wide = this.hi === 0 ? undefined : (BigInt(this.hi) << 32n) | BigInt(this.lo);
    // gogoproto takes the field number as an int32 of tag >> 3: high tags can come out negative.
    const field = wide === undefined ? this.lo >>> 3 : Number(BigInt.asIntN(32, wide >> 3n));
    if (wireType === 4) throw new WireError(`proto: ${this.message}: wiretype end group for non-group`);
    if (field <= 0) throw new WireError(`proto: ${this.message}: illegal tag ${field} (wire type ${wide === undefined ? this.lo : wide})`);
    this.wireType = wireType;
    return field;
  }

  /** Refuses a known field that came in another wire type than its declaration's; name is gogoproto's Go field name. */
  expect(wireType: number, name: string): void {
    if (this.wireType !== wireType) throw new WireError(`proto: wrong wireType = ${this.wireType} for field ${name}`);
  }

  /** An int64 (or uint64 as its two's complement) as bigint, straight from the varint. */
  int64(): bigint {
    this.varint();
    if (this.hi === 0) return BigInt(this.lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** An int64 as a number: exact for values of up to 2^53 either side of 0 (revisions, TTLs, limits). */
  int64Number(): number {
    this.varint();
    return this.hi === 0 ? this.lo : (this.hi | 0) * TWO_32 + this.lo;
  }

  /** An int32 or enum: the varint's low 32 bits, signed. */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  bool(): boolean {
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** A length-delimited field's payload (sharing the message's memory). */
  bytes(): Buffer {
    const n = this.length();
    const end = this.pos + n;
    if (end > this.buf.length) throw unexpectedEof();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Skips the value of the field whose tag was read last (an unknown field). */
  skip(): void {
    this.skipValue(this.wireType);
  }

  private skipValue(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.advance(this.length());
        return;
      case 3:
        // A group: fields up to the next end-group tag, whatever its field number (as gogoproto).
        for (;;) {
          this.varint();
          const inner = this.lo & 7;
          if (inner === 4) return;
          this.skipValue(inner);
        }
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireError(`proto: illegal wireType ${wireType}`);
    }
  }

  /** A length prefix: a negative one (as an int64) is refused before one that runs past the end. */
  private length(): number {
    this.varint();
    if (this.hi === 0) return this.lo;
    if (this.hi & 0x80000000) throw negativeLength();
    return this.hi * TWO_32 + this.lo;
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw unexpectedEof();
    this.pos += n;
  }

  /** Reads a varint of up to 10 bytes into lo and hi (bits past the 64th are dropped, as Go's shifts drop them). */
  private varint(): void {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < buf.length && buf[pos]! < 0x80) {
      this.lo = buf[pos]!;
      this.hi = 0;
      this.pos = pos + 1;
      return;
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw unexpectedEof();
      const b = buf[pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        this.pos = pos;
        return;
      }
    }
    throw integerOverflow();
  }
}
