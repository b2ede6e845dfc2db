import type { Clock } from '../lease/clock.js';
import type { MemberConfig } from './member-config.js';

/** What the compactor needs of the store. */
export interface Compactable {
  /** The current revision. */
  readonly revision: number;
  /** The newest compacted revision. */
  readonly compactRevision: number;
  /** Compacts at rev (logically; removal from disk may follow). */
  compact(rev: number): Promise<unknown>;
}

/** How often the revision-mode compactor looks (etcd's is every 5 minutes). */
const REVISION_MODE_INTERVAL_MS = 5 * 60 * 1000;

/**
 * etcd's automatic compaction, driven by tick():
 * - periodic: keeps the history of the last `retention`; every retention/10 (at
 *   most every hour) it notes the current revision and compacts to the revision it
 *   noted `retention` ago;
 * - revision: every 5 minutes compacts to `current - retention`.
 * Time comes from an injected clock, so tests run it without waiting.
 */
export class Compactor {
  private readonly store: Compactable;
  private readonly clock: Clock;
  private readonly policy: NonNullable<MemberConfig['autoCompaction']>;
  private readonly samples: Array<{ at: number; revision: number }> = [];
  private lastRun: number;
  private running = false;

  constructor(store: Compactable, clock: Clock, policy: NonNullable<MemberConfig['autoCompaction']>) {
    this.store = store;
    this.clock = clock;
    this.policy = policy;
    this.lastRun = clock.now();
    this.samples.push({ at: this.lastRun, revision: store.revision });
  }

  /** How often tick() needs calling. */
  get interval(): number {
    return this.policy.mode === 'revision' ? REVISION_MODE_INTERVAL_MS : Math.min(this.policy.retentionMs / 10, 3_600_000);
  }

  /** Compacts if it is time; resolves with the revision compacted to, or undefined. */
  async tick(): Promise<number | undefined> {
    const now = this.clock.now();
    if (this.running || now - this.lastRun < this.interval) return undefined;
    this.lastRun = now;
    let target: number | undefined;
    if (this.policy.mode === 'revision') {
      target = this.store.revision - this.policy.retention;
    } else {
      this.samples.push({ at: now, revision: this.store.revision });
      const cutoff = now - this.policy.retentionMs;
      // The newest sample at least `retention` old is what may go.
      let i = -1;
      for (let j = 0; j < this.samples.length; j++) if (this.samples[j]!.at <= cutoff) i = j;
      if (i >= 0) {
        target = this.samples[i]!.revision;
        this.samples.splice(0, i);
      }
    }
    if (target === undefined || target <= this.store.compactRevision || target <= 0) return undefined;
    this.running = true;
    try {
      await this.store.compact(target);
      return target;
    } finally {
      this.running = false;
    }
  }
}
