/** Protobuf wire-format pieces the store writes by hand (pre-encoded watch responses, snapshots). */

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

/** A length-delimited field: tag (wire type 2), length, payload. */
export function lengthDelimited(field: number, payload: Buffer): Buffer[] {
  return [Buffer.from([(field << 3) | 2, ...varint(BigInt(payload.length))]), payload];
}
