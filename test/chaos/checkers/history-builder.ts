// Terse constructors for hand-written histories (the checkers' tests; also usable by a
// harness that prefers them to object literals).
//
// Timing: [invokedAt, completedAt] for an operation that completed; [invokedAt] for one of
// unknown outcome. A completed operation without a result is 'fail'.

import type { CasOp, CasRevOp, DeleteOp, GetOp, LeaseGrantOp, LeaseKeepAliveOp, LeaseRevokeOp, Operation, PutOp, ReadValue, TxnOp } from './history.js';

/** [invokedAt, completedAt], or [invokedAt] when the outcome is unknown. */
export type Timing = readonly [number, number] | readonly [number];

let nextProcess = 0;

/**
 * Fields every record has, from a timing and the result (undefined: none): 'unknown' for a
 * timing without completion, else 'ok' with the result as output, or 'fail' without one.
 */
function recorded<O>(at: Timing, output: O | undefined, process?: number): Pick<Operation, 'process' | 'status' | 'invokedAt' | 'completedAt'> & { output?: O } {
  const hasResult = output !== undefined && at.length === 2;
  const status = at.length === 1 ? 'unknown' : hasResult ? 'ok' : 'fail';
  return { process: process ?? nextProcess++, status, invokedAt: at[0], completedAt: at.length === 1 ? Infinity : at[1], ...(hasResult ? { output } : {}) };
}

/** put(key, value); rev: the revision the store gave it (omit for fail or unknown). */
export function put(key: string, value: string, at: Timing, rev?: number, opts: { lease?: string; process?: number } = {}): PutOp {
  const input = { value, ...(opts.lease === undefined ? {} : { lease: opts.lease }) };
  return { ...recorded(at, rev === undefined ? undefined : { revision: rev }, opts.process), kind: 'put', key, input };
}

/** A get that returned value (null: absent) with modRevision mod at header revision rev. */
export function get(key: string, at: readonly [number, number], value: string | null, mod: number, rev: number, process?: number): GetOp {
  return { ...recorded(at, { value, modRevision: value === null ? 0 : mod, revision: rev }, process), kind: 'get', key, input: null };
}

/** cas(key, expected -> value); result omitted for fail or unknown. */
export function cas(key: string, expected: string, value: string, at: Timing, result?: { succeeded: boolean; rev: number }, process?: number): CasOp {
  return { ...recorded(at, casOutput(result), process), kind: 'cas', key, input: { expected, value } };
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
  return { ...recorded(at, casOutput(result), process), kind: 'casRev', key, input: { expectedModRevision, value } };
}

function casOutput(result: { succeeded: boolean; rev: number } | undefined): { succeeded: boolean; revision: number } | undefined {
  return result === undefined ? undefined : { succeeded: result.succeeded, revision: result.rev };
}

/** delete(key). */
export function del(key: string, at: Timing, result?: { deleted: number; rev: number }, process?: number): DeleteOp {
  const output = result === undefined ? undefined : { deleted: result.deleted, revision: result.rev };
  return { ...recorded(at, output, process), kind: 'delete', key, input: null };
}

/** A txn reading `reads` then writing `writes`; values: what each read returned. */
export function txn(
  reads: readonly string[],
  writes: Readonly<Record<string, string>>,
  at: Timing,
  result?: { values: Readonly<Record<string, ReadValue>>; rev: number },
  process?: number,
): TxnOp {
  const output = result === undefined ? undefined : { values: result.values, revision: result.rev };
  return { ...recorded(at, output, process), kind: 'txn', input: { reads, writes } };
}

/** An acknowledged lease grant of `id` with TTL seconds. */
export function leaseGrant(id: string, ttl: number, at: readonly [number, number], process?: number): LeaseGrantOp {
  return { ...recorded(at, { id, ttl }, process), kind: 'leaseGrant', input: { ttl } };
}

/** A keep-alive of `id`; ttl: the answer (0: the lease is gone), omitted for fail or unknown. */
export function leaseKeepAlive(id: string, at: Timing, ttl?: number, process?: number): LeaseKeepAliveOp {
  return { ...recorded(at, ttl === undefined ? undefined : { ttl }, process), kind: 'leaseKeepAlive', input: { id } };
}

/** A revoke of `id`; rev omitted for fail or unknown. */
export function leaseRevoke(id: string, at: Timing, rev?: number, process?: number): LeaseRevokeOp {
  return { ...recorded(at, rev === undefined ? undefined : { revision: rev }, process), kind: 'leaseRevoke', input: { id } };
}
