import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { freePort, startStore, tempDir } from '../helpers/processes.js';

/**
 * SIGKILL a member while 32 clients write, restart it on the same data dir, and
 * check that every acknowledged write is there with its revision, and that the
 * revision sequence has no gap: rounds kill at different moments of the load.
 */
test('kite store killed with SIGKILL keeps every acknowledged write', { timeout: 120_000 }, async () => {
  const dir = tempDir('crash');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const acked = new Map<string, { value: string; revision: number }>();
  let lastAckedRevision = 0;
  try {
    for (const [round, killAfterMs] of [[1, 150], [2, 400], [3, 25], [4, 700]] as const) {
      const member = await startStore({ kind: 'kite', dataDir: dir.path, clientPort, peerPort });
      const client = new EtcdGrpcClient(member.endpoint);
      // Everything acknowledged in earlier rounds survived the kill.
      for (const [key, want] of acked) {
        const res = await client.range({ key: Buffer.from(key) });
        const kv = (res.kvs as WireMessage[])[0];
        assert.ok(kv, `round ${round}: acknowledged key ${key} is missing`);
        assert.equal((kv.value as Buffer).toString(), want.value, `round ${round}: ${key}`);
        assert.equal(Number(kv.modRevision), want.revision, `round ${round}: mod revision of ${key}`);
      }
      const header = (await client.range({ key: Buffer.from('x') })).header as WireMessage;
      assert.ok(Number(header.revision) >= lastAckedRevision, `round ${round}: revision ${String(header.revision)} went back below ${lastAckedRevision}`);
      let stop = false;
      let seq = 0;
      const writer = async (w: number): Promise<void> => {
        while (!stop) {
          const key = `/crash/r${round}/w${w}/${seq++}`;
          const value = `v-${key}`;
          try {
            const res = await client.put({ key: Buffer.from(key), value: Buffer.from(value) });
            const revision = Number((res.header as WireMessage).revision);
            acked.set(key, { value, revision });
            lastAckedRevision = Math.max(lastAckedRevision, revision);
          } catch {
            return; // the member died under us: this write was not acknowledged
          }
        }
      };
      const writers = Array.from({ length: 32 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, killAfterMs));
      await member.stop('SIGKILL');
      stop = true;
      await Promise.all(writers);
      client.close();
    }
    assert.ok(acked.size > 100, `only ${acked.size} writes were acknowledged: the test did not load the member`);
    // Final check after the last kill, including that revisions are dense: every
    // acknowledged revision maps to exactly one key.
    const member = await startStore({ kind: 'kite', dataDir: dir.path, clientPort, peerPort });
    const client = new EtcdGrpcClient(member.endpoint);
    try {
      const res = await client.range({ key: Buffer.from('/crash/'), rangeEnd: Buffer.from('/crash0') });
      const stored = new Map((res.kvs as WireMessage[]).map((kv) => [(kv.key as Buffer).toString(), Number(kv.modRevision)]));
      for (const [key, want] of acked) assert.equal(stored.get(key), want.revision, `after the last kill: ${key}`);
      const revisions = [...stored.values()].sort((a, b) => a - b);
      assert.equal(new Set(revisions).size, revisions.length, 'two keys share one revision');
      assert.equal(revisions[revisions.length - 1]! - revisions[0]! + 1, revisions.length, 'the revision sequence has a gap');
      assert.equal(Number((res.header as WireMessage).revision), revisions[revisions.length - 1]!);
    } finally {
      client.close();
      await member.stop();
    }
  } finally {
    dir.remove();
  }
});
