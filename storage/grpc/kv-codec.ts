/**
 * Hand-written encoders for the responses on the busiest paths: ResponseHeader,
 * KeyValue, PutResponse, RangeResponse and Watch's events and responses. Through
 * protobufjs each put printed 64-bit ids as decimal strings (Long.fromString and
 * toString) and built each message twice; by hand it is one pass over the bytes.
 * test/grpc/kv-codec.test.ts checks them against protobufjs on random messages.
 * Zero-valued fields are left out, as etcd does. (Requests: kv-request-decode.)
 */
import type { KeyValue } from '../mvcc/key-value.js';
import type { HeaderInfo } from '../server/member-types.js';
import type { RangeResponse } from '../server/kv-requests.js';
import { varint, varintSize, WireType, writeVarint } from '../proto/wire.js';

const { varint: VARINT, lengthDelimited: BYTES } = WireType;

const EMPTY: Buffer = Buffer.alloc(0);

/** Writes the response bytes: a message with fields appended in order, sized up front. */
class MessageWriter {
  private readonly buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  uint(field: number, n: number): this {
    if (n !== 0) {
      this.buf[this.pos++] = (field << 3) | VARINT;
      this.pos = writeVarint(this.buf, this.pos, n);
    }
    return this;
  }

  /** A varint whose bytes are already known (64-bit ids). */
  raw(field: number, bytes: Buffer): this {
    if (bytes.length > 0) {
      this.buf[this.pos++] = (field << 3) | VARINT;
      this.pos += bytes.copy(this.buf, this.pos);
    }
    return this;
  }

  bytes(field: number, b: Buffer): this {
    if (b.length > 0) {
      this.buf[this.pos++] = (field << 3) | BYTES;
      this.pos = writeVarint(this.buf, this.pos, b.length);
      this.pos += b.copy(this.buf, this.pos);
    }
    return this;
  }

  /** The tag and length of a nested message of size bytes; its fields follow. */
  message(field: number, size: number): this {
    this.buf[this.pos++] = (field << 3) | BYTES;
    this.pos = writeVarint(this.buf, this.pos, size);
    return this;
  }

  finish(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`encoded ${this.pos} bytes, sized ${this.buf.length}`);
    return this.buf;
  }
}

const uintSize = (field: number, n: number): number => (n === 0 ? 0 : varintSize(field << 3) + varintSize(n));
const bytesSize = (field: number, length: number): number => (length === 0 ? 0 : varintSize(field << 3) + varintSize(length) + length);
const messageSize = (field: number, size: number): number => varintSize(field << 3) + varintSize(size) + size;

/** The varint bytes of an int64 or uint64 field's value; none for 0, which is left out. */
function int64Bytes(n: bigint): Buffer {
  return n === 0n ? EMPTY : Buffer.from(varint(n));
}

/** int64Bytes of an id, with the last one remembered (a member's ids rarely change). */
function idBytes(): (id: bigint) => Buffer {
  let last = -1n;
  let bytes = EMPTY;
  return (id) => {
    if (id !== last) {
      last = id;
      bytes = int64Bytes(id);
    }
    return bytes;
  };
}
const clusterIdBytes = idBytes();
const memberIdBytes = idBytes();
const rawSize = (bytes: Buffer): number => (bytes.length === 0 ? 0 : 1 + bytes.length);

function headerSize(h: HeaderInfo): number {
  return rawSize(clusterIdBytes(h.clusterId)) + rawSize(memberIdBytes(h.memberId)) + uintSize(3, h.revision) + uintSize(4, h.raftTerm);
}

function writeHeader(w: MessageWriter, h: HeaderInfo): void {
  w.raw(1, clusterIdBytes(h.clusterId)).raw(2, memberIdBytes(h.memberId)).uint(3, h.revision).uint(4, h.raftTerm);
}

/** A ResponseHeader message. */
export function encodeHeader(h: HeaderInfo): Buffer {
  const w = new MessageWriter(headerSize(h));
  writeHeader(w, h);
  return w.finish();
}

function keyValueSize(kv: KeyValue, lease: Buffer): number {
  return bytesSize(1, kv.key.length) + uintSize(2, kv.createRevision) + uintSize(3, kv.modRevision) + uintSize(4, kv.version) + bytesSize(5, kv.value.length) + rawSize(lease);
}

function writeKeyValue(w: MessageWriter, kv: KeyValue, lease: Buffer): void {
  w.bytes(1, kv.key).uint(2, kv.createRevision).uint(3, kv.modRevision).uint(4, kv.version).bytes(5, kv.value).raw(6, lease);
}

export function encodePutResponse(h: HeaderInfo, prevKv: KeyValue | undefined): Buffer {
  const hs = headerSize(h);
  const lease = prevKv === undefined ? EMPTY : int64Bytes(prevKv.lease);
  const ps = prevKv === undefined ? 0 : keyValueSize(prevKv, lease);
  const w = new MessageWriter(messageSize(1, hs) + (prevKv === undefined ? 0 : messageSize(2, ps)));
  writeHeader(w.message(1, hs), h);
  if (prevKv !== undefined) writeKeyValue(w.message(2, ps), prevKv, lease);
  return w.finish();
}

export function encodeRangeResponse(h: HeaderInfo, r: RangeResponse): Buffer {
  const hs = headerSize(h);
  const leases = r.kvs.map((kv) => int64Bytes(kv.lease));
  const sizes = r.kvs.map((kv, i) => keyValueSize(kv, leases[i]!));
  let size = messageSize(1, hs) + (r.more ? 2 : 0) + uintSize(4, r.count);
  for (const s of sizes) size += messageSize(2, s);
  const w = new MessageWriter(size);
  writeHeader(w.message(1, hs), h);
  r.kvs.forEach((kv, i) => writeKeyValue(w.message(2, sizes[i]!), kv, leases[i]!));
  if (r.more) w.uint(3, 1);
  w.uint(4, r.count);
  return w.finish();
}

/** An mvccpb.Event: type (PUT is 0, left out), kv, prev_kv. */
export function encodeEvent(type: 'put' | 'delete', kv: KeyValue, prevKv: KeyValue | undefined): Buffer {
  const typeCode = type === 'delete' ? 1 : 0;
  const lease = int64Bytes(kv.lease);
  const ks = keyValueSize(kv, lease);
  const prevLease = prevKv === undefined ? EMPTY : int64Bytes(prevKv.lease);
  const ps = prevKv === undefined ? 0 : keyValueSize(prevKv, prevLease);
  const w = new MessageWriter(uintSize(1, typeCode) + messageSize(2, ks) + (prevKv === undefined ? 0 : messageSize(3, ps)));
  writeKeyValue(w.uint(1, typeCode).message(2, ks), kv, lease);
  if (prevKv !== undefined) writeKeyValue(w.message(3, ps), prevKv, prevLease);
  return w.finish();
}

/** A WatchResponse {header, watch_id, events} around events already encoded (see encodeEvent). */
export function encodeWatchResponse(h: HeaderInfo, watchId: number, events: readonly Buffer[]): Buffer {
  const hs = headerSize(h);
  let size = messageSize(1, hs) + uintSize(2, watchId);
  for (const e of events) size += bytesSize(11, e.length);
  const w = new MessageWriter(size);
  writeHeader(w.message(1, hs), h);
  w.uint(2, watchId);
  for (const e of events) w.bytes(11, e);
  return w.finish();
}
