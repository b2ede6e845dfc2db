// Reading one segment file: its frames decoded, CRCs checked along the chain, and the end
// found. A zero length field ends the segment (the zeroed space a preallocated file keeps
// after its last record). A record cut short by the end of the file, or whose CRC fails
// while one of the 512-byte sectors it spans is all zeros, is a torn write (etcd's test):
// what a crash leaves where a write had not reached the disk. Any other CRC failure is
// corruption.

import { WalError, WalErrorCode } from './wal-error.js';
import { decodeLengthField, decodePayload, expectedCrc, FRAME_BYTES, PayloadError, RecordType, splitRecord, type WalRecord } from './record.js';

/** Sectors are written whole or not at all; a torn write leaves whole sectors of zeros. */
const SECTOR_BYTES = 512;

/** What a segment holds, up to its end or its torn tail. */
export interface SegmentContents {
  readonly records: WalRecord[];
  /** The chain's value after the last good record. */
  readonly crc: number;
  /** Bytes from the start of the file to the end of the last good record. */
  readonly validBytes: number;
  /** Where the torn record starts, if the segment ends in one. */
  readonly tornAt?: number;
}

/**
 * Decodes a segment's bytes. `previousCrc` is the chain's value at the end of the
 * previous segment (undefined for the first segment read: its CRC record sets it). A torn
 * record is reported (tornAt) only if `mayBeTorn` (the last segment); elsewhere it, like a
 * CRC mismatch, a broken chain or an undecodable record, throws WalError naming the file
 * and offset.
 */
export function readSegment(file: string, bytes: Uint8Array, previousCrc: number | undefined, mayBeTorn: boolean): SegmentContents {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const records: WalRecord[] = [];
  let crc = previousCrc ?? 0;
  let offset = 0;
  let sawCrcRecord = false;
  const torn = (why: string): SegmentContents => {
    if (!mayBeTorn) throw new WalError(WalErrorCode.TornRecord, `${file} at offset ${offset}: ${why}, and this is not the last segment`, { file, offset });
    return { records, crc, validBytes: offset, tornAt: offset };
  };
  for (;;) {
    if (offset === bytes.length) break;
    if (offset + FRAME_BYTES > bytes.length) return torn('the length field is cut short');
    const field = view.readBigUInt64LE(offset);
    if (field === 0n) break;
    const { recordBytes, padding } = decodeLengthField(field);
    if (recordBytes + padding > bytes.length - offset - FRAME_BYTES) return torn(`a record of ${recordBytes} bytes runs past the end of the file`);
    const start = offset + FRAME_BYTES;
    const framed = bytes.subarray(start, start + recordBytes + padding);
    const parts = splitRecord(framed.subarray(0, recordBytes));
    if (parts === undefined) {
      if (mayBeTorn && hasZeroSector(framed, start)) return torn('a record is zeroed');
      throw new WalError(WalErrorCode.Corrupt, `${file} at offset ${offset}: a record of ${recordBytes} bytes is too short`, { file, offset });
    }
    if (parts.type === RecordType.Crc) {
      if (previousCrc !== undefined || sawCrcRecord) {
        if (parts.crc !== crc) {
          throw new WalError(WalErrorCode.CrcMismatch, `${file} at offset ${offset}: the segment's CRC record does not continue the chain`, { file, offset });
        }
      }
      crc = parts.crc;
      sawCrcRecord = true;
    } else {
      if (!sawCrcRecord && previousCrc === undefined) {
        throw new WalError(WalErrorCode.Corrupt, `${file} at offset ${offset}: the segment does not start with a CRC record`, { file, offset });
      }
      const expected = expectedCrc(parts.type, parts.payload, crc);
      if (expected !== parts.crc) {
        if (mayBeTorn && hasZeroSector(framed, start)) return torn('a record is partly zeroed');
        throw new WalError(WalErrorCode.CrcMismatch, `${file} at offset ${offset}: CRC mismatch`, { file, offset });
      }
      try {
        records.push(decodePayload(parts.type, parts.payload));
      } catch (error) {
        if (!(error instanceof PayloadError)) throw error;
        throw new WalError(WalErrorCode.Corrupt, `${file} at offset ${offset}: ${error.message}`, { file, offset });
      }
      crc = expected;
    }
    offset = start + recordBytes + padding;
  }
  return { records, crc, validBytes: offset };
}

/** True if some sector-aligned piece of `data` (which starts at file offset `at`) is all zeros. */
function hasZeroSector(data: Uint8Array, at: number): boolean {
  let pos = 0;
  while (pos < data.length) {
    const chunk = Math.min(SECTOR_BYTES - ((at + pos) % SECTOR_BYTES), data.length - pos);
    let isZero = true;
    for (let i = pos; i < pos + chunk; i++) {
      if (data[i] !== 0) {
        isZero = false;
        break;
      }
    }
    if (isZero) return true;
    pos += chunk;
  }
  return false;
}
