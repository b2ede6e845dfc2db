// The simulator across many seeds, both cluster sizes and every fault mix. Any safety
// violation or liveness failure fails the test and names the seed to replay. The seeds run
// in a child process (seed-runner.ts), where promises are not slowed by the test runner.

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SeedJob } from './seed-runner.js';
import { FAULT_MIXES, FaultMix, addStats, configForSeed, describeFailure, emptyStats, type SimResult } from './sim-cluster.js';

/** How many seeds CI runs (SIM_SEEDS overrides, for a quick local run or a longer soak). */
const CI_SEEDS = Number(process.env['SIM_SEEDS'] ?? 5000);

/** Runs the job's seeds in a child process and collects their results. */
function runSeeds(job: SeedJob): Promise<SimResult[]> {
  return new Promise((resolve, reject) => {
    const results: SimResult[] = [];
    const child = fork(fileURLToPath(new URL('./seed-runner.ts', import.meta.url)), [JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
    });
    child.on('message', (result) => results.push(result as SimResult));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(results) : reject(new Error(`the seed runner exited with ${code}`))));
  });
}

test(`simulator: ${CI_SEEDS} seeds, 3 and 5 members, every fault mix, no violations`, async () => {
  const results = await runSeeds({ first: 1, count: CI_SEEDS });
  assert.equal(results.length, CI_SEEDS);
  const failures: string[] = [];
  const stats = emptyStats();
  const sizes = new Set<number>();
  const mixes = new Set<string>();
  let steps = 0;
  let recoveryMax = 0;
  for (const result of results) {
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
  const [a] = await runSeeds({ first: 4242, count: 1 });
  const [b] = await runSeeds({ first: 4242, count: 1 });
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(a.steps, b.steps);
  assert.equal(a.acknowledged, b.acknowledged);
  assert.deepEqual(a.stats, b.stats);
  assert.deepEqual(a.violations, b.violations);
});

test('simulator: disks that report syncs done before they are are caught', async () => {
  // The driver then sends acknowledgements and votes, and applies, before their writes are
  // durable, as a Ready loop that did not wait for its sync would; a crash then takes back
  // what it promised. The simulator must notice within a few seeds that crash members.
  const results = await runSeeds({ first: 1, count: 100, mix: FaultMix.Crashes, lyingDisks: true, maxFailures: 3 });
  const caught = results.map(describeFailure).filter((f) => f !== undefined);
  console.log(caught.join('\n'));
  assert.equal(caught.length, 3);
});
