import { ProtobufError } from './protobuf-error.js';

/** Protobuf wire types this reader understands (groups are not used by Kubernetes). */
export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** One field occurrence as it appears on the wire. */
export interface WireField {
  /** The field number. */
  readonly number: number;
  /** How the value was encoded. */
  readonly wireType: WireType;
  /** The value of a varint field, as an unsigned 64-bit integer. */
  readonly varint: bigint;
  /** The payload of a length-delimited field (or the 4/8 raw bytes of a fixed field). */
  readonly bytes: Buffer;
}

/** Reads an unsigned base-128 varint at `pos`; returns the value and the position after it. */
export function readVarint(buf: Buffer, pos: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('Malformed', 'truncated varint');
    const byte = buf[pos++]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: BigInt.asUintN(64, value), next: pos };
    shift += 7n;
  }
  throw new ProtobufError('Malformed', 'varint longer than 10 bytes');
}

/** Splits one encoded message into its field occurrences, in wire order. */
export function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const number = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (number === 0) throw new ProtobufError('Malformed', 'field number 0');
    switch (wireType) {
      case WireType.Varint: {
        const v = readVarint(buf, pos);
        pos = v.next;
        fields.push({ number, wireType, varint: v.value, bytes: EMPTY });
        break;
      }
      case WireType.Bytes: {
        const len = readVarint(buf, pos);
        const end = len.next + Number(len.value);
        if (len.value > BigInt(buf.length) || end > buf.length) throw new ProtobufError('Malformed', `field ${number}: length ${len.value} runs past the end of the message`);
        fields.push({ number, wireType, varint: 0n, bytes: buf.subarray(len.next, end) });
        pos = end;
        break;
      }
      case WireType.Fixed32:
      case WireType.Fixed64: {
        const size = wireType === WireType.Fixed32 ? 4 : 8;
        if (pos + size > buf.length) throw new ProtobufError('Malformed', `field ${number}: truncated fixed value`);
        fields.push({ number, wireType, varint: 0n, bytes: buf.subarray(pos, pos + size) });
        pos += size;
        break;
      }
      default:
        throw new ProtobufError('Malformed', `field ${number}: unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

const EMPTY = Buffer.alloc(0);
