// Checking a Raft log read from disk (a WAL's, or the lmdb log of earlier versions) as it
// is loaded into the in-memory log that serves the Raft core.

import { RaftError, RaftErrorCode } from './core/errors.js';
import type { MemoryStorage } from './core/log-storage.js';
import { EMPTY_CONF_STATE } from './core/messages.js';
import type { WalState } from './wal/replay.js';

/**
 * Loads a persisted log (a WAL's, or the lmdb log's of earlier versions) into mem, which
 * must be empty, checking that it is consistent. Throws RaftError 'invariant-violated' if
 * it is not.
 */
export function loadLogState(mem: MemoryStorage, { snapshot, start, entries, hardState }: WalState): void {
  const { index: snapIndex, term: snapTerm } = snapshot.metadata;
  if (start.index > 0) {
    corrupt(snapIndex >= start.index, `log compacted to ${start.index}, past the snapshot at ${snapIndex}`, start.index);
    if (snapIndex === start.index) {
      corrupt(snapTerm === start.term, `snapshot term ${snapTerm} differs from the log's ${start.term}`, snapIndex);
      mem.applySnapshot(snapshot);
    } else {
      // Compacted to before the snapshot: start the log at the compaction point; the real
      // snapshot is recorded once the entries up to it are back.
      mem.applySnapshot({ metadata: { index: start.index, term: start.term, confState: EMPTY_CONF_STATE }, data: new Uint8Array(0) });
    }
  }
  mem.append(entries);
  if (snapIndex > start.index) {
    corrupt(snapIndex <= mem.lastIndex(), `snapshot at ${snapIndex} is past the last entry ${mem.lastIndex()}`, snapIndex);
    const made = mem.createSnapshot(snapIndex, snapshot.metadata.confState, snapshot.data);
    corrupt(made.metadata.term === snapTerm, `snapshot term ${snapTerm} differs from the log's ${made.metadata.term}`, snapIndex);
  }
  mem.setHardState(hardState);
}

/** Throws 'invariant-violated' about the stored log unless condition holds. */
export function corrupt(condition: boolean, message: string, index: number): void {
  if (!condition) throw new RaftError(RaftErrorCode.InvariantViolated, `raft log on disk: ${message}`, { index, reason: 'corrupt' });
}
