// Replaying records into the log they describe. Entries at an index already held replace
// it and everything after it (Raft's log truncation); the last hard state and the last
// snapshot marker win; a compaction drops the entries up to its index; an installed
// snapshot replaces the whole log.
//
// The oldest segments are deleted once compacted away, so the first segment read may start
// in the middle of the log: its head restates the snapshot, the compaction point and the
// hard state, and its entries may begin after the compaction point recorded there, as
// long as a later compaction record moves the log's start up to them.

import { EMPTY_HARD_STATE, EMPTY_SNAPSHOT, type Entry, type HardState, type Snapshot } from '../core/messages.js';
import type { WalRecord } from './record.js';

/** Where the log starts: the entry before the first held one (the compaction point). */
export interface LogStart {
  readonly index: number;
  readonly term: number;
}

/** The state a log describes. */
export interface WalState {
  readonly snapshot: Snapshot;
  readonly start: LogStart;
  /** Entries start.index + 1 to the last, consecutive. */
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
}

export const EMPTY_WAL_STATE: WalState = { snapshot: EMPTY_SNAPSHOT, start: { index: 0, term: 0 }, entries: [], hardState: EMPTY_HARD_STATE };

/** Replay accumulates records; `problem` explains why one cannot be applied. */
export class Replay {
  private snapshot: Snapshot = EMPTY_SNAPSHOT;
  private start: LogStart = { index: 0, term: 0 };
  private hardState: HardState = EMPTY_HARD_STATE;
  /** Entries held, consecutive from `base` (which may still be after start.index + 1). */
  private entries: Entry[] = [];
  private base = 1;

  /** Applies one record; returns why it cannot be (the log is corrupt), or undefined. */
  apply(record: WalRecord): string | undefined {
    switch (record.kind) {
      case 'metadata':
        return undefined;
      case 'hard-state':
        this.hardState = record.hardState;
        return undefined;
      case 'snapshot': {
        this.snapshot = record.snapshot;
        if (record.isInstalled) {
          const { index, term } = record.snapshot.metadata;
          this.start = { index, term };
          this.entries = [];
          this.base = index + 1;
        }
        return undefined;
      }
      case 'compaction': {
        if (record.index < this.start.index) return `compaction to ${record.index} goes back from ${this.start.index}`;
        this.start = { index: record.index, term: record.term };
        const drop = record.index + 1 - this.base;
        if (drop > 0) {
          this.entries = this.entries.slice(drop);
          this.base = record.index + 1;
        }
        return undefined;
      }
      case 'entry': {
        const { index } = record.entry;
        if (this.entries.length === 0) {
          if (index <= this.start.index) return `entry ${index} is at or before the log's start ${this.start.index}`;
          this.base = index;
          this.entries.push(record.entry);
          return undefined;
        }
        const at = index - this.base;
        if (at < 0) return `entry ${index} replaces entries before the first held one (${this.base})`;
        if (at > this.entries.length) return `entry ${index} leaves a gap after ${this.base + this.entries.length - 1}`;
        this.entries.length = at;
        this.entries.push(record.entry);
        return undefined;
      }
    }
  }

  /** The state, or why it is inconsistent (entries missing after the log's start). */
  result(): WalState | string {
    if (this.entries.length > 0 && this.base > this.start.index + 1) {
      return `entries ${this.start.index + 1} to ${this.base - 1} are missing (the log starts after ${this.start.index})`;
    }
    return { snapshot: this.snapshot, start: this.start, entries: [...this.entries], hardState: this.hardState };
  }
}
