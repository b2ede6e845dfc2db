import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inflights } from '../../storage/raft/core/inflights.js';
import { Progress, ProgressState } from '../../storage/raft/core/progress.js';

function progress(state: ProgressState, match: number, next: number, pendingSnapshot = 0): Progress {
  const pr = new Progress(next, 4, false);
  pr.match = match;
  pr.next = next;
  pr.state = state;
  pr.pendingSnapshot = pendingSnapshot;
  return pr;
}

test('maybeUpdate moves match and next forward only', () => {
  const table = [
    { match: 3, next: 5, update: 2, wantOk: false, wantMatch: 3, wantNext: 5 },
    { match: 3, next: 5, update: 3, wantOk: false, wantMatch: 3, wantNext: 5 },
    { match: 3, next: 5, update: 4, wantOk: true, wantMatch: 4, wantNext: 5 },
    { match: 3, next: 5, update: 8, wantOk: true, wantMatch: 8, wantNext: 9 },
  ];
  for (const t of table) {
    const pr = progress(ProgressState.Replicate, t.match, t.next);
    assert.equal(pr.maybeUpdate(t.update), t.wantOk, JSON.stringify(t));
    assert.equal(pr.match, t.wantMatch);
    assert.equal(pr.next, t.wantNext);
  }
});

test('maybeDecrTo ignores stale rejections and backs off to the hint', () => {
  const table = [
    // Replicate: a rejection at or below match is stale; otherwise next = match + 1.
    { state: ProgressState.Replicate, match: 5, next: 10, rejected: 5, hint: 0, wantOk: false, wantNext: 10 },
    { state: ProgressState.Replicate, match: 5, next: 10, rejected: 4, hint: 0, wantOk: false, wantNext: 10 },
    { state: ProgressState.Replicate, match: 5, next: 10, rejected: 9, hint: 9, wantOk: true, wantNext: 6 },
    // Probe: only a rejection of the last probe (next - 1) counts.
    { state: ProgressState.Probe, match: 0, next: 10, rejected: 8, hint: 3, wantOk: false, wantNext: 10 },
    { state: ProgressState.Probe, match: 0, next: 10, rejected: 9, hint: 3, wantOk: true, wantNext: 4 },
    { state: ProgressState.Probe, match: 0, next: 10, rejected: 9, hint: 20, wantOk: true, wantNext: 9 },
    { state: ProgressState.Probe, match: 0, next: 1, rejected: 0, hint: 0, wantOk: true, wantNext: 1 },
    // Never below match + 1.
    { state: ProgressState.Probe, match: 4, next: 10, rejected: 9, hint: 1, wantOk: true, wantNext: 5 },
  ];
  for (const t of table) {
    const pr = progress(t.state, t.match, t.next);
    pr.probeSent = true;
    assert.equal(pr.maybeDecrTo(t.rejected, t.hint), t.wantOk, JSON.stringify(t));
    assert.equal(pr.next, t.wantNext, JSON.stringify(t));
    if (t.wantOk && t.state === ProgressState.Probe) assert.equal(pr.probeSent, false);
  }
});

test('isPaused per state', () => {
  const probe = progress(ProgressState.Probe, 0, 1);
  assert.equal(probe.isPaused(), false);
  probe.probeSent = true;
  assert.equal(probe.isPaused(), true);

  const replicate = progress(ProgressState.Replicate, 0, 1);
  for (let i = 1; i <= 4; i++) {
    assert.equal(replicate.isPaused(), false);
    replicate.inflights.add(i);
  }
  assert.equal(replicate.isPaused(), true, 'full window pauses');

  assert.equal(progress(ProgressState.Snapshot, 0, 1, 10).isPaused(), true);
});

test('leaving snapshot state probes after the snapshot', () => {
  const pr = progress(ProgressState.Snapshot, 1, 2, 10);
  pr.becomeProbe();
  assert.equal(pr.state, ProgressState.Probe);
  assert.equal(pr.next, 11);
  const failed = progress(ProgressState.Snapshot, 3, 4, 10);
  failed.pendingSnapshot = 0; // the snapshot was reported lost
  failed.becomeProbe();
  assert.equal(failed.next, 4);
});

test('inflights: add, free up to an index, free the first one', () => {
  const inf = new Inflights(3);
  inf.add(5);
  inf.add(7);
  inf.add(9);
  assert.equal(inf.full(), true);
  assert.throws(() => inf.add(10));
  inf.freeLE(6);
  assert.equal(inf.count, 2);
  inf.add(11); // wraps around the ring
  inf.freeLE(9);
  assert.equal(inf.count, 1);
  inf.freeFirstOne();
  assert.equal(inf.count, 0);
  inf.freeFirstOne();
  assert.equal(inf.count, 0);
  for (let i = 20; i < 23; i++) inf.add(i);
  inf.freeLE(100);
  assert.equal(inf.count, 0);
});
