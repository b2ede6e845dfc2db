import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { startStore, tempDir } from '../helpers/processes.js';

/**
 * The space quota as etcd runs it: writes past --quota-backend-bytes raise NOSPACE
 * and are refused (deletes and compaction still work); compaction, defragment and
 * disarming the alarm let writes in again. HashKV is unchanged by defragment.
 */
test('NOSPACE alarm, compaction, defragment and disarm', { timeout: 60_000 }, async () => {
  const dir = tempDir('quota');
  const member = await startStore({ kind: 'kite', dataDir: dir.path, extraArgs: ['--quota-backend-bytes=2500000'] });
  const c = new EtcdGrpcClient(member.endpoint);
  const code = async (p: Promise<unknown>): Promise<number> => p.then(() => Status.OK, (e: ServiceError) => e.code);
  try {
    const big = Buffer.alloc(200_000, 7);
    let refused = -1;
    for (let i = 0; i < 100 && refused < 0; i++) if ((await code(c.put({ key: Buffer.from(`/big/${i % 3}`), value: big }))) === Status.RESOURCE_EXHAUSTED) refused = i;
    assert.ok(refused > 0, 'writes were refused once the quota was reached');
    const alarms = (await c.alarm({ action: 'GET' })).alarms as WireMessage[];
    assert.deepEqual(alarms.map((a) => a.alarm), ['NOSPACE']);
    const status = await c.status();
    assert.match((status.errors as string[]).join(), /alarm:NOSPACE/);
    assert.equal(await code(c.put({ key: Buffer.from('/small'), value: Buffer.from('x') })), Status.RESOURCE_EXHAUSTED, 'even a small put is refused while NOSPACE is raised');
    assert.equal(await code(c.deleteRange({ key: Buffer.from('/big/2') })), Status.OK, 'deletes are allowed');
    const rev = Number(((await c.range({ key: Buffer.from('/big/0') })).header as WireMessage).revision);
    await c.compact({ revision: rev, physical: true });
    const before = await c.hashKv(rev);
    const sizeBefore = Number((await c.status()).dbSize);
    await c.defragment();
    const sizeAfter = Number((await c.status()).dbSize);
    assert.ok(sizeAfter < sizeBefore / 2, `defragment shrank the file (${sizeBefore} -> ${sizeAfter})`);
    const after = await c.hashKv(rev);
    assert.equal(after.hash, before.hash, 'defragment changed no data');
    assert.equal(await code(c.put({ key: Buffer.from('/small'), value: Buffer.from('x') })), Status.RESOURCE_EXHAUSTED, 'still refused until disarmed');
    await c.alarm({ action: 'DEACTIVATE', alarm: 'NOSPACE', memberID: '0' });
    assert.equal(await code(c.put({ key: Buffer.from('/small'), value: Buffer.from('x') })), Status.OK, 'writes work again');
    assert.equal(((await c.range({ key: Buffer.from('/big/0') })).kvs as WireMessage[]).length, 1, 'data survived defragment');
  } finally {
    c.close();
    await member.stop();
    dir.remove();
  }
});
