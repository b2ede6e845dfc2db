// Torn writes and bit flips, as etcd's WAL treats them: a torn final record in the last
// segment (cut short at any byte, or with a zeroed sector) is cut away on open and every
// synced record before it kept; a zeroed tail after the last record is just the end; a CRC
// mismatch (a flipped bit) anywhere refuses to open, naming the file and offset, and so
// does a torn record in any segment but the last.

import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WalState } from '../../../storage/raft/wal/replay.js';
import { Wal } from '../../../storage/raft/wal/wal.js';
import { WalError, WalErrorCode } from '../../../storage/raft/wal/wal-error.js';
import { entries, entry, frames, hardState, ModelledWal, withDir } from './wal-helpers.js';

/** Builds a WAL of synced batches; returns the state before and after its final batch (one entry of `finalSize` bytes). */
async function buildLog(dir: string, finalSize: number, segmentBytes?: number): Promise<{ beforeFinal: WalState; complete: WalState; walDir: string }> {
  const w = new ModelledWal(dir, segmentBytes === undefined ? {} : { segmentBytes });
  for (let i = 1; i <= 30; i += 3) await w.append([...entries(i, i + 2, 1, 100), hardState(1, 1n, i + 1)]);
  const beforeFinal = w.expected();
  await w.append([entry(31, 1, finalSize)]);
  await w.wal.close();
  return { beforeFinal, complete: w.expected(), walDir: w.walDir };
}

function lastSegment(walDir: string): string {
  const { wal } = Wal.open(walDir);
  const paths = wal.segmentPaths();
  void wal.close();
  return paths[paths.length - 1] as string;
}

/** Opens a copy of walDir changed by damage; returns what opening gave. */
async function openDamaged(walDir: string, copy: string, damage: (segment: string) => void): Promise<{ state: WalState; repaired: boolean; appendedBack: boolean }> {
  rmSync(copy, { recursive: true, force: true });
  cpSync(walDir, copy, { recursive: true });
  damage(lastSegment(copy));
  const { wal, state } = Wal.open(copy);
  const repaired = wal.repair !== undefined;
  // The repaired log takes appends, and they read back after the next open.
  const lastIndex = state.start.index + state.entries.length;
  const next = entry(lastIndex + 1, 9);
  await wal.append([next], true, { snapshot: state.snapshot, start: state.start, hardState: state.hardState, lastIndex: lastIndex + 1 });
  await wal.close();
  const again = Wal.open(copy);
  await again.wal.close();
  const appendedBack = again.state.entries.length === state.entries.length + 1 && again.state.entries.at(-1)?.term === 9;
  return { state, repaired, appendedBack };
}

test('a final record cut short at any byte is repaired: the synced records before it all stay', withDir(async (dir) => {
  const { beforeFinal, complete, walDir } = await buildLog(dir, 200);
  const segment = lastSegment(walDir);
  const [start, end] = frames(segment).at(-1) as readonly [number, number];
  assert.equal(statSync(segment).size, end);
  for (let cut = start; cut <= end; cut++) {
    const opened = await openDamaged(walDir, join(dir, 'copy'), (path) => truncateSync(path, cut));
    const expected = cut === end ? complete : beforeFinal;
    assert.deepEqual(opened.state, expected, `cut at ${cut} (record ${start}-${end})`);
    assert.equal(opened.repaired, cut > start && cut < end, `repair reported for a cut at ${cut}`);
    assert.ok(opened.appendedBack, `appends after a cut at ${cut} read back`);
  }
  // The repair keeps the file as it was found beside the log.
  await openDamaged(walDir, join(dir, 'copy'), (path) => truncateSync(path, start + 3));
  assert.ok(existsSync(`${lastSegment(join(dir, 'copy'))}.broken`));
}));

test('zeros: a zero-filled tail is the end of the log, a zeroed sector in the final record is a torn write', withDir(async (dir) => {
  const { beforeFinal, complete, walDir } = await buildLog(dir, 1500);
  const segment = lastSegment(walDir);
  const [start, end] = frames(segment).at(-1) as readonly [number, number];
  const copy = join(dir, 'copy');
  // Zeros after the last record (a preallocated or extended file): nothing lost.
  const extended = await openDamaged(walDir, copy, (path) => writeFileSync(path, Buffer.alloc(8192), { flag: 'a' }));
  assert.deepEqual(extended.state, complete);
  assert.equal(extended.repaired, false);
  assert.ok(extended.appendedBack);
  // The whole final record zeroed (its length field too): the log ends before it.
  const zeroed = await openDamaged(walDir, copy, (path) => {
    const bytes = readFileSync(path);
    bytes.fill(0, start, end);
    writeFileSync(path, bytes);
  });
  assert.deepEqual(zeroed.state, beforeFinal);
  assert.ok(zeroed.appendedBack);
  // Each whole sector inside the final record zeroed in turn (the record spans several).
  const firstSector = Math.ceil((start + 8) / 512) * 512;
  assert.ok(firstSector + 512 <= end, 'the final record spans a whole sector');
  for (let sector = firstSector; sector + 512 <= end; sector += 512) {
    const torn = await openDamaged(walDir, copy, (path) => {
      const bytes = readFileSync(path);
      bytes.fill(0, sector, sector + 512);
      writeFileSync(path, bytes);
    });
    assert.deepEqual(torn.state, beforeFinal, `sector at ${sector} zeroed`);
    assert.equal(torn.repaired, true);
    assert.ok(torn.appendedBack);
  }
  // The record's last, partial sector zeroed to the end of the file: torn too.
  const lastSector = Math.floor((end - 1) / 512) * 512;
  const tornEnd = await openDamaged(walDir, copy, (path) => {
    const bytes = readFileSync(path);
    bytes.fill(0, Math.max(lastSector, start + 8), end);
    writeFileSync(path, bytes);
  });
  assert.deepEqual(tornEnd.state, beforeFinal);
}));

/** Opening must fail with a CRC mismatch at exactly this file and offset. */
function assertCrcMismatch(walDir: string, file: string, offset: number): void {
  assert.throws(
    () => Wal.open(walDir),
    (e: unknown) => e instanceof WalError && e.code === WalErrorCode.CrcMismatch && e.context.file === file && e.context.offset === offset && e.message.includes(file),
  );
}

test('a flipped bit is refused wherever it is, the final record included (etcd repairs only torn writes)', withDir(async (dir) => {
  const { walDir } = await buildLog(dir, 200, 1024);
  const { wal } = Wal.open(walDir);
  const paths = wal.segmentPaths();
  await wal.close();
  assert.ok(paths.length >= 3);
  const copy = join(dir, 'copy');
  const cases: Array<{ what: string; file: (copyDir: string) => string; frame: (all: Array<readonly [number, number]>) => readonly [number, number] }> = [
    { what: 'the final record of the last segment', file: (d) => join(d, pathName(paths.at(-1))), frame: (all) => all.at(-1) as readonly [number, number] },
    { what: 'a record in the middle of the last segment', file: (d) => join(d, pathName(paths.at(-1))), frame: (all) => all[Math.floor(all.length / 2)] as readonly [number, number] },
    { what: 'the final record of an earlier segment', file: (d) => join(d, pathName(paths[1])), frame: (all) => all.at(-1) as readonly [number, number] },
    { what: 'the head of an earlier segment', file: (d) => join(d, pathName(paths[1])), frame: (all) => all[1] as readonly [number, number] },
  ];
  for (const { what, file, frame } of cases) {
    for (const byteInRecord of [8, 12, 20]) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(walDir, copy, { recursive: true });
      const target = file(copy);
      const [start, end] = frame(frames(target));
      const at = Math.min(start + byteInRecord, end - 1);
      const bytes = readFileSync(target);
      bytes[at] = (bytes[at] as number) ^ 0x10;
      writeFileSync(target, bytes);
      try {
        assertCrcMismatch(copy, target, start);
      } catch (error) {
        throw new Error(`flip in ${what} at byte ${at}: ${String(error)}`);
      }
    }
  }
}));

test('a torn record in a segment that is not the last is refused, not repaired', withDir(async (dir) => {
  const { walDir } = await buildLog(dir, 200, 1024);
  const { wal } = Wal.open(walDir);
  const paths = wal.segmentPaths();
  await wal.close();
  const middle = paths[1] as string;
  const [start] = frames(middle).at(-1) as readonly [number, number];
  const size = statSync(middle).size;
  truncateSync(middle, start + 5);
  assert.throws(
    () => Wal.open(walDir),
    (e: unknown) => e instanceof WalError && e.code === WalErrorCode.TornRecord && e.context.file === middle && e.context.offset === start,
  );
  assert.equal(statSync(middle).size, start + 5, 'nothing was cut');
  assert.ok(size > start + 5);
}));

function pathName(path: string | undefined): string {
  return (path as string).split('/').at(-1) as string;
}
