import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember } from '../../storage/server/run-member.js';
import { freePort, tempDir } from '../helpers/processes.js';

/**
 * The store embedded in the API server has one writer: the API server, in
 * process. Its etcd port lets anyone read and watch, and refuses every write with
 * etcd's PERMISSION_DENIED.
 */
test('a read-only client port serves reads and refuses writes', { timeout: 30_000 }, async () => {
  const dir = tempDir('readonly');
  const url = `http://127.0.0.1:${await freePort()}`;
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path, 'listen-client-urls': url, 'advertise-client-urls': url }, {});
  const member = await runMember(buildMemberConfig(values, explicit), { readOnly: true });
  const inProcess = new EmbeddedStoreClient(member.store, member.watchable);
  const remote = new EtcdGrpcClient(url.replace('http://', ''));
  const code = (p: Promise<unknown>) => p.then(() => Status.OK, (e: ServiceError) => e.code);
  try {
    assert.equal((await inProcess.optimisticPut('/registry/x', Buffer.from('{}'), 0)).succeeded, true, 'the in-process writer writes');
    const got = await remote.range({ key: Buffer.from('/registry/x') });
    assert.equal((got.kvs as WireMessage[]).length, 1, 'others read');
    assert.equal(await code(remote.put({ key: Buffer.from('/registry/y'), value: Buffer.from('v') })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.deleteRange({ key: Buffer.from('/registry/x') })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.txn({ compare: [], success: [{ requestPut: { key: Buffer.from('/a'), value: Buffer.from('v') } }] })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.txn({ compare: [], failure: [{ requestTxn: { success: [{ requestDeleteRange: { key: Buffer.from('/a') } }] } }] })), Status.PERMISSION_DENIED, 'a nested write counts');
    assert.equal(await code(remote.txn({ compare: [], success: [{ requestRange: { key: Buffer.from('/registry/x') } }] })), Status.OK, 'read-only txns are fine');
    assert.equal(await code(remote.compact({ revision: 1 })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.leaseGrant({ TTL: 10 })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.alarm({ action: 'ACTIVATE', alarm: 'NOSPACE' })), Status.PERMISSION_DENIED);
    assert.equal(await code(remote.alarm({ action: 'GET' })), Status.OK);
    assert.equal(await code(remote.status()), Status.OK);
    const after = await inProcess.get('/registry/x');
    assert.ok(after.object !== undefined, 'nothing was deleted');
  } finally {
    remote.close();
    await inProcess.close();
    await member.stop();
    dir.remove();
  }
});
