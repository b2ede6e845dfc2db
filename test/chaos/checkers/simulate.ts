// A sequential etcd-like store driven by a seeded random generator, producing histories
// that are linearizable by construction: each operation takes effect at a known instant,
// and its recorded interval is drawn around that instant. For the checkers' own tests.

import type { FinalState, KvEvent, Operation, OpStatus, RevisionLog } from './history.js';

/** mulberry32: a small seeded generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Knobs of simulate. */
export interface SimulationOptions {
  readonly seed: number;
  readonly ops: number;
  readonly keys: readonly string[];
  /** How far (ms) an interval reaches before and after the instant its operation takes effect. */
  readonly spread: number;
  /** Time between consecutive effects, ms. */
  readonly step?: number;
  /** Probability of a multi-key txn. Default 0.1. */
  readonly txnRate?: number;
  /** Probability that an operation ends 'fail' (no effect). Default 0.05. */
  readonly failRate?: number;
  /** Probability that an operation ends 'unknown' (half of them take effect). Default 0.05. */
  readonly unknownRate?: number;
  /** Probability that a put carries the lease '7', and of the lease's keys vanishing before an op. Default 0. */
  readonly leaseRate?: number;
}

/** A simulated run: the history, the store's log and final state, and bookkeeping for fault injection. */
export interface Simulation {
  readonly history: Operation[];
  readonly log: RevisionLog;
  readonly final: FinalState;
  /**
   * For each ok get (by history index), values of its key that an acknowledged write had
   * replaced before the get was invoked: reading one of them is a stale read. byValue: the
   * write of the value had also completed before the replacing write started, so the read is
   * stale by values alone (without revisions, overlapping writes may be reordered).
   */
  readonly staleCandidates: Map<number, { value: string; modRevision: number; byValue: boolean }[]>;
}

interface Cell {
  value: string;
  mod: number;
  lease: string | undefined;
  /** The history index of the acknowledged write, -1 if its outcome was not acknowledged. */
  writtenBy: number;
}

export function simulate(o: SimulationOptions): Simulation {
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const step = o.step ?? 10;
  const store = new Map<string, Cell>();
  let revision = 1;
  const events: KvEvent[] = [];
  const history: Operation[] = [];
  /** Per key, the values it held and which history index replaced each (-1: not by an ack'd op). */
  const past = new Map<string, { value: string; modRevision: number; writtenBy: number; replacedBy: number }[]>();
  const replaced = (key: string, by: number): void => {
    const cur = store.get(key);
    if (cur !== undefined)
      (past.get(key) ?? past.set(key, []).get(key)!).push({ value: cur.value, modRevision: cur.mod, writtenBy: cur.writtenBy, replacedBy: by });
  };
  const seen: { value: string; mod: number }[] = [];
  let counter = 0;

  for (let i = 0; i < o.ops; i++) {
    const t = (i + 1) * step;
    if (rnd() < (o.leaseRate ?? 0)) {
      // The lease's keys vanish (as on expiry): one revision, no operation.
      const keys = [...store].filter(([, c]) => c.lease === '7').map(([k]) => k);
      if (keys.length > 0) {
        revision++;
        for (const k of keys) {
          replaced(k, -1);
          store.delete(k);
          events.push({ type: 'delete', key: k, value: null, modRevision: revision });
        }
      }
    }
    const r = rnd();
    const status: OpStatus = r < (o.failRate ?? 0.05) ? 'fail' : r < (o.failRate ?? 0.05) + (o.unknownRate ?? 0.05) ? 'unknown' : 'ok';
    const applies = status === 'ok' || (status === 'unknown' && rnd() < 0.5);
    const index = history.length;
    const ackedIndex = status === 'ok' ? index : -1;
    const before = Math.floor(rnd() * o.spread);
    const after = Math.floor(rnd() * o.spread);
    const invokedAt = applies ? t - before : t - o.spread + Math.floor(rnd() * 2 * o.spread);
    const completedAt = status === 'unknown' ? Infinity : applies ? t + after : invokedAt + Math.floor(rnd() * o.spread);
    const process = i;
    const rec = <T extends Operation>(op: Omit<T, 'process' | 'status' | 'invokedAt' | 'completedAt'>, output: T['output']): void => {
      history.push({ ...op, process, status, invokedAt, completedAt, ...(status === 'ok' ? { output } : {}) } as T);
    };
    const writeKey = (key: string, value: string, lease: string | undefined): void => {
      replaced(key, ackedIndex);
      store.set(key, { value, mod: revision, lease, writtenBy: ackedIndex });
      events.push({ type: 'put', key, value, modRevision: revision, ...(lease === undefined ? {} : { lease }) });
      seen.push({ value, mod: revision });
    };

    if (rnd() < (o.txnRate ?? 0.1) && o.keys.length > 1) {
      const reads = o.keys.filter(() => rnd() < 0.5);
      const writes: Record<string, string> = {};
      for (const k of o.keys) if (rnd() < 0.4) writes[k] = `v${counter++}`;
      const values = Object.fromEntries(reads.map((k) => [k, { value: store.get(k)?.value ?? null, modRevision: store.get(k)?.mod ?? 0 }]));
      const hasWrites = Object.keys(writes).length > 0;
      if (applies && hasWrites) {
        revision++;
        for (const [k, v] of Object.entries(writes)) writeKey(k, v, undefined);
      }
      rec<Operation & { kind: 'txn' }>({ kind: 'txn', input: { reads, writes } }, { values, revision });
      continue;
    }

    const key = pick(o.keys);
    const cur = store.get(key);
    const kind = pick(['put', 'put', 'get', 'get', 'cas', 'casRev', 'delete'] as const);
    switch (kind) {
      case 'get':
        rec<Operation & { kind: 'get' }>({ kind, key, input: null }, { value: cur?.value ?? null, modRevision: cur?.mod ?? 0, revision });
        break;
      case 'put': {
        const value = `v${counter++}`;
        const lease = rnd() < (o.leaseRate ?? 0) ? '7' : undefined;
        if (applies) {
          revision++;
          writeKey(key, value, lease);
        }
        rec<Operation & { kind: 'put' }>({ kind, key, input: { value, ...(lease === undefined ? {} : { lease }) } }, { revision });
        break;
      }
      case 'delete': {
        const deleted = cur === undefined ? 0 : 1;
        if (applies && cur !== undefined) {
          revision++;
          replaced(key, ackedIndex);
          store.delete(key);
          events.push({ type: 'delete', key, value: null, modRevision: revision });
        }
        rec<Operation & { kind: 'delete' }>({ kind, key, input: null }, { deleted, revision });
        break;
      }
      case 'cas': {
        const expected = cur !== undefined && rnd() < 0.6 ? cur.value : seen.length > 0 ? pick(seen).value : 'none';
        const value = `v${counter++}`;
        const succeeded = cur?.value === expected;
        if (applies && succeeded) {
          revision++;
          writeKey(key, value, undefined);
        }
        rec<Operation & { kind: 'cas' }>({ kind, key, input: { expected, value } }, { succeeded, revision });
        break;
      }
      case 'casRev': {
        const expectedModRevision = cur !== undefined && rnd() < 0.6 ? cur.mod : rnd() < 0.3 ? 0 : seen.length > 0 ? pick(seen).mod : 0;
        const value = `v${counter++}`;
        const succeeded = (cur?.mod ?? 0) === expectedModRevision;
        if (applies && succeeded) {
          revision++;
          writeKey(key, value, undefined);
        }
        rec<Operation & { kind: 'casRev' }>({ kind, key, input: { expectedModRevision, value } }, { succeeded, revision });
        break;
      }
    }
  }

  const staleCandidates = new Map<number, { value: string; modRevision: number; byValue: boolean }[]>();
  history.forEach((op, i) => {
    if (op.kind !== 'get' || op.status !== 'ok') return;
    const stale = (past.get(op.key) ?? [])
      .filter((p) => p.replacedBy >= 0 && history[p.replacedBy]!.completedAt < op.invokedAt)
      .map((p) => ({
        value: p.value,
        modRevision: p.modRevision,
        byValue: p.writtenBy >= 0 && history[p.writtenBy]!.completedAt < history[p.replacedBy]!.invokedAt,
      }));
    if (stale.length > 0) staleCandidates.set(i, stale);
  });
  const end = (o.ops + 2) * step + o.spread;
  const final: FinalState = {
    revision,
    invokedAt: end,
    completedAt: end + 1,
    kvs: [...store].map(([key, c]) => ({ key, value: c.value, modRevision: c.mod, lease: c.lease ?? '0' })),
  };
  return { history, log: { fromRevision: 1, toRevision: revision, events }, final, staleCandidates };
}
