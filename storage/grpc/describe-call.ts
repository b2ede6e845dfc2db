/**
 * A served KV call (client-observer.ts) in etcd's words, for people reading a trail of
 * them: the key or range, a txn's compares and the ops of each branch as etcdctl's txn
 * syntax writes them, the revision of the answer, and how many keys it read or deleted.
 */
import type { CompactionRequest, Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from '../server/kv-requests.js';
import type { ServedCall } from './client-observer.js';

type Wire = Record<string, unknown>;

export interface CallDescription {
  /** The key, or the range's start ('' for Compact). */
  readonly key: string;
  /** The range's end ('' : the key alone; "\0": every key from key on). */
  readonly rangeEnd: string;
  /** Every key range the call reads or writes. */
  readonly ranges: { readonly key: string; readonly rangeEnd: string }[];
  /** A txn's compares. */
  readonly compares: string[];
  /** The call itself, or a txn's success ops. */
  readonly success: string[];
  /** A txn's failure ops. */
  readonly failure: string[];
  /** false only for a txn whose compares failed. */
  readonly isSucceeded: boolean;
  /** Whether it writes (Put, DeleteRange, a Txn with a write in the branch taken, Compact). */
  readonly isWrite: boolean;
  /** The header's revision. */
  readonly revision: number;
  /** Keys read (Range) or deleted (DeleteRange), when the answer says. */
  readonly count?: number;
}

const text = (b: Buffer | undefined): string => (b === undefined ? '' : b.toString('utf8'));
const quoted = (b: Buffer | undefined): string => JSON.stringify(text(b));

/** The range as etcdctl's flags would say it. */
function rangeWords(key: Buffer, rangeEnd: Buffer | undefined): string {
  if (rangeEnd === undefined || rangeEnd.length === 0) return quoted(key);
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return `${quoted(key)} --from-key`;
  return `${quoted(key)} ${quoted(rangeEnd)}`;
}

const targetWords: Record<Compare['target'], string> = { VERSION: 'version', CREATE: 'create', MOD: 'mod', VALUE: 'value', LEASE: 'lease' };
const resultWords: Record<Compare['result'], string> = { EQUAL: '=', GREATER: '>', LESS: '<', NOT_EQUAL: '!=' };

function compareWords(c: Compare): string {
  const operand =
    c.target === 'VERSION' ? String(c.version ?? 0)
    : c.target === 'CREATE' ? String(c.createRevision ?? 0)
    : c.target === 'MOD' ? String(c.modRevision ?? 0)
    : c.target === 'LEASE' ? (c.lease ?? 0n).toString(16)
    : quoted(c.value);
  return `${targetWords[c.target]}(${rangeWords(c.key, c.rangeEnd)}) ${resultWords[c.result]} ${operand}`;
}

function opWords(op: RequestOp): string {
  switch (op.kind) {
    case 'range':
      return `get ${rangeWords(op.range.key, op.range.rangeEnd)}${op.range.revision ? ` --rev=${op.range.revision}` : ''}`;
    case 'put':
      return `put ${quoted(op.put.key)} (${op.put.value?.length ?? 0} bytes${op.put.lease ? `, lease ${op.put.lease.toString(16)}` : ''})`;
    case 'deleteRange':
      return `del ${rangeWords(op.deleteRange.key, op.deleteRange.rangeEnd)}`;
    case 'txn':
      return `txn (${op.txn.compare?.length ?? 0} compares, nested)`;
  }
}

function opRanges(op: RequestOp): { key: string; rangeEnd: string }[] {
  switch (op.kind) {
    case 'range':
      return [{ key: text(op.range.key), rangeEnd: text(op.range.rangeEnd) }];
    case 'put':
      return [{ key: text(op.put.key), rangeEnd: '' }];
    case 'deleteRange':
      return [{ key: text(op.deleteRange.key), rangeEnd: text(op.deleteRange.rangeEnd) }];
    case 'txn':
      return [...(op.txn.compare ?? []).map((c) => ({ key: text(c.key), rangeEnd: text(c.rangeEnd) })), ...[...(op.txn.success ?? []), ...(op.txn.failure ?? [])].flatMap(opRanges)];
  }
}

const headerRevision = (res: Wire | undefined): number => Number((res?.header as Wire | undefined)?.revision ?? 0);

/** The call in etcd's words. */
export function describeCall(call: ServedCall): CallDescription {
  const res = call.response;
  const revision = headerRevision(res);
  switch (call.method) {
    case 'Range': {
      const r = call.request as RangeRequest;
      const flags = [r.revision ? `--rev=${r.revision}` : '', r.limit ? `--limit=${r.limit}` : '', r.countOnly ? '--count-only' : '', r.keysOnly ? '--keys-only' : '', r.serializable ? '--consistency=s' : ''].filter((f) => f !== '');
      const range = { key: text(r.key), rangeEnd: text(r.rangeEnd) };
      return { ...range, ranges: [range], compares: [], success: [`get ${rangeWords(r.key, r.rangeEnd)}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`], failure: [], isSucceeded: true, isWrite: false, revision, ...(res === undefined ? {} : { count: Number(res.count ?? 0) }) };
    }
    case 'Put': {
      const p = call.request as PutRequest;
      const op: RequestOp = { kind: 'put', put: p };
      return { key: text(p.key), rangeEnd: '', ranges: opRanges(op), compares: [], success: [opWords(op)], failure: [], isSucceeded: true, isWrite: true, revision };
    }
    case 'DeleteRange': {
      const d = call.request as DeleteRangeRequest;
      const op: RequestOp = { kind: 'deleteRange', deleteRange: d };
      return { key: text(d.key), rangeEnd: text(d.rangeEnd), ranges: opRanges(op), compares: [], success: [opWords(op)], failure: [], isSucceeded: true, isWrite: true, revision, ...(res === undefined ? {} : { count: Number(res.deleted ?? 0) }) };
    }
    case 'Txn': {
      const t = call.request as TxnRequest;
      const isSucceeded = res?.succeeded === true;
      const taken = (isSucceeded ? t.success : t.failure) ?? [];
      const first = t.compare?.[0]?.key ?? (t.success?.[0] === undefined ? undefined : opRanges(t.success[0])[0]?.key);
      return {
        key: typeof first === 'string' ? first : text(first),
        rangeEnd: '',
        ranges: opRanges({ kind: 'txn', txn: t }),
        compares: (t.compare ?? []).map(compareWords),
        success: (t.success ?? []).map(opWords),
        failure: (t.failure ?? []).map(opWords),
        isSucceeded,
        isWrite: taken.some((op) => op.kind === 'put' || op.kind === 'deleteRange' || op.kind === 'txn'),
        revision,
      };
    }
    default:
      return { key: '', rangeEnd: '', ranges: [], compares: [], success: [`${call.method.toLowerCase()} ${JSON.stringify(String((call.request as Partial<CompactionRequest>).revision ?? ''))}`], failure: [], isSucceeded: true, isWrite: false, revision };
  }
}
