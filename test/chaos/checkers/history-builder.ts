// Terse constructors for hand-written histories (the checkers' tests; also usable by a
// harness that prefers them to object literals).
//
// Timing: [invokedAt, completedAt] for an operation that completed; [invokedAt] for one of
// unknown outcome. A completed operation without a result is 'fail'.

import type { CasOp, CasRevOp, DeleteOp, GetOp, LeaseGrantOp, LeaseKeepAliveOp, LeaseRevokeOp, Operation, PutOp, ReadValue, TxnOp } from './history.js';

/** [invokedAt, completedAt], or [invokedAt] when the outcome is unknown. */
export type Timing = readonly [number, number] | readonly [number];

let nextProcess = 0;

/** Fields every record has, from a timing and whether there is a result. */
function base(at: Timing, hasResult: boolean, process?: number): Pick<Operation, 'process' | 'status' | 'invokedAt' | 'completedAt'> {
  const status = at.length === 1 ? 'unknown' : hasResult ? 'ok' : 'fail';
  return { process: process ?? nextProcess++, status, invokedAt: at[0], completedAt: at.length === 1 ? Infinity : at[1] };
}

/** put(key, value); rev: the revision the store gave it (omit for fail or unknown). */
export function put(key: string, value: string, at: Timing, rev?: number, opts: { lease?: string; process?: number } = {}): PutOp {
  const hasResult = rev !== undefined && at.length === 2;
  return {
    ...base(at, hasResult, opts.process),
    kind: 'put',
    key,
    input: { value, ...(opts.lease === undefined ? {} : { lease: opts.lease }) },
    ...(hasResult ? { output: { revision: rev } } : {}),
  };
}

/** A get that returned value (null: absent) with modRevision mod at header revision rev. */
export function get(key: string, at: readonly [number, number], value: string | null, mod: number, rev: number, process?: number): GetOp {
  return { ...base(at, true, process), kind: 'get', key, input: null, output: { value, modRevision: value === null ? 0 : mod, revision: rev } };
}

/** cas(key, expected -> value); result omitted for fail or unknown. */
export function cas(key: string, expected: string, value: string, at: Timing, result?: { succeeded: boolean; rev: number }, process?: number): CasOp {
  const hasResult = result !== undefined && at.length === 2;
  return {
    ...base(at, hasResult, process),
    kind: 'cas',
    key,
    input: { expected, value },
    ...(hasResult ? { output: { succeeded: result.succeeded, revision: result.rev } } : {}),
  };
}

/** casRev(key, @expectedModRevision -> value). */
export function casRev(
  key: string,
  expectedModRevision: number,
  value: string,
  at: Timing,
  result?: { succeeded: boolean; rev: number },
  process?: number,
): CasRevOp {
  const hasResult = result !== undefined && at.length === 2;
  return {
    ...base(at, hasResult, process),
    kind: 'casRev',
    key,
    input: { expectedModRevision, value },
    ...(hasResult ? { output: { succeeded: result.succeeded, revision: result.rev } } : {}),
  };
}

/** delete(key). */
export function del(key: string, at: Timing, result?: { deleted: number; rev: number }, process?: number): DeleteOp {
  const hasResult = result !== undefined && at.length === 2;
  return {
    ...base(at, hasResult, process),
    kind: 'delete',
    key,
    input: null,
    ...(hasResult ? { output: { deleted: result.deleted, revision: result.rev } } : {}),
  };
}

/** A txn reading `reads` then writing `writes`; values: what each read returned. */
export function txn(
  reads: readonly string[],
  writes: Readonly<Record<string, string>>,
  at: Timing,
  result?: { values: Readonly<Record<string, ReadValue>>; rev: number },
  process?: number,
): TxnOp {
  const hasResult = result !== undefined && at.length === 2;
  return {
    ...base(at, hasResult, process),
    kind: 'txn',
    input: { reads, writes },
    ...(hasResult ? { output: { values: result.values, revision: result.rev } } : {}),
  };
}

/** An acknowledged lease grant of `id` with TTL seconds. */
export function leaseGrant(id: string, ttl: number, at: readonly [number, number], process?: number): LeaseGrantOp {
  return { ...base(at, true, process), kind: 'leaseGrant', input: { ttl }, output: { id, ttl } };
}

/** A keep-alive of `id`; ttl: the answer (0: the lease is gone), omitted for fail or unknown. */
export function leaseKeepAlive(id: string, at: Timing, ttl?: number, process?: number): LeaseKeepAliveOp {
  const hasResult = ttl !== undefined && at.length === 2;
  return { ...base(at, hasResult, process), kind: 'leaseKeepAlive', input: { id }, ...(hasResult ? { output: { ttl } } : {}) };
}

/** A revoke of `id`; rev omitted for fail or unknown. */
export function leaseRevoke(id: string, at: Timing, rev?: number, process?: number): LeaseRevokeOp {
  const hasResult = rev !== undefined && at.length === 2;
  return { ...base(at, hasResult, process), kind: 'leaseRevoke', input: { id }, ...(hasResult ? { output: { revision: rev } } : {}) };
}
