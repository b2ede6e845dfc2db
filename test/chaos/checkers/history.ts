// The chaos harness's records: the operation history the clients produce, the final state
// read after the run, and the revision log (every event of every revision) read back from
// the store. The checkers in this folder take these and nothing else.
//
// What the harness must record, per operation:
// - invokedAt just before the request is sent, completedAt when its answer (or error)
//   arrives, both in ms from ONE monotonic clock shared by every client process
//   (performance.now() of the one harness process, or timeOrigin + now() across processes).
// - status 'ok' with the output when the store answered; 'fail' only when the request
//   certainly had no effect (refused before it was proposed: no connection, no leader,
//   a validation error); 'unknown' for everything else (timeouts, a connection lost while
//   waiting), with completedAt = Infinity. A process whose operation ends 'unknown' should
//   carry on as a new process number, as Jepsen does.
// - revisions exactly as the store reports them: a write's own revision (its response
//   header's revision), a read's header revision and each read value's mod_revision.
//
// Values should be unique per write (e.g. `${process}-${counter}`): the checkers rely on
// them to tell writes apart, and the search is much faster when they can.

/** How an operation ended. */
export const OpStatus = {
  /** The store answered; output is set. */
  Ok: 'ok',
  /** Certainly had no effect. */
  Fail: 'fail',
  /** May or may not have taken effect, at any time after invokedAt. */
  Unknown: 'unknown',
} as const;
export type OpStatus = (typeof OpStatus)[keyof typeof OpStatus];

/** Fields every recorded operation has. */
export interface OperationRecord<K extends string, I, O> {
  /** The client process that issued it; a process has one operation in flight at a time. */
  readonly process: number;
  /** What the operation does; fixes the types of input and output. */
  readonly kind: K;
  /** The request's arguments. */
  readonly input: I;
  /** The store's answer; present exactly when status is 'ok'. */
  readonly output?: O;
  /** How it ended. */
  readonly status: OpStatus;
  /** When the request was sent, in ms on the harness's monotonic clock. */
  readonly invokedAt: number;
  /** When the answer arrived; Infinity when status is 'unknown'. */
  readonly completedAt: number;
  /** The error's text when status is 'fail' or 'unknown', for reports. */
  readonly error?: string;
}

/** An operation on one key. */
export interface KeyedRecord<K extends string, I, O> extends OperationRecord<K, I, O> {
  /** The key the operation reads or writes. */
  readonly key: string;
}

/** A key's value as a read returns it. */
export interface ReadValue {
  /** The value, null when the key does not exist. */
  readonly value: string | null;
  /** The key's mod_revision; 0 when it does not exist. */
  readonly modRevision: number;
}

/** The answer to a write: the revision the store gave it. */
export interface WriteOutput {
  /** The response header's revision, which for a write is the write's own revision. */
  readonly revision: number;
}

/** Put(key, value), optionally attached to a lease. */
export type PutOp = KeyedRecord<'put', { readonly value: string; readonly lease?: string }, WriteOutput>;

/** A linearizable Range of one key. */
export type GetOp = KeyedRecord<'get', null, ReadValue & { /** The header revision. */ readonly revision: number }>;

/**
 * Txn(If value(key) == expected, Then put(key, value)). etcd fails a value compare on a
 * missing key, so expected is never null.
 */
export type CasOp = KeyedRecord<
  'cas',
  { readonly expected: string; readonly value: string },
  { readonly succeeded: boolean; /** The write's revision if it succeeded, else the header revision. */ readonly revision: number }
>;

/**
 * Txn(If mod_revision(key) == expectedModRevision, Then put(key, value)), the Kubernetes
 * API server's update; expectedModRevision 0 means "only if the key does not exist".
 */
export type CasRevOp = KeyedRecord<
  'casRev',
  { readonly expectedModRevision: number; readonly value: string },
  { readonly succeeded: boolean; /** The write's revision if it succeeded, else the header revision. */ readonly revision: number }
>;

/** DeleteRange of one key. */
export type DeleteOp = KeyedRecord<
  'delete',
  null,
  {
    /** Keys deleted: 0 or 1. */
    readonly deleted: number;
    /** The delete's revision when deleted is 1, else the header revision (nothing was written). */
    readonly revision: number;
  }
>;

/**
 * One Txn with no compare that first reads some keys then puts some keys: its Then list is
 * the Range requests of `reads`, then the Put requests of `writes` (reads see the state
 * before the writes).
 */
export interface TxnOp
  extends OperationRecord<
    'txn',
    { readonly reads: readonly string[]; readonly writes: Readonly<Record<string, string>> },
    {
      /** Each read key's value. */
      readonly values: Readonly<Record<string, ReadValue>>;
      /** The writes' revision if there were writes, else the header revision. */
      readonly revision: number;
    }
  > {
  readonly key?: undefined;
}

/** LeaseGrant; the output is the lease the store granted. */
export type LeaseGrantOp = OperationRecord<
  'leaseGrant',
  { /** Requested TTL, seconds. */ readonly ttl: number; /** A client-chosen id, decimal. */ readonly id?: string },
  { /** Lease id, decimal. */ readonly id: string; /** Granted TTL, seconds. */ readonly ttl: number }
> & { readonly key?: undefined };

/** One LeaseKeepAlive request and its response on the keep-alive stream. */
export type LeaseKeepAliveOp = OperationRecord<
  'leaseKeepAlive',
  { /** Lease id, decimal. */ readonly id: string },
  { /** The renewed TTL in seconds; 0 (or less) when the lease no longer exists. */ readonly ttl: number }
> & { readonly key?: undefined };

/** LeaseRevoke. */
export type LeaseRevokeOp = OperationRecord<
  'leaseRevoke',
  { /** Lease id, decimal. */ readonly id: string },
  WriteOutput
> & { readonly key?: undefined };

/** Operations on keys, which the linearizability checker models. */
export type KvOperation = PutOp | GetOp | CasOp | CasRevOp | DeleteOp | TxnOp;
/** Operations on leases. */
export type LeaseOperation = LeaseGrantOp | LeaseKeepAliveOp | LeaseRevokeOp;
/** Any recorded operation. */
export type Operation = KvOperation | LeaseOperation;
/** A run's operations, in any order (the checkers sort by time as they need). */
export type History = readonly Operation[];

/** A key as the final read after the run returns it. */
export interface FinalKv {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
  /** The lease the key is attached to, decimal; '0' for none. */
  readonly lease: string;
  /** Present when the harness records it. */
  readonly createRevision?: number;
  /** Present when the harness records it. */
  readonly version?: number;
}

/**
 * Every key the run could have touched, read once after the run: all faults healed, all
 * clients stopped, one linearizable Range over the test's key prefix.
 */
export interface FinalState {
  /** The header revision of that read. */
  readonly revision: number;
  /** When that read was sent (same clock as the operations). */
  readonly invokedAt: number;
  /** When it was answered. */
  readonly completedAt: number;
  /** The keys that exist, each once. */
  readonly kvs: readonly FinalKv[];
}

/** One change as a watcher sees it (etcd's mvccpb.Event). */
export interface KvEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The put value; null for a delete. */
  readonly value: string | null;
  /** The revision of the change (a delete's kv carries the delete's revision). */
  readonly modRevision: number;
  /** Compared when both sides have it. */
  readonly createRevision?: number;
  /** Compared when both sides have it. */
  readonly version?: number;
  /** Lease id, decimal; compared when both sides have it. */
  readonly lease?: string;
}

/**
 * The store's complete log of changes over a revision interval, read back after the run
 * (a Watch over every key from fromRevision, before any compaction, until toRevision).
 */
export interface RevisionLog {
  /** The first revision covered. */
  readonly fromRevision: number;
  /** The last revision covered: the store's revision when it was read. */
  readonly toRevision: number;
  /** Every event with a revision in [fromRevision, toRevision], in revision order. */
  readonly events: readonly KvEvent[];
}

/** Thrown for a record that is not a well-formed history entry. */
export class HistoryError extends Error {
  readonly code: 'MalformedRecord';
  /** 1-based line of a JSONL file, when decoding one. */
  readonly line: number | undefined;

  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'HistoryError';
    this.code = 'MalformedRecord';
    this.line = line;
  }
}

/** One JSON line (no newline) for an operation; Infinity is written as null. */
export function encodeOperation(op: Operation): string {
  return JSON.stringify(op, (k, v: unknown) => (k === 'completedAt' && v === Infinity ? null : v));
}

/** A history as JSONL, one operation a line. */
export function encodeHistory(history: History): string {
  return history.map((op) => encodeOperation(op) + '\n').join('');
}

/** Parses and validates a JSONL history; blank lines are skipped. Throws HistoryError. */
export function decodeHistory(text: string): Operation[] {
  const ops: Operation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      if (err instanceof SyntaxError) throw new HistoryError(`not JSON: ${err.message}`, i + 1);
      throw err;
    }
    ops.push(decodeOperation(raw, i + 1));
  }
  return ops;
}

/** Validates one decoded JSON value as an operation. */
export function decodeOperation(raw: unknown, line?: number): Operation {
  const bad = (what: string): never => {
    throw new HistoryError(what, line);
  };
  if (!isObject(raw)) return bad('not an object');
  const { kind, status } = raw;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return bad(`unknown kind ${JSON.stringify(kind)}`);
  if (status !== 'ok' && status !== 'fail' && status !== 'unknown') return bad(`bad status ${JSON.stringify(status)}`);
  if (!Number.isInteger(raw.process)) return bad('process is not an integer');
  if (!isNumber(raw.invokedAt)) return bad('invokedAt is not a number');
  const completedAt = raw.completedAt === null ? Infinity : raw.completedAt;
  if (typeof completedAt !== 'number' || Number.isNaN(completedAt)) return bad('completedAt is not a number');
  if (status === 'unknown' && completedAt !== Infinity) return bad("an 'unknown' operation has completedAt Infinity (null)");
  if (status !== 'unknown' && (completedAt === Infinity || completedAt < (raw.invokedAt as number)))
    return bad('completedAt is not a time at or after invokedAt');
  if (raw.error !== undefined && typeof raw.error !== 'string') return bad('error is not a string');
  if (status === 'ok' && raw.output === undefined) return bad("an 'ok' operation has an output");
  if (status !== 'ok' && raw.output !== undefined) return bad("only an 'ok' operation has an output");
  const keyed = kind === 'put' || kind === 'get' || kind === 'cas' || kind === 'casRev' || kind === 'delete';
  if (keyed ? typeof raw.key !== 'string' : raw.key !== undefined) return bad(keyed ? 'key is not a string' : `a ${kind} has no key`);
  const problem = checkPayload(kind, raw.input, status === 'ok' ? raw.output : undefined);
  if (problem !== undefined) return bad(`${kind}: ${problem}`);
  return { ...raw, completedAt } as unknown as Operation;
}

const KINDS = new Set(['put', 'get', 'cas', 'casRev', 'delete', 'txn', 'leaseGrant', 'leaseKeepAlive', 'leaseRevoke']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isRevision(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isLeaseId(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9]+$/.test(v);
}

function isReadValue(v: unknown): boolean {
  return isObject(v) && (v.value === null || typeof v.value === 'string') && isRevision(v.modRevision);
}

/** What is wrong with an operation's input and output, if anything. */
function checkPayload(kind: string, input: unknown, output: unknown): string | undefined {
  const has = output !== undefined;
  const out = isObject(output) ? output : {};
  if (has && !isObject(output)) return 'output is not an object';
  switch (kind) {
    case 'put':
      if (!isObject(input) || typeof input.value !== 'string') return 'input.value is not a string';
      if (input.lease !== undefined && !isLeaseId(input.lease)) return 'input.lease is not a decimal lease id';
      return has && !isRevision(out.revision) ? 'output.revision is not a revision' : undefined;
    case 'get':
      if (input !== null) return 'input is not null';
      return has && !(isReadValue(out) && isRevision(out.revision)) ? 'output is not {value, modRevision, revision}' : undefined;
    case 'delete':
      if (input !== null) return 'input is not null';
      return has && !(isRevision(out.deleted) && isRevision(out.revision)) ? 'output is not {deleted, revision}' : undefined;
    case 'cas':
    case 'casRev':
      if (!isObject(input) || typeof input.value !== 'string') return 'input.value is not a string';
      if (kind === 'cas' ? typeof input.expected !== 'string' : !isRevision(input.expectedModRevision))
        return kind === 'cas' ? 'input.expected is not a string' : 'input.expectedModRevision is not a revision';
      return has && !(typeof out.succeeded === 'boolean' && isRevision(out.revision)) ? 'output is not {succeeded, revision}' : undefined;
    case 'txn': {
      if (!isObject(input) || !Array.isArray(input.reads) || !input.reads.every((k) => typeof k === 'string'))
        return 'input.reads is not a list of keys';
      if (!isObject(input.writes) || !Object.values(input.writes).every((v) => typeof v === 'string'))
        return 'input.writes is not a map of key to value';
      if (!has) return undefined;
      if (!isRevision(out.revision) || !isObject(out.values)) return 'output is not {values, revision}';
      const values = out.values;
      return (input.reads as string[]).every((k) => isReadValue(values[k])) ? undefined : 'output.values lacks a read key';
    }
    case 'leaseGrant':
      if (!isObject(input) || !isNumber(input.ttl)) return 'input.ttl is not a number';
      if (input.id !== undefined && !isLeaseId(input.id)) return 'input.id is not a decimal lease id';
      return has && !(isLeaseId(out.id) && isNumber(out.ttl)) ? 'output is not {id, ttl}' : undefined;
    case 'leaseKeepAlive':
      if (!isObject(input) || !isLeaseId(input.id)) return 'input.id is not a decimal lease id';
      return has && !isNumber(out.ttl) ? 'output is not {ttl}' : undefined;
    case 'leaseRevoke':
      if (!isObject(input) || !isLeaseId(input.id)) return 'input.id is not a decimal lease id';
      return has && !isRevision(out.revision) ? 'output.revision is not a revision' : undefined;
    default:
      return 'unknown kind';
  }
}

/** A one-line summary of an operation for reports, e.g. `#12 p3 put k='v5' ok rev 17 [100, 105]`. */
export function describeOperation(op: Operation, index?: number): string {
  const at = `[${fmtTime(op.invokedAt)}, ${fmtTime(op.completedAt)}]`;
  const who = `${index === undefined ? '' : `#${index} `}p${op.process}`;
  return `${who} ${describeCall(op)} -> ${describeResult(op)} ${at}`;
}

function fmtTime(t: number): string {
  return t === Infinity ? 'inf' : String(Math.round(t * 1000) / 1000);
}

function q(v: string | null): string {
  return v === null ? 'nil' : JSON.stringify(v);
}

function describeCall(op: Operation): string {
  switch (op.kind) {
    case 'put':
      return `put ${op.key}=${q(op.input.value)}${op.input.lease === undefined ? '' : ` lease ${op.input.lease}`}`;
    case 'get':
      return `get ${op.key}`;
    case 'delete':
      return `delete ${op.key}`;
    case 'cas':
      return `cas ${op.key} ${q(op.input.expected)}->${q(op.input.value)}`;
    case 'casRev':
      return `casRev ${op.key} @${op.input.expectedModRevision}->${q(op.input.value)}`;
    case 'txn': {
      const w = Object.entries(op.input.writes).map(([k, v]) => `${k}=${q(v)}`);
      return `txn read [${op.input.reads.join(' ')}] write [${w.join(' ')}]`;
    }
    case 'leaseGrant':
      return `leaseGrant ttl ${op.input.ttl}${op.input.id === undefined ? '' : ` id ${op.input.id}`}`;
    case 'leaseKeepAlive':
      return `leaseKeepAlive ${op.input.id}`;
    case 'leaseRevoke':
      return `leaseRevoke ${op.input.id}`;
  }
}

function describeResult(op: Operation): string {
  if (op.status !== 'ok' || op.output === undefined) return op.status + (op.error === undefined ? '' : ` (${op.error})`);
  switch (op.kind) {
    case 'put':
    case 'leaseRevoke':
      return `ok rev ${op.output.revision}`;
    case 'get':
      return `${q(op.output.value)} mod ${op.output.modRevision} rev ${op.output.revision}`;
    case 'delete':
      return `deleted ${op.output.deleted} rev ${op.output.revision}`;
    case 'cas':
    case 'casRev':
      return `${op.output.succeeded ? 'succeeded' : 'failed'} rev ${op.output.revision}`;
    case 'txn': {
      const values = op.output.values;
      const r = op.input.reads.map((k) => `${k}=${q(values[k]?.value ?? null)}@${values[k]?.modRevision ?? 0}`);
      return `[${r.join(' ')}] rev ${op.output.revision}`;
    }
    case 'leaseGrant':
      return `id ${op.output.id} ttl ${op.output.ttl}`;
    case 'leaseKeepAlive':
      return `ttl ${op.output.ttl}`;
  }
}

/** An acknowledged change of one key. */
export interface AckedWrite {
  /** The operation's index in the history. */
  readonly index: number;
  readonly key: string;
  readonly revision: number;
  /** null for a delete. */
  readonly value: string | null;
}

/** The changes an operation was acknowledged to make ('ok', and it wrote): one per key. */
export function ackedWrites(op: Operation, index: number): AckedWrite[] {
  if (op.status !== 'ok' || op.output === undefined) return [];
  switch (op.kind) {
    case 'put':
      return [{ index, key: op.key, revision: op.output.revision, value: op.input.value }];
    case 'cas':
    case 'casRev':
      return op.output.succeeded ? [{ index, key: op.key, revision: op.output.revision, value: op.input.value }] : [];
    case 'delete':
      return op.output.deleted > 0 ? [{ index, key: op.key, revision: op.output.revision, value: null }] : [];
    case 'txn': {
      const revision = op.output.revision;
      return Object.entries(op.input.writes).map(([key, value]) => ({ index, key, revision, value }));
    }
    default:
      return [];
  }
}

/** A map key for the change of key at revision (one change per key per revision). */
export function eventKey(revision: number, key: string): string {
  return `${revision}\u0000${key}`;
}
