/**
 * etcd's KV requests, from their protobuf bytes straight to the store's request types
 * (storage/server/kv-requests): int64 fields read from the varint as bigint (lease ids)
 * or number (revisions, limits), enums mapped to the typed unions, unknown fields
 * skipped, a known field in the wrong wire type refused with gogoproto's words (see
 * ProtoReader). Every field is set, to its default when absent, so each request type
 * has one shape. test/grpc/request-decode.test.ts checks each decoder against
 * protobufjs on random and malformed messages.
 */
import { StorageError } from '../errors.js';
import { ProtoReader } from '../proto/proto-reader.js';
import type {
  CompactionRequest,
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  SortOrder,
  SortTarget,
  TxnRequest,
} from '../server/kv-requests.js';

const VARINT = 0;
const BYTES = 2;
const EMPTY: Buffer = Buffer.alloc(0);

const sortOrders: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const compareResults: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const compareTargets: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];

/** An enum's value by number; a number the proto names no value for reads as the zero value. */
function enumOf<T>(values: readonly T[], n: number): T {
  return values[n] ?? values[0]!;
}

export function decodeRangeRequest(buf: Buffer): RangeRequest {
  let key = EMPTY;
  let rangeEnd = EMPTY;
  let limit = 0;
  let revision = 0;
  let sortOrder: SortOrder = 'NONE';
  let sortTarget: SortTarget = 'KEY';
  let serializable = false;
  let keysOnly = false;
  let countOnly = false;
  let minModRevision = 0;
  let maxModRevision = 0;
  let minCreateRevision = 0;
  let maxCreateRevision = 0;
  const r = new ProtoReader(buf, 'RangeRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'Key');
        key = r.bytes();
        break;
      case 2:
        r.expect(BYTES, 'RangeEnd');
        rangeEnd = r.bytes();
        break;
      case 3:
        r.expect(VARINT, 'Limit');
        limit = r.int64Number();
        break;
      case 4:
        r.expect(VARINT, 'Revision');
        revision = r.int64Number();
        break;
      case 5:
        r.expect(VARINT, 'SortOrder');
        sortOrder = enumOf(sortOrders, r.int32());
        break;
      case 6:
        r.expect(VARINT, 'SortTarget');
        sortTarget = enumOf(sortTargets, r.int32());
        break;
      case 7:
        r.expect(VARINT, 'Serializable');
        serializable = r.bool();
        break;
      case 8:
        r.expect(VARINT, 'KeysOnly');
        keysOnly = r.bool();
        break;
      case 9:
        r.expect(VARINT, 'CountOnly');
        countOnly = r.bool();
        break;
      case 10:
        r.expect(VARINT, 'MinModRevision');
        minModRevision = r.int64Number();
        break;
      case 11:
        r.expect(VARINT, 'MaxModRevision');
        maxModRevision = r.int64Number();
        break;
      case 12:
        r.expect(VARINT, 'MinCreateRevision');
        minCreateRevision = r.int64Number();
        break;
      case 13:
        r.expect(VARINT, 'MaxCreateRevision');
        maxCreateRevision = r.int64Number();
        break;
      default:
        r.skip();
    }
  }
  return { key, rangeEnd, limit, revision, sortOrder, sortTarget, serializable, keysOnly, countOnly, minModRevision, maxModRevision, minCreateRevision, maxCreateRevision };
}

export function decodePutRequest(buf: Buffer): PutRequest {
  let key = EMPTY;
  let value = EMPTY;
  let lease = 0n;
  let prevKv = false;
  let ignoreValue = false;
  let ignoreLease = false;
  const r = new ProtoReader(buf, 'PutRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'Key');
        key = r.bytes();
        break;
      case 2:
        r.expect(BYTES, 'Value');
        value = r.bytes();
        break;
      case 3:
        r.expect(VARINT, 'Lease');
        lease = r.int64();
        break;
      case 4:
        r.expect(VARINT, 'PrevKv');
        prevKv = r.bool();
        break;
      case 5:
        r.expect(VARINT, 'IgnoreValue');
        ignoreValue = r.bool();
        break;
      case 6:
        r.expect(VARINT, 'IgnoreLease');
        ignoreLease = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return { key, value, lease, prevKv, ignoreValue, ignoreLease };
}

export function decodeDeleteRangeRequest(buf: Buffer): DeleteRangeRequest {
  let key = EMPTY;
  let rangeEnd = EMPTY;
  let prevKv = false;
  const r = new ProtoReader(buf, 'DeleteRangeRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'Key');
        key = r.bytes();
        break;
      case 2:
        r.expect(BYTES, 'RangeEnd');
        rangeEnd = r.bytes();
        break;
      case 3:
        r.expect(VARINT, 'PrevKv');
        prevKv = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return { key, rangeEnd, prevKv };
}

/** A Compare: of its target_union oneof the field seen last is kept and the others read as zero, as in etcd. */
function decodeCompare(buf: Buffer): Compare {
  let result: CompareResult = 'EQUAL';
  let target: CompareTarget = 'VERSION';
  let key = EMPTY;
  let rangeEnd = EMPTY;
  let version = 0;
  let createRevision = 0;
  let modRevision = 0;
  let value = EMPTY;
  let lease = 0n;
  const r = new ProtoReader(buf, 'Compare');
  const clearUnion = (): void => {
    version = createRevision = modRevision = 0;
    value = EMPTY;
    lease = 0n;
  };
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(VARINT, 'Result');
        result = enumOf(compareResults, r.int32());
        break;
      case 2:
        r.expect(VARINT, 'Target');
        target = enumOf(compareTargets, r.int32());
        break;
      case 3:
        r.expect(BYTES, 'Key');
        key = r.bytes();
        break;
      case 4:
        r.expect(VARINT, 'Version');
        clearUnion();
        version = r.int64Number();
        break;
      case 5:
        r.expect(VARINT, 'CreateRevision');
        clearUnion();
        createRevision = r.int64Number();
        break;
      case 6:
        r.expect(VARINT, 'ModRevision');
        clearUnion();
        modRevision = r.int64Number();
        break;
      case 7:
        r.expect(BYTES, 'Value');
        clearUnion();
        value = r.bytes();
        break;
      case 8:
        r.expect(VARINT, 'Lease');
        clearUnion();
        lease = r.int64();
        break;
      case 64:
        r.expect(BYTES, 'RangeEnd');
        rangeEnd = r.bytes();
        break;
      default:
        r.skip();
    }
  }
  return { result, target, key, rangeEnd, version, createRevision, modRevision, value, lease };
}

/**
 * A RequestOp: of its request oneof the field seen last is kept. One with no request at
 * all is refused here, the one place that sees it (the store's request types have no
 * empty operation), with what etcd 3.4's checkRequestOp answers: "key not found".
 */
function decodeRequestOp(buf: Buffer): RequestOp {
  let op: RequestOp | undefined;
  const r = new ProtoReader(buf, 'RequestOp');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'RequestRange');
        op = { kind: 'range', range: decodeRangeRequest(r.bytes()) };
        break;
      case 2:
        r.expect(BYTES, 'RequestPut');
        op = { kind: 'put', put: decodePutRequest(r.bytes()) };
        break;
      case 3:
        r.expect(BYTES, 'RequestDeleteRange');
        op = { kind: 'deleteRange', deleteRange: decodeDeleteRangeRequest(r.bytes()) };
        break;
      case 4:
        r.expect(BYTES, 'RequestTxn');
        op = { kind: 'txn', txn: decodeTxnRequest(r.bytes()) };
        break;
      default:
        r.skip();
    }
  }
  if (op === undefined) throw new StorageError('KeyNotFound');
  return op;
}

export function decodeTxnRequest(buf: Buffer): TxnRequest {
  const compare: Compare[] = [];
  const success: RequestOp[] = [];
  const failure: RequestOp[] = [];
  const r = new ProtoReader(buf, 'TxnRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'Compare');
        compare.push(decodeCompare(r.bytes()));
        break;
      case 2:
        r.expect(BYTES, 'Success');
        success.push(decodeRequestOp(r.bytes()));
        break;
      case 3:
        r.expect(BYTES, 'Failure');
        failure.push(decodeRequestOp(r.bytes()));
        break;
      default:
        r.skip();
    }
  }
  return { compare, success, failure };
}

export function decodeCompactionRequest(buf: Buffer): CompactionRequest {
  let revision = 0;
  let physical = false;
  const r = new ProtoReader(buf, 'CompactionRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(VARINT, 'Revision');
        revision = r.int64Number();
        break;
      case 2:
        r.expect(VARINT, 'Physical');
        physical = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return { revision, physical };
}
