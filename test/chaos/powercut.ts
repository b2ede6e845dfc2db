// Power cuts for member processes (see powercut/powercut.c): the preload library journals
// what each unsynced write overwrote; after the member is killed, rollBack() undoes those
// writes, newest first, so its data dir holds only what it had synced.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/processes.js';

const SOURCE = join(repoRoot, 'test/chaos/powercut/powercut.c');
const HEADER_BYTES = 4096;
const RECORD_BYTES = 40;
const RECORD_UNDO = 1;
const RECORD_DURABLE = 2;

/**
 * Compiles the preload library (once per source version) into chaos-results/; returns its
 * path, or a reason it cannot be had (no C compiler).
 */
export function buildPowercutLibrary(): { path: string } | { reason: string } {
  const source = readFileSync(SOURCE);
  const out = join(repoRoot, 'chaos-results', `powercut-${source.length}-${hash(source)}.so`);
  if (existsSync(out)) return { path: out };
  mkdirSync(join(repoRoot, 'chaos-results'), { recursive: true });
  const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', out, SOURCE, '-ldl', '-lpthread'], { encoding: 'utf8' });
  if (r.error !== undefined) return { reason: `gcc: ${r.error.message}` };
  if (r.status !== 0) return { reason: `gcc failed: ${r.stderr}` };
  return { path: out };
}

function hash(bytes: Buffer): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

/** The environment that makes a member's writes under dataDir journaled in journalDir. */
export function powercutEnv(library: string, dataDir: string, journalDir: string): NodeJS.ProcessEnv {
  mkdirSync(journalDir, { recursive: true });
  return { LD_PRELOAD: library, KITE_POWERCUT_DIR: dataDir, KITE_POWERCUT_JOURNAL: journalDir, UV_USE_IO_URING: '0' };
}

interface UndoRecord {
  readonly type: number;
  readonly offset: number;
  readonly length: number;
  readonly sizeBefore: number;
  readonly saved: Buffer;
}

/** What a rollback did, for the run's report. */
export interface RollbackResult {
  readonly files: number;
  readonly writesUndone: number;
  readonly bytesRestored: number;
}

/**
 * Undoes every journaled write in journalDir (the member must be dead), newest first,
 * keeping bytes that a later durable write set; then empties the journal. A journal whose
 * file is gone or was replaced (another inode at its path) is dropped.
 */
export function rollBack(journalDir: string): RollbackResult {
  let files = 0;
  let writesUndone = 0;
  let bytesRestored = 0;
  if (!existsSync(journalDir)) return { files, writesUndone, bytesRestored };
  for (const name of readdirSync(journalDir)) {
    if (!name.endsWith('.undo')) continue;
    const journal = readFileSync(join(journalDir, name));
    rmSync(join(journalDir, name));
    if (journal.length < HEADER_BYTES || journal.subarray(0, 5).toString('latin1') !== 'KPCJ1') continue;
    const ino = journal.readBigUInt64LE(16);
    const path = journal.subarray(24, journal.indexOf(0, 24)).toString('utf8');
    if (!existsSync(path) || BigInt(statSync(path, { bigint: true }).ino) !== ino) continue;
    const records = parseRecords(journal);
    if (records.length === 0) continue;
    files++;
    const fd = openSync(path, 'r+');
    try {
      // Byte ranges written durably after the records still to undo: they keep their bytes.
      const durable: Array<readonly [number, number]> = [];
      for (const r of records.reverse()) {
        if (r.type === RECORD_DURABLE) {
          durable.push([r.offset, r.offset + r.length]);
          continue;
        }
        writesUndone++;
        for (const [lo, hi] of subtract([r.offset, r.offset + r.saved.length], durable)) {
          writeSync(fd, r.saved, lo - r.offset, hi - lo, lo);
          bytesRestored += hi - lo;
        }
        const keep = Math.max(r.sizeBefore, ...durable.map(([, hi]) => hi));
        if (fstatSync(fd).size > keep) ftruncateSync(fd, keep);
      }
    } finally {
      closeSync(fd);
    }
  }
  return { files, writesUndone, bytesRestored };
}

/** The whole records of a journal (a record cut short by the kill is ignored). */
function parseRecords(journal: Buffer): UndoRecord[] {
  const records: UndoRecord[] = [];
  let at = HEADER_BYTES;
  while (at + RECORD_BYTES <= journal.length) {
    const type = journal.readUInt32LE(at);
    const offset = Number(journal.readBigUInt64LE(at + 8));
    const length = Number(journal.readBigUInt64LE(at + 16));
    const sizeBefore = Number(journal.readBigUInt64LE(at + 24));
    const savedLength = Number(journal.readBigUInt64LE(at + 32));
    if ((type !== RECORD_UNDO && type !== RECORD_DURABLE) || at + RECORD_BYTES + savedLength > journal.length) break;
    records.push({ type, offset, length, sizeBefore, saved: journal.subarray(at + RECORD_BYTES, at + RECORD_BYTES + savedLength) });
    at += RECORD_BYTES + savedLength;
  }
  return records;
}

/** [lo, hi) without the ranges in cut, as sorted disjoint pieces. */
function subtract(range: readonly [number, number], cut: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  let pieces: Array<[number, number]> = range[0] < range[1] ? [[range[0], range[1]]] : [];
  for (const [clo, chi] of cut) {
    pieces = pieces.flatMap(([lo, hi]): Array<[number, number]> => {
      if (chi <= lo || clo >= hi) return [[lo, hi]];
      const left: Array<[number, number]> = clo > lo ? [[lo, clo]] : [];
      const right: Array<[number, number]> = chi < hi ? [[chi, hi]] : [];
      return [...left, ...right];
    });
  }
  return pieces;
}
