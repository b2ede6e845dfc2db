import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftNode, type RaftApplication } from '../../storage/raft/node.js';
import { DiskLogStorage } from '../../storage/raft/disk-storage.js';
import type { PeerTransport } from '../../storage/raft/transport/transport.js';
import { decodeConfChange } from '../../storage/raft/core/conf-change.js';
import { EntryType, message, MessageType, type Entry } from '../../storage/raft/core/messages.js';
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

test('raft node: a message that breaks an invariant (a commit past the end of its log) stops the node instead of being dropped', async () => {
  const dir = tempDir('raft-node-invariant');
  const storage = DiskLogStorage.open(dir.path, { unsafeNoSync: true });
  const transport = { send: () => undefined } as unknown as PeerTransport;
  const failures: Error[] = [];
  const warnings: string[] = [];
  // A long election timeout: member 2 stays a follower of member 1 for the whole test.
  const node = new RaftNode({
    id: 2n,
    storage,
    transport,
    heartbeatMs: 1000,
    electionMs: 60_000,
    snapshotCount: 1000,
    log: (level, msg) => void (level === 'warn' && warnings.push(msg)),
    onFailure: (err) => failures.push(err),
  });
  const app: RaftApplication = {
    apply(entries: readonly Entry[]) {
      for (const e of entries) if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
    },
    installSnapshot: () => Promise.resolve(),
    appliedDurable: () => Promise.resolve(),
    leaderChanged: () => undefined,
  };
  try {
    node.raw.bootstrap([1n, 2n]);
    node.start(app);
    const last = storage.lastIndex();
    // The leader says entries up to last + 10 are committed, but this member's log ends at last:
    // entries it acknowledged are gone (a lost disk), so it must stop.
    node.receive([message({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 1, commit: last + 10 })]);
    await until('the node fails', () => failures.length > 0);
    assert.match(String(failures[0]), /commit \d+ is past the last index \d+/);
    assert.deepEqual(warnings.filter((w) => w === 'dropped a raft message'), [], 'the message was not merely dropped');
    assert.equal(failures.length, 1);
  } finally {
    node.stop();
    await node.closeStorage();
    dir.remove();
  }
});
