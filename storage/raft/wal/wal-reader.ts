// Reading a WAL directory at start: every segment decoded in order along the CRC chain,
// the records replayed into the log they describe, and a torn tail repaired as etcd's
// Repair does — the last segment's torn final record (and anything after it) is cut away,
// after keeping a copy of the file as `<name>.broken`. A torn record anywhere else, or a
// CRC mismatch anywhere (a flipped bit is not a torn write), refuses to open.

import { closeSync, copyFileSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { fdatasyncSync, listSegments, WAL_METADATA, type Segment } from './segment-files.js';
import { readSegment } from './segment-reader.js';
import { Replay, type WalState } from './replay.js';
import { WalError, WalErrorCode } from './wal-error.js';

/** A repaired torn tail, for the log. */
export interface TailRepair {
  readonly file: string;
  /** Where the torn record started; the file now ends there. */
  readonly offset: number;
  /** Bytes cut away. */
  readonly bytes: number;
  /** The copy of the file as it was found. */
  readonly brokenCopy: string;
}

/** A WAL as read from its directory, ready to append to. */
export interface WalContents {
  readonly state: WalState;
  readonly segments: Segment[];
  /** The chain's value after the last record. */
  readonly crc: number;
  /** Bytes of the last segment up to the end of its last record. */
  readonly tailBytes: number;
  readonly repair?: TailRepair;
}

/**
 * Reads (and, unless readOnly, repairs) the WAL in dir, which must hold at least one
 * segment. readOnly also leaves leftover temporary files alone: for looking at a WAL that
 * a running member has open.
 */
export function readWal(dir: string, options: { readonly readOnly?: boolean } = {}): WalContents {
  const segments = listSegments(dir, options.readOnly === true);
  if (segments.length === 0) throw new WalError(WalErrorCode.Corrupt, `${dir} holds no segment`, { file: dir });
  const replay = new Replay();
  let crc: number | undefined;
  let tailBytes = 0;
  let repair: TailRepair | undefined;
  for (const [i, segment] of segments.entries()) {
    const isLast = i === segments.length - 1;
    const bytes = readFileSync(segment.path);
    const contents = readSegment(segment.path, bytes, crc, isLast);
    const metadata = contents.records[0];
    if (metadata?.kind !== 'metadata') {
      // A segment is renamed into place only once its head is synced, so even the last one has it.
      throw new WalError(WalErrorCode.Corrupt, `${segment.path} has no metadata record`, { file: segment.path });
    } else if (Buffer.compare(metadata.metadata, WAL_METADATA) !== 0) {
      throw new WalError(WalErrorCode.Corrupt, `${segment.path} is not in this WAL format (${new TextDecoder().decode(metadata.metadata)})`, { file: segment.path });
    }
    for (const record of contents.records) {
      const problem = replay.apply(record);
      if (problem !== undefined) throw new WalError(WalErrorCode.Corrupt, `${segment.path}: ${problem}`, { file: segment.path });
    }
    crc = contents.crc;
    tailBytes = contents.validBytes;
    if (contents.tornAt !== undefined && options.readOnly !== true) repair = repairTail(segment.path, contents.tornAt, bytes.length);
  }
  const state = replay.result();
  if (typeof state === 'string') throw new WalError(WalErrorCode.Corrupt, `${dir}: ${state}`, { file: dir });
  return { state, segments, crc: crc ?? 0, tailBytes, ...(repair === undefined ? {} : { repair }) };
}

/** Cuts the file at offset (the start of its torn record), keeping a copy of it first. */
function repairTail(file: string, offset: number, size: number): TailRepair {
  const brokenCopy = `${file}.broken`;
  copyFileSync(file, brokenCopy);
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, offset);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file, offset, bytes: size - offset, brokenCopy };
}
