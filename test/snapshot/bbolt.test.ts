import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BoltReader, BoltWriter } from '../../storage/snapshot/bbolt.js';
import { revisionKey } from '../../storage/snapshot/etcd-snapshot.js';
import { hasCommand, tempDir } from '../helpers/processes.js';

test('bbolt: buckets with branch levels and overflow pages round-trip, and bbolt itself accepts the file', () => {
  const dir = tempDir('bbolt');
  try {
    const path = join(dir.path, 'x.db');
    const w = new BoltWriter(path);
    const entries = Array.from({ length: 60_000 }, (_, i) => ({ key: revisionKey(i + 2, 0, i % 5 === 0), value: Buffer.alloc(i % 1000 === 0 ? 20_000 : 40, i % 251) }));
    w.writeBucket('key', entries);
    w.writeBucket('meta', [{ key: Buffer.from('a'), value: Buffer.from('1') }]);
    w.writeBucket('empty', []);
    const size = w.close();
    const r = new BoltReader(path);
    try {
      assert.equal(r.size, size);
      assert.deepEqual(r.bucketNames(), ['empty', 'key', 'meta']);
      const back = [...r.bucket('key')];
      assert.equal(back.length, entries.length);
      back.forEach((e, i) => {
        assert.ok(e.key.equals(entries[i]!.key) && e.value.equals(entries[i]!.value), `entry ${i}`);
      });
      assert.deepEqual([...r.bucket('empty')], []);
      assert.deepEqual([...r.bucket('missing')], []);
    } finally {
      r.close();
    }
    if (hasCommand('etcdctl')) {
      // etcdctl's snapshot status opens the file with bbolt and runs its consistency check.
      const st = spawnSync('etcdctl', ['snapshot', 'status', path, '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
      assert.equal(st.status, 0, st.stderr);
      const status = JSON.parse(st.stdout) as { revision: number; totalKey: number; totalSize: number };
      assert.deepEqual([status.revision, status.totalKey, status.totalSize], [60_001, 60_001, size]);
    }
  } finally {
    dir.remove();
  }
});
