import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftNode, type RaftApplication } from '../../storage/raft/node.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import type { PeerTransport } from '../../storage/raft/transport/transport.js';
import { decodeConfChange } from '../../storage/raft/core/conf-change.js';
import { EntryType, type Entry } from '../../storage/raft/core/messages.js';
import { tempDir } from '../helpers/processes.js';

const until = async (what: string, cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting until ${what}`);
};

test('raft node: a snapshot and log compaction wait until the application has made its applied entries durable', async () => {
  const dir = tempDir('raft-node-snap');
  const storage = DiskLogStorage.open(dir.path, { unsafeNoSync: true });
  // A lone voter sends nothing; the transport is never used.
  const transport = { send: () => undefined } as unknown as PeerTransport;
  const node = new RaftNode({ id: 1n, storage, transport, heartbeatMs: 10, electionMs: 50, snapshotCount: 5, catchUpEntries: 2, log: () => undefined });
  let applied = 0;
  let durable = 0;
  let release: (() => void) | undefined;
  const app: RaftApplication = {
    apply(entries: readonly Entry[]) {
      for (const e of entries) if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
      applied = entries[entries.length - 1]!.index;
    },
    installSnapshot: () => Promise.resolve(),
    // Durable only when the test says so, as a store that batches its commits.
    appliedDurable() {
      const upTo = applied;
      return new Promise<void>((resolve) => {
        release = () => {
          durable = upTo;
          resolve();
        };
      });
    },
    leaderChanged: () => undefined,
  };
  try {
    node.raw.bootstrap([1n]);
    node.start(app);
    await until('it leads', () => node.status().softState.lead === 1n);
    for (let i = 0; i < 10; i++) await node.propose(Buffer.from(`entry ${i}`));
    await until('ten entries are applied', () => applied >= 11);
    assert.notEqual(release, undefined, 'a snapshot is due and waits for durability');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(storage.snapshot().metadata.index, 0, 'no snapshot while the applied entries are not durable');
    assert.equal(storage.firstIndex(), 1, 'and the log is whole');

    release!();
    await until('the snapshot is recorded', () => storage.snapshot().metadata.index > 0);
    const snapshotAt = storage.snapshot().metadata.index;
    assert.ok(snapshotAt <= durable, `snapshot at ${snapshotAt}, durable up to ${durable}`);
    assert.equal(storage.firstIndex(), snapshotAt - 2 + 1, 'compacted, keeping the catch-up entries');
  } finally {
    node.stop();
    await node.closeStorage();
    dir.remove();
  }
});
