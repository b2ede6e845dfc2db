// The WAL's records and their framing (etcd's WAL format, our own payloads).
//
// A frame is an 8-byte little-endian length field and the record, padded with zeros to a
// multiple of 8 bytes so that no length field is ever torn across a sector. The length
// field holds the record's length in its low 56 bits; when there is padding its most
// significant byte is 0x80 | the padding's length (etcd's layout). A record is a type
// byte, a CRC (uint32, little-endian) and the payload. The CRC is chained: it is the CRC32
// of every record's type and payload since the start of the log, so a record that is
// dropped, repeated or reordered breaks the chain as surely as a flipped bit does. A CRC
// record, first in every segment, carries the chain's value at the end of the previous
// segment and is not itself part of the chain.
//
// The CRC is zlib's CRC32 (Node's zlib.crc32, SIMD-accelerated, no native addon), not
// etcd's CRC32C: the payloads are not etcd's protobufs anyway, so the files are not
// etcd-readable whichever polynomial is used, and both detect every burst error up to 32
// bits and every odd number of flipped bits.

import { crc32 } from 'node:zlib';
import { EntryType, type ConfState, type Entry, type HardState, type NodeId, type Snapshot } from '../core/messages.js';

/** Record types; 1 to 5 are etcd's numbers for the same kinds of record. */
export const RecordType = {
  Metadata: 1,
  Entry: 2,
  HardState: 3,
  Crc: 4,
  Snapshot: 5,
  /** The log was compacted: entries up to `index` are gone (not in etcd's WAL, whose log restarts at the snapshot). */
  Compaction: 6,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** A record as the log stores it (CRC records are the framing's own business). */
export type WalRecord =
  | { readonly kind: 'metadata'; readonly metadata: Uint8Array }
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  /** A snapshot marker. An installed snapshot (received from the leader) replaces the whole log. */
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot; readonly isInstalled: boolean }
  /** The log now starts after `index`, whose term is `term`; the entries up to it are dropped. */
  | { readonly kind: 'compaction'; readonly index: number; readonly term: number };

/** Bytes of the length field before every record. */
export const FRAME_BYTES = 8;
/** Bytes of a record before its payload: the type and the CRC. */
const HEAD_BYTES = 5;

/** The chained CRC after `bytes`. */
export function chainCrc(bytes: Uint8Array, crc: number): number {
  return crc32(bytes, crc);
}

/** A record encoded as buffers to write one after another (no copy of large payloads). */
export interface EncodedRecord {
  readonly buffers: Uint8Array[];
  readonly bytes: number;
  /** The chain's value after this record. */
  readonly crc: number;
}

/**
 * Encodes a record; `crc` is the chain's value before it. A CRC record's payload is empty
 * and its CRC field is `crc` itself.
 */
export function encodeRecord(type: RecordType, payload: readonly Uint8Array[], crc: number): EncodedRecord {
  const payloadBytes = payload.reduce((sum, p) => sum + p.length, 0);
  const recordBytes = HEAD_BYTES + payloadBytes;
  const padding = (8 - (recordBytes % 8)) % 8;
  let chained = crc;
  if (type !== RecordType.Crc) {
    chained = chainCrc(Uint8Array.of(type), chained);
    for (const p of payload) chained = chainCrc(p, chained);
  }
  const head = Buffer.alloc(FRAME_BYTES + HEAD_BYTES);
  const lengthField = BigInt(recordBytes) | (padding > 0 ? BigInt(0x80 | padding) << 56n : 0n);
  head.writeBigUInt64LE(lengthField, 0);
  head.writeUInt8(type, FRAME_BYTES);
  head.writeUInt32LE(chained >>> 0, FRAME_BYTES + 1);
  const buffers: Uint8Array[] = [head, ...payload.filter((p) => p.length > 0)];
  if (padding > 0) buffers.push(new Uint8Array(padding));
  return { buffers, bytes: FRAME_BYTES + recordBytes + padding, crc: chained >>> 0 };
}

/** Splits a length field into the record's length and its padding (etcd's layout). */
export function decodeLengthField(field: bigint): { readonly recordBytes: number; readonly padding: number } {
  const recordBytes = Number(field & ((1n << 56n) - 1n));
  const top = Number(field >> 56n);
  return { recordBytes, padding: (top & 0x80) !== 0 ? top & 0x7 : 0 };
}

/** A record's type and CRC field, and its payload, out of its bytes (without frame and padding). */
export function splitRecord(record: Uint8Array): { readonly type: number; readonly crc: number; readonly payload: Uint8Array } | undefined {
  if (record.length < HEAD_BYTES) return undefined;
  const view = Buffer.from(record.buffer, record.byteOffset, record.length);
  return { type: view.readUInt8(0), crc: view.readUInt32LE(1), payload: record.subarray(HEAD_BYTES) };
}

/** The CRC a non-CRC record must carry, given the chain's value before it. */
export function expectedCrc(type: number, payload: Uint8Array, crc: number): number {
  return chainCrc(payload, chainCrc(Uint8Array.of(type), crc)) >>> 0;
}

// ---- payloads ----

const ENTRY_TYPE_CODES: Record<EntryType, number> = { [EntryType.Normal]: 0, [EntryType.ConfChange]: 1 };

/** The type and payload buffers of a record. */
export function recordPayload(record: WalRecord): { readonly type: RecordType; readonly payload: Uint8Array[] } {
  switch (record.kind) {
    case 'metadata':
      return { type: RecordType.Metadata, payload: [record.metadata] };
    case 'entry': {
      const { term, index, type, data } = record.entry;
      const head = Buffer.alloc(17);
      head.writeBigUInt64LE(BigInt(term), 0);
      head.writeBigUInt64LE(BigInt(index), 8);
      head.writeUInt8(ENTRY_TYPE_CODES[type], 16);
      return { type: RecordType.Entry, payload: [head, data] };
    }
    case 'hard-state': {
      const { term, vote, commit } = record.hardState;
      const body = Buffer.alloc(24);
      body.writeBigUInt64LE(BigInt(term), 0);
      body.writeBigUInt64LE(vote, 8);
      body.writeBigUInt64LE(BigInt(commit), 16);
      return { type: RecordType.HardState, payload: [body] };
    }
    case 'snapshot': {
      const { metadata, data } = record.snapshot;
      const { voters, learners } = metadata.confState;
      const head = Buffer.alloc(1 + 16 + 8 + 8 * (voters.length + learners.length));
      let at = head.writeUInt8(record.isInstalled ? 1 : 0, 0);
      at = head.writeBigUInt64LE(BigInt(metadata.index), at);
      at = head.writeBigUInt64LE(BigInt(metadata.term), at);
      at = head.writeUInt32LE(voters.length, at);
      at = head.writeUInt32LE(learners.length, at);
      for (const id of [...voters, ...learners]) at = head.writeBigUInt64LE(id, at);
      return { type: RecordType.Snapshot, payload: [head, data] };
    }
    case 'compaction': {
      const body = Buffer.alloc(16);
      body.writeBigUInt64LE(BigInt(record.index), 0);
      body.writeBigUInt64LE(BigInt(record.term), 8);
      return { type: RecordType.Compaction, payload: [body] };
    }
  }
}

/** Thrown by decodePayload; the reader turns it into a WalError naming the file and offset. */
export class PayloadError extends Error {}

/** Decodes a (CRC-checked) payload of a non-CRC record; throws PayloadError if it is malformed. */
export function decodePayload(type: number, payload: Uint8Array): WalRecord {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const need = (bytes: number) => {
    if (payload.length < bytes) throw new PayloadError(`record of type ${type} has ${payload.length} bytes, needs ${bytes}`);
  };
  const u64 = (at: number) => Number(view.readBigUInt64LE(at));
  switch (type) {
    case RecordType.Metadata:
      return { kind: 'metadata', metadata: Uint8Array.from(payload) };
    case RecordType.Entry: {
      need(17);
      const code = view.readUInt8(16);
      const entryType = code === 0 ? EntryType.Normal : code === 1 ? EntryType.ConfChange : undefined;
      if (entryType === undefined) throw new PayloadError(`entry type ${code}`);
      return { kind: 'entry', entry: { term: u64(0), index: u64(8), type: entryType, data: Uint8Array.from(payload.subarray(17)) } };
    }
    case RecordType.HardState:
      need(24);
      return { kind: 'hard-state', hardState: { term: u64(0), vote: view.readBigUInt64LE(8), commit: u64(16) } };
    case RecordType.Snapshot: {
      need(25);
      const voterCount = view.readUInt32LE(17);
      const learnerCount = view.readUInt32LE(21);
      const idsEnd = 25 + 8 * (voterCount + learnerCount);
      need(idsEnd);
      const ids: NodeId[] = [];
      for (let at = 25; at < idsEnd; at += 8) ids.push(view.readBigUInt64LE(at));
      const confState: ConfState = { voters: ids.slice(0, voterCount), learners: ids.slice(voterCount) };
      const snapshot: Snapshot = { metadata: { index: u64(1), term: u64(9), confState }, data: Uint8Array.from(payload.subarray(idsEnd)) };
      return { kind: 'snapshot', snapshot, isInstalled: view.readUInt8(0) === 1 };
    }
    case RecordType.Compaction:
      need(16);
      return { kind: 'compaction', index: u64(0), term: u64(8) };
    default:
      throw new PayloadError(`unknown record type ${type}`);
  }
}
