// The leader's window of append messages sent to one follower and not yet acknowledged.

/** A bounded FIFO of the last index carried by each in-flight append. */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  /** How many appends are in flight. */
  count = 0;

  constructor(readonly capacity: number) {
    this.buffer = new Array<number>(capacity).fill(0);
  }

  /** Records an append whose last entry is `lastIndex`. Indexes must increase. */
  add(lastIndex: number): void {
    if (this.full()) throw new RangeError('inflights: add to a full window');
    this.buffer[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Frees every append whose last index is at or below `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.buffer[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Frees the oldest in-flight append (used when a heartbeat shows the follower is alive). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
