// Randomness is injected so that a run is a pure function of its inputs and a seed.

/** A source of random integers. */
export interface RandomSource {
  /** Returns an integer in [0, n). `n` must be a positive integer below 2^32. */
  intn(n: number): number;
}

/**
 * A small deterministic generator (the splitmix32 mixing function over a Weyl sequence).
 * Good enough for timeouts and simulations; not for anything cryptographic.
 */
export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    // Fold the seed (possibly above 2^32) into 32 bits.
    this.state = (seed ^ Math.floor(seed / 0x100000000)) >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  next32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  intn(n: number): number {
    if (!(n > 0)) throw new RangeError(`intn needs a positive bound, got ${n}`);
    return this.next32() % n;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next32() / 0x100000000;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[this.intn(items.length)] as T;
  }
}
