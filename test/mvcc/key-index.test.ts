import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex } from '../../storage/mvcc/key-index.js';

const r = (main: number, sub = 0) => ({ main, sub });

test('key index: versions across put, delete and re-create', () => {
  const idx = new KeyIndex();
  idx.put('a', r(2));
  idx.put('a', r(3));
  idx.tombstone('a', r(4));
  idx.put('a', r(6, 1));
  const cases: Array<[number, { mod: number; create: number; version: number } | undefined]> = [
    [1, undefined],
    [2, { mod: 2, create: 2, version: 1 }],
    [3, { mod: 3, create: 2, version: 2 }],
    [4, undefined],
    [5, undefined],
    [6, { mod: 6, create: 6, version: 1 }],
    [100, { mod: 6, create: 6, version: 1 }],
  ];
  for (const [at, want] of cases) {
    const got = idx.get('a', at);
    assert.deepEqual(
      got && { mod: got.modRevision.main, create: got.createRevision.main, version: got.version },
      want,
      `at revision ${at}`,
    );
  }
});

test('key index: compaction keeps what reads at or after the compact revision need', () => {
  const cases: Array<{ name: string; build: (i: KeyIndex) => void; at: number; kept: Array<[number, number]>; gone: Array<[number, number]>; keyGone?: boolean }> = [
    { name: 'superseded versions go, newest <= at stays', build: (i) => [2, 3, 5].forEach((m) => i.put('k', r(m))), at: 4, kept: [[3, 0], [5, 0]], gone: [[2, 0]] },
    { name: 'compacting exactly at a version keeps it', build: (i) => [2, 3].forEach((m) => i.put('k', r(m))), at: 3, kept: [[3, 0]], gone: [[2, 0]] },
    {
      name: 'a life ended by a tombstone before at goes entirely',
      build: (i) => {
        i.put('k', r(2));
        i.tombstone('k', r(3));
      },
      at: 4,
      kept: [],
      gone: [[2, 0], [3, 0]],
      keyGone: true,
    },
    {
      name: 'a tombstone at exactly at stays (watchers from at see the delete), the life before it goes',
      build: (i) => {
        i.put('k', r(2));
        i.tombstone('k', r(3));
      },
      at: 3,
      kept: [[3, 0]],
      gone: [[2, 0]],
    },
    {
      name: 'a tombstone after at keeps the version before it',
      build: (i) => {
        i.put('k', r(2));
        i.tombstone('k', r(5));
      },
      at: 3,
      kept: [[2, 0], [5, 0]],
      gone: [],
    },
    {
      name: 'a re-created key keeps only its new life',
      build: (i) => {
        i.put('k', r(2));
        i.tombstone('k', r(3));
        i.put('k', r(4));
      },
      at: 5,
      kept: [[4, 0]],
      gone: [[2, 0], [3, 0]],
    },
  ];
  for (const c of cases) {
    const idx = new KeyIndex();
    c.build(idx);
    idx.compact(c.at);
    for (const [m, s] of c.kept) assert.ok(idx.has('k', r(m, s)), `${c.name}: keeps ${m}`);
    for (const [m, s] of c.gone) assert.ok(!idx.has('k', r(m, s)), `${c.name}: drops ${m}`);
    if (c.keyGone) assert.equal(idx.size, 0, `${c.name}: key removed`);
    // Reads at and after the compact revision are unchanged.
    const before = new KeyIndex();
    c.build(before);
    for (let at = c.at; at < c.at + 4; at++) assert.deepEqual(idx.get('k', at), before.get('k', at), `${c.name}: read at ${at}`);
  }
});

test('key index: range visits live keys in byte order, end exclusive', () => {
  const idx = new KeyIndex();
  ['b', 'a', 'c', 'ab', '\u00ff'].forEach((k, i) => idx.put(k, r(i + 2)));
  idx.tombstone('c', r(10));
  const seen: string[] = [];
  idx.range('a', 'c', 100, ({ key }) => void seen.push(key));
  assert.deepEqual(seen, ['a', 'ab', 'b']);
  const all: string[] = [];
  idx.range('', undefined, 100, ({ key }) => void all.push(key));
  assert.deepEqual(all, ['a', 'ab', 'b', '\u00ff']);
  const old: string[] = [];
  idx.range('c', undefined, 9, ({ key }) => void old.push(key));
  assert.deepEqual(old, ['c', '\u00ff']);
});

test('key index: liveKeys counts the keys that exist at the head, as etcd_debugging_mvcc_keys_total', () => {
  const steps: Array<{ name: string; run: (i: KeyIndex) => void; live: number }> = [
    { name: 'a new key', run: (i) => i.put('a', r(2)), live: 1 },
    { name: 'a second put of it', run: (i) => i.put('a', r(3)), live: 1 },
    { name: 'another key', run: (i) => i.put('b', r(4)), live: 2 },
    { name: 'a delete', run: (i) => i.tombstone('a', r(5)), live: 1 },
    { name: 'the deleted key again', run: (i) => i.put('a', r(6)), live: 2 },
    { name: 'compaction', run: (i) => i.compact(6), live: 2 },
    { name: 'a key rebuilt from disk', run: (i) => i.restore('c', r(7), r(7), 1), live: 3 },
    { name: 'a rebuilt change of a live key', run: (i) => i.restore('c', r(7), r(8), 2), live: 3 },
    { name: 'a rebuilt tombstone of a gone life', run: (i) => i.restoreTombstone('d', r(9)), live: 3 },
    { name: 'every key deleted', run: (i) => ['a', 'b', 'c'].forEach((k, n) => i.tombstone(k, r(10, n))), live: 0 },
    { name: 'compaction of the tombstones', run: (i) => i.compact(11), live: 0 },
  ];
  const idx = new KeyIndex();
  for (const step of steps) {
    step.run(idx);
    assert.equal(idx.liveKeys, step.live, step.name);
  }
});
