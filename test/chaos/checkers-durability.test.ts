// The durability checker: acknowledged writes must be in the final state unless something
// later replaced them; a write the final state lost, or the revision log lacks, is reported.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDurability } from './checkers/durability.js';
import type { FinalKv, FinalState, Operation } from './checkers/history.js';
import { cas, del, put, txn } from './checkers/history-builder.js';
import { revisionLog } from './checkers/watch.js';

function final(kvs: FinalKv[]): FinalState {
  return { revision: 100, invokedAt: 1000, completedAt: 1001, kvs };
}

function kv(key: string, value: string, modRevision: number, lease = '0'): FinalKv {
  return { key, value, modRevision, lease };
}

function lost(history: Operation[], kvs: FinalKv[]): string[] {
  return checkDurability(history, final(kvs)).lost.map((l) => `${l.kind} ${l.key}@${l.revision}`);
}

test('durability: acknowledged writes that are there, or were replaced later', () => {
  const history = [put('a', '1', [0, 1], 2), put('a', '2', [2, 3], 3), cas('b', 'x', 'y', [4, 5], { succeeded: false, rev: 3 })];
  assert.deepEqual(lost(history, [kv('a', '2', 3)]), []);
  // Overwritten by a write the history does not show as acknowledged (of unknown outcome).
  assert.deepEqual(lost([...history, put('a', '3', [6])], [kv('a', '3', 9)]), []);
  // Deleted later.
  assert.deepEqual(lost([...history, del('a', [6, 7], { deleted: 1, rev: 4 })], []), []);
  assert.deepEqual(lost([...history, del('a', [6])], []), []);
  // Put with a lease, which may have ended.
  assert.deepEqual(lost([put('a', '1', [0, 1], 2, { lease: '5' })], []), []);
});

test('durability: a key that went back to an older version lost the write', () => {
  const history = [put('a', '1', [0, 1], 2), put('a', '2', [2, 3], 3)];
  assert.deepEqual(lost(history, [kv('a', '1', 2)]), ['lost-write a@3']);
});

test('durability: a key that is gone with nothing to delete it lost its writes', () => {
  assert.deepEqual(lost([put('a', '1', [0, 1], 2)], []), ['lost-write a@2']);
  // A delete before the write does not explain it.
  assert.deepEqual(lost([del('a', [0, 1], { deleted: 1, rev: 2 }), put('a', '1', [2, 3], 3)], []), ['lost-write a@3']);
});

test('durability: a deleted key that came back', () => {
  assert.deepEqual(lost([put('a', '1', [0, 1], 2), del('a', [2, 3], { deleted: 1, rev: 3 })], [kv('a', '1', 2)]), ['lost-delete a@3']);
});

test('durability: another value at the write revision', () => {
  assert.deepEqual(lost([put('a', '1', [0, 1], 2)], [kv('a', 'other', 2)]), ['wrong-value a@2']);
});

test('durability: every key of an acknowledged txn', () => {
  const history = [txn([], { a: '1', b: '1' }, [0, 1], { values: {}, rev: 2 })];
  assert.deepEqual(lost(history, [kv('a', '1', 2), kv('b', '1', 2)]), []);
  assert.deepEqual(lost(history, [kv('a', '1', 2)]), ['lost-write b@2']);
});

test('durability: a write the revision log lacks was lost even if overwritten since', () => {
  const history = [put('a', '1', [0, 1], 2), put('a', '2', [2, 3], 3)];
  const log = revisionLog([{ type: 'put', key: 'a', value: '2', modRevision: 3 }], 1, 3);
  const report = checkDurability(history, final([kv('a', '2', 3)]), { log });
  assert.deepEqual(
    report.lost.map((l) => `${l.kind} ${l.key}@${l.revision}`),
    ['missing-from-log a@2'],
  );
  assert.equal(report.writesChecked, 2);
  assert.match(report.lost[0]!.message, /the revision log has no change of a at revision 2/);
});
