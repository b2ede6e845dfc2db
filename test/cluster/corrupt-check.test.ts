// --experimental-initial-corrupt-check (kubeadm's etcd manifest sets it): a member compares the
// hash of its history with its peers' before joining in, and refuses to start when it differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backend } from '../../storage/mvcc/backend.js';
import { eventually, withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool, waitHealthy } from '../helpers/processes.js';

test('a member whose data differs from its peers refuses to start under --experimental-initial-corrupt-check', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 180_000 }, async () => {
  await withCluster(
    'corrupt-check',
    3,
    async (cluster) => {
      await cluster.startAll();
      const all = cluster.endpoints();
      for (let i = 0; i < 10; i++) assert.equal(etcdctl(all, ['put', `/cc/k${i}`, `value-${i}`]).code, 0);
      const three = cluster.endpoints(['etcd3']);
      await eventually(() => assert.equal(etcdctl(three, ['get', '/cc/k9', '--print-value-only', '--consistency=s']).stdout, 'value-9\n'));

      // A clean restart compares with both peers and passes.
      await cluster.stop('etcd3');
      const clean = cluster.spawn('etcd3');
      await waitHealthy(clean, 'kite', 30_000);
      await eventually(() => assert.match(clean.output(), /initial corruption checking passed; no corruption detected/));
      assert.doesNotMatch(clean.output(), /found different hash values/);

      // Change one stored value behind the member's back: the next start refuses.
      await cluster.stop('etcd3');
      const backend = Backend.open(cluster.spec('etcd3').dataDir);
      try {
        const victim = [...backend.records(1, Number.MAX_SAFE_INTEGER)].find(({ record }) => record.some((c) => c !== null && c[0].toString() === '/cc/k5'));
        assert.ok(victim, 'the record of /cc/k5');
        const record = victim.record.map((c) => (c !== null && c[0].toString() === '/cc/k5' ? ([c[0], Buffer.from('tampered'), c[2], c[3], c[4]] as typeof c) : c));
        await backend.putRecord(victim.rev, record);
      } finally {
        await backend.close();
      }
      const corrupt = cluster.spawn('etcd3');
      await eventually(() => assert.notEqual(corrupt.child.exitCode, null, 'the corrupt member exits'), 30_000);
      cluster.running.delete('etcd3');
      assert.notEqual(corrupt.child.exitCode, 0);
      assert.match(corrupt.output(), /found different hash values from remote peer/);
      assert.match(corrupt.output(), /found data inconsistency with peers/);
      // The others go on (after electing a leader, if the member that left led them).
      await eventually(() => {
        const put = etcdctl(cluster.endpoints(['etcd1', 'etcd2']), ['put', '/cc/after', 'x']);
        assert.equal(put.code, 0, put.stderr);
      }, 20_000);
    },
    { env: { ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK: 'true' } },
  );
});
