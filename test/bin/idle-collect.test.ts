// The idle collector gives back a grown young generation once the process goes quiet, and
// leaves a busy (or already small) one alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { initialState, observe, QUIET_BYTES_PER_SECOND, QUIET_MS, RETRY_MS, SHRINKABLE_YOUNG_BYTES, type HeapSample, type IdleState } from '../../bin/idle-collect.js';

const run = promisify(execFile);
const first: HeapSample = { atMs: 1_000, youngSize: 32 << 20, youngUsed: 4 << 20, collections: 7 };
/** Looks at a process allocating `perSecond` bytes, one a second from `state` on, until one collects (or `max` looks). */
function lookQuietly(state: IdleState, max: number, perSecond = 90_000): { state: IdleState; collectedAtMs: number | undefined } {
  for (let i = 0; i < max; i++) {
    const now: HeapSample = { ...state.last, atMs: state.last.atMs + 1_000, youngUsed: state.last.youngUsed + perSecond };
    const next = observe(state, now);
    state = next.state;
    if (next.collect) return { state, collectedAtMs: now.atMs };
  }
  return { state, collectedAtMs: undefined };
}

test('a grown young generation is collected after QUIET_MS of quiet, and again RETRY_MS later, not sooner', () => {
  const one = lookQuietly(initialState(first), 10);
  assert.equal(one.collectedAtMs, first.atMs + QUIET_MS);
  const two = lookQuietly(one.state, 10);
  assert.equal(two.collectedAtMs, first.atMs + QUIET_MS + Math.ceil(RETRY_MS / 1000) * 1000);
});

test('a collection by V8, or allocating at QUIET_BYTES_PER_SECOND or more, starts the quiet spell again', () => {
  const start = initialState(first);
  const collected = observe(start, { ...first, atMs: first.atMs + 1_000, collections: first.collections + 1 });
  assert.deepEqual(collected, { state: { ...start, last: { ...first, atMs: first.atMs + 1_000, collections: first.collections + 1 }, quietSinceMs: first.atMs + 1_000 }, collect: false });
  const allocating = lookQuietly(start, 20, QUIET_BYTES_PER_SECOND);
  assert.equal(allocating.collectedAtMs, undefined);
  assert.equal(allocating.state.quietSinceMs, allocating.state.last.atMs);
});

test('a young generation already near its minimum is left alone', () => {
  assert.equal(lookQuietly(initialState({ ...first, youngSize: SHRINKABLE_YOUNG_BYTES }), 60).collectedAtMs, undefined);
});

test('in a real process, the young generation grown by a burst shrinks after quiet spells, and without the collector it does not', async () => {
  const fixture = new URL('./fixtures/grow-young.ts', import.meta.url).pathname;
  // V8's own memory reducer, which runs after a full collection of V8's (the burst may hold
  // one, a server's start usually holds none), is off in both, so the control is not shrunk by it.
  type Report = { grown: number; after: number; forced: number; byV8: number };
  const child = (collect: boolean): Promise<Report> =>
    run(process.execPath, ['--no-memory-reducer', '--import', 'tsx', fixture], { env: { ...process.env, IDLE_COLLECT: collect ? '1' : '0' }, timeout: 60_000 }).then((r) => JSON.parse(r.stdout) as Report);
  const [without, withCollector] = await Promise.all([child(false), child(true)]);
  assert.ok(without.grown > 8 && withCollector.grown > 8, `the burst grew the young generation: ${JSON.stringify({ without, withCollector })}`);
  assert.equal(without.after, without.grown, `left alone, V8 keeps the grown young generation: ${JSON.stringify(without)}`);
  assert.ok(withCollector.after <= 2, `the collector shrank it to ${withCollector.after} MiB: ${JSON.stringify(withCollector)}`);
});
