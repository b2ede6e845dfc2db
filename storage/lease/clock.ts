/** Time as the store sees it, injected so that tests control it. */
export interface Clock {
  /** Milliseconds since some fixed origin; never goes backwards. */
  now(): number;
}

/** The process's monotonic clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
};

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
