import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend, type RevisionRecord } from '../../storage/mvcc/backend.js';
import { tempDir } from '../helpers/processes.js';

const record = (value: string): RevisionRecord => [[Buffer.from('k'), Buffer.from(value), 1, 1, '0']];
const valueAt = (b: Backend, rev: number): string | undefined => b.getRecord(rev)?.[0]?.[1]?.toString();

test('backend: with a batch interval, writes are held, then committed together in order', async () => {
  const dir = tempDir('backend-batch');
  const b = Backend.open(dir.path, { batchIntervalMs: 60_000 });
  try {
    let settled = false;
    const first = b.putRecord(1, record('a')).then(() => (settled = true));
    const meta = b.putMeta('consistentIndex', 7);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(valueAt(b, 1), undefined, 'held: not in lmdb yet');
    assert.equal(settled, false, 'and not reported durable');
    const second = b.putRecord(2, record('b'));
    await b.flushed();
    await Promise.all([first, meta, second]);
    assert.equal(valueAt(b, 1), 'a');
    assert.equal(valueAt(b, 2), 'b');
    assert.equal(b.getMeta<number>('consistentIndex'), 7);
    // Later writes to the same key win: the order of issue is kept.
    void b.putMeta('consistentIndex', 8);
    void b.putMeta('consistentIndex', 9);
    await b.flushed();
    assert.equal(b.getMeta<number>('consistentIndex'), 9);
  } finally {
    await b.close();
    dir.remove();
  }
});

test('backend: held writes are released by the interval, and by close', async () => {
  const dir = tempDir('backend-release');
  let b = Backend.open(dir.path, { batchIntervalMs: 20 });
  try {
    await b.putRecord(1, record('timer'));
    assert.equal(valueAt(b, 1), 'timer', 'the interval released it');
    void b.putRecord(2, record('close'));
    await b.close();
    b = Backend.open(dir.path);
    assert.equal(valueAt(b, 2), 'close', 'close released it before closing');
  } finally {
    await b.close();
    dir.remove();
  }
});
