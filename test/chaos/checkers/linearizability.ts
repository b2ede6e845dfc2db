// Linearizability of the key-value operations of a history, against etcd's model: one
// register per key holding {value, modRevision}, and a store revision that grows by one per
// write and that every answer reports.
//
// The search is Wing & Gong's as Lowe improved it (and as Knossos and Porcupine run it):
// walk the history's calls and returns in time order, linearize a pending call whenever the
// model allows, backtrack when a return is reached whose operation is not linearized yet,
// and remember every (linearized set, model state) already explored. The history is split
// first into independent parts (P-compositionality): keys are grouped so that every txn's
// keys fall in one group, and each group is searched alone.
//
// Operations by status:
// - 'fail': certainly had no effect; dropped.
// - 'ok': must be linearized between invokedAt and completedAt, with the answer it got.
// - 'unknown': may be linearized at any time after invokedAt, or never; its answer is
//   unknown, so a write's revision is unknown (and reads are dropped).
// A put with a lease may be followed by its deletion at any time (the lease expiring or
// being revoked); the checker adds such a deletion as an 'unknown' operation.
//
// The model state is, per key, its value and modRevision (unknown after a write of unknown
// revision, until a read pins it), and for the group a lower bound on the store revision:
// the largest revision a linearized answer reported. A write's revision must exceed it and a
// read's header revision must reach it. Constraints are only ever dropped, never invented,
// so a violation reported is a proof (given that the harness recorded what the store said).
//
// What keeps the search small, each without losing a linearization:
// - Revision order: 'ok' operations with a revision can only go in revision order (a
//   write after everything of a lower revision, a read at header h after the write of h), so
//   only the lowest pending revision is ever tried.
// - Proven writes: an 'unknown' write whose value (unique to it) an answer returned took
//   effect before that answer; it is checked like an acknowledged one, with the revision a
//   read reported for it, if any.
// - Values no answer ever returned are all the same to the model; they share one identity.
//   'unknown' operations with the same effect are interchangeable: one may only go once
//   every earlier-invoked one has (an earlier one could always take its place).
// - 'unknown' operations are tried only when no 'ok' operation can go, only those that
//   touch what the next 'ok' operations touch (one on other keys commutes with them and can
//   as well go after), those that let one go at once first, and none if what the 'ok'
//   operations lack is a value no 'unknown' operation writes.
// - A configuration is skipped when one with the same 'ok' operations, the same state and a
//   subset of its 'unknown' operations was reached before: whatever completes the larger
//   one completes the smaller one.
// Past a budget of steps or memory, the group is reported undecided rather than searched on.
//
// Alongside, checks of revisions alone across all keys (checkRevisions): they grow with real
// time, no two writes share one, and no read misses an acknowledged write below its header
// revision.

import { ackedWrites, describeOperation, type AckedWrite, type KvOperation, type Operation, type ReadValue } from './history.js';

/** Knobs of checkLinearizability. */
export interface LinearizabilityOptions {
  /** Search steps allowed per group of keys; past it the group is undecided. Default 5,000,000. */
  readonly maxSteps?: number;
  /** Memo size allowed per group of keys, in 32-bit words; past it the group is undecided. Default 16M. */
  readonly maxMemoWords?: number;
  /**
   * Use the revisions in the answers (default true). false checks values only (a casRev's
   * compare is then taken to go either way): useful to tell a revision bookkeeping problem
   * from a lost or stale value.
   */
  readonly useRevisions?: boolean;
  /** Keys that existed before the first operation; every other key starts absent. */
  readonly initial?: Readonly<Record<string, ReadValue>>;
  /** The store's revision before the first operation (a lower bound is fine). Default 0. */
  readonly initialRevision?: number;
}

/** An operation a report points at. */
export interface OpRef {
  /** Its index in the checked history; -1 for a lease deletion the checker assumed. */
  readonly index: number;
  /** One line describing it. */
  readonly description: string;
}

/** A key's state in the model after some prefix of a linearization. */
export interface ModelKeyState {
  readonly key: string;
  readonly exists: boolean;
  /** The value; undefined when the key does not exist or holds a value no read returned. */
  readonly value: string | undefined;
  /** undefined when written by an operation whose revision is unknown. */
  readonly modRevision: number | undefined;
}

/** A group of keys whose operations have no linearization. */
export interface NonLinearizable {
  readonly kind: 'not-linearizable';
  /** The group's keys (one, unless txns tie several together). */
  readonly keys: readonly string[];
  /** Operations of the group that were checked. */
  readonly opCount: number;
  /** The longest linearizable prefix the search found, in linearization order. */
  readonly prefix: readonly OpRef[];
  /** The model after that prefix. */
  readonly stateAfterPrefix: readonly ModelKeyState[];
  /** The store revision after that prefix is at least this. */
  readonly storeRevisionAtLeast: number;
  /** The first operation to complete that the prefix leaves out: it cannot be linearized before its completion. */
  readonly blockedBy: OpRef;
  /** The other 'ok' operations invoked before blockedBy completed and not in the prefix. */
  readonly pending: readonly OpRef[];
  /** How many 'unknown' operations could also have been linearized there. */
  readonly pendingUnknown: number;
  readonly message: string;
}

/** An operation that started after another ended but reports a lower (or for a write, not higher) revision. */
export interface RevisionOrderViolation {
  readonly kind: 'revision-order';
  readonly op: OpRef;
  readonly revision: number;
  /** The operation it started after. */
  readonly after: OpRef;
  readonly afterRevision: number;
  readonly message: string;
}

/** Two writes that report the same revision. */
export interface DuplicateRevisionViolation {
  readonly kind: 'duplicate-revision';
  readonly revision: number;
  readonly ops: readonly [OpRef, OpRef];
  readonly message: string;
}

/**
 * A read that missed an acknowledged write of its key: one with a revision in
 * (modRevision read, header revision], or, at the modRevision read, a different value.
 */
export interface StaleReadViolation {
  readonly kind: 'stale-read';
  readonly key: string;
  readonly read: OpRef;
  /** The write it missed. */
  readonly write: OpRef;
  readonly message: string;
}

export type LinearizabilityViolation = NonLinearizable | RevisionOrderViolation | DuplicateRevisionViolation | StaleReadViolation;

/** A group of keys the search gave up on. */
export interface UndecidedGroup {
  readonly keys: readonly string[];
  readonly opCount: number;
  readonly reason: 'step-budget' | 'memo-budget';
  readonly steps: number;
  /** How many 'ok' operations the longest prefix found linearized. */
  readonly longestPrefix: number;
}

/** What checkLinearizability found. */
export interface LinearizabilityReport {
  /** 'not-linearizable' if any violation; else 'unknown' if any group was undecided. */
  readonly outcome: 'linearizable' | 'not-linearizable' | 'unknown';
  readonly violations: readonly LinearizabilityViolation[];
  readonly undecided: readonly UndecidedGroup[];
  /** Groups of keys searched. */
  readonly groups: number;
  /** Search steps over all groups. */
  readonly steps: number;
}

/** Checks the history's key-value operations (lease operations are ignored). */
export function checkLinearizability(history: readonly Operation[], options: LinearizabilityOptions = {}): LinearizabilityReport {
  const useRevisions = options.useRevisions ?? true;
  const violations: LinearizabilityViolation[] = useRevisions ? [...checkRevisions(history)] : [];
  const undecided: UndecidedGroup[] = [];
  let steps = 0;
  const groups = groupByKeys(history);
  const writeRevisions = new Set<number>();
  for (const op of history) {
    const r = isKv(op) ? revisionOf(op) : undefined;
    if (r?.isWrite === true) writeRevisions.add(r.revision);
  }
  for (const group of groups) {
    const model = compileGroup(history, group, options, useRevisions, writeRevisions);
    const result = search(model, options.maxSteps ?? 5_000_000, options.maxMemoWords ?? 16 * 1024 * 1024);
    steps += result.steps;
    if (result.kind === 'violation') violations.push(explain(model, result.best, history));
    else if (result.kind === 'undecided')
      undecided.push({ keys: model.keys, opCount: model.ops.length, reason: result.reason, steps: result.steps, longestPrefix: result.best.okCount });
  }
  const outcome = violations.length > 0 ? 'not-linearizable' : undecided.length > 0 ? 'unknown' : 'linearizable';
  return { outcome, violations, undecided, groups: groups.length, steps };
}

// ---------------------------------------------------------------------------------------
// Revisions across all keys.

/** How an 'ok' key-value operation relates to the store revision. */
function revisionOf(op: KvOperation): { revision: number; isWrite: boolean } | undefined {
  if (op.status !== 'ok' || op.output === undefined) return undefined;
  switch (op.kind) {
    case 'put':
      return { revision: op.output.revision, isWrite: true };
    case 'get':
      return { revision: op.output.revision, isWrite: false };
    case 'delete':
      return { revision: op.output.revision, isWrite: op.output.deleted > 0 };
    case 'cas':
    case 'casRev':
      return { revision: op.output.revision, isWrite: op.output.succeeded };
    case 'txn':
      return { revision: op.output.revision, isWrite: Object.keys(op.input.writes).length > 0 };
  }
}

/**
 * Revisions alone, over every key, in linear time (the search finds these too, but may run
 * out of budget first, and these explain themselves better):
 * - the store revision grows with real time: an operation invoked after another completed
 *   reports a revision at least as high, strictly higher if it is a write;
 * - no two writes share a revision;
 * - a read at header revision h that returns modRevision m for a key sees the key as of
 *   revision h: no acknowledged write of the key has a revision in (m, h], and the one at m,
 *   if acknowledged, wrote that value.
 * At most `limit` violations of each kind are reported.
 */
export function checkRevisions(history: readonly Operation[], limit = 20): LinearizabilityViolation[] {
  const items: { index: number; op: KvOperation; revision: number; isWrite: boolean }[] = [];
  history.forEach((op, index) => {
    if (isKv(op)) {
      const r = revisionOf(op);
      if (r !== undefined) items.push({ index, op, ...r });
    }
  });
  const out: LinearizabilityViolation[] = [];
  const ref = (index: number): OpRef => ({ index, description: describeOperation(history[index]!, index) });

  const writers = new Map<number, (typeof items)[number]>();
  let duplicates = 0;
  for (const it of items) {
    if (!it.isWrite) continue;
    const other = writers.get(it.revision);
    if (other === undefined) writers.set(it.revision, it);
    else if (duplicates++ < limit)
      out.push({
        kind: 'duplicate-revision',
        revision: it.revision,
        ops: [ref(other.index), ref(it.index)],
        message: `two writes got revision ${it.revision}: ${ref(other.index).description} and ${ref(it.index).description}`,
      });
  }

  const byInvoke = [...items].sort((a, b) => a.op.invokedAt - b.op.invokedAt || a.index - b.index);
  const byComplete = [...items].sort((a, b) => a.op.completedAt - b.op.completedAt || a.index - b.index);
  let done = 0;
  let best: (typeof items)[number] | undefined;
  let orderViolations = 0;
  for (const it of byInvoke) {
    while (done < byComplete.length && byComplete[done]!.op.completedAt < it.op.invokedAt) {
      const d = byComplete[done++]!;
      if (best === undefined || d.revision > best.revision) best = d;
    }
    if (best === undefined) continue;
    const ok = it.isWrite ? it.revision > best.revision : it.revision >= best.revision;
    if (!ok && orderViolations++ < limit)
      out.push({
        kind: 'revision-order',
        op: ref(it.index),
        revision: it.revision,
        after: ref(best.index),
        afterRevision: best.revision,
        message:
          `${ref(it.index).description} reports revision ${it.revision}, but it started after ` +
          `${ref(best.index).description} had completed with revision ${best.revision}` +
          (it.isWrite ? '; a later write must get a higher revision' : '; a linearizable read cannot go back in revisions'),
      });
  }

  // Acknowledged writes per key, by revision.
  const keyWrites = new Map<string, AckedWrite[]>();
  for (const it of items) {
    for (const w of ackedWrites(it.op, it.index)) {
      const list = keyWrites.get(w.key);
      if (list === undefined) keyWrites.set(w.key, [w]);
      else list.push(w);
    }
  }
  for (const list of keyWrites.values()) list.sort((a, b) => a.revision - b.revision);
  let stale = 0;
  const checkRead = (index: number, key: string, value: string | null, modRevision: number, header: number): void => {
    if (value === null || stale >= limit) return;
    const list = keyWrites.get(key) ?? [];
    // The first acknowledged write of the key at or above modRevision.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.revision < modRevision) lo = mid + 1;
      else hi = mid;
    }
    const at = list[lo];
    let missed: typeof at | undefined;
    let why = '';
    if (at !== undefined && at.revision === modRevision && at.value !== value) {
      missed = at;
      why = `the write of revision ${modRevision} to ${key} was ${at.value === null ? 'a delete' : JSON.stringify(at.value)}`;
    } else {
      const after = at !== undefined && at.revision === modRevision ? list[lo + 1] : at;
      if (after !== undefined && after.revision <= header) {
        missed = after;
        why = `it read ${key} as of revision ${header}, but ${key} was written at revision ${after.revision}, after ${modRevision}`;
      }
    }
    if (missed === undefined) return;
    stale++;
    out.push({ kind: 'stale-read', key, read: ref(index), write: ref(missed.index), message: `${ref(index).description}: ${why} by ${ref(missed.index).description}` });
  };
  for (const it of items) {
    const op = it.op;
    if (op.kind === 'get' && op.output !== undefined) checkRead(it.index, op.key, op.output.value, op.output.modRevision, op.output.revision);
    if (op.kind === 'txn' && op.output !== undefined) {
      const header = it.isWrite ? it.revision - 1 : it.revision;
      for (const k of op.input.reads) {
        const rv = op.output.values[k];
        if (rv !== undefined) checkRead(it.index, k, rv.value, rv.modRevision, header);
      }
    }
  }
  return out;
}

function isKv(op: Operation): op is KvOperation {
  return op.kind !== 'leaseGrant' && op.kind !== 'leaseKeepAlive' && op.kind !== 'leaseRevoke';
}

/** The keys an operation touches. */
function keysOf(op: KvOperation): string[] {
  if (op.kind === 'txn') return [...new Set([...op.input.reads, ...Object.keys(op.input.writes)])];
  return [op.key];
}

/** Whether an operation has anything to check or any effect to account for. */
function isRelevant(op: KvOperation): boolean {
  if (op.status === 'fail') return false;
  if (op.status === 'unknown') return op.kind !== 'get' && !(op.kind === 'txn' && Object.keys(op.input.writes).length === 0);
  return op.output !== undefined;
}

// ---------------------------------------------------------------------------------------
// Grouping keys (union-find over the keys each operation touches).

function groupByKeys(history: readonly Operation[]): string[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let x = k;
    while (x !== root) {
      const next = parent.get(x)!;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  for (const op of history) {
    if (!isKv(op) || !isRelevant(op)) continue;
    const keys = keysOf(op);
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) {
      const a = find(keys[0]!);
      const b = find(k);
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  const groups = new Map<string, string[]>();
  for (const k of parent.keys()) {
    const r = find(k);
    const g = groups.get(r);
    if (g === undefined) groups.set(r, [k]);
    else g.push(k);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

// ---------------------------------------------------------------------------------------
// The model.
//
// A state is a flat array: [storeRevisionLowerBound, then per key: value id, modRevision].
// Value id 0 is "absent", 1 is "a value no read returned", 2.. are the values reads returned.
// modRevision -1 means unknown: written by an 'unknown' operation (the first read of it pins
// it). Such a write does not move the revision bound, which keeps it independent of
// everything on other keys (the search relies on that).

type State = readonly number[];
const ABSENT = 0;
const UNOBSERVED = 1;
const PENDING = -1;
/** In ModelOp.needs: any value but ABSENT. */
const PRESENT = -2;

interface ModelOp {
  /** Index in the history; -1 for an assumed lease deletion. */
  readonly ref: number;
  /** For an assumed lease deletion: the key. */
  readonly leaseKey?: string;
  /** For an 'unknown' write an answer proved applied: that answer's index in the history. */
  readonly provenBy?: number;
  /** For such a write of unknown revision: it may only go after every 'ok' op of at most this order. */
  readonly afterOrder?: number;
  readonly isOk: boolean;
  readonly invokedAt: number;
  readonly completedAt: number;
  /** For 'unknown' operations: operations with equal keys have the same effect. */
  readonly effectKey: string;
  /**
   * For 'ok' operations whose revision is known: 2 * revision for a write, 2 * revision + 1
   * for a read (header revision). Any linearization takes these operations in this order
   * (a write after everything below its revision, a read after the write of its revision).
   */
  readonly order: number | undefined;
  readonly step: (s: State) => State | null;
  /** The keys (indexes into the group's keys) it reads or compares. */
  readonly readSlots: readonly number[];
  /**
   * Why the op cannot go in state s, if it is for want of particular values: pairs (key,
   * value) of which every one must be written first (value PRESENT: any value). null: nothing
   * written first can help (its revision is too low); undefined: not known.
   */
  readonly needs: (s: State) => number[] | null | undefined;
  /** What it writes when it applies (value ABSENT for a delete). */
  readonly writes: readonly { readonly slot: number; readonly value: number }[];
}

interface GroupModel {
  readonly keys: string[];
  /** 'ok' operations first, then 'unknown' ones, each by invocation time. */
  readonly ops: ModelOp[];
  readonly okCount: number;
  readonly initial: State;
  readonly valueOf: (id: number) => string | undefined;
}

/** A condition on one key, as a cas, casRev or delete evaluates it. */
type Guard =
  | { readonly kind: 'value'; readonly slot: number; readonly expected: number }
  | { readonly kind: 'modRevision'; readonly slot: number; readonly expected: number }
  | { readonly kind: 'exists'; readonly slot: number };

/** An operation reduced to what the model needs. */
interface Effect {
  readonly index: number;
  readonly op: KvOperation;
  readonly isOk: boolean;
  readonly invokedAt: number;
  readonly completedAt: number;
  readonly guard: Guard | undefined;
  /** For 'ok' operations with a guard: its outcome. */
  readonly guardHeld: boolean;
  /** Keys read, with what the read returned ('ok' operations only). */
  readonly reads: readonly { slot: number; value: number; modRevision: number | undefined }[];
  /** Keys written (value ABSENT for a delete), when the guard holds. */
  readonly writes: readonly { slot: number; value: number }[];
  /** The revision the answer reported (a write's own if it wrote, else the header's); undefined if unknown or ignored. */
  readonly revision: number | undefined;
  /** Whether the operation wrote (for 'unknown' ones: would write). */
  readonly isWrite: boolean;
  /** For an 'unknown' write that an answer proved applied: that answer's index. */
  readonly provenBy?: number;
  /** For such a write of unknown revision: it came after every 'ok' operation of at most this order. */
  readonly afterOrder?: number;
}

/**
 * writeRevisions: the revisions of the acknowledged writes of the whole history. A key
 * written by an 'unknown' operation has an unknown modRevision, but not one of these.
 */
function compileGroup(
  history: readonly Operation[],
  keys: string[],
  options: LinearizabilityOptions,
  useRevisions: boolean,
  writeRevisions: ReadonlySet<number>,
): GroupModel {
  const slotOf = new Map(keys.map((k, i) => [k, i]));
  const inGroup: { op: KvOperation; index: number }[] = [];
  history.forEach((op, index) => {
    if (isKv(op) && isRelevant(op) && keysOf(op).length > 0 && slotOf.has(keysOf(op)[0]!)) inGroup.push({ op, index });
  });

  // Values that reads return or cas compares against; every other value is UNOBSERVED.
  const ids = new Map<string, number>();
  const values: string[] = [];
  const observe = (v: string | null): void => {
    if (v !== null && !ids.has(v)) {
      ids.set(v, values.length + 2);
      values.push(v);
    }
  };
  for (const { op } of inGroup) {
    if (op.kind === 'cas') observe(op.input.expected);
    if (op.status !== 'ok' || op.output === undefined) continue;
    if (op.kind === 'get') observe(op.output.value);
    if (op.kind === 'txn') for (const k of op.input.reads) observe(op.output.values[k]?.value ?? null);
  }
  const canon = (v: string | null): number => (v === null ? ABSENT : (ids.get(v) ?? UNOBSERVED));
  const rev = (r: number): number | undefined => (useRevisions ? r : undefined);

  const effects: Effect[] = [];
  for (const { op, index } of inGroup) {
    const isOk = op.status === 'ok';
    // What most effects share; each kind below sets what differs.
    const base = {
      index,
      op,
      isOk,
      invokedAt: op.invokedAt,
      completedAt: isOk ? op.completedAt : Infinity,
      guard: undefined,
      guardHeld: true,
      reads: [],
      revision: isOk ? rev(op.output!.revision) : undefined,
    };
    const slot = op.kind === 'txn' ? -1 : slotOf.get(op.key)!;
    const put = (value: string): { slot: number; value: number }[] => [{ slot, value: canon(value) }];
    switch (op.kind) {
      case 'get': {
        const out = op.output!;
        const read = { slot, value: canon(out.value), modRevision: rev(out.modRevision) };
        effects.push({ ...base, reads: [read], writes: [], isWrite: false });
        break;
      }
      case 'put':
        effects.push({ ...base, writes: put(op.input.value), isWrite: true });
        break;
      case 'delete': {
        const deleted = isOk ? op.output!.deleted > 0 : true;
        effects.push({ ...base, guard: { kind: 'exists', slot }, guardHeld: deleted, writes: [{ slot, value: ABSENT }], isWrite: deleted });
        break;
      }
      case 'cas':
      case 'casRev': {
        const succeeded = isOk ? op.output!.succeeded : true;
        const guard: Guard =
          op.kind === 'cas'
            ? { kind: 'value', slot, expected: canon(op.input.expected) }
            : { kind: 'modRevision', slot, expected: op.input.expectedModRevision };
        effects.push({ ...base, guard, guardHeld: succeeded, writes: put(op.input.value), isWrite: succeeded });
        break;
      }
      case 'txn': {
        const writes = Object.entries(op.input.writes)
          .map(([k, v]) => ({ slot: slotOf.get(k)!, value: canon(v) }))
          .sort((a, b) => a.slot - b.slot);
        const out = op.output;
        const reads =
          isOk && out !== undefined
            ? op.input.reads.map((k) => {
                const rv = out.values[k] ?? { value: null, modRevision: 0 };
                return { slot: slotOf.get(k)!, value: canon(rv.value), modRevision: rev(rv.modRevision) };
              })
            : [];
        effects.push({ ...base, reads, writes, isWrite: writes.length > 0 });
        break;
      }
    }
  }

  const initialRevision = options.initialRevision ?? 0;
  const initial: number[] = [initialRevision];
  for (const k of keys) {
    const init = options.initial?.[k];
    if (init === undefined || init.value === null) initial.push(ABSENT, 0);
    else if (useRevisions) initial.push(canon(init.value), init.modRevision);
    else initial.push(canon(init.value), PENDING);
  }

  const promoted = promoteObserved(effects, initial, useRevisions);
  const taken = new Set(writeRevisions);
  for (const e of promoted) if (e.provenBy !== undefined && e.revision !== undefined) taken.add(e.revision);
  const ops: ModelOp[] = promoted.map((e) => toModelOp(e, useRevisions, taken));
  for (const { op } of inGroup)
    if (op.kind === 'put' && op.input.lease !== undefined) ops.push(leaseDeletion(op, slotOf.get(op.key)!));

  const byInvocation = (a: ModelOp, b: ModelOp): number => compare(a.invokedAt, b.invokedAt) || a.ref - b.ref;
  const okOps = ops.filter((o) => o.isOk).sort(byInvocation);
  const unknownOps = ops.filter((o) => !o.isOk).sort(byInvocation);
  return { keys, ops: [...okOps, ...unknownOps], okCount: okOps.length, initial, valueOf: (id) => values[id - 2] };
}

/**
 * 'unknown' writes that an answer proves applied: a read returned, or a successful cas
 * expected, a value only this operation wrote to that key (of all the operations that may
 * have taken effect). It took effect before that answer's operation completed, and a read
 * tells its revision (the key's modRevision), so it is checked like an acknowledged write.
 * (This keeps the search small: only writes no answer saw stay 'unknown', and those are
 * nearly all alike.)
 */
function promoteObserved(effects: Effect[], initial: State, useRevisions: boolean): Effect[] {
  const writers = new Map<string, number>();
  const pair = (slot: number, value: number): string => `${slot}:${value}`;
  for (let slot = 0; 1 + 2 * slot < initial.length; slot++) writers.set(pair(slot, initial[1 + 2 * slot]!), 1);
  for (const e of effects) for (const w of e.writes) if (w.value > UNOBSERVED) writers.set(pair(w.slot, w.value), (writers.get(pair(w.slot, w.value)) ?? 0) + 1);
  /** Per (key, value), the answers that saw it, with the modRevision a read reported. */
  const proofs = new Map<string, { effect: Effect; slot: number; modRevision: number | undefined }[]>();
  const saw = (slot: number, value: number, effect: Effect, modRevision: number | undefined): void => {
    if (value <= UNOBSERVED) return;
    const list = proofs.get(pair(slot, value));
    if (list === undefined) proofs.set(pair(slot, value), [{ effect, slot, modRevision }]);
    else list.push({ effect, slot, modRevision });
  };
  for (const e of effects) {
    if (!e.isOk) continue;
    for (const r of e.reads) saw(r.slot, r.value, e, r.modRevision);
    if (e.guard?.kind === 'value' && e.guardHeld) saw(e.guard.slot, e.guard.expected, e, undefined);
  }
  return effects.map((e) => {
    if (e.isOk || !e.isWrite) return e;
    let first: Effect | undefined;
    let revision: number | undefined;
    let earliest: { order: number; slot: number } | undefined;
    for (const w of e.writes) {
      if (w.value <= UNOBSERVED || writers.get(pair(w.slot, w.value)) !== 1) continue;
      for (const p of proofs.get(pair(w.slot, w.value)) ?? []) {
        // A proof that completed before this write was invoked is a violation the search will find.
        if (p.effect.completedAt < e.invokedAt) continue;
        if (first === undefined || p.effect.completedAt < first.completedAt) first = p.effect;
        if (p.modRevision !== undefined) revision ??= p.modRevision;
        const order = orderOf(p.effect);
        if (order !== undefined && (earliest === undefined || order < earliest.order)) earliest = { order, slot: p.slot };
      }
    }
    if (first === undefined) return e;
    const promoted = { ...e, isOk: true, completedAt: first.completedAt, guardHeld: true, provenBy: first.index };
    if (useRevisions && revision !== undefined) return { ...promoted, revision };
    if (!useRevisions || earliest === undefined) return { ...promoted, revision: undefined };
    // Its revision is unknown, but it was the last write of the key before the earliest
    // answer that saw it, and no read saw it before: it came after every write and read of
    // that key of a lower order (and so after everything up to the last of those).
    const { order: seenAt, slot } = earliest;
    let afterOrder: number | undefined;
    for (const x of effects) {
      const order = orderOf(x);
      if (order === undefined || order >= seenAt) continue;
      if (!x.reads.some((r) => r.slot === slot) && !(x.guardHeld && x.writes.some((w) => w.slot === slot))) continue;
      if (afterOrder === undefined || order > afterOrder) afterOrder = order;
    }
    return { ...promoted, revision: undefined, ...(afterOrder === undefined ? {} : { afterOrder }) };
  });
}

/** The revision order of an 'ok' effect whose revision is known (see ModelOp.order). */
function orderOf(e: Effect): number | undefined {
  if (!e.isOk || e.revision === undefined) return undefined;
  return 2 * e.revision + (e.guardHeld && e.writes.length > 0 ? 0 : 1);
}

/** taken: revisions that belong to known writes (so not to one of unknown revision). */
function toModelOp(e: Effect, useRevisions: boolean, taken: ReadonlySet<number>): ModelOp {
  const { guard, reads, writes, revision: r, isOk, guardHeld } = e;
  const applies = guardHeld && writes.length > 0;
  const evaluate = (s: State): 'yes' | 'no' | 'maybe' => {
    if (guard === undefined) return 'yes';
    const b = 1 + 2 * guard.slot;
    switch (guard.kind) {
      case 'exists':
        return s[b] !== ABSENT ? 'yes' : 'no';
      case 'value':
        return s[b] === guard.expected ? 'yes' : 'no';
      case 'modRevision':
        if (!useRevisions) return 'maybe';
        if (s[b] === ABSENT) return guard.expected === 0 ? 'yes' : 'no';
        if (guard.expected === 0) return 'no';
        if (s[b + 1] === PENDING) return taken.has(guard.expected) ? 'no' : 'maybe';
        return s[b + 1] === guard.expected ? 'yes' : 'no';
    }
  };
  const needs = (s: State): number[] | null | undefined => {
    if (r !== undefined && (applies ? r <= s[0]! : r < s[0]!)) return null;
    const out: number[] = [];
    if (guard !== undefined) {
      const b = 1 + 2 * guard.slot;
      if (guard.kind === 'exists' && guardHeld && s[b] === ABSENT) out.push(guard.slot, PRESENT);
      else if (guard.kind === 'exists' && !guardHeld && s[b] !== ABSENT) out.push(guard.slot, ABSENT);
      else if (guard.kind === 'value' && guardHeld && s[b] !== guard.expected) out.push(guard.slot, guard.expected);
      else if (evaluate(s) === (guardHeld ? 'no' : 'yes')) return undefined;
    }
    for (const rd of reads) {
      const b = 1 + 2 * rd.slot;
      const modDiffers = rd.modRevision !== undefined && s[b + 1] !== PENDING && s[b + 1] !== rd.modRevision;
      if (s[b] !== rd.value || (rd.value !== ABSENT && modDiffers)) out.push(rd.slot, rd.value);
    }
    return out.length > 0 ? out : undefined;
  };
  const step = (s: State): State | null => {
    const g = evaluate(s);
    if (g === (guardHeld ? 'no' : 'yes')) return null;
    const n = [...s];
    // Reads see the state before the writes: at most revision r - 1 if the op wrote.
    const bound = r === undefined ? undefined : applies ? r - 1 : r;
    for (const rd of reads) if (!readMatches(n, rd.slot, rd.value, rd.modRevision, bound)) return null;
    if (!applies) return advanceRead(n, r) ? n : null;
    if (!advanceWrite(n, r)) return null;
    for (const w of writes) write(n, w.slot, w.value, r);
    return n;
  };
  // Without revisions a modRevision compare can go either way: it tells nothing apart.
  const keyGuard = guard?.kind === 'modRevision' && !useRevisions ? null : (guard ?? null);
  const effectKey = isOk ? '' : `${JSON.stringify(keyGuard)} ${writes.map((w) => `${w.slot}=${w.value}`).join(' ')}`;
  return {
    ref: e.index,
    ...(e.provenBy === undefined ? {} : { provenBy: e.provenBy }),
    isOk,
    invokedAt: e.invokedAt,
    completedAt: e.completedAt,
    effectKey,
    order: orderOf(e),
    ...(e.afterOrder === undefined ? {} : { afterOrder: e.afterOrder }),
    step,
    needs,
    readSlots: [...(guard === undefined ? [] : [guard.slot]), ...reads.map((x) => x.slot)],
    writes,
  };
}

/** The deletion of a leased key when its lease ends, assumed possible any time after the put. */
function leaseDeletion(op: KvOperation & { key: string }, slot: number): ModelOp {
  return {
    ref: -1,
    leaseKey: op.key,
    isOk: false,
    invokedAt: op.invokedAt,
    completedAt: Infinity,
    effectKey: `delete ${slot}`,
    order: undefined,
    step: (s) => deleteUnknown(s, slot),
    needs: () => undefined,
    readSlots: [slot],
    writes: [{ slot, value: ABSENT }],
  };
}

function deleteUnknown(s: State, slot: number): State | null {
  if (s[1 + 2 * slot] === ABSENT) return null;
  const n = [...s];
  write(n, slot, ABSENT, undefined);
  return n;
}

/**
 * Whether a read of (value, modRevision) matches the key's state; pins an unknown
 * modRevision. bound: the highest modRevision the read could see (its header revision).
 */
function readMatches(n: number[], slot: number, value: number, modRevision: number | undefined, bound: number | undefined): boolean {
  const b = 1 + 2 * slot;
  if (n[b] !== value) return false;
  if (value === ABSENT || modRevision === undefined) return true;
  if (n[b + 1] !== PENDING) return n[b + 1] === modRevision;
  if (modRevision <= 0 || (bound !== undefined && modRevision > bound)) return false;
  n[b + 1] = modRevision;
  return true;
}

/** A read at header revision h: the store revision is at least the bound. */
function advanceRead(n: number[], h: number | undefined): boolean {
  if (h === undefined) return true;
  if (h < n[0]!) return false;
  n[0] = h;
  return true;
}

/** A write at revision r: above every revision seen so far. */
function advanceWrite(n: number[], r: number | undefined): boolean {
  if (r === undefined) return true;
  if (r <= n[0]!) return false;
  n[0] = r;
  return true;
}

/** Sets a key; revision undefined means unknown. */
function write(n: number[], slot: number, value: number, revision: number | undefined): void {
  const b = 1 + 2 * slot;
  n[b] = value;
  n[b + 1] = value === ABSENT ? 0 : (revision ?? PENDING);
}

function stateHash(s: State): number {
  let h = 0x811c9dc5;
  for (const x of s) {
    h = Math.imul(h ^ (x | 0), 0x01000193);
    h = Math.imul(h ^ ((x / 4294967296) | 0), 0x01000193);
  }
  return h >>> 0;
}

function sameState(a: State, b: State): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// The search.

/** A linearization prefix as a persistent list, newest first: pushing shares the older part. */
interface PrefixNode {
  readonly op: number;
  readonly parent: PrefixNode | null;
}

interface Best {
  /** 'ok' operations linearized. */
  okCount: number;
  /** Its last op; the model op indexes in linearization order are this chain reversed. */
  prefix: PrefixNode | null;
  state: State;
  /** Model op index of the first-completing 'ok' op left out. */
  blockedBy: number;
  pending: number[];
  pendingUnknown: number;
}

type SearchResult =
  | { kind: 'linearizable'; steps: number }
  | { kind: 'violation'; steps: number; best: Best }
  | { kind: 'undecided'; steps: number; reason: 'step-budget' | 'memo-budget'; best: Best };

/** A deterministic 32-bit mix (splitmix32's finalizer) for Zobrist keys. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

interface MemoEntry {
  readonly state: State;
  /** First word of the 'ok' bitset that is not all ones. */
  readonly okFrom: number;
  /** The 'ok' bitset's words from okFrom up to the last non-zero one. */
  readonly okWords: Uint32Array;
  /** The 'unknown' bitset up to its last non-zero word. */
  readonly unknownWords: Uint32Array;
}

function search(model: GroupModel, maxSteps: number, maxMemoWords: number): SearchResult {
  const { ops, okCount } = model;
  const unknownCount = ops.length - okCount;
  const keyCount = model.keys.length;

  // Revision order: an 'ok' op with a revision may go once every one of a lower order has
  // (so those linearized are always the lowest orders, plus some of one order). An 'ok' op
  // without one may go once every one up to its afterOrder has. gate: how many ops with a
  // revision must have gone before the op may.
  const gate = new Int32Array(okCount);
  const byOrder = Array.from({ length: okCount }, (_, i) => i)
    .filter((i) => ops[i]!.order !== undefined)
    .sort((a, b) => ops[a]!.order! - ops[b]!.order! || a - b);
  byOrder.forEach((op, rank) => {
    const before = rank > 0 ? byOrder[rank - 1]! : -1;
    gate[op] = before >= 0 && ops[before]!.order === ops[op]!.order ? gate[before]! : rank;
  });
  const sortedOrders = byOrder.map((op) => ops[op]!.order!);
  for (let op = 0; op < okCount; op++) {
    const after = ops[op]!.afterOrder;
    if (ops[op]!.order !== undefined || after === undefined) continue;
    let lo = 0;
    let hi = sortedOrders.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedOrders[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    gate[op] = lo;
  }
  let orderedDone = 0;

  // Symmetry: an 'unknown' op waits for the previous one with the same effect.
  const waitsFor = new Int32Array(ops.length).fill(-1);
  const lastOfEffect = new Map<string, number>();
  for (let i = okCount; i < ops.length; i++) {
    const prev = lastOfEffect.get(ops[i]!.effectKey);
    if (prev !== undefined) waitsFor[i] = prev;
    lastOfEffect.set(ops[i]!.effectKey, i);
  }

  // The 'ok' ops' calls and returns in time order (calls first at equal times: a tie counts
  // as overlap), as a doubly linked list with sentinels. Node 2i is op i's call, 2i+1 its return.
  const head = 2 * okCount;
  const tail = head + 1;
  const next = new Int32Array(head + 2);
  const prev = new Int32Array(head + 2);
  const nodeTime = (n: number): number => (n % 2 === 0 ? ops[n >> 1]!.invokedAt : ops[n >> 1]!.completedAt);
  const nodes = Array.from({ length: head }, (_, i) => i).sort(
    (a, b) => compare(nodeTime(a), nodeTime(b)) || (a % 2) - (b % 2) || (a >> 1) - (b >> 1),
  );
  let last = head;
  for (const n of nodes) {
    next[last] = n;
    prev[n] = last;
    last = n;
  }
  next[last] = tail;
  prev[tail] = last;
  const unlink = (x: number): void => {
    next[prev[x]!] = next[x]!;
    prev[next[x]!] = prev[x]!;
  };
  const relink = (x: number): void => {
    next[prev[x]!] = x;
    prev[next[x]!] = x;
  };

  // Linearized sets, with an incremental Zobrist hash of the 'ok' one.
  const okBits = new Uint32Array(Math.ceil(okCount / 32));
  const unknownBits = new Uint32Array(Math.ceil(unknownCount / 32));
  let h1 = 0;
  let h2 = 0;
  const isSet = (op: number): boolean =>
    op < okCount ? (okBits[op >> 5]! & (1 << (op & 31))) !== 0 : (unknownBits[(op - okCount) >> 5]! & (1 << ((op - okCount) & 31))) !== 0;
  const flip = (op: number): void => {
    if (op < okCount) {
      okBits[op >> 5]! ^= 1 << (op & 31);
      h1 ^= mix32(2 * op + 1);
      h2 ^= mix32(2 * op + 0x9e3779b9);
    } else {
      const u = op - okCount;
      unknownBits[u >> 5]! ^= 1 << (u & 31);
    }
  };

  const memo = new Map<number, MemoEntry[]>();
  let memoWords = 0;
  /** Records the current sets with state s; false if it is subsumed by one already seen. */
  const remember = (s: State): boolean => {
    const key = ((h1 ^ stateHash(s)) >>> 0) * 2097152 + (h2 & 0x1fffff);
    const bucket = memo.get(key);
    if (bucket !== undefined) for (const e of bucket) if (subsumes(e, s)) return false;
    let from = 0;
    while (from < okBits.length && okBits[from] === 0xffffffff) from++;
    let to = okBits.length;
    while (to > from && okBits[to - 1] === 0) to--;
    let uTo = unknownBits.length;
    while (uTo > 0 && unknownBits[uTo - 1] === 0) uTo--;
    const entry: MemoEntry = { state: s, okFrom: from, okWords: okBits.slice(from, to), unknownWords: unknownBits.slice(0, uTo) };
    if (bucket === undefined) memo.set(key, [entry]);
    else bucket.push(entry);
    memoWords += 16 + s.length + (to - from) + uTo;
    return true;
  };
  const subsumes = (e: MemoEntry, s: State): boolean => {
    if (!sameState(e.state, s)) return false;
    for (let w = 0; w < okBits.length; w++) {
      const want = w < e.okFrom ? 0xffffffff : w - e.okFrom < e.okWords.length ? e.okWords[w - e.okFrom]! : 0;
      if (okBits[w] !== want) return false;
    }
    for (let w = 0; w < e.unknownWords.length; w++) if ((e.unknownWords[w]! & ~unknownBits[w]!) !== 0) return false;
    return true;
  };

  // The 'unknown' ops worth trying before the next 'ok' op: invoked by the first pending
  // return, first of their kind, and in conflict with that 'ok' op, directly or through other
  // such 'unknown' ops. One that is not commutes with all of them (other keys, or the same
  // effect on a shared key) and could as well go after the 'ok' op. Most recent first.
  const readBy = new Uint8Array(keyCount);
  const writtenAs = new Float64Array(keyCount);
  const NONE = -1;
  const MANY = -2;
  const unknownCandidates = (firstReturn: number, limit: number): number[] => {
    const eligible: number[] = [];
    for (let op = okCount; op < ops.length; op++)
      if (!isSet(op) && ops[op]!.invokedAt <= limit && (waitsFor[op]! < 0 || isSet(waitsFor[op]!))) eligible.push(op);
    if (eligible.length === 0) return eligible;

    // If no 'ok' op that may go next could go after any 'unknown' ops (each lacks a value
    // that none of them, nor another such 'ok' op, writes), there is nothing to try.
    const enabled: number[] = [];
    for (let n = next[head]!; n !== firstReturn; n = next[n]!) if (gate[n >> 1]! <= orderedDone) enabled.push(n >> 1);
    const canWrite = (slot: number, value: number, except: number): boolean => {
      const writes = (op: number): boolean =>
        op !== except && ops[op]!.writes.some((w) => w.slot === slot && (value === PRESENT ? w.value !== ABSENT : w.value === value));
      return eligible.some(writes) || enabled.some((op) => ops[op]!.order === undefined && writes(op));
    };
    const isHopeless = (op: number): boolean => {
      const needs = ops[op]!.needs(state);
      if (needs === undefined) return false;
      if (needs === null) return true;
      for (let i = 0; i < needs.length; i += 2) if (!canWrite(needs[i]!, needs[i + 1]!, op)) return true;
      return false;
    };
    if (enabled.every(isHopeless)) return [];

    readBy.fill(0);
    writtenAs.fill(NONE);
    for (const i of enabled) {
      const op = ops[i]!;
      for (const k of op.readSlots) readBy[k] = 1;
      for (const w of op.writes) readBy[w.slot] = 1;
    }
    const chosen = new Uint8Array(eligible.length);
    for (let changed = true; changed; ) {
      changed = false;
      eligible.forEach((op, i) => {
        if (chosen[i] === 1) return;
        const o = ops[op]!;
        const conflicts =
          o.writes.some((w) => readBy[w.slot] === 1 || (writtenAs[w.slot] !== NONE && writtenAs[w.slot] !== w.value)) ||
          o.readSlots.some((k) => writtenAs[k] !== NONE);
        if (!conflicts) return;
        chosen[i] = 1;
        changed = true;
        for (const k of o.readSlots) readBy[k] = 1;
        for (const w of o.writes) writtenAs[w.slot] = writtenAs[w.slot] === NONE || writtenAs[w.slot] === w.value ? w.value : MANY;
      });
    }
    // Most recent first, and first those after which an 'ok' op can go at once.
    const enabling: number[] = [];
    const others: number[] = [];
    for (let i = eligible.length - 1; i >= 0; i--) {
      if (chosen[i] === 0) continue;
      const after = ops[eligible[i]!]!.step(state);
      if (after === null) continue;
      (enabled.some((x) => ops[x]!.step(after) !== null) ? enabling : others).push(eligible[i]!);
    }
    return enabling.concat(others);
  };

  let state: State = model.initial;
  const stackOp: number[] = [];
  let chain: PrefixNode | null = null;
  const stackState: State[] = [];
  /** For an 'unknown' op on the stack: the candidates it was chosen from, and its place among them. */
  const stackCandidates: (number[] | undefined)[] = [];
  const stackIndex: number[] = [];
  let okLeft = okCount;
  let steps = 0;

  const snapshot = (): Best => {
    let n = next[head]!;
    const pending: number[] = [];
    while (n !== tail && n % 2 === 0) {
      pending.push(n >> 1);
      n = next[n]!;
    }
    const blockedBy = n === tail ? -1 : n >> 1;
    const limit = n === tail ? Infinity : ops[blockedBy]!.completedAt;
    let pendingUnknown = 0;
    for (let op = okCount; op < ops.length; op++) if (!isSet(op) && ops[op]!.invokedAt <= limit) pendingUnknown++;
    return { okCount: okCount - okLeft, prefix: chain, state, blockedBy, pending, pendingUnknown };
  };
  let best = snapshot();

  /** Tries to linearize op next. */
  const tryOp = (op: number, candidates: number[] | undefined, index: number): boolean => {
    if (op < okCount && gate[op]! > orderedDone) return false;
    const s = ops[op]!.step(state);
    if (s === null) return false;
    flip(op);
    if (!remember(s)) {
      flip(op);
      return false;
    }
    stackOp.push(op);
    chain = { op, parent: chain };
    stackState.push(state);
    stackCandidates.push(candidates);
    stackIndex.push(index);
    state = s;
    if (op < okCount) {
      unlink(2 * op);
      unlink(2 * op + 1);
      okLeft--;
      if (ops[op]!.order !== undefined) orderedDone++;
      if (okCount - okLeft > best.okCount) best = snapshot();
    }
    return true;
  };

  // The walk: 'ok' calls before the first pending return, then the 'unknown' candidates.
  let cursor = next[head]!;
  let candidates: number[] | undefined;
  let index = 0;
  while (okLeft > 0) {
    if (++steps > maxSteps) return { kind: 'undecided', steps, reason: 'step-budget', best };
    if (memoWords > maxMemoWords) return { kind: 'undecided', steps, reason: 'memo-budget', best };
    if (candidates === undefined) {
      if (cursor % 2 === 0) {
        if (tryOp(cursor >> 1, undefined, 0)) cursor = next[head]!;
        else cursor = next[cursor]!;
        continue;
      }
      // A return: only 'unknown' ops remain to try here.
      candidates = unknownCandidates(cursor, ops[cursor >> 1]!.completedAt);
      index = 0;
      continue;
    }
    if (index < candidates.length) {
      if (tryOp(candidates[index]!, candidates, index)) {
        candidates = undefined;
        cursor = next[head]!;
      } else index++;
      continue;
    }
    // Nothing more to try here: undo the last step and try what comes after it.
    const op = stackOp.pop();
    if (op === undefined) return { kind: 'violation', steps, best };
    chain = chain!.parent;
    state = stackState.pop()!;
    candidates = stackCandidates.pop();
    index = stackIndex.pop()! + 1;
    flip(op);
    if (op < okCount) {
      relink(2 * op + 1);
      relink(2 * op);
      okLeft++;
      if (ops[op]!.order !== undefined) orderedDone--;
      cursor = next[2 * op]!;
    }
  }
  return { kind: 'linearizable', steps };
}

/** Orders numbers, Infinity included. */
function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Reports.

function explain(model: GroupModel, best: Best, history: readonly Operation[]): NonLinearizable {
  const ref = (i: number): OpRef => {
    const op = model.ops[i]!;
    if (op.ref < 0) return { index: -1, description: `(assumed) lease deletion of ${op.leaseKey} after ${op.invokedAt}` };
    const proven = op.provenBy === undefined ? '' : ` (taken as applied: #${op.provenBy} saw its value)`;
    return { index: op.ref, description: describeOperation(history[op.ref]!, op.ref) + proven };
  };
  const state: ModelKeyState[] = model.keys.map((key, slot) => {
    const b = 1 + 2 * slot;
    const v = best.state[b]!;
    const mod = best.state[b + 1]!;
    return {
      key,
      exists: v !== ABSENT,
      value: v === ABSENT || v === UNOBSERVED ? undefined : model.valueOf(v),
      modRevision: v === ABSENT ? undefined : mod === PENDING ? undefined : mod,
    };
  });
  const order: number[] = [];
  for (let n = best.prefix; n !== null; n = n.parent) order.push(n.op);
  const prefix = order.reverse().map(ref);
  const blockedBy = ref(best.blockedBy);
  const others = best.pending.filter((i) => i !== best.blockedBy).map(ref);
  const shown = prefix.slice(-5);
  const describeKey = (k: ModelKeyState): string => {
    if (!k.exists) return `${k.key} absent`;
    const v = k.value === undefined ? 'a value no read returned' : JSON.stringify(k.value);
    return `${k.key} = ${v} (modRevision ${k.modRevision ?? 'unknown'})`;
  };
  const lines = [
    `keys [${model.keys.join(', ')}] are not linearizable.`,
    `Longest linearizable prefix: ${best.okCount} of ${model.okCount} acknowledged operations` +
      (shown.length > 0 ? `, ending with:` : '.'),
    ...shown.map((r) => `  ${r.description}`),
    `After it: ${state.map(describeKey).join('; ')}; store revision >= ${best.state[0]}.`,
    `Then ${blockedBy.description} cannot take effect before it completes` +
      (others.length + best.pendingUnknown === 0
        ? ', and nothing else is pending.'
        : `, nor after any of the ${others.length + best.pendingUnknown} other pending operations:`),
    ...others.map((r) => `  ${r.description}`),
    ...(best.pendingUnknown > 0 ? [`  (${best.pendingUnknown} of unknown outcome)`] : []),
  ];
  return {
    kind: 'not-linearizable',
    keys: model.keys,
    opCount: model.ops.length,
    prefix,
    stateAfterPrefix: state,
    storeRevisionAtLeast: best.state[0]!,
    blockedBy,
    pending: others,
    pendingUnknown: best.pendingUnknown,
    message: lines.join('\n'),
  };
}
