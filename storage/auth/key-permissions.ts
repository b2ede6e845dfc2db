// Whether a user's permissions cover a requested key or range: the union of the ranges
// its roles grant must contain the whole request, as etcd's range permission cache checks.

import { toKeyRange, type KeyRange } from '../mvcc/key-value.js';
import type { KeyPermission } from './auth-info.js';

/** The ranges a user may read and may write, merged over its roles. */
export interface MergedPermissions {
  readonly read: readonly KeyRange[];
  readonly write: readonly KeyRange[];
}

/** Whether x ends at or after y (null is the end of the key space). */
function endsAtOrAfter(x: string | null, y: string | null): boolean {
  if (x === null) return true;
  if (y === null) return false;
  return x >= y;
}

/** Merges permissions into read and write ranges, each sorted by start. */
export function mergePermissions(perms: readonly KeyPermission[]): MergedPermissions {
  const read: KeyRange[] = [];
  const write: KeyRange[] = [];
  for (const p of perms) {
    const r = toKeyRange(p.key, p.rangeEnd);
    if (p.permType !== 'WRITE') read.push(r);
    if (p.permType !== 'READ') write.push(r);
  }
  const byStart = (a: KeyRange, b: KeyRange): number => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  return { read: read.sort(byStart), write: write.sort(byStart) };
}

/**
 * Whether the union of ranges (sorted by start) contains all of wanted. A single key is the
 * range [k, k + "\0"), so this answers for keys and ranges alike.
 */
export function covers(ranges: readonly KeyRange[], wanted: KeyRange): boolean {
  // Walk the ranges in order, extending the covered prefix of wanted from its start.
  let reached = wanted.start;
  for (const r of ranges) {
    if (r.start > reached) break; // a gap before reached: nothing later can fill it
    if (endsAtOrAfter(reached, r.end)) continue; // entirely before what is still uncovered
    if (r.end === null) return true;
    reached = r.end;
    if (endsAtOrAfter(reached, wanted.end)) return true;
  }
  return false;
}

/** Whether perms allow the access to [key, rangeEnd) (rangeEnd as etcd reads it). */
export function isPermitted(perms: MergedPermissions, access: 'read' | 'write', key: Buffer, rangeEnd: Buffer | undefined): boolean {
  return covers(access === 'read' ? perms.read : perms.write, toKeyRange(key, rangeEnd));
}
