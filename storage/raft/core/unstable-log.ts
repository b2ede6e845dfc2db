// The tail of the log that the core has accepted but the driver has not yet persisted:
// at most one incoming snapshot, then entries from `offset` on.

import { invariant } from './errors.js';
import type { Entry, Snapshot } from './messages.js';

export class UnstableLog {
  /** A snapshot received from the leader and not yet persisted. */
  snapshot: Snapshot | undefined = undefined;
  /** Entries not yet persisted; entries[i] has index offset + i. */
  entries: Entry[] = [];
  /** The index of entries[0] (or where the next entry would go). */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index, if the unstable part starts with a snapshot. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  /** The last index held here, if any. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  /** The term at `index`, if this part knows it. */
  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      if (this.snapshot !== undefined && this.snapshot.metadata.index === index) return this.snapshot.metadata.term;
      return undefined;
    }
    const entry = this.entries[index - this.offset];
    return entry === undefined ? undefined : entry.term;
  }

  /** The driver persisted entries up to (index, term); forget them unless they were replaced since. */
  stableTo(index: number, term: number): void {
    if (index < this.offset) return;
    const entry = this.entries[index - this.offset];
    if (entry === undefined || entry.term !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  /** The driver persisted the snapshot at `index`. */
  stableSnapTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined;
  }

  /** Replace everything with a snapshot. */
  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Append entries, first dropping any held entries at or after the first new index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const after = (entries[0] as Entry).index;
    if (after === this.offset + this.entries.length) {
      for (const entry of entries) this.entries.push(entry);
    } else if (after <= this.offset) {
      // Replaces everything held here (and, once persisted, the storage's tail too).
      this.offset = after;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (const entry of entries) this.entries.push(entry);
    }
  }

  /** Entries in [lo, hi), which must lie within this part. */
  slice(lo: number, hi: number): Entry[] {
    invariant(
      lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi,
      `unstable slice [${lo}, ${hi}) out of bounds [${this.offset}, ${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
