import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { encodeEvent, encodeHeader, encodePutResponse, encodeRangeResponse, encodeWatchResponse } from '../../storage/grpc/kv-codec.js';
import { headerToWire, keyValueToWire, putResponseToWire, rangeResponseToWire } from '../../storage/grpc/convert.js';
import { protoDir } from '../../storage/proto/proto-dir.js';
import type { KeyValue } from '../../storage/mvcc/key-value.js';
import type { HeaderInfo } from '../../storage/server/member-types.js';

/**
 * The hand encoders against protobufjs, the library they replace on the hot path:
 * responses must decode (by protobufjs) to exactly what protobufjs's own encoding of
 * the same response does. (Requests: request-decode.test.ts.)
 */
const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['rpc.proto', 'kv.proto'], { keepCase: false });
const type = (name: string) => root.lookupType(name);
const asObject = (t: protobuf.Type, bytes: Uint8Array) => t.toObject(t.decode(bytes), { longs: String, enums: String, defaults: true, bytes: Buffer as unknown as StringConstructor });

const uint64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }));
const bytes = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));

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
