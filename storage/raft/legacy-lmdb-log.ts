// Reading the Raft log that members before the WAL kept in lmdb (`raft.mdb` in the raft
// directory: entries by index, and the hard state, snapshot and compaction point), so that
// their data dirs can be converted to a WAL on first start. Nothing here writes to it.

import { open } from 'lmdb';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStorage } from './core/log-storage.js';
import { EMPTY_HARD_STATE, EMPTY_SNAPSHOT, EntryType, type Entry } from './core/messages.js';
import { corrupt, loadLogState } from './log-state.js';
import type { WalState } from './wal/replay.js';

/** An entry as stored under its index: term, type and payload. */
type StoredEntry = readonly [term: number, type: EntryType, data: Uint8Array];
/** The hard state as stored; the vote is a decimal string so every uint64 survives. */
type StoredHardState = readonly [term: number, vote: string, commit: number];
/** The latest snapshot as stored; member ids are decimal strings. */
type StoredSnapshot = readonly [index: number, term: number, voters: readonly string[], learners: readonly string[], data: Uint8Array];
/** Index and term of the entry just before the first stored one. */
type StoredOffset = readonly [index: number, term: number];

/** The lmdb file of the old log in a raft directory. */
export function legacyLogPath(dir: string): string {
  return join(dir, 'raft.mdb');
}

/** True if dir holds an old lmdb Raft log. */
export function hasLegacyLog(dir: string): boolean {
  return existsSync(legacyLogPath(dir));
}

/** Removes the old log's files (once its contents are durable in a WAL). */
export function removeLegacyLog(dir: string): void {
  rmSync(legacyLogPath(dir), { force: true });
  rmSync(`${legacyLogPath(dir)}-lock`, { force: true });
}

/**
 * Reads the old log in dir into the state a WAL holds, checking it is consistent as the
 * old storage did on open. Throws RaftError 'invariant-violated' if it is not.
 */
export function readLegacyLog(dir: string): WalState {
  const env = open({ path: legacyLogPath(dir), maxDbs: 4, compression: false, readOnly: true });
  try {
    const log = env.openDB<StoredEntry, number>({ name: 'entries' });
    const meta = env.openDB<unknown, string>({ name: 'meta' });
    const storedHardState = meta.get('hard-state') as StoredHardState | undefined;
    const storedSnapshot = meta.get('snapshot') as StoredSnapshot | undefined;
    const [offsetIndex, offsetTerm] = (meta.get('offset') as StoredOffset | undefined) ?? [0, 0];
    const entries: Entry[] = [];
    for (const { key, value } of log.getRange({ start: offsetIndex + 1 })) {
      const expected = offsetIndex + 1 + entries.length;
      corrupt(key === expected, `entry ${key} stored where ${expected} was expected`, key);
      const [term, type, data] = value;
      corrupt(type === EntryType.Normal || type === EntryType.ConfChange, `entry ${key} has type ${String(type)}`, key);
      entries.push({ term, index: key, type, data: new Uint8Array(data) });
    }
    const snapshot =
      storedSnapshot === undefined
        ? EMPTY_SNAPSHOT
        : {
            metadata: {
              index: storedSnapshot[0],
              term: storedSnapshot[1],
              confState: { voters: storedSnapshot[2].map(BigInt), learners: storedSnapshot[3].map(BigInt) },
            },
            data: new Uint8Array(storedSnapshot[4]),
          };
    const hardState =
      storedHardState === undefined ? EMPTY_HARD_STATE : { term: storedHardState[0], vote: BigInt(storedHardState[1]), commit: storedHardState[2] };
    const state: WalState = { snapshot, start: { index: offsetIndex, term: offsetTerm }, entries, hardState };
    // Checked as the storage checks what it loads, before anything is converted.
    loadLogState(new MemoryStorage(), state);
    return state;
  } finally {
    // Read-only: closing has nothing to wait for, and a failure to close changes nothing.
    void env.close().catch(() => undefined);
  }
}
