import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../storage/lease/clock.js';
import { Lessor, MAX_LEASE_TTL } from '../../storage/lease/lessor.js';
import { isStorageError } from '../../storage/errors.js';

test('lessor: TTLs are raised to the minimum and capped at etcd maximum', () => {
  const l = new Lessor(new ManualClock(), 2);
  assert.equal(l.checkGrant(1n, 1), 2);
  assert.equal(l.checkGrant(1n, 30), 30);
  assert.throws(() => l.checkGrant(1n, MAX_LEASE_TTL + 1), (e) => isStorageError(e, 'LeaseTtlTooLarge'));
  l.grant(1n, 5);
  assert.throws(() => l.checkGrant(1n, 5), (e) => isStorageError(e, 'LeaseExists'));
});

test('lessor: expiry, renewal and time to live under a fake clock', () => {
  const clock = new ManualClock(1000);
  const l = new Lessor(clock, 2);
  l.grant(1n, 10);
  l.grant(2n, 3);
  const steps: Array<[number, string, bigint[], number, number]> = [
    // [advance ms, what, expired, ttl of 1, ttl of 2]
    [0, 'just granted', [], 10, 3],
    [999, 'less than a second on', [], 9, 2],
    [2001, 'lease 2 is due', [2n], 7, 0],
  ];
  for (const [ms, what, expired, ttl1, ttl2] of steps) {
    clock.advance(ms);
    assert.deepEqual(l.expired(), expired, what);
    assert.equal(l.timeToLive(1n, false).ttl, ttl1, `${what}: ttl of 1`);
    assert.equal(l.timeToLive(2n, false).ttl, ttl2, `${what}: ttl of 2`);
  }
  assert.throws(() => l.renew(2n), (e) => isStorageError(e, 'LeaseNotFound'), 'an expired lease cannot be renewed');
  assert.equal(l.renew(1n), 10);
  clock.advance(9_500);
  assert.deepEqual(l.expired(), [2n], 'renewal moved lease 1 out by a full TTL');
  clock.advance(600);
  assert.deepEqual(l.expired(), [2n, 1n], 'soonest first');
  assert.equal(l.timeToLive(9n, false).ttl, -1, 'unknown lease');
});

test('lessor: keys move between leases and leave with revoke', () => {
  const l = new Lessor(new ManualClock(), 2);
  l.grant(1n, 10);
  l.grant(2n, 10);
  l.attach('a', 1n);
  l.attach('b', 1n);
  l.attach('a', 2n); // re-put with another lease
  l.attach('c', 9n); // unknown lease: not attached
  assert.deepEqual(l.timeToLive(1n, true).keys.map(String), ['b']);
  assert.deepEqual(l.timeToLive(2n, true).keys.map(String), ['a']);
  l.detach('b');
  assert.deepEqual(l.revoke(1n), []);
  assert.deepEqual(l.revoke(2n), ['a']);
  assert.throws(() => l.revoke(2n), (e) => isStorageError(e, 'LeaseNotFound'));
  l.grant(3n, 10);
  l.attach('a', 3n);
  assert.deepEqual(l.revoke(3n), ['a'], 'a key revoked with one lease can be attached to another');
});
