// forceNewCluster's rewrite of a Raft log, on a real DiskLogStorage in a temp dir: what is
// cut, what is appended, and the membership the log then gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeConfChange, encodeConfChange, type ConfChange } from '../../storage/raft/core/conf-change.js';
import { EntryType, type Entry } from '../../storage/raft/core/messages.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import { forceNewCluster } from '../../storage/server/force-new-cluster.js';
import { tempDir } from '../helpers/processes.js';

const [A, B, C, D] = [11n, 22n, 33n, 44n];

const conf = (type: ConfChange['type'], nodeId: bigint, term: number, index: number): Entry => ({ term, index, type: EntryType.ConfChange, data: encodeConfChange({ type, nodeId }) });
const put = (term: number, index: number): Entry => ({ term, index, type: EntryType.Normal, data: Buffer.from(`put ${index}`) });

interface Case {
  readonly name: string;
  /** The log before: entries, hard state, and an optional snapshot (index, voters) taken before them. */
  readonly entries: Entry[];
  readonly commit: number;
  readonly term: number;
  readonly snapshot?: { index: number; voters: bigint[]; learners?: bigint[] };
  readonly self: bigint;
  readonly applied: number;
  /** Expected: the cut, the tail discarded, the changes appended (type and id), the new commit. */
  readonly want: { commit: number; discarded: number; appended: [ConfChange['type'], bigint][]; newCommit: number; lastIndex: number };
}

const founding = [conf('add-node', A, 1, 1), conf('add-node', B, 1, 2), conf('add-node', C, 1, 3)];

const cases: Case[] = [
  {
    name: 'three founders: the two others are removed, the uncommitted tail goes',
    entries: [...founding, put(2, 4), put(2, 5), put(2, 6), put(2, 7)],
    commit: 5,
    term: 2,
    self: B,
    applied: 5,
    want: { commit: 5, discarded: 2, appended: [['remove-node', A], ['remove-node', C]], newCommit: 7, lastIndex: 7 },
  },
  {
    name: 'the database applied past the commit index on disk: the cut follows what was applied',
    entries: [...founding, put(2, 4), put(2, 5), put(2, 6)],
    commit: 4,
    term: 2,
    self: A,
    applied: 6,
    want: { commit: 6, discarded: 0, appended: [['remove-node', B], ['remove-node', C]], newCommit: 8, lastIndex: 8 },
  },
  {
    name: 'committed membership changes count; uncommitted ones do not',
    entries: [...founding, conf('remove-node', C, 2, 4), conf('add-learner', D, 2, 5), conf('add-node', C, 2, 6)],
    commit: 5,
    term: 2,
    self: A,
    applied: 5,
    want: { commit: 5, discarded: 1, appended: [['remove-node', B], ['remove-node', D]], newCommit: 7, lastIndex: 7 },
  },
  {
    name: 'a learner survivor is removed of the others and added as a voter',
    entries: [...founding, conf('add-learner', D, 2, 4)],
    commit: 4,
    term: 2,
    self: D,
    applied: 4,
    want: { commit: 4, discarded: 0, appended: [['remove-node', A], ['remove-node', B], ['remove-node', C], ['add-node', D]], newCommit: 8, lastIndex: 8 },
  },
  {
    name: 'already alone: only the uncommitted tail goes',
    entries: [conf('add-node', A, 1, 1), put(1, 2), put(2, 3), put(2, 4)],
    commit: 2,
    term: 2,
    self: A,
    applied: 2,
    want: { commit: 2, discarded: 2, appended: [], newCommit: 2, lastIndex: 2 },
  },
  {
    name: 'already alone with the snapshot at the commit index: an empty entry replaces the tail',
    entries: [conf('add-node', A, 1, 1), put(1, 2), put(1, 3), put(2, 4), put(2, 5), put(2, 6)],
    snapshot: { index: 4, voters: [A] },
    commit: 4,
    term: 2,
    self: A,
    applied: 4,
    want: { commit: 4, discarded: 2, appended: [], newCommit: 5, lastIndex: 5 },
  },
  {
    name: 'membership from the snapshot, then the log after it',
    entries: [...founding, put(2, 4), put(2, 5), conf('remove-node', C, 2, 6), put(2, 7)],
    snapshot: { index: 5, voters: [A, B, C] },
    commit: 7,
    term: 3,
    self: A,
    applied: 7,
    want: { commit: 7, discarded: 0, appended: [['remove-node', B]], newCommit: 8, lastIndex: 8 },
  },
];

for (const c of cases) {
  test(`forceNewCluster: ${c.name}`, async () => {
    const dir = tempDir('force-new-cluster');
    try {
      let storage = DiskLogStorage.open(dir.path);
      await storage.save({ entries: c.entries, hardState: { term: c.term, vote: c.self, commit: c.commit } }, true);
      if (c.snapshot !== undefined) {
        storage.createSnapshot(c.snapshot.index, { voters: c.snapshot.voters, learners: c.snapshot.learners ?? [] }, new Uint8Array(0));
        storage.compact(c.snapshot.index);
      }
      await storage.close();
      storage = DiskLogStorage.open(dir.path);
      const forced = await forceNewCluster(storage, c.self, c.applied);
      await storage.close();

      // What it says it did, and what a restart finds on disk.
      storage = DiskLogStorage.open(dir.path);
      const appended = storage.lastIndex() > forced.commit ? storage.entries(forced.commit + 1, storage.lastIndex() + 1, Number.MAX_SAFE_INTEGER) : [];
      const changes = appended.filter((e) => e.type === EntryType.ConfChange).map((e) => decodeConfChange(e.data));
      assert.deepEqual(
        { commit: forced.commit, discarded: forced.discarded, appended: changes.map((cc) => [cc.type, cc.nodeId]), newCommit: forced.newCommit, lastIndex: storage.lastIndex() },
        c.want,
      );
      assert.ok(appended.every((e) => e.term === c.term), 'appended in the current term');
      assert.deepEqual(storage.hardState(), { term: c.term, vote: c.self, commit: c.want.newCommit });
      // Entries up to the cut are untouched.
      const kept = c.entries.filter((e) => e.index <= forced.commit && e.index >= storage.firstIndex());
      assert.deepEqual(storage.entries(storage.firstIndex(), forced.commit + 1, Number.MAX_SAFE_INTEGER).map((e) => [e.index, e.term]), kept.map((e) => [e.index, e.term]));
      await storage.close();
    } finally {
      dir.remove();
    }
  });
}

test('forceNewCluster refuses a database that applied past the end of the log', async () => {
  const dir = tempDir('force-new-cluster');
  try {
    const storage = DiskLogStorage.open(dir.path);
    await storage.save({ entries: founding, hardState: { term: 1, vote: 0n, commit: 3 } }, true);
    await assert.rejects(forceNewCluster(storage, A, 9), (err: Error & { code?: string }) => err.code === 'invariant-violated');
    await storage.close();
  } finally {
    dir.remove();
  }
});

