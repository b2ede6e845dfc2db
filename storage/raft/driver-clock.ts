// The Raft driver's time and its ways of running code later. A store member uses the
// event loop's (systemClock); the simulator (test/sim) passes its own, so that a whole
// cluster of drivers runs on one simulated clock, deterministically.

/** Time, timers and deferred work for the driver. */
export interface DriverClock {
  /** Milliseconds from an arbitrary origin; only differences mean anything. */
  now(): number;
  /** Calls fn every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls fn once, `ms` milliseconds from now. */
  after(ms: number, fn: () => void): void;
  /** Calls fn once the current turn is over and pending I/O has had its turn (setImmediate). */
  soon(fn: () => void): void;
}

/** The event loop's clock: performance.now, setInterval, setTimeout and setImmediate. */
export const systemClock: DriverClock = {
  now: () => performance.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
  after: (ms, fn) => {
    setTimeout(fn, ms);
  },
  soon: (fn) => {
    setImmediate(fn);
  },
};
