// The linearizability checker on hand-written histories (each a known anomaly, or a history
// that is linearizable only in some non-obvious way), then on random histories from a
// sequential store: always linearizable, and never once a stale read is planted.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { GetOp, Operation } from './checkers/history.js';
import { cas, casRev, del, get, put, txn } from './checkers/history-builder.js';
import { checkLinearizability, checkRevisions, type LinearizabilityOptions } from './checkers/linearizability.js';
import { simulate } from './checkers/simulate.js';

/** Asserts the outcome in both modes (with revisions, and values only) unless told otherwise. */
function expectOutcome(
  history: Operation[],
  want: 'linearizable' | 'not-linearizable',
  options: LinearizabilityOptions & { valuesOnly?: 'same' | 'skip' } = {},
): void {
  const report = checkLinearizability(history, options);
  assert.equal(report.outcome, want, report.violations.map((v) => v.message).join('\n\n'));
  if (options.valuesOnly !== 'skip') {
    const byValue = checkLinearizability(history, { ...options, useRevisions: false });
    assert.equal(byValue.outcome, want, `values only:\n${byValue.violations.map((v) => v.message).join('\n\n')}`);
  }
}

describe('linearizability: hand-written histories', () => {
  test('sequential operations', () => {
    expectOutcome(
      [
        put('k', 'a', [0, 1], 2),
        get('k', [2, 3], 'a', 2, 2),
        cas('k', 'a', 'b', [4, 5], { succeeded: true, rev: 3 }),
        casRev('k', 3, 'c', [6, 7], { succeeded: true, rev: 4 }),
        casRev('k', 3, 'd', [8, 9], { succeeded: false, rev: 4 }),
        del('k', [10, 11], { deleted: 1, rev: 5 }),
        del('k', [12, 13], { deleted: 0, rev: 5 }),
        get('k', [14, 15], null, 0, 5),
      ],
      'linearizable',
    );
  });

  test('a stale read after a completed write', () => {
    const history = [put('k', 'a', [0, 1], 2), put('k', 'b', [2, 3], 3), get('k', [4, 5], 'a', 2, 3)];
    expectOutcome(history, 'not-linearizable');
    const report = checkLinearizability(history);
    const kinds = report.violations.map((v) => v.kind).sort();
    assert.deepEqual(kinds, ['not-linearizable', 'stale-read']);
    const v = report.violations.find((x) => x.kind === 'not-linearizable');
    assert.ok(v !== undefined && v.kind === 'not-linearizable');
    assert.deepEqual(v.keys, ['k']);
    assert.equal(v.blockedBy.index, 2);
    assert.deepEqual(
      v.prefix.map((r) => r.index),
      [0, 1],
    );
    assert.deepEqual(v.stateAfterPrefix, [{ key: 'k', exists: true, value: undefined, modRevision: 3 }]);
    assert.match(v.message, /keys \[k\] are not linearizable/);
  });

  test('a stale read that also reports an old header revision breaks revision order', () => {
    const history = [put('k', 'a', [0, 1], 2), put('k', 'b', [2, 3], 3), get('k', [4, 5], 'a', 2, 2)];
    const kinds = checkLinearizability(history).violations.map((v) => v.kind);
    assert.ok(kinds.includes('revision-order'), kinds.join());
    assert.ok(kinds.includes('not-linearizable'), kinds.join());
  });

  test('a lost write: a read after an acknowledged put finds nothing', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), get('k', [2, 3], null, 0, 2)], 'not-linearizable');
  });

  test('a read of a value never written', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), get('k', [2, 3], 'zzz', 2, 2)], 'not-linearizable');
  });

  test('a read of a value only a failed put wrote', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), put('k', 'b', [2, 3]), get('k', [4, 5], 'b', 3, 3)], 'not-linearizable');
  });

  test('a read of a value before its write was invoked', () => {
    expectOutcome([get('k', [0, 1], 'a', 2, 2), put('k', 'a', [2, 3], 2)], 'not-linearizable');
    expectOutcome([get('k', [0, 1], 'a', 2, 2), put('k', 'a', [2])], 'not-linearizable');
  });

  test('overlapping operations linearizable only in an order unlike their invocations', () => {
    // a is invoked first but must take effect last: b, then the read of b, then a.
    expectOutcome(
      [
        put('k', 'a', [0, 10], 6),
        put('k', 'b', [1, 11], 5),
        get('k', [2, 3], 'b', 5, 5),
        get('k', [4, 5], 'a', 6, 6),
        get('k', [12, 13], 'a', 6, 6),
      ],
      'linearizable',
    );
    // Same, but a read after both puts completed sees b again: no order works.
    expectOutcome(
      [
        put('k', 'a', [0, 10], 6),
        put('k', 'b', [1, 11], 5),
        get('k', [2, 3], 'b', 5, 5),
        get('k', [4, 5], 'a', 6, 6),
        get('k', [12, 13], 'b', 5, 6),
      ],
      'not-linearizable',
    );
  });

  test('reads overlapping a write may see either side, but not go back', () => {
    const w = put('k', 'b', [10, 20], 3);
    const before = put('k', 'a', [0, 1], 2);
    expectOutcome([before, w, get('k', [11, 12], 'b', 3, 3), get('k', [13, 14], 'a', 2, 2)], 'not-linearizable');
    expectOutcome([before, w, get('k', [11, 12], 'a', 2, 2), get('k', [13, 14], 'b', 3, 3)], 'linearizable');
  });

  test('an unknown put that must be taken as applied', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), put('k', 'b', [2]), get('k', [5, 6], 'b', 3, 3)], 'linearizable');
  });

  test('an unknown put that must be taken as not applied (yet)', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), put('k', 'b', [2]), get('k', [5, 6], 'a', 2, 2)], 'linearizable');
    // ...and then applied late, after that read.
    expectOutcome(
      [put('k', 'a', [0, 1], 2), put('k', 'b', [2]), get('k', [5, 6], 'a', 2, 2), get('k', [9, 10], 'b', 3, 3)],
      'linearizable',
    );
  });

  test('an unknown delete explains a read of nothing; without it there is none', () => {
    const history = [put('k', 'a', [0, 1], 2), del('k', [2]), get('k', [5, 6], null, 0, 3)];
    expectOutcome(history, 'linearizable');
    expectOutcome([history[0]!, history[2]!], 'not-linearizable');
  });

  test('an unknown write of a value nobody read explains a failed cas and a delete', () => {
    expectOutcome(
      [
        put('k', 'a', [0, 1], 2),
        put('k', 'never-read', [2]),
        cas('k', 'a', 'c', [5, 6], { succeeded: false, rev: 3 }),
        del('k', [7, 8], { deleted: 1, rev: 4 }),
      ],
      'linearizable',
    );
    expectOutcome(
      [put('k', 'a', [0, 1], 2), put('k', 'never-read', [2, 3]), cas('k', 'a', 'c', [5, 6], { succeeded: false, rev: 2 })],
      'not-linearizable',
    );
  });

  test('an unknown cas proven by a later read, and one that cannot have applied', () => {
    expectOutcome(
      [put('k', 'a', [0, 1], 2), cas('k', 'a', 'b', [2]), get('k', [5, 6], 'b', 3, 3)],
      'linearizable',
    );
    expectOutcome(
      [put('k', 'a', [0, 1], 2), cas('k', 'x', 'b', [2]), get('k', [5, 6], 'b', 3, 3)],
      'not-linearizable',
    );
  });

  test('cas anomalies: success on another value, failure on the expected one', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), cas('k', 'z', 'b', [2, 3], { succeeded: true, rev: 3 })], 'not-linearizable');
    expectOutcome([put('k', 'a', [0, 1], 2), cas('k', 'a', 'b', [2, 3], { succeeded: false, rev: 2 })], 'not-linearizable');
  });

  test('casRev anomalies: two updates from the same revision both succeed (a lost update)', () => {
    expectOutcome(
      [
        put('k', 'a', [0, 1], 2),
        casRev('k', 2, 'x', [2, 5], { succeeded: true, rev: 3 }),
        casRev('k', 2, 'y', [2, 5], { succeeded: true, rev: 4 }),
      ],
      'not-linearizable',
      { valuesOnly: 'skip' },
    );
    // One of them failing is fine, whichever went first.
    expectOutcome(
      [
        put('k', 'a', [0, 1], 2),
        casRev('k', 2, 'x', [2, 5], { succeeded: false, rev: 3 }),
        casRev('k', 2, 'y', [2, 5], { succeeded: true, rev: 3 }),
      ],
      'linearizable',
    );
  });

  test('casRev anomalies: create-only on an existing key, failure on the current revision', () => {
    expectOutcome([put('k', 'a', [0, 1], 2), casRev('k', 0, 'b', [2, 3], { succeeded: true, rev: 3 })], 'not-linearizable', {
      valuesOnly: 'skip',
    });
    expectOutcome([casRev('k', 0, 'b', [2, 3], { succeeded: true, rev: 3 }), get('k', [4, 5], 'b', 3, 3)], 'linearizable');
    expectOutcome([put('k', 'a', [0, 1], 2), casRev('k', 2, 'b', [2, 3], { succeeded: false, rev: 2 })], 'not-linearizable', {
      valuesOnly: 'skip',
    });
  });

  test('casRev on the revision of a write of unknown outcome', () => {
    // The unknown put took revision 3; the casRev that expects it succeeds.
    expectOutcome(
      [put('k', 'a', [0, 1], 2), put('k', 'b', [2]), get('k', [4, 5], 'b', 3, 3), casRev('k', 3, 'c', [6, 7], { succeeded: true, rev: 4 })],
      'linearizable',
    );
    // Expecting the revision of the acknowledged put fails once the unknown one applied.
    expectOutcome(
      [put('k', 'a', [0, 1], 2), put('k', 'b', [2]), casRev('k', 2, 'c', [6, 7], { succeeded: false, rev: 3 })],
      'linearizable',
    );
  });

  test('txns are atomic: a torn read of two keys written together', () => {
    const write = txn([], { a: '1', b: '1' }, [0, 1], { values: {}, rev: 2 });
    expectOutcome([write, get('a', [2, 3], '1', 2, 2), get('b', [4, 5], null, 0, 2)], 'not-linearizable');
    expectOutcome(
      [
        write,
        txn(['a', 'b'], { a: '2' }, [2, 3], { values: { a: { value: '1', modRevision: 2 }, b: { value: '1', modRevision: 2 } }, rev: 3 }),
        get('a', [4, 5], '2', 3, 3),
        get('b', [4, 5], '1', 2, 3),
      ],
      'linearizable',
    );
  });

  test('a txn snapshot from before a concurrent write to one of its keys', () => {
    const history = [
      put('a', 'a1', [0, 1], 2),
      put('b', 'b1', [0, 1], 3),
      put('a', 'a2', [2, 10], 4),
      txn(['a', 'b'], {}, [3, 9], { values: { a: { value: 'a1', modRevision: 2 }, b: { value: 'b1', modRevision: 3 } }, rev: 3 }),
    ];
    expectOutcome(history, 'linearizable');
    // The same snapshot taken after the write completed is stale.
    expectOutcome(
      [...history.slice(0, 3), txn(['a', 'b'], {}, [11, 12], { values: { a: { value: 'a1', modRevision: 2 }, b: { value: 'b1', modRevision: 3 } }, rev: 4 })],
      'not-linearizable',
    );
  });

  test('an unknown txn that a read proves applied applied to all its keys', () => {
    const write = txn([], { a: '1', b: '1' }, [0]);
    expectOutcome([write, get('a', [2, 3], '1', 5, 5), get('b', [4, 5], '1', 5, 5)], 'linearizable');
    expectOutcome([write, get('a', [2, 3], '1', 5, 5), get('b', [4, 5], null, 0, 5)], 'not-linearizable');
  });

  test('keys that existed before the history', () => {
    const history = [get('k', [0, 1], 'old', 3, 9), put('k', 'new', [2, 3], 10), get('k', [4, 5], 'new', 10, 10)];
    expectOutcome(history, 'not-linearizable');
    expectOutcome(history, 'linearizable', { initial: { k: { value: 'old', modRevision: 3 } }, initialRevision: 9 });
  });

  test('a leased key may vanish at any time after its put', () => {
    expectOutcome([put('k', 'a', [0, 1], 2, { lease: '7' }), get('k', [5, 6], null, 0, 3)], 'linearizable');
    expectOutcome([put('k', 'a', [0, 1], 2), get('k', [5, 6], null, 0, 3)], 'not-linearizable');
  });

  test('two writes with one revision, and a write with a revision below one already seen', () => {
    const dup = checkRevisions([put('a', '1', [0, 1], 5), put('b', '1', [0, 1], 5)]);
    assert.deepEqual(
      dup.map((v) => v.kind),
      ['duplicate-revision'],
    );
    const order = checkRevisions([put('a', '1', [0, 1], 5), put('b', '1', [2, 3], 4)]);
    assert.deepEqual(
      order.map((v) => v.kind),
      ['revision-order'],
    );
    // Overlapping operations may report any order.
    assert.deepEqual(checkRevisions([put('a', '1', [0, 2], 5), put('b', '1', [1, 3], 4)]), []);
  });

  test('the search stops at its budget and says so', () => {
    const sim = simulate({ seed: 3, ops: 200, keys: ['k'], spread: 100, unknownRate: 0.1 });
    const report = checkLinearizability(sim.history, { useRevisions: false, maxSteps: 50 });
    assert.equal(report.outcome, 'unknown');
    assert.equal(report.undecided.length, 1);
    assert.equal(report.undecided[0]!.reason, 'step-budget');
  });
});

describe('linearizability: random histories of a sequential store', () => {
  const params = fc.record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    ops: fc.integer({ min: 1, max: 60 }),
    keyCount: fc.integer({ min: 1, max: 3 }),
    spread: fc.integer({ min: 1, max: 60 }),
    unknownRate: fc.constantFrom(0, 0.05, 0.2),
    txnRate: fc.constantFrom(0, 0.2),
    leaseRate: fc.constantFrom(0, 0.05),
  });
  const run = (p: { seed: number; ops: number; keyCount: number; spread: number; unknownRate: number; txnRate: number; leaseRate: number }) =>
    simulate({ ...p, keys: ['a', 'b', 'c'].slice(0, p.keyCount) });

  test('are linearizable (the checker is sound)', () => {
    fc.assert(
      fc.property(params, fc.boolean(), (p, useRevisions) => {
        const report = checkLinearizability(run(p).history, { useRevisions, maxSteps: 200_000 });
        assert.notEqual(report.outcome, 'not-linearizable', report.violations.map((v) => v.message).join('\n\n'));
        if (useRevisions) assert.equal(report.outcome, 'linearizable');
      }),
      { seed: 20240611, numRuns: 150 },
    );
  });

  test('are not once a read returns a value an acknowledged write had replaced before it began', () => {
    fc.assert(
      fc.property(params, fc.boolean(), fc.nat(), (p, useRevisions, pick) => {
        const sim = run(p);
        // Without revisions only a value replaced in real-time order is surely stale.
        const reads = [...sim.staleCandidates]
          .map(([i, values]) => [i, values.filter((v) => useRevisions || v.byValue)] as const)
          .filter(([, values]) => values.length > 0);
        fc.pre(reads.length > 0);
        const [i, values] = reads[pick % reads.length]!;
        const stale = values[pick % values.length]!;
        const read = sim.history[i] as GetOp;
        const history = sim.history.slice();
        history[i] = { ...read, output: { ...read.output!, value: stale.value, modRevision: stale.modRevision } };
        const report = checkLinearizability(history, { useRevisions, maxSteps: 200_000 });
        assert.equal(report.outcome, 'not-linearizable');
      }),
      { seed: 20240612, numRuns: 150 },
    );
  });

  test('thousands of operations on one key check quickly', () => {
    const sim = simulate({ seed: 11, ops: 4000, keys: ['k'], spread: 60, unknownRate: 0.1, leaseRate: 0.01 });
    const started = performance.now();
    const report = checkLinearizability(sim.history);
    assert.equal(report.outcome, 'linearizable');
    assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
  });
});
