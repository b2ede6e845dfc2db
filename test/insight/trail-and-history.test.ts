// The insight pieces under the page, on a real embedded store: the trail records only
// while subscribed and stays bounded; store calls are filed under the request running
// them, with the txn's compare and revision and the watch deliveries it caused; a key's
// history walks back to its creation, or to where compaction cut it off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { recordingStoreClient } from '../../registry/insight/recording-store-client.js';
import { RequestTrail, serverFacts } from '../../registry/insight/request-trail.js';
import { requestContext } from '../../registry/insight/request-context.js';
import { WatcherRegistry } from '../../registry/insight/watcher-registry.js';
import { keyHistory } from '../../registry/insight/key-history.js';
import { startEmbeddedMember } from '../helpers/embedded-member.js';
import type { TrailEntry } from '../../registry/insight/trail-types.js';

const facts = { ...serverFacts, user: 'alice', verb: 'create', resource: 'configmaps', namespace: 'ns' };

test('the trail keeps at most its size, records nothing while no one is subscribed, and credits deliveries that come before their txn', () => {
  const trail = new RequestTrail({ size: 3 });
  trail.record({ kind: 'watch', key: '/x', startRevision: 0 });
  assert.equal(trail.entries().length, 0, 'nothing recorded without a subscriber');
  const stop = trail.subscribe(() => undefined);
  for (let i = 0; i < 10; i++) trail.begin({ ...facts, name: `n${i}` });
  assert.deepEqual(trail.entries().map((e) => e.name), ['n7', 'n8', 'n9']);
  // A watch may get a write's event before the writer hears back: the delivery waits for the txn.
  trail.delivered(77, 'api');
  const entry = trail.begin(facts);
  requestContext.run(entry, () =>
    trail.record({ kind: 'txn', key: '/k', expectedModRevision: 0, then: 'put', lease: '0', valueBytes: 2, isSucceeded: true, revision: 77, ms: 1, delivered: { storeWatchers: 0, apiWatchers: 0 } }),
  );
  trail.delivered(77, 'store');
  assert.deepEqual(entry.ops[0]?.kind === 'txn' && entry.ops[0].delivered, { storeWatchers: 1, apiWatchers: 1 });
  stop();
  assert.equal(trail.isRecording, false);
  assert.throws(() => new RequestTrail({ size: 0 }), RangeError);
});

test("store calls are filed under the request's entry: the txn's compare, its revision, and the watch events it caused", async () => {
  const member = await startEmbeddedMember('insight-trail');
  try {
    const trail = new RequestTrail({ size: 10, flushMs: 1 });
    const watchers = new WatcherRegistry();
    const client = recordingStoreClient(new EmbeddedStoreClient(member.store, member.watchable), { trail, watchers });
    await client.optimisticPut('/registry/configmaps/ns/before', Buffer.from('{}'), 0);
    assert.equal(trail.entries().length, 0, 'not recorded before a subscriber');
    const batches: TrailEntry[][] = [];
    const stop = trail.subscribe((changed) => batches.push([...changed]));
    const seen: number[] = [];
    const delivered = new Promise<void>((resolve) => {
      const w = client.watch('/registry/configmaps/', 0, (n) => {
        if (n.kind !== 'events') return;
        seen.push(n.revision);
        w.cancel();
        resolve();
      });
    });
    assert.equal(watchers.list().length, 1);
    const entry = trail.begin(facts);
    const put = await requestContext.run(entry, async () => {
      await client.get('/registry/namespaces/ns');
      return client.optimisticPut('/registry/configmaps/ns/c', Buffer.from('{"a":1}'), 0);
    });
    await delivered;
    assert.equal(entry.ops.length, 2);
    assert.deepEqual({ ...entry.ops[0], ms: 0 }, { kind: 'range', key: '/registry/namespaces/ns', isPrefix: false, revision: 0, limit: 0, isCountOnly: false, count: 0, atRevision: put.revision - 1, ms: 0 });
    const txn = entry.ops[1]!;
    assert.equal(txn.kind, 'txn');
    assert.equal(txn.key, '/registry/configmaps/ns/c');
    assert.equal(txn.expectedModRevision, 0);
    assert.equal(txn.isSucceeded, true);
    assert.equal(txn.revision, put.revision);
    assert.deepEqual(txn.delivered, { storeWatchers: 1, apiWatchers: 0 });
    assert.deepEqual(seen, [put.revision]);
    assert.equal(watchers.list().length, 0, 'the cancelled watch is gone');
    // A failed compare is recorded too, with the store's revision.
    const failed = await requestContext.run(entry, () => client.optimisticPut('/registry/configmaps/ns/c', Buffer.from('{}'), 1));
    assert.equal(failed.succeeded, false);
    assert.equal(entry.ops[2]?.kind === 'txn' && entry.ops[2].isSucceeded, false);
    trail.finish(entry, 201);
    // Calls made after the request was answered (work it left running) are the server's own.
    await requestContext.run(entry, () => client.get('/registry/namespaces/ns'));
    assert.equal(entry.ops.length, 3);
    // Calls outside any request become entries of the server's own.
    await client.count('/registry/configmaps/');
    assert.equal(trail.entries().at(-1)?.user, 'kite-apiserver');
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(batches.flat().some((e) => e.id === entry.id && e.code === 201), 'subscribers heard of the entry');
    stop();
  } finally {
    await member.close();
  }
});

test('a key history walks back to the creation, and stops where compaction cut it off', async () => {
  const member = await startEmbeddedMember('insight-history');
  try {
    const client = new EmbeddedStoreClient(member.store, member.watchable);
    const key = '/registry/configmaps/ns/h';
    const r1 = await client.optimisticPut(key, Buffer.from('{"v":1}'), 0);
    const r2 = await client.optimisticPut(key, Buffer.from('{"v":2}'), r1.revision);
    const r3 = await client.optimisticPut(key, Buffer.from('{"v":3}'), r2.revision);
    const full = await keyHistory(client, key);
    assert.deepEqual(full.versions.map((v) => [v.modRevision, v.createRevision, v.version, v.value.toString()]), [
      [r3.revision, r1.revision, 3, '{"v":3}'],
      [r2.revision, r1.revision, 2, '{"v":2}'],
      [r1.revision, r1.revision, 1, '{"v":1}'],
    ]);
    assert.equal(full.compactedAt, undefined);
    const asOf = await keyHistory(client, key, { revision: r2.revision });
    assert.deepEqual(asOf.versions.map((v) => v.modRevision), [r2.revision, r1.revision]);
    await client.compact(r3.revision);
    const cut = await keyHistory(client, key);
    assert.deepEqual(cut.versions.map((v) => v.modRevision), [r3.revision]);
    assert.equal(cut.compactedAt, r3.revision - 1);
  } finally {
    await member.close();
  }
});

test('a key history spans the key\'s lives: creations, changes and deletes, paged, back to where compaction cut it off', async () => {
  const member = await startEmbeddedMember('insight-history-lives');
  try {
    const client = new EmbeddedStoreClient(member.store, member.watchable);
    const key = '/registry/configmaps/ns/life';
    // Another key under the same prefix: its events must not be taken for the key's.
    await client.optimisticPut(`${key}-other`, Buffer.from('x'), 0);
    const a1 = await client.optimisticPut(key, Buffer.from('{"life":1,"v":1}'), 0);
    const a2 = await client.optimisticPut(key, Buffer.from('{"life":1,"v":2}'), a1.revision);
    const d1 = await client.optimisticDelete(key, a2.revision);
    const b1 = await client.optimisticPut(key, Buffer.from('{"life":2,"v":1}'), 0);
    const d2 = await client.optimisticDelete(key, b1.revision);
    const c1 = await client.optimisticPut(key, Buffer.from('{"life":3,"v":1}'), 0);
    const c2 = await client.optimisticPut(key, Buffer.from('{"life":3,"v":2}'), c1.revision);
    const row = (v: { modRevision: number; createRevision: number; version: number; isDelete: boolean; value: Buffer }) => [v.modRevision, v.createRevision, v.version, v.isDelete, v.value.toString()];
    const all = await keyHistory(client, key);
    assert.deepEqual(all.versions.map(row), [
      [c2.revision, c1.revision, 2, false, '{"life":3,"v":2}'],
      [c1.revision, c1.revision, 1, false, '{"life":3,"v":1}'],
      [d2.revision, 0, 0, true, ''],
      [b1.revision, b1.revision, 1, false, '{"life":2,"v":1}'],
      [d1.revision, 0, 0, true, ''],
      [a2.revision, a1.revision, 2, false, '{"life":1,"v":2}'],
      [a1.revision, a1.revision, 1, false, '{"life":1,"v":1}'],
    ]);
    assert.equal(all.total, 7);
    assert.equal(all.isTruncated, false);
    assert.equal(all.compactedAt, undefined);

    // Pages of three, each older than the last one's oldest.
    const page1 = await keyHistory(client, key, { limit: 3 });
    assert.deepEqual(page1.versions.map((v) => v.modRevision), [c2.revision, c1.revision, d2.revision]);
    assert.equal(page1.isTruncated, true);
    const page2 = await keyHistory(client, key, { limit: 3, before: d2.revision });
    assert.deepEqual(page2.versions.map((v) => v.modRevision), [b1.revision, d1.revision, a2.revision]);
    assert.equal(page2.isTruncated, true);
    const page3 = await keyHistory(client, key, { limit: 3, before: a2.revision });
    assert.deepEqual(page3.versions.map((v) => v.modRevision), [a1.revision]);
    assert.equal(page3.isTruncated, false);

    // As of a revision in the second life: that life's put and everything before it.
    const asOf = await keyHistory(client, key, { revision: b1.revision });
    assert.deepEqual(asOf.versions.map((v) => v.modRevision), [b1.revision, d1.revision, a2.revision, a1.revision]);
    // As of a revision where the key is deleted: it does not exist, and the delete heads the history.
    const gone = await keyHistory(client, key, { revision: d2.revision });
    assert.equal(gone.exists, false);
    assert.equal(gone.versions[0]?.isDelete, true);

    // Compaction in the second life's deleted stretch: the first life and the first delete are gone.
    await client.compact(d2.revision);
    const cut = await keyHistory(client, key);
    assert.deepEqual(cut.versions.map((v) => v.modRevision), [c2.revision, c1.revision]);
    assert.equal(cut.compactedAt, d2.revision - 1);
    // Compaction in the third life: the version as of the compact revision is still retained.
    await client.compact(c1.revision);
    const cut2 = await keyHistory(client, key);
    assert.deepEqual(cut2.versions.map((v) => v.modRevision), [c2.revision, c1.revision]);
    assert.equal(cut2.compactedAt, c1.revision - 1);
  } finally {
    await member.close();
  }
});
