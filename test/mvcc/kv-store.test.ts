import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvStore } from '../../storage/mvcc/kv-store.js';
import { toKeyRange, prefixRangeEnd } from '../../storage/mvcc/key-value.js';
import { isStorageError } from '../../storage/errors.js';
import { tempDir } from '../helpers/processes.js';

const b = (s: string) => Buffer.from(s);
const one = (k: string) => toKeyRange(b(k), undefined);
const prefix = (p: string) => toKeyRange(b(p), prefixRangeEnd(b(p)));

async function put(s: KvStore, k: string, v: string, lease = 0n): Promise<number> {
  const t = s.write();
  t.put(b(k), b(v), lease);
  const res = t.end();
  await res.durable;
  return res.revision;
}

async function del(s: KvStore, k: string): Promise<number> {
  const t = s.write();
  t.deleteRange(one(k));
  const res = t.end();
  await res.durable;
  return res.revision;
}

function withStore(fn: (s: KvStore, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = tempDir('mvcc');
    const s = KvStore.open(dir.path);
    try {
      await fn(s, dir.path);
    } finally {
      await s.close().catch(() => undefined);
      dir.remove();
    }
  };
}

test(
  'revision bookkeeping across put, delete and re-create',
  withStore(async (s) => {
    assert.equal(s.revision, 1, 'a fresh store is at revision 1');
    assert.equal(await put(s, 'k', 'v1'), 2);
    assert.equal(await put(s, 'k', 'v2'), 3);
    assert.equal(await del(s, 'k'), 4);
    assert.equal(await del(s, 'k'), 4, 'deleting nothing does not advance the revision');
    assert.equal(await put(s, 'k', 'v3'), 5);
    const steps: Array<[number, { value: string; create: number; mod: number; version: number } | undefined]> = [
      [2, { value: 'v1', create: 2, mod: 2, version: 1 }],
      [3, { value: 'v2', create: 2, mod: 3, version: 2 }],
      [4, undefined],
      [5, { value: 'v3', create: 5, mod: 5, version: 1 }],
    ];
    for (const [rev, want] of steps) {
      const kv = s.range(one('k'), { revision: rev }).kvs[0];
      assert.deepEqual(kv && { value: kv.value.toString(), create: kv.createRevision, mod: kv.modRevision, version: kv.version }, want, `at ${rev}`);
    }
  }),
);

test(
  'a write transaction gives every change one revision and reads its own writes',
  withStore(async (s) => {
    await put(s, 'a', '1');
    const t = s.write();
    t.put(b('b'), b('2'), 0n);
    t.put(b('c'), b('3'), 0n);
    assert.equal(t.get('b')?.value.toString(), '2');
    assert.equal(t.range(prefix('')).count, 3);
    t.deleteRange(one('a'));
    const res = t.end();
    await res.durable;
    assert.equal(res.revision, 3);
    assert.deepEqual(res.events.map((e) => [e.type, e.kv.key.toString(), e.kv.modRevision]), [
      ['put', 'b', 3],
      ['put', 'c', 3],
      ['delete', 'a', 3],
    ]);
    assert.deepEqual(s.range(prefix('')).kvs.map((kv) => kv.key.toString()), ['b', 'c']);
  }),
);

test(
  'range: count ignores limit; prefix and from-key ranges',
  withStore(async (s) => {
    for (const k of ['a/1', 'a/2', 'a/3', 'b/1']) await put(s, k, k);
    const limited = s.range(prefix('a/'), { limit: 2 });
    assert.equal(limited.count, 3);
    assert.deepEqual(limited.kvs.map((kv) => kv.key.toString()), ['a/1', 'a/2']);
    assert.equal(s.range(toKeyRange(b('a/3'), Buffer.from([0]))).count, 2, '"\\0" range end is every key >= key');
    const countOnly = s.range(prefix('a/'), { countOnly: true });
    assert.equal(countOnly.count, 3);
    assert.equal(countOnly.kvs.length, 0);
  }),
);

test(
  'compaction: reads below fail, at and above succeed, superseded versions leave the disk',
  withStore(async (s) => {
    await put(s, 'k', 'v2'); // 2
    await put(s, 'k', 'v3'); // 3
    await put(s, 'gone', 'x'); // 4
    await del(s, 'gone'); // 5
    await put(s, 'k', 'v6'); // 6
    const { physical } = s.compact(5);
    await physical;
    assert.equal(s.compactRevision, 5);
    assert.throws(() => s.range(one('k'), { revision: 4 }), (e) => isStorageError(e, 'Compacted'));
    assert.equal(s.range(one('k'), { revision: 5 }).kvs[0]?.value.toString(), 'v3', 'reading at the compact revision works');
    assert.equal(s.range(one('gone'), { revision: 5 }).kvs.length, 0);
    assert.throws(() => s.range(one('k'), { revision: 7 }), (e) => isStorageError(e, 'FutureRevision'));
    assert.throws(() => s.compact(5), (e) => isStorageError(e, 'Compacted'), 'compacting again at the same revision');
    assert.throws(() => s.compact(99), (e) => isStorageError(e, 'FutureRevision'));
    const onDisk = [...s.storage.records(1, 100)].map(({ rev, record }) => [rev, record.filter((c) => c !== null).length]);
    assert.deepEqual(onDisk, [
      [3, 1],
      [5, 1], // the tombstone at the compact revision stays for watchers starting there
      [6, 1],
    ]);
  }),
);

test('restart: revision, versions, compaction and history survive', async () => {
  const dir = tempDir('mvcc-restart');
  try {
    let s = KvStore.open(dir.path);
    await put(s, 'k', 'a'); // 2
    await put(s, 'k', 'b'); // 3
    await del(s, 'k'); // 4
    await put(s, 'k', 'c'); // 5
    await put(s, 'z', 'z'); // 6
    await del(s, 'z'); // 7
    await s.compact(3).physical;
    await s.close();
    s = KvStore.open(dir.path);
    assert.equal(s.revision, 7);
    assert.equal(s.compactRevision, 3);
    const kv = s.range(one('k')).kvs[0]!;
    assert.deepEqual([kv.value.toString(), kv.createRevision, kv.modRevision, kv.version], ['c', 5, 5, 1]);
    assert.equal(s.range(one('k'), { revision: 3 }).kvs[0]?.value.toString(), 'b');
    assert.equal(s.range(one('k'), { revision: 4 }).kvs.length, 0);
    assert.equal(s.range(one('z')).kvs.length, 0);
    assert.equal(await put(s, 'k', 'd'), 8, 'the next write continues the revision sequence');
    assert.equal(s.range(one('k')).kvs[0]?.version, 2);
    await s.close();
  } finally {
    dir.remove();
  }
});

test('restart after compacting away the newest revision keeps the revision', async () => {
  const dir = tempDir('mvcc-restart2');
  try {
    let s = KvStore.open(dir.path);
    await put(s, 'k', 'a'); // 2
    await del(s, 'k'); // 3
    await s.compact(3).physical;
    await s.close();
    s = KvStore.open(dir.path);
    assert.equal(s.revision, 3);
    assert.equal(await put(s, 'k', 'b'), 4);
    await s.close();
  } finally {
    dir.remove();
  }
});

test('a visibleOnWrite store (a cluster member) shows writes lmdb has yet to commit to reads, watchers and catch-up', async () => {
  const dir = tempDir('mvcc-visible');
  // lmdb commits at the end of the event-loop turn: until the first await, nothing is committed.
  const s = KvStore.open(dir.path, { visibleOnWrite: true });
  try {
    const seen: number[] = [];
    s.onChange((rev) => seen.push(rev));
    const durable: Promise<void>[] = [];
    for (const [k, v] of [['a', '1'], ['b', '2'], ['a', '3']] as const) {
      const t = s.write();
      t.put(b(k), b(v), 0n);
      durable.push(t.end().durable);
    }
    assert.equal(s.revision, 4);
    assert.deepEqual(seen, [2, 3, 4], 'listeners told as each write is made');
    assert.equal(s.range(one('a')).kvs[0]!.value.toString(), '3');
    // A watcher catching up from the store gets the uncommitted revisions too, in order.
    assert.deepEqual([...s.changesSince(1, 4)].map((c) => [c.revision, c.events[0]!.kv.value.toString()]), [[2, '1'], [3, '2'], [4, '3']]);
    assert.deepEqual([...s.changesSince(2, 3)].map((c) => c.revision), [3]);
    await Promise.all(durable);
    assert.deepEqual([...s.changesSince(1, 4)].map((c) => c.revision), [2, 3, 4], 'the same once committed');
    assert.deepEqual(seen, [2, 3, 4], 'and not told twice');
  } finally {
    await s.close();
    dir.remove();
  }
});
