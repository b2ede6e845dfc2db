import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { decodeCompactionRequest, decodeDeleteRangeRequest, decodePutRequest, decodeRangeRequest, decodeTxnRequest } from '../../storage/grpc/kv-request-decode.js';
import {
  decodeLeaseGrantRequest,
  decodeLeaseKeepAliveRequest,
  decodeLeaseLeasesRequest,
  decodeLeaseRevokeRequest,
  decodeLeaseTimeToLiveRequest,
  decodeWatchRequest,
} from '../../storage/grpc/stream-request-decode.js';
import { protoDir } from '../../storage/proto/proto-dir.js';
import { WireError } from '../../storage/proto/proto-reader.js';
import { isStorageError } from '../../storage/errors.js';

/**
 * The request decoders against protobufjs: random messages are encoded by protobufjs
 * (with unknown fields mixed in), decoded by hand, and compared with protobufjs's own
 * decoding of the same bytes turned into the typed form here; malformed messages must
 * be refused with the words of etcd 3.4's gogoproto decoders.
 */
const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['rpc.proto', 'kv.proto'], { keepCase: false });
const type = (name: string) => root.lookupType(`etcdserverpb.${name}`);

type Obj = Record<string, unknown>;

/** protobufjs's reading of bytes: int64s as decimal strings, enums as numbers, every field present, oneofs named. */
const asObject = (name: string, bytes: Uint8Array): Obj =>
  type(name).toObject(type(name).decode(bytes), { longs: String, enums: Number, defaults: true, oneofs: true, bytes: Buffer as unknown as StringConstructor }) as Obj;
const encode = (name: string, obj: Obj): Buffer => Buffer.from(type(name).encode(type(name).fromObject(obj)).finish());

// ---- the typed form of protobufjs's objects, written out here from the proto ----
const buf = (v: unknown): Buffer => Buffer.from(v as Uint8Array);
const big = (v: unknown): bigint => BigInt(v as string);
const num = (v: unknown): number => Number(BigInt(v as string));
const pick = <T>(names: readonly T[], n: unknown): T => names[n as number] ?? names[0]!;

const typedRange = (o: Obj) => ({
  key: buf(o.key),
  rangeEnd: buf(o.rangeEnd),
  limit: num(o.limit),
  revision: num(o.revision),
  sortOrder: pick(['NONE', 'ASCEND', 'DESCEND'], o.sortOrder),
  sortTarget: pick(['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'], o.sortTarget),
  serializable: o.serializable,
  keysOnly: o.keysOnly,
  countOnly: o.countOnly,
  minModRevision: num(o.minModRevision),
  maxModRevision: num(o.maxModRevision),
  minCreateRevision: num(o.minCreateRevision),
  maxCreateRevision: num(o.maxCreateRevision),
});
const typedPut = (o: Obj) => ({ key: buf(o.key), value: buf(o.value), lease: big(o.lease), prevKv: o.prevKv, ignoreValue: o.ignoreValue, ignoreLease: o.ignoreLease });
const typedDelete = (o: Obj) => ({ key: buf(o.key), rangeEnd: buf(o.rangeEnd), prevKv: o.prevKv });
const typedCompare = (o: Obj) => {
  const set = o.targetUnion;
  return {
    result: pick(['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'], o.result),
    target: pick(['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'], o.target),
    key: buf(o.key),
    rangeEnd: buf(o.rangeEnd),
    version: set === 'version' ? num(o.version) : 0,
    createRevision: set === 'createRevision' ? num(o.createRevision) : 0,
    modRevision: set === 'modRevision' ? num(o.modRevision) : 0,
    value: set === 'value' ? buf(o.value) : Buffer.alloc(0),
    lease: set === 'lease' ? big(o.lease) : 0n,
  };
};
const typedOp = (o: Obj): unknown => {
  switch (o.request) {
    case 'requestRange':
      return { kind: 'range', range: typedRange(o.requestRange as Obj) };
    case 'requestPut':
      return { kind: 'put', put: typedPut(o.requestPut as Obj) };
    case 'requestDeleteRange':
      return { kind: 'deleteRange', deleteRange: typedDelete(o.requestDeleteRange as Obj) };
    default:
      return { kind: 'txn', txn: typedTxn(o.requestTxn as Obj) };
  }
};
const typedTxn = (o: Obj): unknown => ({
  compare: (o.compare as Obj[]).map(typedCompare),
  success: (o.success as Obj[]).map(typedOp),
  failure: (o.failure as Obj[]).map(typedOp),
});
const typedWatch = (o: Obj): unknown => {
  switch (o.requestUnion) {
    case 'createRequest': {
      const c = o.createRequest as Obj;
      const filters = c.filters as number[];
      return {
        kind: 'create',
        create: {
          key: buf(c.key),
          rangeEnd: buf(c.rangeEnd),
          startRevision: num(c.startRevision),
          progressNotify: c.progressNotify,
          noPut: filters.includes(0),
          noDelete: filters.includes(1),
          prevKv: c.prevKv,
          watchId: num(c.watchId),
          fragment: c.fragment,
        },
      };
    }
    case 'cancelRequest':
      return { kind: 'cancel', watchId: num((o.cancelRequest as Obj).watchId) };
    case 'progressRequest':
      return { kind: 'progress' };
    default:
      return { kind: 'none' };
  }
};

// ---- random messages ----
const int64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(String);
const bytes = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));
const enumValue = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
/** Fields no etcd 3.4 message declares (numbers 50-1000, but not Compare's 64), which decoders skip. */
const unknownFields = fc.array(
  fc.oneof(
    fc.tuple(fc.integer({ min: 65, max: 1000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 0).uint64(v.toString()).finish())),
    fc.tuple(fc.integer({ min: 65, max: 1000 }), bytes).map(([f, b]) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 2).bytes(b).finish())),
    fc.integer({ min: 65, max: 1000 }).map((f) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 5).fixed32(7).finish())),
    fc.integer({ min: 65, max: 1000 }).map((f) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 1).fixed64(7).finish())),
    // A group, with a field inside: skipped up to its end.
    fc.integer({ min: 65, max: 1000 }).map((f) => Buffer.from(protobuf.Writer.create().uint32((f << 3) | 3).uint32((f << 3) | 0).uint32(5).uint32((f << 3) | 4).finish())),
  ),
  { maxLength: 3 },
);

const range = fc.record({
  key: bytes,
  rangeEnd: bytes,
  limit: int64,
  revision: int64,
  sortOrder: enumValue(2),
  sortTarget: enumValue(4),
  serializable: fc.boolean(),
  keysOnly: fc.boolean(),
  countOnly: fc.boolean(),
  minModRevision: int64,
  maxModRevision: int64,
  minCreateRevision: int64,
  maxCreateRevision: int64,
});
const put = fc.record({ key: bytes, value: bytes, lease: int64, prevKv: fc.boolean(), ignoreValue: fc.boolean(), ignoreLease: fc.boolean() });
const deleteRange = fc.record({ key: bytes, rangeEnd: bytes, prevKv: fc.boolean() });
const compare = fc.tuple(
  fc.record({ result: enumValue(3), target: enumValue(4), key: bytes, rangeEnd: bytes }),
  fc.oneof(
    fc.constant({}),
    int64.map((version) => ({ version })),
    int64.map((createRevision) => ({ createRevision })),
    int64.map((modRevision) => ({ modRevision })),
    bytes.map((value) => ({ value })),
    int64.map((lease) => ({ lease })),
  ),
).map(([c, operand]) => ({ ...c, ...operand }));
const { txn } = fc.letrec((tie) => ({
  txn: fc.record({
    compare: fc.array(compare, { maxLength: 3 }),
    success: fc.array(tie('op'), { maxLength: 3 }),
    failure: fc.array(tie('op'), { maxLength: 3 }),
  }),
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    range.map((requestRange) => ({ requestRange })),
    put.map((requestPut) => ({ requestPut })),
    deleteRange.map((requestDeleteRange) => ({ requestDeleteRange })),
    tie('txn').map((requestTxn) => ({ requestTxn })),
  ),
}));

/** Random messages of type name with unknown fields appended decode by hand as protobufjs reads them. */
function agrees(name: string, arbitrary: fc.Arbitrary<Obj>, decode: (b: Buffer) => unknown, typed: (o: Obj) => unknown, numRuns = 300): void {
  fc.assert(
    fc.property(arbitrary, unknownFields, fc.boolean(), (msg, extra, extraFirst) => {
      const encoded = encode(name, msg);
      const bytes = Buffer.concat(extraFirst ? [...extra, encoded] : [encoded, ...extra]);
      assert.deepEqual(decode(bytes), typed(asObject(name, bytes)));
    }),
    { numRuns },
  );
}

test('KV requests decode by hand to the typed requests protobufjs reads', () => {
  agrees('RangeRequest', range, decodeRangeRequest, typedRange);
  agrees('PutRequest', put, decodePutRequest, typedPut);
  agrees('DeleteRangeRequest', deleteRange, decodeDeleteRangeRequest, typedDelete);
  agrees('TxnRequest', txn as fc.Arbitrary<Obj>, decodeTxnRequest, typedTxn, 200);
  agrees('CompactionRequest', fc.record({ revision: int64, physical: fc.boolean() }), decodeCompactionRequest, (o) => ({ revision: num(o.revision), physical: o.physical }));
});

test('Lease and Watch requests decode by hand to the typed requests protobufjs reads', () => {
  agrees('LeaseGrantRequest', fc.record({ TTL: int64, ID: int64 }), decodeLeaseGrantRequest, (o) => ({ ttl: num(o.TTL), id: big(o.ID) }));
  agrees('LeaseRevokeRequest', fc.record({ ID: int64 }), decodeLeaseRevokeRequest, (o) => ({ id: big(o.ID) }));
  agrees('LeaseKeepAliveRequest', fc.record({ ID: int64 }), decodeLeaseKeepAliveRequest, (o) => ({ id: big(o.ID) }));
  agrees('LeaseTimeToLiveRequest', fc.record({ ID: int64, keys: fc.boolean() }), decodeLeaseTimeToLiveRequest, (o) => ({ id: big(o.ID), keys: o.keys }));
  agrees('LeaseLeasesRequest', fc.constant({}), decodeLeaseLeasesRequest, () => ({}));
  const create = fc.record({
    key: bytes,
    rangeEnd: bytes,
    startRevision: int64,
    progressNotify: fc.boolean(),
    filters: fc.array(enumValue(1), { maxLength: 3 }),
    prevKv: fc.boolean(),
    watchId: int64,
    fragment: fc.boolean(),
  });
  const watch = fc.oneof(
    create.map((createRequest) => ({ createRequest })),
    int64.map((watchId) => ({ cancelRequest: { watchId } })),
    fc.constant({ progressRequest: {} }),
    fc.constant({}),
  );
  agrees('WatchRequest', watch, decodeWatchRequest, typedWatch);
});

test('a repeated enum is read packed and unpacked alike (WatchCreateRequest filters)', () => {
  // create_request { filters: [NODELETE] } unpacked (tag 0x28), and packed (tag 0x2a, length 1).
  const unpacked = Buffer.from([0x0a, 0x02, 0x28, 0x01]);
  const packed = Buffer.from([0x0a, 0x03, 0x2a, 0x01, 0x01]);
  for (const b of [unpacked, packed]) {
    const req = decodeWatchRequest(b);
    assert.ok(req.kind === 'create' && req.create.noDelete && !req.create.noPut, b.toString('hex'));
  }
});

test('of a oneof sent twice the field seen last counts, as gogoproto sets it', () => {
  // compare { version: 5, lease: 7 }, then compare { lease: 7, version: 5 }
  const txn = decodeTxnRequest(Buffer.from([0x0a, 0x04, 0x20, 0x05, 0x40, 0x07, 0x0a, 0x04, 0x40, 0x07, 0x20, 0x05]));
  assert.deepEqual(txn.compare?.map((c) => [c.version, c.lease]), [[0, 7n], [5, 0n]]);
  // a WatchRequest with a create_request, then a cancel_request
  assert.deepEqual(decodeWatchRequest(Buffer.from([0x0a, 0x00, 0x12, 0x02, 0x08, 0x03])), { kind: 'cancel', watchId: 3 });
});

test('a RequestOp with no request is refused as etcd refuses it (key not found), not as a malformed message', () => {
  // success: [ {} ]
  assert.throws(() => decodeTxnRequest(Buffer.from([0x12, 0x00])), (e) => isStorageError(e, 'KeyNotFound'));
});

/** Each decoder's known fields: number, gogoproto's Go name, declared wire type (0 varint, 2 length-delimited). */
const declared: Array<[string, (b: Buffer) => unknown, Array<[number, string, 0 | 2]>]> = [
  ['RangeRequest', decodeRangeRequest, [[1, 'Key', 2], [2, 'RangeEnd', 2], [3, 'Limit', 0], [4, 'Revision', 0], [5, 'SortOrder', 0], [6, 'SortTarget', 0], [7, 'Serializable', 0], [8, 'KeysOnly', 0], [9, 'CountOnly', 0], [10, 'MinModRevision', 0], [11, 'MaxModRevision', 0], [12, 'MinCreateRevision', 0], [13, 'MaxCreateRevision', 0]]],
  ['PutRequest', decodePutRequest, [[1, 'Key', 2], [2, 'Value', 2], [3, 'Lease', 0], [4, 'PrevKv', 0], [5, 'IgnoreValue', 0], [6, 'IgnoreLease', 0]]],
  ['DeleteRangeRequest', decodeDeleteRangeRequest, [[1, 'Key', 2], [2, 'RangeEnd', 2], [3, 'PrevKv', 0]]],
  ['TxnRequest', decodeTxnRequest, [[1, 'Compare', 2], [2, 'Success', 2], [3, 'Failure', 2]]],
  ['CompactionRequest', decodeCompactionRequest, [[1, 'Revision', 0], [2, 'Physical', 0]]],
  ['LeaseGrantRequest', decodeLeaseGrantRequest, [[1, 'TTL', 0], [2, 'ID', 0]]],
  ['LeaseRevokeRequest', decodeLeaseRevokeRequest, [[1, 'ID', 0]]],
  ['LeaseKeepAliveRequest', decodeLeaseKeepAliveRequest, [[1, 'ID', 0]]],
  ['LeaseTimeToLiveRequest', decodeLeaseTimeToLiveRequest, [[1, 'ID', 0], [2, 'Keys', 0]]],
  ['WatchRequest', decodeWatchRequest, [[1, 'CreateRequest', 2], [2, 'CancelRequest', 2], [3, 'ProgressRequest', 2]]],
];

/** A field of wire type wt with a well-formed value. */
function fieldOf(field: number, wt: number): Buffer {
  const w = protobuf.Writer.create().uint32((field << 3) | wt);
  if (wt === 0) w.uint32(1);
  else if (wt === 1) w.fixed64(1);
  else if (wt === 2) w.bytes(Buffer.from([0x08, 0x01]));
  else if (wt === 5) w.fixed32(1);
  return Buffer.from(w.finish());
}

test('a known field in another wire type is refused as gogoproto refuses it', () => {
  for (const [message, decode, fields] of declared) {
    for (const [field, goName, wt] of fields) {
      for (const wrong of [0, 1, 2, 5].filter((x) => x !== wt)) {
        assert.throws(() => decode(fieldOf(field, wrong)), { message: `proto: wrong wireType = ${wrong} for field ${goName}` }, `${message}.${goName}`);
      }
      // A group start (3) is a wrong wire type too; an end group (4) is refused before the field is looked at.
      assert.throws(() => decode(Buffer.from([(field << 3) | 3])), { message: `proto: wrong wireType = 3 for field ${goName}` }, `${message}.${goName}`);
      assert.throws(() => decode(Buffer.from([(field << 3) | 4])), { message: `proto: ${message}: wiretype end group for non-group` }, `${message}.${goName}`);
    }
  }
  // Nested messages name their own fields and types.
  assert.throws(() => decodeTxnRequest(Buffer.from([0x0a, 0x02, 0x18, 0x01])), { message: 'proto: wrong wireType = 0 for field Key' }, 'Compare.Key');
  assert.throws(() => decodeTxnRequest(Buffer.from([0x12, 0x02, 0x00, 0x00])), { message: 'proto: RequestOp: illegal tag 0 (wire type 0)' }, 'RequestOp tag 0');
  assert.throws(() => decodeTxnRequest(Buffer.from([0x0a, 0x03, 0x80, 0x04, 0x00])), { message: 'proto: wrong wireType = 0 for field RangeEnd' }, 'Compare.RangeEnd (field 64)');
});

test('malformed messages are refused with gogoproto words', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['field number 0', Buffer.from([0x00, 0x01]), 'proto: PutRequest: illegal tag 0 (wire type 0)'],
    ['field number 0, wire type 2', Buffer.from([0x02, 0x00]), 'proto: PutRequest: illegal tag 0 (wire type 2)'],
    ['truncated bytes', Buffer.from([0x0a, 0x20, 0x61]), 'unexpected EOF'],
    ['varint running off the end', Buffer.from([0x18, 0xff, 0xff]), 'unexpected EOF'],
    ['tag running off the end', Buffer.from([0x88]), 'unexpected EOF'],
    ['over-long varint', Buffer.from([0x18, ...Array(11).fill(0xff)]), 'proto: integer overflow'],
    ['negative length', Buffer.from([0x0a, ...Array(9).fill(0xff), 0x01]), 'proto: negative length found during unmarshaling'],
    ['unknown fixed64 past the end', Buffer.from([0x79, 1, 2, 3]), 'unexpected EOF'],
    ['unknown fixed32 past the end', Buffer.from([0x7d, 1, 2]), 'unexpected EOF'],
    ['unknown field of wire type 6', Buffer.from([0x7e, 0x01]), 'proto: illegal wireType 6'],
    ['unknown field of wire type 7', Buffer.from([0x7f, 0x01]), 'proto: illegal wireType 7'],
    ['unknown group never ended', Buffer.from([0x7b, 0x78, 0x01]), 'unexpected EOF'],
    ['unknown group holding wire type 6', Buffer.from([0x7b, 0x7e]), 'proto: illegal wireType 6'],
  ];
  for (const [name, b, message] of cases) assert.throws(() => decodePutRequest(b), (e) => e instanceof WireError && e.message === message, name);
});

test('any bytes decode or are refused with a WireError (a StorageError only for an empty txn operation)', () => {
  const decoders = declared.map(([, decode]) => decode);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...decoders), (b, decode) => {
      try {
        decode(Buffer.from(b));
      } catch (err) {
        assert.ok(err instanceof WireError || (decode === decodeTxnRequest && isStorageError(err, 'KeyNotFound')), String(err));
      }
    }),
    { numRuns: 3000 },
  );
});
