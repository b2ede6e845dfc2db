import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KvStore } from '../../storage/mvcc/kv-store.js';
import { WatchableStore, type WatchNotice, type WatchSink } from '../../storage/mvcc/watchable-store.js';
import { prefixRangeEnd, toKeyRange, type Event } from '../../storage/mvcc/key-value.js';
import { tempDir } from '../helpers/processes.js';

/**
 * Random write histories with watchers created at random moments, from random
 * start revisions, over random ranges, with streams that stall and recover: every
 * watcher must see exactly the history's events from its start, in revision
 * order, each once, and never one revision split over two responses.
 */
const keys = ['a', 'a/1', 'a/2', 'b', 'c'];

type Op =
  | { kind: 'put'; keys: string[] }
  | { kind: 'del'; key: string }
  | { kind: 'watch'; start: number; range: 'one' | 'prefix' | 'all'; key: string }
  | { kind: 'stall'; watcher: number; full: boolean }
  | { kind: 'compact' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: 3 }).map((ks) => ({ kind: 'put' as const, keys: ks })) },
  { weight: 2, arbitrary: fc.constantFrom(...keys).map((key) => ({ kind: 'del' as const, key })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('watch' as const), start: fc.integer({ min: -1, max: 12 }), range: fc.constantFrom('one' as const, 'prefix' as const, 'all' as const), key: fc.constantFrom(...keys) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stall' as const), watcher: fc.nat(10), full: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

interface Recorded {
  readonly start: number;
  readonly range: ReturnType<typeof toKeyRange>;
  readonly sink: WatchSink & { full: boolean };
  readonly notices: WatchNotice[];
}

test('watch: every watcher sees exactly the history from its start revision', { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
      const dir = tempDir('watch-prop');
      const kv = KvStore.open(dir.path);
      const ws = new WatchableStore(kv);
      const history: Array<{ revision: number; events: Event[] }> = [];
      const watchers: Recorded[] = [];
      try {
        for (const op of ops) {
          if (op.kind === 'put' || op.kind === 'del') {
            const t = kv.write();
            if (op.kind === 'put') for (const k of op.keys) t.put(Buffer.from(k), Buffer.from(`${k}@${t.revision}`), 0n);
            else t.deleteRange(toKeyRange(Buffer.from(op.key), undefined));
            const res = t.end();
            await res.durable;
            if (res.events.length > 0) history.push({ revision: res.revision, events: res.events });
          } else if (op.kind === 'watch') {
            const current = kv.revision;
            // -1: from now on; otherwise a start at or after the compacted revision.
            const start = op.start < 0 ? 0 : Math.max(kv.compactRevision, Math.min(op.start, current + 2));
            const range =
              op.range === 'one' ? toKeyRange(Buffer.from(op.key), undefined) : op.range === 'prefix' ? toKeyRange(Buffer.from(op.key), prefixRangeEnd(Buffer.from(op.key))) : toKeyRange(Buffer.from([0]), Buffer.from([0]));
            const notices: WatchNotice[] = [];
            const sink = { full: false, isFull: () => sink.full, send: (n: WatchNotice) => void notices.push(n) };
            ws.watch(watchers.length, { range, startRevision: start, prevKv: false, noPut: false, noDelete: false, progressNotify: false }, sink);
            watchers.push({ start: start === 0 ? current + 1 : start, range, sink, notices });
          } else if (op.kind === 'stall') {
            const w = watchers[op.watcher % Math.max(1, watchers.length)];
            if (w) w.sink.full = op.full;
          } else if (kv.revision > kv.compactRevision && watchers.every((w) => w.start >= kv.revision)) {
            // Compact only where no watcher still needs the history (those cases are covered by the compacted-cancel tests).
            await kv.compact(kv.revision).physical;
          }
          await new Promise((r) => setImmediate(r));
        }
        for (const w of watchers) w.sink.full = false;
        ws.scheduleSync();
        for (let i = 0; i < 100 && watchers.some((w) => expected(w).length !== received(w).length); i++) await new Promise((r) => setTimeout(r, 10));
        for (const [i, w] of watchers.entries()) {
          assert.deepEqual(received(w), expected(w), `watcher ${i} from ${w.start}`);
          // No revision is split across responses, and responses are in order.
          let last = 0;
          for (const n of w.notices) {
            if (n.kind !== 'events') continue;
            const revs = n.events.map((e) => e.kv.modRevision);
            assert.ok(revs[0]! > last, `watcher ${i}: revision ${revs[0]} repeated or out of order after ${last}`);
            last = revs[revs.length - 1]!;
          }
        }
      } finally {
        ws.close();
        await kv.close();
        dir.remove();
      }

      function expected(w: Recorded): string[] {
        return history
          .filter((h) => h.revision >= w.start)
          .flatMap((h) => h.events.filter((e) => inRangeOf(w, e)).map((e) => `${h.revision}:${e.type}:${e.kv.key.toString()}:${e.kv.value.toString()}`));
      }
    }),
    { numRuns: 60, seed: 20261122 },
  );
});

function inRangeOf(w: Recorded, e: Event): boolean {
  const k = e.kv.key.toString('latin1');
  return k >= w.range.start && (w.range.end === null || k < w.range.end);
}

function received(w: Recorded): string[] {
  return w.notices.flatMap((n) => (n.kind === 'events' ? n.events.map((e) => `${e.kv.modRevision}:${e.type}:${e.kv.key.toString()}:${e.kv.value.toString()}`) : []));
}

test('watch: a watcher set aside for longer than the in-memory window catches up from the store, one set aside briefly from memory', async () => {
  const dir = tempDir('watch-window');
  const kv = KvStore.open(dir.path, { unsafeNoSync: true });
  const ws = new WatchableStore(kv);
  const range = toKeyRange(Buffer.from('k'), prefixRangeEnd(Buffer.from('k')));
  const options = { range, startRevision: 0, prevKv: false, noPut: false, noDelete: false, progressNotify: false };
  const watcher = (id: number) => {
    const notices: WatchNotice[] = [];
    const sink = { full: false, isFull: () => sink.full, send: (n: WatchNotice) => void notices.push(n) };
    ws.watch(id, options, sink);
    return { sink, revisions: () => notices.flatMap((n) => (n.kind === 'events' ? n.events.map((e) => e.kv.modRevision) : [])) };
  };
  try {
    const far = watcher(0);
    const near = watcher(1);
    far.sink.full = true;
    // More revisions than the watchable store keeps in memory (4,096).
    const written: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = kv.write();
      t.put(Buffer.from(`k${i % 50}`), Buffer.from(String(i)), 0n);
      const res = t.end();
      written.push(res.revision);
      if (i === 4900) near.sink.full = true;
      if (i % 500 === 499) await res.durable;
    }
    far.sink.full = false;
    near.sink.full = false;
    ws.scheduleSync();
    for (let i = 0; i < 1000 && (far.revisions().length < written.length || near.revisions().length < written.length); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(far.revisions(), written, 'the watcher 5,000 revisions behind');
    assert.deepEqual(near.revisions(), written, 'the watcher 100 revisions behind');
  } finally {
    ws.close();
    await kv.close();
    dir.remove();
  }
});
