// Runs simulator seeds in a process of its own and sends each result to its parent
// (sim.test.ts). The test runner tracks async context through every promise in the
// process it runs a test in, which makes the simulated drivers, whose every step is a
// chain of promises, about ten times slower; here nothing is tracked.
//
//   node --import tsx test/sim/seed-runner.ts '{"first":1,"count":100}'

import { configForSeed, runSimulation, type FaultMix } from './sim-cluster.js';

/** Which seeds to run, and how. */
export interface SeedJob {
  readonly first: number;
  readonly count: number;
  /** Pin every seed's fault mix. */
  readonly mix?: FaultMix;
  /** Disks report syncs done before they are (see SimOptions.lyingDisks). */
  readonly lyingDisks?: boolean;
  /** Stop after this many seeds failed. */
  readonly maxFailures?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as SeedJob;
let failures = 0;
for (let seed = job.first; seed < job.first + job.count; seed++) {
  const result = await runSimulation(configForSeed(seed, job.mix === undefined ? {} : { mix: job.mix }), { lyingDisks: job.lyingDisks ?? false });
  process.send?.(result);
  if (result.violations.length > 0 || result.livenessFailure !== undefined) failures++;
  if (job.maxFailures !== undefined && failures >= job.maxFailures) break;
}
