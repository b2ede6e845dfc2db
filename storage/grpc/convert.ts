/**
 * The store's responses in the wire form of etcd's messages, as @grpc/proto-loader
 * encodes them (64-bit integers as decimal strings, enums by name, oneofs named), for
 * the responses not encoded by hand (kv-codec).
 */
import type { KeyValue } from '../mvcc/key-value.js';
import type { HeaderInfo } from '../server/member-types.js';
import type { DeleteRangeResponse, PutResponse, RangeResponse, ResponseOp, TxnResponse } from '../server/kv-requests.js';
import { StorageError } from '../errors.js';

type Wire = Record<string, unknown>;

/**
 * A 64-bit integer field of a message proto-loader decoded (a decimal string), as
 * bigint; InvalidArgument if it is not one. (KV, Lease and Watch requests are decoded
 * by hand, int64s straight to bigint: see kv-request-decode.)
 */
export function big(v: unknown): bigint {
  try {
    return BigInt((v as string | number | undefined) ?? 0);
  } catch {
    throw new StorageError('InvalidArgument', { detail: `not an integer: ${String(v)}` });
  }
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
