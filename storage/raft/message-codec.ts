// The binary form of the core's messages on the wire between members. It is hand-rolled
// and length-prefixed: encoding sizes the output first, then writes it into one buffer.
//
// Layout of a batch (all multi-byte fixed-width integers are big-endian):
//
//   batch    = u8 version (1), uvarint count, message*
//   message  = u8 type, u8 flags, u64 from, u64 to,
//              uvarint term, logTerm, index, commit, rejectHint,
//              bytes context, uvarint entryCount, entry*, [snapshot if flags & SNAPSHOT]
//   entry    = u8 type, uvarint term, uvarint index, bytes data
//   snapshot = uvarint index, uvarint term, uvarint voterCount, u64*,
//              uvarint learnerCount, u64*, bytes data
//   bytes    = uvarint length, length raw bytes
//
// Member ids are uint64 (fixed 8 bytes); terms, indexes and lengths are non-negative safe
// integers as unsigned LEB128 varints of at most 8 bytes. The byte fields of decoded
// messages are views into one private copy of the input made per decode call (one copy is
// far cheaper than one per entry): later changes to the input do not affect them, and any
// one of them kept alive keeps that copy alive.

import { EntryType, MessageType, type Entry, type Message, type NodeId, type Snapshot } from './core/messages.js';
import { varintSize, writeVarint } from '../proto/wire.js';

/** Raised for input that is not a batch this codec wrote, or for a message it cannot encode. */
export class MessageCodecError extends Error {
  override readonly name = 'MessageCodecError';

  constructor(
    message: string,
    /** The byte offset in the input where decoding failed (-1 when encoding). */
    readonly offset: number,
  ) {
    super(offset >= 0 ? `malformed raft message batch at byte ${offset}: ${message}` : `cannot encode raft message: ${message}`);
  }
}

const FORMAT_VERSION = 1;

const FLAG_REJECT = 1;
const FLAG_TRANSFER = 2;
const FLAG_SNAPSHOT = 4;
const KNOWN_FLAGS = FLAG_REJECT | FLAG_TRANSFER | FLAG_SNAPSHOT;

/** Wire codes of message types: the position in this list. Append only; never reorder. */
const MESSAGE_TYPES: readonly MessageType[] = [
  MessageType.Hup,
  MessageType.Beat,
  MessageType.CheckQuorum,
  MessageType.Prop,
  MessageType.App,
  MessageType.AppResp,
  MessageType.Vote,
  MessageType.VoteResp,
  MessageType.PreVote,
  MessageType.PreVoteResp,
  MessageType.Snap,
  MessageType.Heartbeat,
  MessageType.HeartbeatResp,
  MessageType.TransferLeader,
  MessageType.TimeoutNow,
  MessageType.ReadIndex,
  MessageType.ReadIndexResp,
];
const MESSAGE_TYPE_CODES: ReadonlyMap<MessageType, number> = new Map(MESSAGE_TYPES.map((t, i) => [t, i]));

/** Wire codes of entry types. Append only. */
const ENTRY_TYPES: readonly EntryType[] = [EntryType.Normal, EntryType.ConfChange];
const ENTRY_TYPE_CODES: ReadonlyMap<EntryType, number> = new Map(ENTRY_TYPES.map((t, i) => [t, i]));

const MAX_U64 = (1n << 64n) - 1n;
const MAX_VARINT_BYTES = 8;

/**
 * Encodes a batch of messages into one buffer, after `headroom` bytes left for the caller (a
 * frame's length prefix). Throws MessageCodecError for a field out of range.
 */
export function encodeMessages(msgs: readonly Message[], headroom = 0): Buffer {
  let size = headroom + 1 + uvarintSize(msgs.length);
  for (const m of msgs) size += messageSize(m);
  const out = Buffer.allocUnsafe(size);
  out[headroom] = FORMAT_VERSION;
  let pos = writeVarint(out, headroom + 1, msgs.length);
  for (const m of msgs) pos = writeMessage(out, pos, m);
  if (pos !== size) throw new MessageCodecError(`size mismatch (${pos} written, ${size} computed)`, -1);
  return out;
}

/** Decodes a batch written by encodeMessages. Throws MessageCodecError on anything else. */
export function decodeMessages(buf: Uint8Array): Message[] {
  const reader = new Reader(buf);
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new MessageCodecError(`unknown format version ${version}`, 0);
  const count = reader.uvarint();
  const out: Message[] = [];
  // Every message takes at least 25 bytes, so a corrupt count fails on the bounds check
  // of the next read instead of looping.
  for (let i = 0; i < count; i++) out.push(readMessage(reader));
  if (reader.pos !== buf.byteLength) {
    throw new MessageCodecError(`${buf.byteLength - reader.pos} trailing bytes after ${count} messages`, reader.pos);
  }
  return out;
}

// ---- sizes -------------------------------------------------------------------------

function messageSize(m: Message): number {
  let size = 2 + 16;
  size += uvarintSize(m.term) + uvarintSize(m.logTerm) + uvarintSize(m.index) + uvarintSize(m.commit) + uvarintSize(m.rejectHint);
  size += bytesSize(m.context);
  size += uvarintSize(m.entries.length);
  for (const e of m.entries) size += 1 + uvarintSize(e.term) + uvarintSize(e.index) + bytesSize(e.data);
  if (m.snapshot !== undefined) size += snapshotSize(m.snapshot);
  return size;
}

function snapshotSize(s: Snapshot): number {
  const { index, term, confState } = s.metadata;
  return (
    uvarintSize(index) +
    uvarintSize(term) +
    uvarintSize(confState.voters.length) +
    8 * confState.voters.length +
    uvarintSize(confState.learners.length) +
    8 * confState.learners.length +
    bytesSize(s.data)
  );
}

function bytesSize(b: Uint8Array): number {
  return uvarintSize(b.byteLength) + b.byteLength;
}

/** The varint size of n, which must be a non-negative safe integer. */
function uvarintSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new MessageCodecError(`${n} is not a non-negative safe integer`, -1);
  return varintSize(n);
}

// ---- writing -----------------------------------------------------------------------

function writeMessage(out: Buffer, pos: number, m: Message): number {
  const type = MESSAGE_TYPE_CODES.get(m.type);
  if (type === undefined) throw new MessageCodecError(`unknown message type ${String(m.type)}`, -1);
  out[pos++] = type;
  out[pos++] = (m.reject ? FLAG_REJECT : 0) | (m.transfer ? FLAG_TRANSFER : 0) | (m.snapshot !== undefined ? FLAG_SNAPSHOT : 0);
  pos = writeU64(out, pos, m.from);
  pos = writeU64(out, pos, m.to);
  pos = writeVarint(out, pos, m.term);
  pos = writeVarint(out, pos, m.logTerm);
  pos = writeVarint(out, pos, m.index);
  pos = writeVarint(out, pos, m.commit);
  pos = writeVarint(out, pos, m.rejectHint);
  pos = writeBytes(out, pos, m.context);
  pos = writeVarint(out, pos, m.entries.length);
  for (const e of m.entries) pos = writeEntry(out, pos, e);
  if (m.snapshot !== undefined) pos = writeSnapshot(out, pos, m.snapshot);
  return pos;
}

function writeEntry(out: Buffer, pos: number, e: Entry): number {
  const type = ENTRY_TYPE_CODES.get(e.type);
  if (type === undefined) throw new MessageCodecError(`unknown entry type ${String(e.type)}`, -1);
  out[pos++] = type;
  pos = writeVarint(out, pos, e.term);
  pos = writeVarint(out, pos, e.index);
  return writeBytes(out, pos, e.data);
}

function writeSnapshot(out: Buffer, pos: number, s: Snapshot): number {
  const { index, term, confState } = s.metadata;
  pos = writeVarint(out, pos, index);
  pos = writeVarint(out, pos, term);
  pos = writeVarint(out, pos, confState.voters.length);
  for (const id of confState.voters) pos = writeU64(out, pos, id);
  pos = writeVarint(out, pos, confState.learners.length);
  for (const id of confState.learners) pos = writeU64(out, pos, id);
  return writeBytes(out, pos, s.data);
}

function writeU64(out: Buffer, pos: number, id: NodeId): number {
  if (typeof id !== 'bigint' || id < 0n || id > MAX_U64) throw new MessageCodecError(`member id ${String(id)} is not a uint64`, -1);
  return out.writeBigUInt64BE(id, pos);
}

function writeBytes(out: Buffer, pos: number, b: Uint8Array): number {
  pos = writeVarint(out, pos, b.byteLength);
  out.set(b, pos);
  return pos + b.byteLength;
}

// ---- reading -----------------------------------------------------------------------

function readMessage(r: Reader): Message {
  const start = r.pos;
  const typeCode = r.u8();
  const type = MESSAGE_TYPES[typeCode];
  if (type === undefined) throw new MessageCodecError(`unknown message type code ${typeCode}`, start);
  const flags = r.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new MessageCodecError(`unknown message flags 0x${flags.toString(16)}`, start + 1);
  const from = r.u64();
  const to = r.u64();
  const term = r.uvarint();
  const logTerm = r.uvarint();
  const index = r.uvarint();
  const commit = r.uvarint();
  const rejectHint = r.uvarint();
  const context = r.bytes();
  const entryCount = r.uvarint();
  const entries: Entry[] = [];
  for (let i = 0; i < entryCount; i++) entries.push(readEntry(r));
  const snapshot = (flags & FLAG_SNAPSHOT) !== 0 ? readSnapshot(r) : undefined;
  // Same fields in the same order as message() builds them.
  return {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    snapshot,
    reject: (flags & FLAG_REJECT) !== 0,
    rejectHint,
    context,
    transfer: (flags & FLAG_TRANSFER) !== 0,
  };
}

function readEntry(r: Reader): Entry {
  const start = r.pos;
  const typeCode = r.u8();
  const type = ENTRY_TYPES[typeCode];
  if (type === undefined) throw new MessageCodecError(`unknown entry type code ${typeCode}`, start);
  const term = r.uvarint();
  const index = r.uvarint();
  const data = r.bytes();
  return { term, index, type, data };
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.uvarint();
  const term = r.uvarint();
  const voters = r.ids();
  const learners = r.ids();
  const data = r.bytes();
  return { metadata: { index, term, confState: { voters, learners } }, data };
}

/** A bounds-checked cursor over the input; every read fails with MessageCodecError past the end. */
class Reader {
  pos = 0;
  private readonly bytesView: Uint8Array;
  private readonly view: DataView;

  constructor(buf: Uint8Array) {
    // A private copy as a plain Uint8Array (not a Buffer), so that the views handed out
    // are plain Uint8Arrays like the ones the core builds.
    this.bytesView = new Uint8Array(buf.byteLength);
    this.bytesView.set(buf);
    this.view = new DataView(this.bytesView.buffer);
  }

  u8(): number {
    this.need(1);
    return this.bytesView[this.pos++] as number;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new MessageCodecError(`varint ${result} exceeds 2^53-1`, start);
        return result;
      }
      scale *= 0x80;
    }
    throw new MessageCodecError(`varint longer than ${MAX_VARINT_BYTES} bytes`, start);
  }

  bytes(): Uint8Array {
    const len = this.uvarint();
    this.need(len);
    const out = this.bytesView.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  ids(): NodeId[] {
    const count = this.uvarint();
    this.need(8 * count);
    const out: NodeId[] = [];
    for (let i = 0; i < count; i++) out.push(this.u64());
    return out;
  }

  private need(n: number): void {
    if (n > this.bytesView.byteLength - this.pos) {
      throw new MessageCodecError(`truncated: needs ${n} more bytes, ${this.bytesView.byteLength - this.pos} left`, this.pos);
    }
  }
}
