// The lease checker: keys of an ended lease are gone at the end, keys of a lease kept alive
// are there, and an ended lease is neither renewed nor given keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FinalKv, FinalState, Operation } from './checkers/history.js';
import { leaseGrant, leaseKeepAlive, leaseRevoke, put } from './checkers/history-builder.js';
import { checkLeases, type LeaseCheckOptions } from './checkers/leases.js';

/** The final read at time t (ms). */
function finalAt(t: number, kvs: FinalKv[]): FinalState {
  return { revision: 100, invokedAt: t, completedAt: t + 5, kvs };
}

function leased(key: string, lease: string, modRevision = 2): FinalKv {
  return { key, value: 'v', modRevision, lease };
}

const options: LeaseCheckOptions = { slackMs: 1000 };

function kinds(history: Operation[], final: FinalState, opts: LeaseCheckOptions = options): string[] {
  return checkLeases(history, final, opts).violations.map((v) => v.kind);
}

// Lease 7, TTL 2 s, granted at 0; key k put with it at revision 2.
const granted = [leaseGrant('7', 2, [0, 10]), put('k', 'v', [20, 30], 2, { lease: '7' })];
/** Keep-alives every 500 ms from 500 until `until`. */
function keptAlive(until: number): Operation[] {
  const out: Operation[] = [];
  for (let t = 500; t <= until; t += 500) out.push(leaseKeepAlive('7', [t, t + 10], 2));
  return out;
}

test('leases: a lease kept alive to the end keeps its key', () => {
  const history = [...granted, ...keptAlive(10_000)];
  assert.deepEqual(kinds(history, finalAt(10_100, [leased('k', '7')])), []);
  assert.deepEqual(kinds(history, finalAt(10_100, [])), ['key-vanished']);
});

test('leases: a key of an expired lease that survived', () => {
  // Last keep-alive answered by 2010: the lease is gone by 2010 + 2000 + slack.
  const history = [...granted, ...keptAlive(2000)];
  assert.deepEqual(kinds(history, finalAt(6000, [leased('k', '7')])), ['key-survived-expiry']);
  assert.deepEqual(kinds(history, finalAt(6000, [])), []);
  // Read within TTL + slack of the last renewal: it may still be there, or not.
  assert.deepEqual(kinds(history, finalAt(4500, [leased('k', '7')])), []);
  assert.deepEqual(kinds(history, finalAt(4500, [])), []);
});

test('leases: a leader change may renew every lease that was still alive', () => {
  const history = [...granted, ...keptAlive(2000)];
  assert.deepEqual(kinds(history, finalAt(6000, [leased('k', '7')]), { ...options, refreshes: [4000] }), []);
  // Too late to renew a lease already expired.
  assert.deepEqual(kinds(history, finalAt(9000, [leased('k', '7')]), { ...options, refreshes: [6000] }), ['key-survived-expiry']);
});

test('leases: a keep-alive of unknown outcome may have renewed it', () => {
  const history = [...granted, ...keptAlive(2000), leaseKeepAlive('7', [3000])];
  assert.deepEqual(kinds(history, finalAt(6000, [leased('k', '7')]), { ...options, unknownDelayMs: 1000 }), []);
  assert.deepEqual(kinds(history, finalAt(9000, [leased('k', '7')]), { ...options, unknownDelayMs: 1000 }), ['key-survived-expiry']);
});

test('leases: a key of a revoked lease that survived', () => {
  const history = [...granted, ...keptAlive(10_000), leaseRevoke('7', [5000, 5010], 3)];
  const report = checkLeases(history, finalAt(10_100, [leased('k', '7')]), options);
  const got = report.violations.map((v) => v.kind);
  assert.deepEqual(got, [...Array<string>(10).fill('renewed-after-end'), 'key-survived-revoke']);
  assert.match(report.violations.at(-1)!.message, /lease 7: key k still exists at the end, but the lease was revoked/);
});

test('leases: a revoke of unknown outcome excuses a vanished key', () => {
  const history = [...granted, ...keptAlive(10_000), leaseRevoke('7', [5000])];
  assert.deepEqual(kinds(history, finalAt(10_100, [])), []);
});

test('leases: renewed or given keys after it ended', () => {
  // Renewed at 6000, long after it must have expired at 2010 + 2000 + 1000.
  assert.deepEqual(kinds([...granted, ...keptAlive(2000), leaseKeepAlive('7', [6000, 6010], 2)], finalAt(6100, [])), [
    'renewed-after-expiry',
  ]);
  // A keep-alive answered 0 says it is gone; a later put with it must fail.
  const gone = [...granted, leaseKeepAlive('7', [3000, 3010], 0), put('j', 'v', [4000, 4010], 5, { lease: '7' })];
  assert.deepEqual(kinds(gone, finalAt(5000, [])), ['attached-after-end']);
});
