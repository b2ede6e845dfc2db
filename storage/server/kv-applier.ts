import { StorageError } from '../errors.js';
import { inRange, toKeyRange, type KeyRange, type KeyValue } from '../mvcc/key-value.js';
import type { KvStore, WriteResult, WriteTxn } from '../mvcc/kv-store.js';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortTarget,
  TxnRequest,
  TxnResponse,
} from './kv-requests.js';

/** etcd's default limit on operations in one Txn (--max-txn-ops). */
export const DEFAULT_MAX_TXN_OPS = 128;

/** What the applier needs to know of leases. */
export interface LeaseLookup {
  /** Whether lease id is currently granted. */
  has(id: bigint): boolean;
}

/** A read view the applier evaluates requests against: the store, or a write transaction. */
interface ReadView {
  range(r: KeyRange, options?: { revision?: number; limit?: number; countOnly?: boolean }): { kvs: KeyValue[]; count: number; revision: number };
}

/** The result of a write request: the response, and when it is durable. */
export interface Applied<T> {
  readonly response: T;
  readonly write: WriteResult;
}

// ---- validation, before anything is applied (etcd's v3rpc checks) ----
// The member runs these once, when a request comes in (StoreServer's range, put,
// deleteRange, txn), before it is proposed; the applier does not repeat them.

export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw new StorageError('EmptyKey');
}

export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw new StorageError('EmptyKey');
  if (r.ignoreValue && (r.value?.length ?? 0) !== 0) throw new StorageError('ValueProvided', { key: r.key });
  if (r.ignoreLease && (r.lease ?? 0n) !== 0n) throw new StorageError('LeaseProvided', { key: r.key });
}

export function checkDeleteRangeRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw new StorageError('EmptyKey');
}

/** etcd's checkTxnRequest and checkIntervals: op limits, empty keys, overlapping writes. */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number = DEFAULT_MAX_TXN_OPS): void {
  checkTxnOps(r, maxTxnOps);
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

function checkTxnOps(r: TxnRequest, maxTxnOps: number): void {
  const ops = Math.max(r.compare?.length ?? 0, r.success?.length ?? 0, r.failure?.length ?? 0);
  if (ops > maxTxnOps) throw new StorageError('TooManyOps');
  for (const c of r.compare ?? []) if (c.key.length === 0) throw new StorageError('EmptyKey');
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    switch (op.kind) {
      case 'range':
        checkRangeRequest(op.range);
        break;
      case 'put':
        checkPutRequest(op.put);
        break;
      case 'deleteRange':
        checkDeleteRangeRequest(op.deleteRange);
        break;
      case 'txn':
        checkTxnOps(op.txn, maxTxnOps - ops);
        break;
    }
  }
}

/**
 * Rejects a branch in which two puts name the same key, or a put falls in a
 * range deleted by the same branch (nested transactions included; the two
 * branches of one nested transaction may put the same key, as only one runs).
 */
function checkIntervals(ops: readonly RequestOp[]): { puts: Set<string>; dels: KeyRange[] } {
  const dels: KeyRange[] = [];
  for (const op of ops) if (op.kind === 'deleteRange') dels.push(toKeyRange(op.deleteRange.key, op.deleteRange.rangeEnd));
  const deleted = (k: string): boolean => dels.some((r) => inRange(r, k));
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.kind !== 'txn') continue;
    const then = checkIntervals(op.txn.success ?? []);
    const otherwise = checkIntervals(op.txn.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || deleted(k)) throw new StorageError('DuplicateKey');
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deleted(k)) throw new StorageError('DuplicateKey');
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (op.kind !== 'put') continue;
    const k = op.put.key.toString('latin1');
    if (puts.has(k) || deleted(k)) throw new StorageError('DuplicateKey');
    puts.add(k);
  }
  return { puts, dels };
}

// ---- evaluation ----

/**
 * Applies etcd's KV requests to a KvStore with etcd's semantics: range options,
 * put flags, delete counts, and transactions whose compares are all evaluated
 * against the state before the transaction and whose writes share one revision.
 */
export class KvApplier {
  private readonly store: KvStore;
  private readonly leases: LeaseLookup;

  constructor(store: KvStore, leases: LeaseLookup) {
    this.store = store;
    this.leases = leases;
  }

  /** A read outside any transaction, at the newest durable revision or the one asked for. */
  range(r: RangeRequest): RangeResponse {
    return rangeIn(this.store, r);
  }

  put(r: PutRequest): Applied<PutResponse> {
    const txn = this.store.write();
    this.checkPut(txn, r);
    const response = putIn(txn, r);
    return { response, write: txn.end() };
  }

  deleteRange(r: DeleteRangeRequest): Applied<DeleteRangeResponse> {
    const txn = this.store.write();
    const response = deleteIn(txn, r);
    return { response, write: txn.end() };
  }

  txn(r: TxnRequest): Applied<TxnResponse> {
    const txn = this.store.write();
    const path = comparePath(txn, r);
    this.checkBranch(txn, r, path, 0);
    const responses = this.applyBranch(txn, r, path, { at: 0 });
    const revision = txn.beginRevision + (txn.hasChanges ? 1 : 0);
    return { response: { revision, succeeded: path[0]!, responses }, write: txn.end() };
  }

  /** etcd's checkRequests: puts (keys for ignore flags, leases) and range revisions of the chosen branches. */
  private checkBranch(txn: WriteTxn, r: TxnRequest, path: readonly boolean[], at: number): number {
    const ops = path[at] ? (r.success ?? []) : (r.failure ?? []);
    let next = at + 1;
    for (const op of ops) {
      if (op.kind === 'put') this.checkPut(txn, op.put);
      else if (op.kind === 'range') {
        const rev = op.range.revision ?? 0;
        if (rev > txn.beginRevision) throw new StorageError('FutureRevision', { revision: rev });
        if (rev > 0 && rev < this.store.compactRevision) throw new StorageError('Compacted', { revision: rev });
      } else if (op.kind === 'txn') next = this.checkBranch(txn, op.txn, path, next);
    }
    return next;
  }

  private checkPut(txn: WriteTxn, r: PutRequest): void {
    if (r.ignoreValue || r.ignoreLease) {
      if (txn.get(r.key.toString('latin1')) === undefined) throw new StorageError('KeyNotFound', { key: r.key });
    }
    const lease = r.lease ?? 0n;
    if (lease !== 0n && !this.leases.has(lease)) throw new StorageError('LeaseNotFound', { lease });
  }

  private applyBranch(txn: WriteTxn, r: TxnRequest, path: readonly boolean[], cursor: { at: number }): ResponseOp[] {
    const ops = path[cursor.at] ? (r.success ?? []) : (r.failure ?? []);
    cursor.at++;
    return ops.map((op): ResponseOp => {
      switch (op.kind) {
        case 'range':
          return { kind: 'range', range: rangeIn(txn, op.range) };
        case 'put':
          return { kind: 'put', put: putIn(txn, op.put) };
        case 'deleteRange':
          return { kind: 'deleteRange', deleteRange: deleteIn(txn, op.deleteRange) };
        case 'txn': {
          const at = cursor.at;
          const responses = this.applyBranch(txn, op.txn, path, cursor);
          const revision = txn.beginRevision + (txn.hasChanges ? 1 : 0);
          return { kind: 'txn', txn: { revision, succeeded: path[at]!, responses } };
        }
      }
    });
  }
}

/** The outcome of every compare on the path the transaction will take, depth first. */
function comparePath(view: ReadView, r: TxnRequest): boolean[] {
  const succeeded = (r.compare ?? []).every((c) => applyCompare(view, c));
  const path = [succeeded];
  for (const op of succeeded ? (r.success ?? []) : (r.failure ?? [])) {
    if (op.kind === 'txn') path.push(...comparePath(view, op.txn));
  }
  return path;
}

function applyCompare(view: ReadView, c: Compare): boolean {
  const { kvs } = view.range(toKeyRange(c.key, c.rangeEnd));
  if (kvs.length === 0) {
    // A missing key has no value to compare; every other target compares as zero.
    if (c.target === 'VALUE') return false;
    return compareResult(c, compareOperand(c, undefined));
  }
  return kvs.every((kv) => compareResult(c, compareOperand(c, kv)));
}

function compareOperand(c: Compare, kv: KeyValue | undefined): number {
  switch (c.target) {
    case 'VALUE':
      return Buffer.compare(kv?.value ?? Buffer.alloc(0), c.value ?? Buffer.alloc(0));
    case 'CREATE':
      return Math.sign((kv?.createRevision ?? 0) - (c.createRevision ?? 0));
    case 'MOD':
      return Math.sign((kv?.modRevision ?? 0) - (c.modRevision ?? 0));
    case 'VERSION':
      return Math.sign((kv?.version ?? 0) - (c.version ?? 0));
    case 'LEASE': {
      const a = kv?.lease ?? 0n;
      const b = c.lease ?? 0n;
      return a === b ? 0 : a < b ? -1 : 1;
    }
  }
}

function compareResult(c: Compare, cmp: number): boolean {
  switch (c.result) {
    case 'EQUAL':
      return cmp === 0;
    case 'NOT_EQUAL':
      return cmp !== 0;
    case 'GREATER':
      return cmp > 0;
    case 'LESS':
      return cmp < 0;
  }
}

/** etcd's Range: filters and sorting need every key, so limit applies after them. */
function rangeIn(view: ReadView, r: RangeRequest): RangeResponse {
  const sortOrder = r.sortOrder ?? 'NONE';
  const sortTarget = r.sortTarget ?? 'KEY';
  const minMod = r.minModRevision ?? 0;
  const maxMod = r.maxModRevision ?? 0;
  const minCreate = r.minCreateRevision ?? 0;
  const maxCreate = r.maxCreateRevision ?? 0;
  const limit = r.limit ?? 0;
  const needsAll = sortOrder !== 'NONE' || minMod !== 0 || maxMod !== 0 || minCreate !== 0 || maxCreate !== 0;
  const fetch = needsAll || limit <= 0 ? 0 : limit + 1;
  const result = view.range(toKeyRange(r.key, r.rangeEnd), { revision: r.revision ?? 0, limit: fetch, countOnly: r.countOnly ?? false });
  let kvs = result.kvs;
  if (maxMod !== 0) kvs = kvs.filter((kv) => kv.modRevision <= maxMod);
  if (minMod !== 0) kvs = kvs.filter((kv) => kv.modRevision >= minMod);
  if (maxCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision <= maxCreate);
  if (minCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision >= minCreate);
  // Keys come in ascending key order; any other target sorts ascending unless told otherwise.
  const order = sortTarget !== 'KEY' && sortOrder === 'NONE' ? 'ASCEND' : sortOrder;
  if (order !== 'NONE') {
    const cmp = sortComparator(sortTarget);
    kvs = order === 'ASCEND' ? kvs.sort(cmp) : kvs.sort((a, b) => cmp(b, a));
  }
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (r.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { revision: result.revision, kvs, more, count: result.count };
}

function sortComparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY':
      return (a, b) => Buffer.compare(a.key, b.key);
    case 'VERSION':
      return (a, b) => a.version - b.version;
    case 'CREATE':
      return (a, b) => a.createRevision - b.createRevision;
    case 'MOD':
      return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE':
      return (a, b) => Buffer.compare(a.value, b.value);
  }
}

function putIn(txn: WriteTxn, r: PutRequest): PutResponse {
  // The previous value is read only when the request needs it (a read of the stored record).
  const needsPrev = r.prevKv === true || r.ignoreValue === true || r.ignoreLease === true;
  const prev = needsPrev ? txn.get(r.key.toString('latin1')) : undefined;
  if ((r.ignoreValue || r.ignoreLease) && prev === undefined) throw new StorageError('KeyNotFound', { key: r.key });
  const value = r.ignoreValue ? prev!.value : (r.value ?? Buffer.alloc(0));
  const lease = r.ignoreLease ? prev!.lease : (r.lease ?? 0n);
  txn.put(r.key, value, lease);
  return r.prevKv && prev !== undefined ? { revision: txn.revision, prevKv: prev } : { revision: txn.revision };
}

function deleteIn(txn: WriteTxn, r: DeleteRangeRequest): DeleteRangeResponse {
  const { deleted, previous } = txn.deleteRange(toKeyRange(r.key, r.rangeEnd), r.prevKv === true);
  const revision = deleted > 0 || txn.hasChanges ? txn.revision : txn.beginRevision;
  return { revision, deleted, prevKvs: previous };
}
