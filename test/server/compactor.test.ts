import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../storage/lease/clock.js';
import { Compactor } from '../../storage/server/compactor.js';
import { parseAutoCompaction } from '../../storage/server/member-flags.js';

function fakeStore() {
  const s = { revision: 1, compactRevision: 0, compactions: [] as number[], compact: async (rev: number) => void (s.compactRevision = rev, s.compactions.push(rev)) };
  return s;
}

test('auto compaction, revision mode: every 5 minutes keep the last N revisions', async () => {
  const clock = new ManualClock();
  const store = fakeStore();
  const c = new Compactor(store, clock, { mode: 'revision', retention: 100 });
  store.revision = 150;
  assert.equal(await c.tick(), undefined, 'not yet time');
  clock.advance(5 * 60_000);
  assert.equal(await c.tick(), 50);
  store.revision = 160;
  clock.advance(60_000);
  assert.equal(await c.tick(), undefined, 'runs at most every 5 minutes');
  clock.advance(4 * 60_000);
  assert.equal(await c.tick(), 60);
  store.revision = 160;
  clock.advance(5 * 60_000);
  assert.equal(await c.tick(), undefined, 'nothing new to compact');
  assert.deepEqual(store.compactions, [50, 60]);
});

test('auto compaction, periodic mode: keep the history of the last retention period', async () => {
  const clock = new ManualClock();
  const store = fakeStore();
  const c = new Compactor(store, clock, { mode: 'periodic', retentionMs: 60 * 60_000 });
  assert.equal(c.interval, 6 * 60_000, 'samples every retention/10');
  // One write a minute for two hours; tick every minute.
  const compacted: Array<[number, number]> = [];
  for (let minute = 1; minute <= 120; minute++) {
    clock.advance(60_000);
    store.revision = 1 + minute;
    const rev = await c.tick();
    if (rev !== undefined) compacted.push([minute, rev]);
  }
  assert.ok(compacted.length > 0, 'it compacted');
  for (const [minute, rev] of compacted) {
    // Everything written in the last hour is kept: the compacted revision is at least an hour old...
    assert.ok(rev <= 1 + (minute - 60), `at minute ${minute} compacted to ${rev}, newer than an hour`);
    // ...and not much older than that (one sampling interval).
    assert.ok(rev >= 1 + (minute - 60 - 6), `at minute ${minute} compacted only to ${rev}`);
  }
});

test('auto compaction retention parsing, as etcd', () => {
  assert.deepEqual(parseAutoCompaction('periodic', '1'), { mode: 'periodic', retentionMs: 3_600_000 });
  assert.deepEqual(parseAutoCompaction('periodic', '30m'), { mode: 'periodic', retentionMs: 1_800_000 });
  assert.deepEqual(parseAutoCompaction('periodic', '1h30m'), { mode: 'periodic', retentionMs: 5_400_000 });
  assert.deepEqual(parseAutoCompaction('revision', '1000'), { mode: 'revision', retention: 1000 });
  assert.equal(parseAutoCompaction('periodic', '0'), undefined);
  assert.throws(() => parseAutoCompaction('periodic', '5 minutes'));
  assert.throws(() => parseAutoCompaction('revision', '1h'));
});
