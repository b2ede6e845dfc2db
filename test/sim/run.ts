// The simulator's command line.
//
//   npm run sim -- --seed S [--verbose]          replay one seed
//   npm run sim -- --seeds N [--first-seed S]    run seeds S, S+1, ..., S+N-1
//
// Optional: --size 3|5 and --mix NAME pin the cluster size or fault mix.
// Prints every failing seed with its replay command, then
// `seeds: N, violations: V, liveness failures: L, steps: K`, and exits 1 if V + L > 0.

import { FAULT_MIXES, addStats, configForSeed, describeFailure, emptyStats, runSimulation, type FaultMix } from './sim-cluster.js';

class UsageError extends Error {}

interface Args {
  seed?: number;
  seeds?: number;
  firstSeed: number;
  verbose: boolean;
  size?: number;
  mix?: FaultMix;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { firstSeed: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = Number(value());
      if (!Number.isSafeInteger(v) || v < 0) throw new UsageError(`${flag} needs a non-negative integer`);
      return v;
    };
    switch (flag) {
      case '--seed':
        args.seed = int();
        break;
      case '--seeds':
        args.seeds = int();
        break;
      case '--first-seed':
        args.firstSeed = int();
        break;
      case '--verbose':
        args.verbose = true;
        break;
      case '--size':
        args.size = int();
        break;
      case '--mix': {
        const mix = value();
        if (!(FAULT_MIXES as readonly string[]).includes(mix)) throw new UsageError(`--mix must be one of ${FAULT_MIXES.join(', ')}`);
        args.mix = mix as FaultMix;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const overrides = { size: args.size, mix: args.mix };
  if (args.seed !== undefined && args.seeds === undefined) {
    const config = configForSeed(args.seed, overrides);
    const result = await runSimulation(config, { verbose: args.verbose });
    const failure = describeFailure(result);
    console.error(`stats: ${JSON.stringify(result.stats)}`);
    console.log(failure ?? `seed ${args.seed} (size ${config.size}, mix ${config.mix}): ok, ${result.steps} steps, ${result.acknowledged} acknowledged proposals, recovered ${result.recoveryTicks} ticks after healing`);
    console.log(`seeds: 1, violations: ${result.violations.length > 0 ? 1 : 0}, liveness failures: ${result.livenessFailure !== undefined ? 1 : 0}, steps: ${result.steps}`);
    return failure === undefined ? 0 : 1;
  }
  const n = args.seeds ?? 100;
  const first = args.seed ?? args.firstSeed;
  let violations = 0;
  let liveness = 0;
  let steps = 0;
  const started = performance.now();
  const stats = emptyStats();
  for (let seed = first; seed < first + n; seed++) {
    const result = await runSimulation(configForSeed(seed, overrides));
    steps += result.steps;
    addStats(stats, result.stats);
    if (result.violations.length > 0) violations++;
    else if (result.livenessFailure !== undefined) liveness++;
    const failure = describeFailure(result);
    if (failure !== undefined) console.log(failure);
  }
  const seconds = (performance.now() - started) / 1000;
  console.error(`ran ${n} seeds from ${first} in ${seconds.toFixed(1)} s; totals: ${JSON.stringify(stats)}`);
  console.log(`seeds: ${n}, violations: ${violations}, liveness failures: ${liveness}, steps: ${steps}`);
  return violations + liveness > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\nusage: npm run sim -- --seed S [--verbose] | --seeds N [--first-seed S]  [--size 3|5] [--mix ${FAULT_MIXES.join('|')}]`);
  process.exitCode = 2;
}
