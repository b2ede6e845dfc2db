/**
 * How far V8 lets the API server's heap grow past what the last full collection left
 * alive. By default V8 sets the next collection's limit up to 4x the live size (2x or more
 * on a busy server), and memory it took is kept: with 20,000 ConfigMaps in the watch cache,
 * 93 MiB were alive and 229 MiB in use, 10 s after the last write. A 1.3x limit ran the
 * same fill at the same CPU per create (0.99 against 1.00 ms) with RSS at 234 MiB instead
 * of 365 (docs/bench-api.md has the runs).
 *
 * A --heap-growing-percent given to node itself is left as it is.
 */
import { setFlagsFromString } from 'node:v8';

/** The growth allowed past the live heap, in percent. */
export const HEAP_GROWING_PERCENT = 30;

export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
