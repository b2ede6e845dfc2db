/**
 * Writes the protobuf wire format: varints, tags and length-delimited fields,
 * into a growing list of chunks joined once at the end.
 */

export class WireWriter {
  private readonly chunks: Buffer[] = [];

  /** A varint (int64 values as two's complement, ten bytes when negative, as Go writes them). */
  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Buffer.from(bytes));
    return this;
  }

  /** A field's tag: its number and wire type (0 varint, 2 length-delimited). */
  tag(field: number, wireType: 0 | 2): this {
    return this.varint((field << 3) | wireType);
  }

  /** A length-delimited field. */
  bytesField(field: number, bytes: Buffer): this {
    this.tag(field, 2).varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  stringField(field: number, text: string): this {
    return this.bytesField(field, Buffer.from(text, 'utf8'));
  }

  varintField(field: number, value: bigint | number): this {
    return this.tag(field, 0).varint(value);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
