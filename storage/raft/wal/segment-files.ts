// Segment files on disk: their names (etcd's `$seq-$index.wal`, both 16 hex digits), the
// list of them in a directory, the head every segment starts with, and the file-system
// calls the log needs, with the directory fsync'd whenever a name is created or changed.

import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HardState, Snapshot } from '../core/messages.js';
import { encodeRecord, recordPayload, RecordType, type WalRecord } from './record.js';
import type { LogStart } from './replay.js';
import { WalError, WalErrorCode } from './wal-error.js';

/** One segment file: its sequence number and the first Raft index it may hold. */
export interface Segment {
  readonly seq: number;
  readonly index: number;
  readonly path: string;
}

/** What a segment's head restates, so that the log can be read from that segment on. */
export interface WalHead {
  readonly snapshot: Snapshot;
  readonly start: LogStart;
  readonly hardState: HardState;
  /** The last index in the log; the new segment is named after the next one. */
  readonly lastIndex: number;
}

/** Every segment's metadata record: which format the file is in. */
export const WAL_METADATA = new TextEncoder().encode(JSON.stringify({ format: 'kite-wal', version: 1 }));

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, index: number): string {
  return `${seq.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.wal`;
}

/**
 * The directory's segments in sequence order. Leftover temporary files (a segment being
 * made when the member stopped) are removed unless readOnly. Throws WalError if the
 * sequence has a hole.
 */
export function listSegments(dir: string, readOnly = false): Segment[] {
  const segments: Segment[] = [];
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tmp')) {
      if (!readOnly) rmSync(join(dir, name), { force: true });
      continue;
    }
    const match = NAME.exec(name);
    if (match === null) continue;
    segments.push({ seq: parseInt(match[1] as string, 16), index: parseInt(match[2] as string, 16), path: join(dir, name) });
  }
  segments.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1] as Segment;
    const seg = segments[i] as Segment;
    if (seg.seq !== prev.seq + 1) throw new WalError(WalErrorCode.Corrupt, `segment ${seg.path} follows ${prev.path}: a segment is missing`, { file: seg.path });
  }
  return segments;
}

/** The records a segment starts with, after its CRC record. */
export function headRecords(head: WalHead): WalRecord[] {
  return [
    { kind: 'metadata', metadata: WAL_METADATA },
    { kind: 'snapshot', snapshot: head.snapshot, isInstalled: false },
    { kind: 'compaction', index: head.start.index, term: head.start.term },
    { kind: 'hard-state', hardState: head.hardState },
  ];
}

/** Records encoded along the chain from `crc`, as one buffer. */
export function encodeRecords(records: readonly WalRecord[], crc: number): { readonly bytes: Buffer; readonly crc: number } {
  const buffers: Uint8Array[] = [];
  let chain = crc;
  for (const record of records) {
    const { type, payload } = recordPayload(record);
    const encoded = encodeRecord(type, payload, chain);
    buffers.push(...encoded.buffers);
    chain = encoded.crc;
  }
  return { bytes: Buffer.concat(buffers), crc: chain };
}

/** A segment's CRC record and head, continuing the chain from `crc`. */
export function encodeHead(head: WalHead, crc: number): { readonly bytes: Buffer; readonly crc: number } {
  const crcRecord = encodeRecord(RecordType.Crc, [], crc);
  const rest = encodeRecords(headRecords(head), crc);
  return { bytes: Buffer.concat([...crcRecord.buffers, rest.bytes]), crc: rest.crc };
}

/** Writes all of bytes at position (write(2) may write less than asked). */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Writes zeros over [from, to), in chunks (preallocation and clearing a repaired tail). */
export function writeZeros(fd: number, from: number, to: number): void {
  const chunk = Buffer.alloc(Math.min(1 << 20, Math.max(0, to - from)));
  for (let at = from; at < to; at += chunk.length) writeFully(fd, chunk.subarray(0, Math.min(chunk.length, to - at)), at);
}

/** fsyncs a directory, so that the names created, renamed or removed in it are durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const fdatasyncAsync = promisify(fdatasync);
export { fdatasyncSync };
