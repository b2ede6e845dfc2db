// Helpers for the WAL tests: temp directories, records, a model of the log the records
// describe (to give each append its head and to know what a reopened WAL must hold), and
// the frames of a segment file.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, type Entry, type HardState, type Snapshot } from '../../../storage/raft/core/messages.js';
import { decodeLengthField, FRAME_BYTES, type WalRecord } from '../../../storage/raft/wal/record.js';
import { Replay, type WalState } from '../../../storage/raft/wal/replay.js';
import type { WalHead } from '../../../storage/raft/wal/segment-files.js';
import { Wal, type WalOptions } from '../../../storage/raft/wal/wal.js';

/** A temp directory removed after fn. */
export function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kite-wal-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export function entry(index: number, term: number, size = 4): WalRecord {
  const data = Uint8Array.from({ length: size }, (_, i) => (index * 7 + i) & 0xff);
  const e: Entry = { term, index, type: index % 5 === 0 ? EntryType.ConfChange : EntryType.Normal, data };
  return { kind: 'entry', entry: e };
}

export function entries(from: number, to: number, term: number, size = 4): WalRecord[] {
  const out: WalRecord[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

export function hardState(term: number, vote: bigint, commit: number): WalRecord {
  const hs: HardState = { term, vote, commit };
  return { kind: 'hard-state', hardState: hs };
}

export function snapshotMarker(index: number, term: number, isInstalled = false): WalRecord {
  const snapshot: Snapshot = { metadata: { index, term, confState: { voters: [1n, (1n << 64n) - 1n], learners: [3n] } }, data: Uint8Array.of(index & 0xff) };
  return { kind: 'snapshot', snapshot, isInstalled };
}

export function compaction(index: number, term: number): WalRecord {
  return { kind: 'compaction', index, term };
}

/**
 * A WAL under test beside a model of what it must hold. append() gives the WAL the head
 * the model computes; expected() is the state a reopened WAL must return.
 */
export class ModelledWal {
  private readonly model = new Replay();
  readonly wal: Wal;
  readonly walDir: string;

  constructor(dir: string, options: WalOptions = {}) {
    this.walDir = join(dir, 'wal');
    const opened = Wal.open(this.walDir, options);
    this.wal = opened.wal;
    for (const record of [...stateRecords(opened.state)]) this.model.apply(record);
  }

  append(records: readonly WalRecord[], sync = true, releaseTo?: number, overlap = false): Promise<void> {
    for (const record of records) {
      const problem = this.model.apply(record);
      if (problem !== undefined) throw new Error(`test bug: ${problem}`);
    }
    return this.wal.append(records, sync, this.head(), releaseTo, overlap);
  }

  expected(): WalState {
    const state = this.model.result();
    if (typeof state === 'string') throw new Error(state);
    return state;
  }

  private head(): WalHead {
    const state = this.expected();
    return { snapshot: state.snapshot, start: state.start, hardState: state.hardState, lastIndex: state.start.index + state.entries.length };
  }
}

/** Records that rebuild a state (to seed a model from a reopened WAL). */
function* stateRecords(state: WalState): Generator<WalRecord> {
  yield { kind: 'snapshot', snapshot: state.snapshot, isInstalled: false };
  yield { kind: 'compaction', index: state.start.index, term: state.start.term };
  yield { kind: 'hard-state', hardState: state.hardState };
  for (const e of state.entries) yield { kind: 'entry', entry: e };
}

/** The [start, end) byte ranges of a segment file's frames. */
export function frames(path: string): Array<readonly [number, number]> {
  const bytes = readFileSync(path);
  const out: Array<readonly [number, number]> = [];
  let at = 0;
  while (at + FRAME_BYTES <= bytes.length) {
    const field = bytes.readBigUInt64LE(at);
    if (field === 0n) break;
    const { recordBytes, padding } = decodeLengthField(field);
    const end = at + FRAME_BYTES + recordBytes + padding;
    out.push([at, end]);
    at = end;
  }
  return out;
}
