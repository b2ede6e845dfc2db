// The simulated network: per-message loss, duplication and random delay (so reordering),
// and directed link cuts for partitions of every shape.

import type { Message, NodeId } from '../../storage/raft/core/messages.js';
import type { SeededRandom } from '../../storage/raft/core/random.js';

export interface LinkFaults {
  /** Probability that a message is dropped. */
  readonly loss: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate: number;
  /** Delay bounds, in simulator time units (a tick is 10). */
  readonly minDelay: number;
  readonly maxDelay: number;
}

export const CALM_LINKS: LinkFaults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 5 };

export class SimNetwork {
  faults: LinkFaults = CALM_LINKS;
  private readonly blocked = new Set<string>();
  sent = 0;
  dropped = 0;

  constructor(
    private readonly rng: SeededRandom,
    private readonly deliverAt: (at: number, m: Message) => void,
  ) {}

  /** Whether messages from `from` to `to` are cut. */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.size > 0 && this.blocked.has(`${from}>${to}`);
  }

  /** Cuts the directed link from -> to. */
  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts every link between the groups (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.block(x, y);
      }
    }
  }

  hasPartitions(): boolean {
    return this.blocked.size > 0;
  }

  healPartitions(): void {
    this.blocked.clear();
  }

  send(now: number, m: Message): void {
    this.sent++;
    if (this.isBlocked(m.from, m.to) || (this.faults.loss > 0 && this.rng.chance(this.faults.loss))) {
      this.dropped++;
      return;
    }
    const copies = this.faults.duplicate > 0 && this.rng.chance(this.faults.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const { minDelay, maxDelay } = this.faults;
      this.deliverAt(now + minDelay + this.rng.intn(maxDelay - minDelay + 1), m);
    }
  }
}
