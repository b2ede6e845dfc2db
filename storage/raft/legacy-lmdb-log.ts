// Reading the Raft log that members before the WAL kept in lmdb (`raft.mdb` in the raft
// directory: entries by index, and the hard state, snapshot and compaction point), so that
// their data dirs can be converted to a WAL on first start. Nothing here writes to it.

import { open } from 'lmdb';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RaftError, RaftErrorCode } from './core/errors.js';
import { MemoryStorage } from './core/log-storage.js';
import { EMPTY_CONF_STATE, EMPTY_SNAPSHOT, EntryType, type Entry } from './core/messages.js';
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
    // Check it as the old storage did: build the in-memory log it would have served.
    const mem = new MemoryStorage();
    const { index: snapIndex, term: snapTerm } = snapshot.metadata;
    if (offsetIndex > 0) {
      corrupt(snapIndex >= offsetIndex, `log compacted to ${offsetIndex}, past the snapshot at ${snapIndex}`, offsetIndex);
      mem.applySnapshot({ metadata: { index: offsetIndex, term: offsetTerm, confState: EMPTY_CONF_STATE }, data: new Uint8Array(0) });
    }
    mem.append(entries);
    if (snapIndex > 0) {
      corrupt(snapIndex <= mem.lastIndex(), `snapshot at ${snapIndex} is past the last entry ${mem.lastIndex()}`, snapIndex);
      corrupt(mem.term(snapIndex) === snapTerm, `snapshot term ${snapTerm} differs from the log's ${mem.term(snapIndex)}`, snapIndex);
    }
    const hardState =
      storedHardState === undefined ? { term: 0, vote: 0n, commit: 0 } : { term: storedHardState[0], vote: BigInt(storedHardState[1]), commit: storedHardState[2] };
    return { snapshot, start: { index: offsetIndex, term: offsetTerm }, entries, hardState };
  } finally {
    // Read-only: closing has nothing to wait for, and a failure to close changes nothing.
    void env.close().catch(() => undefined);
  }
}

/** Throws 'invariant-violated' about the stored log unless condition holds. */
function corrupt(condition: boolean, message: string, index: number): void {
  if (!condition) throw new RaftError(RaftErrorCode.InvariantViolated, `raft log on disk: ${message}`, { index, reason: 'corrupt' });
}
