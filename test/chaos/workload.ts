// The clients of a chaos run: register and transaction processes, a lease process and
// watchers, each recording what it did into the history the checkers read
// (test/chaos/checkers/history.ts says what must be recorded and how).

import type { ServiceError } from '@grpc/grpc-js';
import { EtcdGrpcClient, type WireDuplex, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { hadNoEffect } from '../../storage/client/grpc-store-client.js';
import type { KvEvent, LeaseGrantOp, LeaseRevokeOp, Operation, PutOp, ReadValue } from './checkers/history.js';
import type { WatcherRecord, WatchSession } from './checkers/watch.js';
import { prefixRange } from './checkers/watch.js';
import { seededRandom } from './checkers/simulate.js';

/** Every key the run touches starts with this. */
export const PREFIX = '/chaos/';
const REGISTERS = 6;
const TXN_KEYS = 4;
/** Deadline of a client request: past it the outcome is unknown. */
const REQUEST_MS = 4000;

/** The harness's one clock: every time in the history is on it. */
export const now = (): number => performance.now();

/** A seeded random source, so a run's choices can be replayed. */
export const seeded = seededRandom;

const b = (s: string): Buffer => Buffer.from(s);
const str = (v: unknown): string => Buffer.from(v as Buffer).toString();

/**
 * Whether a failed request certainly had no effect: refused before anything was proposed
 * (no connection, no leader, a stopped member) or a read. Everything else is unknown.
 */
function certainlyFailed(err: unknown, isRead: boolean): boolean {
  return isRead || hadNoEffect(err);
}

function revisionOf(res: WireMessage): number {
  return Number((res.header as WireMessage | undefined)?.revision ?? 0);
}

function readValue(kvs: unknown): ReadValue {
  const kv = (kvs as WireMessage[] | undefined)?.[0];
  return kv === undefined ? { value: null, modRevision: 0 } : { value: str(kv.value), modRevision: Number(kv.modRevision) };
}

/** What the workload shares with the harness. */
export interface WorkloadContext {
  /** Client endpoints (host:port) of the members. */
  readonly endpoints: readonly string[];
  readonly history: Operation[];
  readonly random: () => number;
  /** Set when the clients must stop. */
  stopped: boolean;
}

/** A client connection that moves to the next endpoint when its member stops answering. */
class Client {
  private readonly endpoints: readonly string[];
  private at: number;
  private client: EtcdGrpcClient;

  constructor(endpoints: readonly string[], start: number) {
    this.endpoints = endpoints;
    this.at = start % endpoints.length;
    this.client = new EtcdGrpcClient(endpoints[this.at]!, { 'grpc.use_local_subchannel_pool': 1 }, REQUEST_MS);
  }

  get grpc(): EtcdGrpcClient {
    return this.client;
  }

  next(): void {
    this.client.close();
    this.at = (this.at + 1) % this.endpoints.length;
    this.client = new EtcdGrpcClient(this.endpoints[this.at]!, { 'grpc.use_local_subchannel_pool': 1 }, REQUEST_MS);
  }

  close(): void {
    this.client.close();
  }
}

let nextProcess = 0;

/** An operation as a client states it, before it runs. */
type OperationInput<T extends Operation> = Omit<T, 'status' | 'completedAt' | 'output' | 'invokedAt' | 'process'>;

/**
 * A logical client process that records each operation it runs. It runs one operation at
 * a time; after one of unknown outcome it carries on as a new process, as Jepsen's do.
 */
class Recorder {
  private readonly ctx: WorkloadContext;
  private readonly client: Client;
  process = nextProcess++;

  constructor(ctx: WorkloadContext, client: Client) {
    this.ctx = ctx;
    this.client = client;
  }

  /** Runs send as one operation and records how it ended; resolves to its output when ok. */
  async run<T extends Operation>(base: OperationInput<T>, send: () => Promise<T['output']>, isRead = false): Promise<T['output'] | undefined> {
    const invokedAt = now();
    const process = this.process;
    try {
      const output = await send();
      this.ctx.history.push({ ...base, process, invokedAt, completedAt: now(), status: 'ok', output } as T);
      return output;
    } catch (err) {
      const error = String((err as Partial<ServiceError>).details ?? err);
      if (certainlyFailed(err, isRead)) this.ctx.history.push({ ...base, process, invokedAt, completedAt: now(), status: 'fail', error } as T);
      else {
        this.ctx.history.push({ ...base, process, invokedAt, completedAt: Infinity, status: 'unknown', error } as T);
        this.process = nextProcess++;
      }
      this.client.next();
      await new Promise((r) => setTimeout(r, 20));
      return undefined;
    }
  }
}

/** One register/transaction client. */
export async function kvClient(ctx: WorkloadContext, index: number): Promise<void> {
  const client = new Client(ctx.endpoints, index);
  const recorder = new Recorder(ctx, client);
  let counter = 0;
  try {
    while (!ctx.stopped) {
      const r = ctx.random();
      const key = `${PREFIX}r/${Math.floor(ctx.random() * REGISTERS)}`;
      const value = `${recorder.process}-${counter++}`;
      const c = client.grpc;
      if (r < 0.25) {
        await recorder.run({ kind: 'put', key, input: { value } }, async () => ({ revision: revisionOf(await c.put({ key: b(key), value: b(value) })) }));
      } else if (r < 0.55) {
        await recorder.run(
          { kind: 'get', key, input: null },
          async () => {
            const res = await c.range({ key: b(key) });
            return { ...readValue(res.kvs), revision: revisionOf(res) };
          },
          true,
        );
      } else if (r < 0.67) {
        const expected = `${Math.floor(ctx.random() * Math.max(1, recorder.process))}-${Math.floor(ctx.random() * 3)}`;
        await recorder.run({ kind: 'cas', key, input: { expected, value } }, async () => {
          const res = await c.txn({ compare: [{ key: b(key), target: 'VALUE', result: 'EQUAL', value: b(expected) }], success: [{ requestPut: { key: b(key), value: b(value) } }] });
          return { succeeded: res.succeeded === true, revision: revisionOf(res) };
        });
      } else if (r < 0.82) {
        // The API server's update: read, then write only if the key has not changed since.
        let seen: ReadValue;
        try {
          seen = readValue((await c.range({ key: b(key), serializable: true })).kvs);
        } catch {
          client.next();
          continue;
        }
        const expectedModRevision = seen.modRevision;
        await recorder.run({ kind: 'casRev', key, input: { expectedModRevision, value } }, async () => {
          const res = await c.txn({ compare: [{ key: b(key), target: 'MOD', result: 'EQUAL', modRevision: expectedModRevision }], success: [{ requestPut: { key: b(key), value: b(value) } }] });
          return { succeeded: res.succeeded === true, revision: revisionOf(res) };
        });
      } else if (r < 0.87) {
        await recorder.run({ kind: 'delete', key, input: null }, async () => {
          const res = await c.deleteRange({ key: b(key) });
          return { deleted: Number(res.deleted ?? 0), revision: revisionOf(res) };
        });
      } else {
        const keys = Array.from({ length: TXN_KEYS }, (_, i) => `${PREFIX}t/${i}`);
        const reads = keys.filter(() => ctx.random() < 0.5);
        const writes: Record<string, string> = {};
        for (const k of keys) if (ctx.random() < 0.4) writes[k] = `${value}:${k.slice(-1)}`;
        // Never an empty txn: etcd serves one as a serializable read (it has no range to
        // make linearizable), so its header revision may be stale.
        if (reads.length === 0 && Object.keys(writes).length === 0) reads.push(keys[0]!);
        await recorder.run({ kind: 'txn', input: { reads, writes } }, async () => {
          const res = await c.txn({
            success: [...reads.map((k) => ({ requestRange: { key: b(k) } })), ...Object.entries(writes).map(([k, v]) => ({ requestPut: { key: b(k), value: b(v) } }))],
          });
          const values: Record<string, ReadValue> = {};
          reads.forEach((k, i) => (values[k] = readValue(((res.responses as WireMessage[])[i]!.responseRange as WireMessage).kvs)));
          return { values, revision: revisionOf(res) };
        }, Object.keys(writes).length === 0);
      }
    }
  } finally {
    client.close();
  }
}

/**
 * The lease client: grants short leases with keys attached, keeps some alive to the end,
 * lets some expire and revokes others.
 */
export async function leaseClient(ctx: WorkloadContext): Promise<void> {
  const client = new Client(ctx.endpoints, 0);
  const recorder = new Recorder(ctx, client);
  const kept: string[] = [];
  const keepAlive = keepAliveLoop(ctx, kept, () => recorder.process, () => (recorder.process = nextProcess++));
  try {
    for (let n = 0; !ctx.stopped; n++) {
      const granted = await recorder.run<LeaseGrantOp>({ kind: 'leaseGrant', input: { ttl: 3 } }, async () => {
        const res = await client.grpc.leaseGrant({ TTL: 3 });
        return { id: String(res.ID), ttl: Number(res.TTL) };
      });
      if (granted === undefined) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const key = `${PREFIX}l/${granted.id}`;
      const value = `lease-${n}`;
      await recorder.run<PutOp>({ kind: 'put', key, input: { value, lease: granted.id } }, async () => ({
        revision: revisionOf(await client.grpc.put({ key: b(key), value: b(value), lease: granted.id })),
      }));
      const fate = ctx.random();
      if (fate < 0.3) kept.push(granted.id);
      else if (fate < 0.6) {
        await recorder.run<LeaseRevokeOp>({ kind: 'leaseRevoke', input: { id: granted.id } }, async () => ({ revision: revisionOf(await client.grpc.leaseRevoke({ ID: granted.id })) }));
      }
      // The rest expire.
      await new Promise((r) => setTimeout(r, 400));
    }
  } finally {
    await keepAlive;
    client.close();
  }
}

/** Keeps the leases in `kept` alive every 500 ms over a keep-alive stream, recording each answer. */
async function keepAliveLoop(ctx: WorkloadContext, kept: string[], processOf: () => number, unknown: () => void): Promise<void> {
  let at = 0;
  while (!ctx.stopped) {
    const client = new EtcdGrpcClient(ctx.endpoints[at % ctx.endpoints.length]!, { 'grpc.use_local_subchannel_pool': 1 });
    const stream: WireDuplex = client.leaseKeepAlive();
    const waiting = new Map<string, number>();
    let broken = false;
    stream.on('data', (res: WireMessage) => {
      const id = String(res.ID);
      const invokedAt = waiting.get(id);
      if (invokedAt === undefined) return;
      waiting.delete(id);
      ctx.history.push({ kind: 'leaseKeepAlive', process: processOf(), input: { id }, invokedAt, completedAt: now(), status: 'ok', output: { ttl: Number(res.TTL) } });
    });
    stream.on('error', () => (broken = true));
    stream.on('end', () => (broken = true));
    while (!ctx.stopped && !broken) {
      for (const id of kept) {
        if (waiting.has(id)) continue;
        waiting.set(id, now());
        stream.write({ ID: id });
      }
      await new Promise((r) => setTimeout(r, 500));
      // A keep-alive unanswered for 2 s: its outcome is unknown; go to another member.
      if ([...waiting.values()].some((t) => now() - t > 2000)) broken = true;
    }
    for (const [id, invokedAt] of waiting) {
      ctx.history.push({ kind: 'leaseKeepAlive', process: processOf(), input: { id }, invokedAt, completedAt: Infinity, status: 'unknown', error: 'keep-alive stream broke' });
      unknown();
    }
    stream.cancel();
    client.close();
    at++;
  }
}

/**
 * A watcher on the whole prefix from revision `from`, reconnecting to another member when
 * its stream breaks and resuming from the revision after the last event it received.
 */
export function watcher(ctx: WorkloadContext, id: string, from: number, startAt: number): { record: () => WatcherRecord; done: Promise<void> } {
  const sessions: { fromRevision: number; events: KvEvent[]; compactRevision?: number }[] = [];
  let next = from;
  let at = startAt;
  const done = (async () => {
    while (!ctx.stopped) {
      const session: { fromRevision: number; events: KvEvent[]; compactRevision?: number } = { fromRevision: next, events: [] };
      sessions.push(session);
      const client = new EtcdGrpcClient(ctx.endpoints[at % ctx.endpoints.length]!, { 'grpc.use_local_subchannel_pool': 1 });
      const stream = client.watch();
      await new Promise<void>((resolve) => {
        let lastHeard = now();
        const check = setInterval(() => {
          // A member that stopped answering (paused, cut off) is left after 3 s of silence
          // (progress notifications arrive every few seconds at most; see below).
          if (ctx.stopped || now() - lastHeard > 3000) finish();
        }, 250);
        const finish = (): void => {
          clearInterval(check);
          stream.cancel();
          resolve();
        };
        stream.on('data', (res: WireMessage) => {
          lastHeard = now();
          if (res.canceled === true) {
            if (Number(res.compactRevision ?? 0) > 0) session.compactRevision = Number(res.compactRevision);
            finish();
            return;
          }
          for (const e of (res.events as WireMessage[] | undefined) ?? []) {
            const kv = e.kv as WireMessage;
            const ev: KvEvent = {
              type: e.type === 'DELETE' ? 'delete' : 'put',
              key: str(kv.key),
              value: e.type === 'DELETE' ? null : str(kv.value),
              modRevision: Number(kv.modRevision),
              ...(e.type === 'DELETE' ? {} : { createRevision: Number(kv.createRevision), version: Number(kv.version) }),
            };
            session.events.push(ev);
            next = ev.modRevision + 1;
          }
        });
        stream.on('error', finish);
        stream.on('end', finish);
        const range = prefixRange(PREFIX);
        stream.write({ createRequest: { key: b(range.start), rangeEnd: b(range.end!), startRevision: next, progressNotify: true } });
        // Ask for progress now and then so that silence means a dead stream.
        const ask = setInterval(() => stream.write({ progressRequest: {} }), 1000);
        stream.once('close', () => clearInterval(ask));
        void new Promise<void>((r) => {
          const t = setInterval(() => {
            if (ctx.stopped) {
              clearInterval(t);
              clearInterval(ask);
              r();
            }
          }, 200);
          stream.once('close', () => {
            clearInterval(t);
            clearInterval(ask);
            r();
          });
        });
      });
      client.close();
      at++;
      if (!ctx.stopped) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { record: () => ({ id, range: prefixRange(PREFIX), startRevision: from, sessions }), done };
}

/**
 * The state after the run: one linearizable read of every key under the prefix (or, with
 * revision, a serializable read of the state at that revision).
 */
export async function readFinal(endpoint: string, revision = 0): Promise<import('./checkers/history.js').FinalState> {
  const c = new EtcdGrpcClient(endpoint, {}, 10_000);
  try {
    const range = prefixRange(PREFIX);
    const invokedAt = now();
    const res = await c.range({ key: b(range.start), rangeEnd: b(range.end!), revision, serializable: revision > 0 });
    const completedAt = now();
    const kvs = ((res.kvs as WireMessage[] | undefined) ?? []).map((kv) => ({
      key: str(kv.key),
      value: str(kv.value),
      modRevision: Number(kv.modRevision),
      createRevision: Number(kv.createRevision),
      version: Number(kv.version),
      lease: String(kv.lease ?? '0'),
    }));
    return { revision: revisionOf(res), invokedAt, completedAt, kvs };
  } finally {
    c.close();
  }
}

/**
 * Every event under the prefix from revision `from` through `to`, read with a watch. Every
 * revision of a run is under the prefix (the cluster is fresh and only the run writes), so
 * the log is complete when the event of revision `to` has arrived.
 */
export async function readRevisionLog(endpoint: string, from: number, to: number): Promise<import('./checkers/history.js').RevisionLog> {
  const events: KvEvent[] = [];
  if (to >= from) {
    const c = new EtcdGrpcClient(endpoint);
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = c.watch();
        const timer = setTimeout(() => {
          stream.cancel();
          reject(new Error(`reading the revision log timed out at ${events.at(-1)?.modRevision ?? from} of ${to}`));
        }, 30_000);
        stream.on('data', (res: WireMessage) => {
          for (const e of (res.events as WireMessage[] | undefined) ?? []) {
            const kv = e.kv as WireMessage;
            events.push({
              type: e.type === 'DELETE' ? 'delete' : 'put',
              key: str(kv.key),
              value: e.type === 'DELETE' ? null : str(kv.value),
              modRevision: Number(kv.modRevision),
              ...(e.type === 'DELETE' ? {} : { createRevision: Number(kv.createRevision), version: Number(kv.version) }),
            });
          }
          if ((events.at(-1)?.modRevision ?? 0) >= to) {
            clearTimeout(timer);
            stream.cancel();
            resolve();
          }
        });
        stream.on('error', () => undefined);
        const range = prefixRange(PREFIX);
        stream.write({ createRequest: { key: b(range.start), rangeEnd: b(range.end!), startRevision: from } });
      });
    } finally {
      c.close();
    }
  }
  return { fromRevision: from, toRevision: to, events: events.filter((e) => e.modRevision <= to) };
}

/** The types the watch checker needs, re-exported for the harness. */
export type { WatcherRecord, WatchSession };
