/** A key's version as clients see it: etcd's mvccpb.KeyValue. */
export interface KeyValue {
  readonly key: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  /** 1 on creation, +1 per change; 0 in a delete event's kv. */
  readonly version: number;
  readonly value: Buffer;
  /** Lease id, 0n for none. */
  readonly lease: bigint;
}

/** One change of a write transaction, as a watcher sees it. */
export interface Event {
  readonly type: 'put' | 'delete';
  /** For a delete: the key with modRevision set to the delete's revision. */
  readonly kv: KeyValue;
}

/**
 * A half-open key range [start, end) over latin1-encoded keys; end null means
 * every key >= start. A single key k is [k, k + '\0').
 */
export interface KeyRange {
  readonly start: string;
  readonly end: string | null;
}

/** The smallest key greater than every key starting with k. */
export function keyAfter(k: string): string {
  return k + '\u0000';
}

/**
 * etcd's reading of (key, range_end): empty range_end is the single key, "\0"
 * is every key >= key, anything else is [key, range_end).
 */
export function toKeyRange(key: Buffer, rangeEnd: Buffer | undefined): KeyRange {
  const start = key.toString('latin1');
  if (rangeEnd === undefined || rangeEnd.length === 0) return { start, end: keyAfter(start) };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: null };
  return { start, end: rangeEnd.toString('latin1') };
}

/** Whether k lies in r. */
export function inRange(r: KeyRange, k: string): boolean {
  return k >= r.start && (r.end === null || k < r.end);
}

/** Whether r names exactly one key. */
export function isSingleKey(r: KeyRange): boolean {
  return r.end === keyAfter(r.start);
}

/** The prefix range of p: [p, p with its last byte incremented), as etcd's clientv3.GetPrefixRangeEnd. */
export function prefixRangeEnd(p: Buffer): Buffer {
  const end = Buffer.from(p);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff: every key >= p
}
