/** Protobuf wire-format pieces the store writes by hand (hot KV and watch responses, snapshots, Raft messages' varints); reading is ProtoReader's. */

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
