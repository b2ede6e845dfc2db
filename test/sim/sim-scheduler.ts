// Simulated time for a cluster of real drivers: one event queue for timers, deliveries and
// disk syncs, the deferred work the drivers ask for (their setImmediate), and settle(),
// which lets the drivers' promise chains run to a standstill after each event.
//
// The drivers are async (RaftNode awaits its disk and its application), so a step is not
// over when the event's handler returns: the continuations run as microtasks. settle()
// yields to the microtask queue until a run of QUIET_HOPS yields in which no driver called
// into the simulation (every such call bumps `activity`), then runs the deferred work, and
// repeats until there is none. Nothing else runs meanwhile (no real I/O, no real timers),
// so a run is a function of its seed. Between two calls into the simulation RaftNode passes
// at most two awaits (over the first 100 seeds no call came after more than one quiet
// yield), so QUIET_HOPS leaves a wide margin; and were a continuation ever left over, it
// would run at the start of the next step, still in the same order on every replay.

import type { DriverClock } from '../../storage/raft/driver-clock.js';
import { EventQueue } from './event-queue.js';

/** Yields in a row without a call from a driver after which the drivers are taken to be idle. */
const QUIET_HOPS = 6;
/** Yields in one step after which the drivers are taken never to settle. */
const MAX_HOPS = 1_000_000;

export class SimScheduler {
  /** Simulated time, in the simulator's units (a tick is 10). */
  now = 0;
  /** Bumped on every call from a driver into the simulation. */
  activity = 0;
  private readonly queue = new EventQueue<() => void>();
  private deferred: (() => void)[] = [];

  /** Runs fn at simulated time `at`. */
  at(at: number, fn: () => void): void {
    this.queue.push(at, fn);
  }

  /** Runs fn `delay` units from now. */
  after(delay: number, fn: () => void): void {
    this.queue.push(this.now + delay, fn);
  }

  /** The time of the next event, or Infinity. */
  peekTime(): number {
    return this.queue.peekTime();
  }

  /** Advances the clock to the next event and runs it; false if there is none. */
  runNext(): boolean {
    const event = this.queue.pop();
    if (event === undefined) return false;
    this.now = event.at;
    event.item();
    return true;
  }

  /**
   * A driver's clock. Its timers and deferred work do nothing once `isLive` turns false
   * (the member crashed), and a timer callback that throws is passed to onError, as an
   * uncaught exception would stop a store member.
   */
  clock(isLive: () => boolean, onError: (err: unknown) => void): DriverClock {
    const guarded = (fn: () => void) => () => {
      if (!isLive()) return;
      try {
        fn();
      } catch (err) {
        onError(err);
      }
    };
    return {
      now: () => {
        this.activity++;
        return this.now;
      },
      every: (ms, fn) => {
        let isOn = true;
        const fire = guarded(() => {
          if (!isOn) return;
          this.after(ms, fire);
          fn();
        });
        this.after(ms, fire);
        return () => {
          isOn = false;
        };
      },
      after: (ms, fn) => this.after(ms, guarded(fn)),
      soon: (fn) => {
        this.activity++;
        this.deferred.push(guarded(fn));
      },
    };
  }

  /** Lets the drivers run until they are idle; false if they never are (a livelock). */
  async settle(): Promise<boolean> {
    let quiet = 0;
    for (let hops = 0; hops < MAX_HOPS; hops++) {
      const seen = this.activity;
      await Promise.resolve();
      if (this.activity !== seen) {
        quiet = 0;
        continue;
      }
      if (++quiet < QUIET_HOPS) continue;
      if (this.deferred.length === 0) return true;
      quiet = 0;
      for (const fn of this.deferred.splice(0)) fn();
    }
    return false;
  }
}
