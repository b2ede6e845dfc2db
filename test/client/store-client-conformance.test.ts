import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import type { StoreClient, StoreWatchNotice } from '../../storage/client/store-client.js';
import { isStorageError } from '../../storage/errors.js';
import { startEmbeddedMember } from '../helpers/embedded-member.js';
import { missingTool, startStore, tempDir } from '../helpers/processes.js';

/**
 * One conformance suite for the registry's store client, run against the
 * in-process client of an embedded member, the gRPC client against kite store,
 * and the gRPC client against a real etcd 3.4: they must behave the same.
 */
const b = (s: string) => Buffer.from(s);

function collector() {
  const notices: StoreWatchNotice[] = [];
  return {
    notices,
    onNotice: (n: StoreWatchNotice) => void notices.push(n),
    events: () => notices.flatMap((n) => (n.kind === 'events' ? n.events.map((e) => `${e.type} ${e.key}=${e.object.value.toString()}@${e.object.modRevision}${e.previous ? ` prev=${e.previous.value.toString()}` : ''}`) : [])),
    async until(pred: () => boolean, what: string): Promise<void> {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(pred(), `timed out waiting for ${what}; got ${JSON.stringify(notices, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
    },
  };
}

async function conformance(c: StoreClient): Promise<void> {
  const p = '/registry/things/';
  // Create: expected revision 0 means the key must not exist.
  assert.equal((await c.get(`${p}a`)).object, undefined);
  const created = await c.optimisticPut(`${p}a`, b('1'), 0);
  assert.equal(created.succeeded, true);
  const again = await c.optimisticPut(`${p}a`, b('x'), 0);
  assert.equal(again.succeeded, false, 'create of an existing key fails');
  assert.equal(again.current?.value.toString(), '1', 'and returns the current object');
  const got = await c.get(`${p}a`);
  assert.equal(got.object?.modRevision, created.revision);
  assert.equal(got.object?.createRevision, created.revision);
  // Update with the right and with a stale revision.
  const updated = await c.optimisticPut(`${p}a`, b('2'), created.revision);
  assert.ok(updated.succeeded && updated.revision === created.revision + 1);
  const stale = await c.optimisticPut(`${p}a`, b('3'), created.revision);
  assert.equal(stale.succeeded, false);
  assert.equal(stale.current?.modRevision, updated.revision);
  // Watch from the create revision replays history, then follows live.
  const w = collector();
  const watch = c.watch(p, created.revision, w.onNotice);
  await w.until(() => w.events().length >= 2, 'history');
  for (const k of ['b', 'c', 'd', 'e']) assert.equal((await c.optimisticPut(`${p}${k}`, b(k), 0)).succeeded, true);
  const del = await c.optimisticDelete(`${p}b`, (await c.get(`${p}b`)).object!.modRevision);
  assert.equal(del.succeeded, true);
  assert.equal((await c.optimisticDelete(`${p}b`, 0)).succeeded, true, 'deleting a missing key with expected revision 0 matches');
  const staleDel = await c.optimisticDelete(`${p}a`, created.revision);
  assert.equal(staleDel.succeeded, false);
  assert.equal(staleDel.current?.value.toString(), '2');
  await w.until(() => w.events().length >= 7, 'live events');
  const r0 = created.revision;
  assert.deepEqual(w.events(), [
    `put ${p}a=1@${r0}`,
    `put ${p}a=2@${r0 + 1} prev=1`,
    `put ${p}b=b@${r0 + 2}`,
    `put ${p}c=c@${r0 + 3}`,
    `put ${p}d=d@${r0 + 4}`,
    `put ${p}e=e@${r0 + 5}`,
    `delete ${p}b=@${r0 + 6} prev=b`,
  ]);
  watch.cancel();
  // Counting and paging at one revision while writes go on.
  assert.equal(await c.count(p), 4);
  const page1 = await c.list(p, { limit: 2 });
  assert.deepEqual(page1.objects.map((o) => o.key), [`${p}a`, `${p}c`]);
  assert.ok(page1.more);
  assert.equal(page1.remaining, 4);
  await c.optimisticPut(`${p}cc`, b('new'), 0);
  const page2 = await c.list(p, { limit: 2, after: page1.objects[1]!.key, revision: page1.revision });
  assert.deepEqual(page2.objects.map((o) => o.key), [`${p}d`, `${p}e`], 'a later page reads at the first page revision');
  assert.equal(page2.more, false);
  assert.equal(page2.revision, page1.revision);
  assert.equal((await c.list(p)).objects.length, 5);
  // Progress: a requested progress notice carries a revision at least the current one.
  const pw = collector();
  const pwatch = c.watch(p, 0, pw.onNotice);
  await new Promise((r) => setTimeout(r, 200));
  c.requestProgress();
  await pw.until(() => pw.notices.some((n) => n.kind === 'progress'), 'a progress notice');
  pwatch.cancel();
  // Compaction: reads below fail, a watch from below is closed as compacted.
  const head = (await c.get(`${p}a`)).revision;
  await c.compact(head);
  await assert.rejects(c.get(`${p}a`, r0), (e) => isStorageError(e, 'Compacted'));
  const cw = collector();
  c.watch(p, r0, cw.onNotice);
  await cw.until(() => cw.notices.some((n) => n.kind === 'closed'), 'the compacted close');
  const closed = cw.notices.find((n) => n.kind === 'closed');
  assert.ok(closed?.kind === 'closed' && closed.code === 'Compacted' && closed.compactRevision === head);
  // Leases attach keys.
  const lease = await c.grantLease(60);
  assert.equal((await c.optimisticPut(`${p}leased`, b('l'), 0, lease)).succeeded, true);
  assert.equal((await c.get(`${p}leased`)).object?.lease, lease);
}

test('store client conformance: embedded member', async () => {
  const member = await startEmbeddedMember('conf-embedded');
  const c = new EmbeddedStoreClient(member.store, member.watchable);
  try {
    await conformance(c);
  } finally {
    await c.close();
    await member.close();
  }
});

for (const kind of ['kite', 'etcd'] as const) {
  test(`store client conformance: gRPC to ${kind === 'kite' ? 'kite store' : 'real etcd'}`, { timeout: 60_000 }, async (t) => {
    if (kind === 'etcd') {
      const skip = missingTool('etcd', 'etcd-server');
      if (skip) {
        t.skip(skip);
        return;
      }
    }
    const dir = tempDir(`conf-${kind}`);
    const member = await startStore({ kind, dataDir: dir.path });
    const c = new GrpcStoreClient([member.endpoint]);
    try {
      await conformance(c);
    } finally {
      await c.close();
      await member.stop();
      dir.remove();
    }
  });
}
