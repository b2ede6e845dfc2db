/**
 * Conversion between the wire form of etcd's messages (as @grpc/proto-loader
 * decodes them: 64-bit integers as decimal strings, enums by name, oneofs named)
 * and the store's request types. This is the wire edge: the only place `unknown`
 * input is read.
 */
import type { KeyValue } from '../mvcc/key-value.js';
import type { HeaderInfo } from '../server/member-types.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
} from '../server/kv-requests.js';
import { StorageError } from '../errors.js';

type Wire = Record<string, unknown>;

function bytes(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0);
}

function int(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  if (!Number.isFinite(n)) throw new StorageError('InvalidArgument', { detail: `not an integer: ${String(v)}` });
  return n;
}

/** A 64-bit integer field of a wire message (a decimal string), as bigint; InvalidArgument if it is not one. */
export function big(v: unknown): bigint {
  try {
    return BigInt((v as string | number | undefined) ?? 0);
  } catch {
    throw new StorageError('InvalidArgument', { detail: `not an integer: ${String(v)}` });
  }
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}

const sortOrders: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const compareResults: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const compareTargets: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];

export function rangeRequestFromWire(w: Wire): RangeRequest {
  return {
    key: bytes(w.key),
    rangeEnd: bytes(w.rangeEnd),
    limit: int(w.limit),
    revision: int(w.revision),
    sortOrder: oneOf(w.sortOrder, sortOrders, 'NONE'),
    sortTarget: oneOf(w.sortTarget, sortTargets, 'KEY'),
    serializable: w.serializable === true,
    keysOnly: w.keysOnly === true,
    countOnly: w.countOnly === true,
    minModRevision: int(w.minModRevision),
    maxModRevision: int(w.maxModRevision),
    minCreateRevision: int(w.minCreateRevision),
    maxCreateRevision: int(w.maxCreateRevision),
  };
}

export function putRequestFromWire(w: Wire): PutRequest {
  return {
    key: bytes(w.key),
    value: bytes(w.value),
    lease: big(w.lease),
    prevKv: w.prevKv === true,
    ignoreValue: w.ignoreValue === true,
    ignoreLease: w.ignoreLease === true,
  };
}

export function deleteRangeRequestFromWire(w: Wire): DeleteRangeRequest {
  return { key: bytes(w.key), rangeEnd: bytes(w.rangeEnd), prevKv: w.prevKv === true };
}

function compareFromWire(w: Wire): Compare {
  const set = w.targetUnion;
  return {
    result: oneOf(w.result, compareResults, 'EQUAL'),
    target: oneOf(w.target, compareTargets, 'VERSION'),
    key: bytes(w.key),
    rangeEnd: bytes(w.rangeEnd),
    version: set === 'version' ? int(w.version) : 0,
    createRevision: set === 'createRevision' ? int(w.createRevision) : 0,
    modRevision: set === 'modRevision' ? int(w.modRevision) : 0,
    value: set === 'value' ? bytes(w.value) : Buffer.alloc(0),
    lease: set === 'lease' ? big(w.lease) : 0n,
  };
}

function requestOpFromWire(w: Wire): RequestOp {
  switch (w.request) {
    case 'requestRange':
      return { kind: 'range', range: rangeRequestFromWire(w.requestRange as Wire) };
    case 'requestPut':
      return { kind: 'put', put: putRequestFromWire(w.requestPut as Wire) };
    case 'requestDeleteRange':
      return { kind: 'deleteRange', deleteRange: deleteRangeRequestFromWire(w.requestDeleteRange as Wire) };
    case 'requestTxn':
      return { kind: 'txn', txn: txnRequestFromWire(w.requestTxn as Wire) };
    default:
      // etcd treats an empty RequestOp as a no-op range of nothing; we refuse it clearly.
      throw new StorageError('InvalidArgument', { detail: 'txn operation has no request' });
  }
}

function list(v: unknown): Wire[] {
  return Array.isArray(v) ? (v as Wire[]) : [];
}

export function txnRequestFromWire(w: Wire): TxnRequest {
  return {
    compare: list(w.compare).map(compareFromWire),
    success: list(w.success).map(requestOpFromWire),
    failure: list(w.failure).map(requestOpFromWire),
  };
}

// ---- responses ----

export function headerToWire(h: HeaderInfo): Wire {
  return { clusterId: h.clusterId.toString(), memberId: h.memberId.toString(), revision: h.revision, raftTerm: h.raftTerm };
}

/** Headers of responses nested in a Txn carry only the revision, as etcd's do. */
function innerHeader(revision: number): Wire {
  return { revision };
}

export function keyValueToWire(kv: KeyValue): Wire {
  return {
    key: kv.key,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: kv.lease.toString(),
  };
}

export function rangeResponseToWire(r: RangeResponse, header: Wire): Wire {
  return { header, kvs: r.kvs.map(keyValueToWire), more: r.more, count: r.count };
}

export function putResponseToWire(r: PutResponse, header: Wire): Wire {
  return r.prevKv === undefined ? { header } : { header, prevKv: keyValueToWire(r.prevKv) };
}

export function deleteRangeResponseToWire(r: DeleteRangeResponse, header: Wire): Wire {
  return { header, deleted: r.deleted, prevKvs: r.prevKvs.map(keyValueToWire) };
}

function responseOpToWire(op: ResponseOp): Wire {
  switch (op.kind) {
    case 'range':
      return { responseRange: rangeResponseToWire(op.range, innerHeader(op.range.revision)) };
    case 'put':
      return { responsePut: putResponseToWire(op.put, innerHeader(op.put.revision)) };
    case 'deleteRange':
      return { responseDeleteRange: deleteRangeResponseToWire(op.deleteRange, innerHeader(op.deleteRange.revision)) };
    case 'txn':
      return { responseTxn: txnResponseToWire(op.txn, innerHeader(op.txn.revision)) };
  }
}

export function txnResponseToWire(r: TxnResponse, header: Wire): Wire {
  return { header, succeeded: r.succeeded, responses: r.responses.map(responseOpToWire) };
}
