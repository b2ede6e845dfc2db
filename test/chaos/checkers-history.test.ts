// The history file: JSONL that round-trips every kind of operation (Infinity included) and
// rejects malformed records with the line they are on.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistory, describeOperation, encodeHistory, encodeOperation, HistoryError, type Operation } from './checkers/history.js';
import { cas, casRev, del, get, leaseGrant, leaseKeepAlive, leaseRevoke, put, txn } from './checkers/history-builder.js';
import { checkLinearizability } from './checkers/linearizability.js';
import { simulate } from './checkers/simulate.js';

const every: Operation[] = [
  put('k', 'a', [0, 1], 2, { lease: '7' }),
  put('k', 'b', [2]),
  put('k', 'c', [3, 4]),
  get('k', [5, 6], 'a', 2, 3),
  get('j', [5, 6], null, 0, 3),
  cas('k', 'a', 'd', [7, 8], { succeeded: true, rev: 4 }),
  casRev('k', 4, 'e', [9], undefined),
  del('k', [10, 11], { deleted: 1, rev: 5 }),
  txn(['k', 'j'], { k: 'f' }, [12, 13], { values: { k: { value: null, modRevision: 0 }, j: { value: null, modRevision: 0 } }, rev: 6 }),
  leaseGrant('7', 5, [14, 15]),
  leaseKeepAlive('7', [16, 17], 5),
  leaseRevoke('7', [18]),
];

test('history: JSONL round trip of every kind', () => {
  const text = encodeHistory(every);
  assert.equal(text.split('\n').length, every.length + 1);
  assert.ok(!text.includes('Infinity'));
  assert.deepEqual(decodeHistory(text), every);
  assert.match(encodeOperation(every[1]!), /"completedAt":null/);
});

test('history: a simulated run checks the same after a round trip', () => {
  const sim = simulate({ seed: 5, ops: 200, keys: ['a', 'b'], spread: 30, unknownRate: 0.1, txnRate: 0.2 });
  const decoded = decodeHistory(encodeHistory(sim.history));
  assert.deepEqual(decoded, sim.history);
  assert.equal(checkLinearizability(decoded).outcome, 'linearizable');
});

test('history: malformed records name their line', () => {
  const good = encodeOperation(every[0]!);
  const cases: [string, RegExp][] = [
    ['{"kind":', /line 2: not JSON/],
    [JSON.stringify({ ...every[0], kind: 'scan' }), /line 2: unknown kind "scan"/],
    [JSON.stringify({ ...every[0], status: 'done' }), /line 2: bad status/],
    [JSON.stringify({ ...every[0], output: undefined }), /line 2: an 'ok' operation has an output/],
    [JSON.stringify({ ...every[1], completedAt: 5 }), /line 2: an 'unknown' operation has completedAt Infinity/],
    [JSON.stringify({ ...every[3], output: { value: 'a', revision: 3 } }), /line 2: get: output is not \{value, modRevision, revision\}/],
    [JSON.stringify({ ...every[0], input: { value: 'a', lease: 7 } }), /line 2: put: input.lease is not a decimal lease id/],
    [JSON.stringify({ ...every[8], output: { values: {}, revision: 6 } }), /line 2: txn: output.values lacks a read key/],
  ];
  for (const [line, message] of cases) {
    assert.throws(
      () => decodeHistory(`${good}\n${line}\n`),
      (err: unknown) => err instanceof HistoryError && err.code === 'MalformedRecord' && err.line === 2 && message.test(err.message),
      line,
    );
  }
});

test('history: one-line descriptions for reports', () => {
  assert.equal(describeOperation(every[0]!, 0), '#0 p' + every[0]!.process + ' put k="a" lease 7 -> ok rev 2 [0, 1]');
  assert.match(describeOperation(every[1]!), /put k="b" -> unknown \[2, inf\]$/);
  assert.match(describeOperation(every[8]!), /txn read \[k j\] write \[k="f"\] -> \[k=nil@0 j=nil@0\] rev 6/);
});
