/**
 * Hand-written codecs for the messages on the busiest paths: PutRequest and
 * RangeRequest in, ResponseHeader, KeyValue, PutResponse and RangeResponse out. Through
 * protobufjs each put parsed and printed 64-bit ids as decimal strings (Long.fromString
 * and toString) and built each message twice; by hand it is one pass over the bytes.
 * Requests decode to the same wire form proto-loader gives (see proto.ts), so the
 * handlers cannot tell the difference; test/grpc/kv-codec.test.ts checks both ways
 * against protobufjs on random messages. Zero-valued fields are left out, as etcd does.
 */
import type { KeyValue } from '../mvcc/key-value.js';
import type { HeaderInfo } from '../server/store-server.js';
import type { RangeResponse } from '../server/kv-requests.js';
import { ProtoReader, varint, varintSize, WireType, writeVarint } from '../proto/wire.js';
import type { Wire } from './unary.js';

const { varint: VARINT, lengthDelimited: BYTES } = WireType;

const sortOrders = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const EMPTY: Buffer = Buffer.alloc(0);

/** proto-loader's enum output: the value's name, or the number when the proto names none. */
function enumName(names: readonly string[], n: number): string | number {
  return names[n] ?? n;
}

export function decodePutRequest(buf: Buffer): Wire {
  const out: { key: Buffer; value: Buffer; lease: string; prevKv: boolean; ignoreValue: boolean; ignoreLease: boolean } = { key: EMPTY, value: EMPTY, lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false };
  const r = new ProtoReader(buf);
  while (!r.done) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, BYTES);
        out.key = r.bytes();
        break;
      case 2:
        r.expect(tag, BYTES);
        out.value = r.bytes();
        break;
      case 3:
        r.expect(tag, VARINT);
        out.lease = r.int64String();
        break;
      case 4:
        r.expect(tag, VARINT);
        out.prevKv = r.bool();
        break;
      case 5:
        r.expect(tag, VARINT);
        out.ignoreValue = r.bool();
        break;
      case 6:
        r.expect(tag, VARINT);
        out.ignoreLease = r.bool();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

/** RangeRequest's int64 and bool fields by number. */
const rangeInt64Fields: Record<number, string> = { 3: 'limit', 4: 'revision', 10: 'minModRevision', 11: 'maxModRevision', 12: 'minCreateRevision', 13: 'maxCreateRevision' };
const rangeBoolFields: Record<number, string> = { 7: 'serializable', 8: 'keysOnly', 9: 'countOnly' };

export function decodeRangeRequest(buf: Buffer): Wire {
  const out: Record<string, Buffer | string | number | boolean> = {
    key: EMPTY,
    rangeEnd: EMPTY,
    limit: '0',
    revision: '0',
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
  };
  const r = new ProtoReader(buf);
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      r.expect(tag, BYTES);
      out[field === 1 ? 'key' : 'rangeEnd'] = r.bytes();
    } else if (rangeInt64Fields[field] !== undefined) {
      r.expect(tag, VARINT);
      out[rangeInt64Fields[field]] = r.int64String();
    } else if (rangeBoolFields[field] !== undefined) {
      r.expect(tag, VARINT);
      out[rangeBoolFields[field]] = r.bool();
    } else if (field === 5 || field === 6) {
      r.expect(tag, VARINT);
      out[field === 5 ? 'sortOrder' : 'sortTarget'] = enumName(field === 5 ? sortOrders : sortTargets, Number(r.int64String()) | 0);
    } else {
      r.skip(tag & 7);
    }
  }
  return out;
}

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

  /** A nested message of size bytes, written by fill. */
  message(field: number, size: number, fill: (w: this) => void): this {
    this.buf[this.pos++] = (field << 3) | BYTES;
    this.pos = writeVarint(this.buf, this.pos, size);
    fill(this);
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

/** The varint bytes of a 64-bit id, with the last one remembered (a member's ids rarely change). */
function idBytes(): (id: bigint) => Buffer {
  let last = -1n;
  let bytes = EMPTY;
  return (id) => {
    if (id !== last) {
      last = id;
      bytes = id === 0n ? EMPTY : Buffer.from(varint(id));
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

function leaseBytes(lease: bigint): Buffer {
  return lease === 0n ? EMPTY : Buffer.from(varint(lease));
}

function keyValueSize(kv: KeyValue, lease: Buffer): number {
  return bytesSize(1, kv.key.length) + uintSize(2, kv.createRevision) + uintSize(3, kv.modRevision) + uintSize(4, kv.version) + bytesSize(5, kv.value.length) + rawSize(lease);
}

function writeKeyValue(w: MessageWriter, kv: KeyValue, lease: Buffer): void {
  w.bytes(1, kv.key).uint(2, kv.createRevision).uint(3, kv.modRevision).uint(4, kv.version).bytes(5, kv.value).raw(6, lease);
}

/** A mvccpb.KeyValue message. */
export function encodeKeyValue(kv: KeyValue): Buffer {
  const lease = leaseBytes(kv.lease);
  const w = new MessageWriter(keyValueSize(kv, lease));
  writeKeyValue(w, kv, lease);
  return w.finish();
}

export function encodePutResponse(h: HeaderInfo, prevKv: KeyValue | undefined): Buffer {
  const hs = headerSize(h);
  const lease = prevKv === undefined ? EMPTY : leaseBytes(prevKv.lease);
  const ps = prevKv === undefined ? 0 : keyValueSize(prevKv, lease);
  const w = new MessageWriter(messageSize(1, hs) + (prevKv === undefined ? 0 : messageSize(2, ps)));
  w.message(1, hs, () => writeHeader(w, h));
  if (prevKv !== undefined) w.message(2, ps, () => writeKeyValue(w, prevKv, lease));
  return w.finish();
}

export function encodeRangeResponse(h: HeaderInfo, r: RangeResponse): Buffer {
  const hs = headerSize(h);
  const leases = r.kvs.map((kv) => leaseBytes(kv.lease));
  const sizes = r.kvs.map((kv, i) => keyValueSize(kv, leases[i]!));
  let size = messageSize(1, hs) + (r.more ? 2 : 0) + uintSize(4, r.count);
  for (const s of sizes) size += messageSize(2, s);
  const w = new MessageWriter(size);
  w.message(1, hs, () => writeHeader(w, h));
  r.kvs.forEach((kv, i) => w.message(2, sizes[i]!, () => writeKeyValue(w, kv, leases[i]!)));
  if (r.more) w.uint(3, 1);
  w.uint(4, r.count);
  return w.finish();
}
