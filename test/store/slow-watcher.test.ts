import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { startStore, tempDir } from '../helpers/processes.js';
import { prefixRangeEnd } from '../../storage/mvcc/key-value.js';

/** The end of the prefix range of p (the store's own helper). */
const prefixEnd = (p: string): Buffer => prefixRangeEnd(Buffer.from(p));

/**
 * A client that stops reading its watch stream: writers and a second watcher go
 * on at full speed, the member does not buffer the stalled stream's events (it is
 * set aside and later caught up from the store), and when the client reads again
 * it gets every event in order, none twice. A watch from a future revision waits
 * for it, as in etcd.
 */
test('a stalled watch stream stalls no one and catches up when it reads again', { timeout: 90_000 }, async () => {
  const dir = tempDir('slow-watch');
  const member = await startStore({ kind: 'kite', dataDir: dir.path });
  // Separate connections: the stalled stream's TCP window must not hold back the others.
  const stalledClient = new EtcdGrpcClient(member.endpoint, { 'grpc.use_local_subchannel_pool': 1 });
  const liveClient = new EtcdGrpcClient(member.endpoint, { 'grpc.use_local_subchannel_pool': 1 });
  const writer = new EtcdGrpcClient(member.endpoint, { 'grpc.use_local_subchannel_pool': 1 });
  const watch = (c: EtcdGrpcClient, startRevision = 0) => {
    const stream = c.watch();
    const revisions: number[] = [];
    let created = false;
    stream.on('data', (res: WireMessage) => {
      if (res.created === true) created = true;
      for (const e of (res.events as WireMessage[] | undefined) ?? []) revisions.push(Number((e.kv as WireMessage).modRevision));
    });
    stream.on('error', () => undefined);
    stream.write({ createRequest: { key: Buffer.from('/slow/'), rangeEnd: prefixEnd('/slow/'), startRevision } });
    return { stream, revisions, isCreated: () => created };
  };
  try {
    const first = Number(((await writer.put({ key: Buffer.from('/slow/start'), value: Buffer.from('x') })).header as WireMessage).revision);
    const future = watch(liveClient, first + 50); // starts at a revision not written yet
    const stalled = watch(stalledClient);
    const live = watch(liveClient);
    while (!stalled.isCreated() || !live.isCreated() || !future.isCreated()) await new Promise((r) => setTimeout(r, 20));
    stalled.stream.pause(); // stop reading: TCP and HTTP/2 flow control push back on the member
    const value = Buffer.alloc(4096, 'v');
    const puts = 1500;
    const t0 = Date.now();
    let last = 0;
    for (let i = 0; i < puts; i++) {
      const res = await writer.put({ key: Buffer.from(`/slow/${i % 10}`), value });
      last = Number((res.header as WireMessage).revision);
    }
    const writeMs = Date.now() - t0;
    const expected = Array.from({ length: puts }, (_, i) => first + 1 + i);
    for (let i = 0; i < 200 && live.revisions.length < puts; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(live.revisions, expected, 'the live watcher got every event while the other stream was stalled');
    assert.deepEqual(future.revisions, expected.filter((r) => r >= first + 50), 'the future-revision watcher started exactly there');
    assert.ok(stalled.revisions.length < puts, `the stalled stream should not have read everything yet (${stalled.revisions.length})`);
    // The member set the stalled watcher aside (it will read from the store) instead of
    // queueing ~6 MB of events for it.
    const metrics = await (await fetch(`${member.clientUrl}/metrics`)).text();
    assert.match(metrics, /etcd_debugging_mvcc_watcher_total 3/);
    assert.match(metrics, /etcd_debugging_mvcc_slow_watcher_total 1/);
    stalled.stream.resume();
    for (let i = 0; i < 400 && stalled.revisions.length < puts; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(stalled.revisions, expected, 'after resuming, every event in order, none twice');
    assert.equal(last, first + puts);
    assert.ok(writeMs < 60_000, `writes took ${writeMs} ms`);
    for (const w of [stalled, live, future]) w.stream.cancel();
  } finally {
    stalledClient.close();
    liveClient.close();
    writer.close();
    await member.stop();
    dir.remove();
  }
});
