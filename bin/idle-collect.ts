/**
 * Giving back the young generation once the process goes quiet.
 *
 * V8 sizes its young generation to the allocation rate (on Node 20 up to two 16 MiB
 * semi-spaces). It shrinks it only at a full collection, and only when the allocation rate it
 * measured over its last 5 s is low, a rate that counts the old generation's growth since the
 * last full collection (for a server just started, everything it loaded). A server that has
 * just started, or just finished a burst of requests, allocates almost nothing (the embedded
 * store's ticks: about 90 KiB a second), so it runs no collection for minutes and the 32 MiB
 * its start took stay resident.
 *
 * So the collector waits until the process has been quiet (no collection by V8, less than
 * QUIET_BYTES_PER_SECOND allocated) for QUIET_MS, then runs a full collection while the young
 * generation is above its minimum, at most once per RETRY_MS: the first after a busy stretch
 * restarts V8's count, the next (5.5 s later) finds the rate low and shrinks. The young
 * generation grows again under load, and the next quiet spell gives it back again. Measured on
 * `kite apiserver` after start: 81-87 MiB anonymous RSS with the young generation at 32 MiB
 * (2.5-8.5 in use); after the shrinking collection (8-12 ms), 52-58 MiB, about 10 s after start.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the process is looked at. */
export const IDLE_CHECK_MS = 1_000;
/** How long the process must have been quiet before it is collected. */
export const QUIET_MS = 1_000;
/** The least time between two collections of the collector's: longer than V8's 5 s rate window. */
export const RETRY_MS = 5_500;
/** The allocation rate below which the process is quiet (V8 itself calls below about 1 MB/s low). */
export const QUIET_BYTES_PER_SECOND = 256 << 10;
/** Young-generation size (both semi-spaces) above which a quiet process is collected. */
export const SHRINKABLE_YOUNG_BYTES = 4 << 20;

/** What one look sees: the young generation's size and use, and how many collections V8 ran by itself. */
export interface HeapSample {
  readonly atMs: number;
  readonly youngSize: number;
  readonly youngUsed: number;
  readonly collections: number;
}

/** What the collector remembers between looks. */
export interface IdleState {
  /** The last look. */
  readonly last: HeapSample;
  /** When the current quiet spell started. */
  readonly quietSinceMs: number;
  /** When the collector last collected (-Infinity: never). */
  readonly collectedAtMs: number;
}

export const initialState = (first: HeapSample): IdleState => ({ last: first, quietSinceMs: first.atMs, collectedAtMs: -Infinity });

/** One look: the state to keep, and whether to collect now. */
export function observe(state: IdleState, now: HeapSample): { state: IdleState; collect: boolean } {
  const seconds = Math.max((now.atMs - state.last.atMs) / 1000, 0.001);
  const busy = now.collections !== state.last.collections || now.youngUsed - state.last.youngUsed >= QUIET_BYTES_PER_SECOND * seconds;
  if (busy) return { state: { ...state, last: now, quietSinceMs: now.atMs }, collect: false };
  const collect = now.atMs - state.quietSinceMs >= QUIET_MS && now.atMs - state.collectedAtMs >= RETRY_MS && now.youngSize > SHRINKABLE_YOUNG_BYTES;
  return { state: { ...state, last: now, collectedAtMs: collect ? now.atMs : state.collectedAtMs }, collect };
}

type Collect = () => void;

/** A full collection: node's `gc` when it was started with --expose-gc, otherwise V8's, exposed for this. */
function fullCollection(): Collect {
  const exposed = (globalThis as { gc?: (options?: object) => void }).gc;
  if (exposed !== undefined) return () => exposed({ type: 'major', execution: 'sync' });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: object) => void;
  return () => gc({ type: 'major', execution: 'sync' });
}

/** Starts looking (the timer does not keep the process alive). Returns a function that stops it. */
export function collectWhenIdle(): () => void {
  const collect = fullCollection();
  // Collections V8 ran by itself; the collector's own (and any other forced one) are left out.
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const flags = (entry as { detail?: { flags?: number } }).detail?.flags ?? 0;
      if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) === 0) collections++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const sample = (): HeapSample => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    return { atMs: performance.now(), youngSize: young?.space_size ?? 0, youngUsed: young?.space_used_size ?? 0, collections };
  };
  let state = initialState(sample());
  const timer = setInterval(() => {
    const next = observe(state, sample());
    state = next.state;
    if (next.collect) {
      collect();
      // The young generation is (nearly) empty now: the next look's allocation counts from here.
      state = { ...state, last: sample() };
    }
  }, IDLE_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
