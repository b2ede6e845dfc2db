import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../storage/lease/clock.js';
import { StoreServer } from '../../storage/server/store-server.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { tempDir } from '../helpers/processes.js';

const b = (s: string) => Buffer.from(s);

/** A one-voter member on dir with the lease clock given; no peers, no clients, no log. */
async function start(dir: string, clock: ManualClock): Promise<StoreServer> {
  const { values, explicit } = resolveFlags({ 'data-dir': dir }, {});
  const s = await StoreServer.start({ ...buildMemberConfig(values, explicit), listenPeerUrls: [] }, { clock, log: () => undefined });
  await s.untilPublished();
  return s;
}

test('lease expiry deletes every attached key in one revision; leases survive a restart with a fresh TTL', async () => {
  const dir = tempDir('lease-expiry');
  const clock = new ManualClock(0);
  let s: StoreServer | undefined;
  try {
    s = await start(dir.path, clock);
    const { id, ttl } = await s.leaseGrant(5, 0n);
    assert.equal(ttl, 5);
    const short = await s.leaseGrant(1, 0n);
    assert.equal(short.ttl, 2, 'TTL raised to 1.5 election timeouts, rounded up');
    await s.put({ key: b('/l/a'), value: b('1'), lease: id });
    await s.put({ key: b('/l/b'), value: b('2'), lease: id });
    await s.put({ key: b('/l/c'), value: b('3'), lease: short.id });
    await s.put({ key: b('/l/c'), value: b('3'), lease: 0n }); // re-put without a lease detaches it
    await s.put({ key: b('/plain'), value: b('x') });
    clock.advance(2500);
    assert.equal(await s.revokeExpiredLeases(), 1, 'the 2 s lease expired');
    assert.equal(s.range({ key: b('/l/c') }).count, 1, 'a key detached from the expired lease stays');
    const before = s.kv.revision;
    clock.advance(2000);
    assert.equal(await s.revokeExpiredLeases(), 0, 'the 5 s lease has 0.5 s left');
    // Restart: the lease comes back with its full TTL again, its keys still attached.
    await s.close();
    s = await start(dir.path, clock);
    assert.equal((await s.leaseTimeToLive(id, true)).ttl, 5);
    assert.deepEqual((await s.leaseTimeToLive(id, true)).keys.map(String), ['/l/a', '/l/b']);
    clock.advance(4000);
    assert.equal(await s.revokeExpiredLeases(), 0);
    clock.advance(1001);
    assert.equal(await s.revokeExpiredLeases(), 1);
    const after = s.range({ key: b('/l/'), rangeEnd: b('/l0') });
    assert.deepEqual(after.kvs.map((kv) => kv.key.toString()), ['/l/c']);
    assert.equal(s.kv.revision, before + 1, 'both keys went in one revision');
    assert.equal(s.range({ key: b('/l/a'), revision: before }).count, 1, 'history before the expiry is intact');
    assert.equal((await s.leaseTimeToLive(id, false)).ttl, -1);
  } finally {
    await s?.close();
    dir.remove();
  }
});
