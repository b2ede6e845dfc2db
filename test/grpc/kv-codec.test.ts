import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import type { MethodDefinition } from '@grpc/proto-loader';
import { decodePutRequest, decodeRangeRequest, encodeEvent, encodeHeader, encodePutResponse, encodeRangeResponse, encodeWatchResponse } from '../../storage/grpc/kv-codec.js';
import { headerToWire, keyValueToWire, putResponseToWire, rangeResponseToWire } from '../../storage/grpc/convert.js';
import { packageDefinition } from '../../storage/grpc/proto.js';
import { protoDir } from '../../storage/proto/proto-dir.js';
import { WireError } from '../../storage/proto/wire.js';
import type { KeyValue } from '../../storage/mvcc/key-value.js';
import type { HeaderInfo } from '../../storage/server/member-types.js';

/**
 * The hand codecs against protobufjs, the library they replace on the hot path:
 * requests must decode to exactly what proto-loader gives, responses must decode (by
 * protobufjs) to exactly what protobufjs's own encoding of the same response does.
 */
const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['rpc.proto', 'kv.proto'], { keepCase: false });
const type = (name: string) => root.lookupType(name);
const method = (service: string, name: string) => (packageDefinition[`etcdserverpb.${service}`] as Record<string, MethodDefinition<object, object>>)[name]!;
const asObject = (t: protobuf.Type, bytes: Uint8Array) => t.toObject(t.decode(bytes), { longs: String, enums: String, defaults: true, bytes: Buffer as unknown as StringConstructor });

const int64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const uint64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }));
const bytes = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));
/** Fields no etcd 3.4 message declares, which decoders skip. */
const unknownFields = fc.array(fc.oneof(
  fc.tuple(fc.integer({ min: 50, max: 1000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 0).uint64(v.toString()).finish())),
  fc.tuple(fc.integer({ min: 50, max: 1000 }), bytes).map(([f, b]) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 2).bytes(b).finish())),
  fc.integer({ min: 50, max: 1000 }).map((f) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 5).fixed32(7).finish())),
  fc.integer({ min: 50, max: 1000 }).map((f) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 1).fixed64(7).finish())),
), { maxLength: 3 });

test('PutRequest and RangeRequest decode by hand exactly as proto-loader decodes them', () => {
  const put = fc.record({ key: bytes, value: bytes, lease: int64, prevKv: fc.boolean(), ignoreValue: fc.boolean(), ignoreLease: fc.boolean() });
  fc.assert(
    fc.property(put, unknownFields, (p, extra) => {
      const t = type('etcdserverpb.PutRequest');
      const buf = Buffer.concat([Buffer.from(t.encode(t.fromObject({ ...p, lease: p.lease.toString() })).finish()), ...extra]);
      assert.deepEqual(decodePutRequest(buf), method('KV', 'Put').requestDeserialize(buf));
    }),
    { numRuns: 300 },
  );
  const range = fc.record({
    key: bytes,
    rangeEnd: bytes,
    limit: int64,
    revision: int64,
    sortOrder: fc.integer({ min: 0, max: 3 }),
    sortTarget: fc.integer({ min: 0, max: 5 }),
    serializable: fc.boolean(),
    keysOnly: fc.boolean(),
    countOnly: fc.boolean(),
    minModRevision: int64,
    maxModRevision: int64,
    minCreateRevision: int64,
    maxCreateRevision: int64,
  });
  fc.assert(
    fc.property(range, unknownFields, (r, extra) => {
      const t = type('etcdserverpb.RangeRequest');
      const wire = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
      const buf = Buffer.concat([Buffer.from(t.encode(t.fromObject(wire)).finish()), ...extra]);
      assert.deepEqual(decodeRangeRequest(buf), method('KV', 'Range').requestDeserialize(buf));
    }),
    { numRuns: 300 },
  );
});

test('malformed requests are refused, not misread', () => {
  const cases: Array<[string, Buffer]> = [
    ['key as a varint', Buffer.from([0x08, 0x05])],
    ['truncated bytes', Buffer.from([0x0a, 0x20, 0x61])],
    ['varint running off the end', Buffer.from([0x18, 0xff, 0xff])],
    ['field number 0', Buffer.from([0x00, 0x01])],
    ['group wire type', Buffer.from([0x0b])],
    ['over-long varint', Buffer.from([0x18, ...Array(11).fill(0xff)])],
  ];
  for (const [name, buf] of cases) {
    assert.throws(() => decodePutRequest(buf), WireError, name);
    assert.throws(() => decodeRangeRequest(buf), WireError, name);
  }
});

test('ResponseHeader, PutResponse and RangeResponse encode by hand to what protobufjs reads back', () => {
  const safe = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
  const header: fc.Arbitrary<HeaderInfo> = fc.record({ clusterId: uint64, memberId: uint64, revision: safe, raftTerm: safe });
  const kv: fc.Arbitrary<KeyValue> = fc.record({ key: bytes, createRevision: safe, modRevision: safe, version: safe, value: bytes, lease: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 63n - 1n })) });
  fc.assert(
    fc.property(header, fc.option(kv, { nil: undefined }), fc.array(kv, { maxLength: 5 }), fc.boolean(), safe, (h, prevKv, kvs, more, count) => {
      const ht = type('etcdserverpb.ResponseHeader');
      assert.deepEqual(asObject(ht, encodeHeader(h)), asObject(ht, ht.encode(ht.fromObject(headerToWire(h))).finish()));
      const pt = type('etcdserverpb.PutResponse');
      const put = putResponseToWire({ revision: h.revision, prevKv }, headerToWire(h));
      assert.deepEqual(asObject(pt, encodePutResponse(h, prevKv)), asObject(pt, pt.encode(pt.fromObject(put)).finish()));
      const rt = type('etcdserverpb.RangeResponse');
      const r = { revision: h.revision, kvs, more, count };
      assert.deepEqual(asObject(rt, encodeRangeResponse(h, r)), asObject(rt, rt.encode(rt.fromObject(rangeResponseToWire(r, headerToWire(h)))).finish()));
    }),
    { numRuns: 300 },
  );
});

test('Watch events and responses encode by hand to what protobufjs reads back', () => {
  const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  const header: fc.Arbitrary<HeaderInfo> = fc.record({ clusterId: uint64, memberId: uint64, revision: safe, raftTerm: safe });
  const kv: fc.Arbitrary<KeyValue> = fc.record({ key: bytes.filter((b) => b.length > 0), createRevision: safe, modRevision: safe, version: safe, value: bytes, lease: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 63n - 1n })) });
  const event = fc.record({ type: fc.constantFrom('put' as const, 'delete' as const), kv, prevKv: fc.option(kv, { nil: undefined }) });
  fc.assert(
    fc.property(header, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(event, { maxLength: 4 }), (h, watchId, events) => {
      const wt = type('etcdserverpb.WatchResponse');
      const wire = {
        header: headerToWire(h),
        watchId,
        events: events.map((e) => ({ type: e.type === 'put' ? 0 : 1, kv: keyValueToWire(e.kv), ...(e.prevKv ? { prevKv: keyValueToWire(e.prevKv) } : {}) })),
      };
      const byHand = encodeWatchResponse(h, watchId, events.map((e) => encodeEvent(e.type, e.kv, e.prevKv)));
      assert.deepEqual(asObject(wt, byHand), asObject(wt, wt.encode(wt.fromObject(wire)).finish()));
    }),
    { numRuns: 200 },
  );
});
