// The simulator across many seeds, both cluster sizes and every fault mix. Any safety
// violation or liveness failure fails the test and names the seed to replay.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_MIXES, addStats, configForSeed, describeFailure, emptyStats, runSimulation } from './sim-cluster.js';

/** How many seeds CI runs (SIM_SEEDS overrides, for a quick local run or a longer soak). */
const CI_SEEDS = Number(process.env['SIM_SEEDS'] ?? 5000);

test(`simulator: ${CI_SEEDS} seeds, 3 and 5 members, every fault mix, no violations`, async () => {
  const failures: string[] = [];
  const stats = emptyStats();
  const sizes = new Set<number>();
  const mixes = new Set<string>();
  let steps = 0;
  let recoveryMax = 0;
  for (let seed = 1; seed <= CI_SEEDS; seed++) {
    const result = await runSimulation(configForSeed(seed));
    sizes.add(result.config.size);
    mixes.add(result.config.mix);
    steps += result.steps;
    addStats(stats, result.stats);
    recoveryMax = Math.max(recoveryMax, result.recoveryTicks ?? 0);
    const failure = describeFailure(result);
    if (failure !== undefined) failures.push(failure);
  }
  console.log(`seeds: ${CI_SEEDS}, failures: ${failures.length}, steps: ${steps}, slowest recovery: ${recoveryMax} ticks`);
  console.log(`exercised: ${JSON.stringify(stats)}`);
  assert.deepEqual(failures, []);
  if (CI_SEEDS >= 100) {
    assert.deepEqual([...sizes].sort(), [3, 5]);
    assert.deepEqual([...mixes].sort(), [...FAULT_MIXES].sort());
    // The faults must actually bite: many elections, crashes, snapshots and membership changes.
    assert.ok(stats.leaderTerms > 2 * CI_SEEDS, `leader terms ${stats.leaderTerms}`);
    assert.ok(stats.crashes > CI_SEEDS, `crashes ${stats.crashes}`);
    assert.ok(stats.lostWrites > 0, 'some crashes lost unsynced writes');
    assert.ok(stats.appendsAheadOfDisk > 0, 'leaders sent appends before writing them');
    assert.ok(stats.snapshotsInstalled > CI_SEEDS / 2, `snapshots ${stats.snapshotsInstalled}`);
    const bootstrapEntries = [...Array(CI_SEEDS).keys()].reduce((n, i) => n + configForSeed(i + 1).size, 0);
    const membershipChanges = stats.confChangesApplied - bootstrapEntries;
    assert.ok(membershipChanges > CI_SEEDS / 5, `membership changes ${membershipChanges}`);
    assert.ok(stats.leaderTransfers > 0 && stats.readsChecked > 0);
  }
});

test('simulator: a seed replays exactly', async () => {
  const a = await runSimulation(configForSeed(4242));
  const b = await runSimulation(configForSeed(4242));
  assert.equal(a.steps, b.steps);
  assert.equal(a.acknowledged, b.acknowledged);
  assert.deepEqual(a.stats, b.stats);
  assert.deepEqual(a.violations, b.violations);
});
