// `kite apiserver --etcd-servers=a,b,c` on a three-member kite cluster keeps serving
// kubectl through the loss of any one member; and lease expiry (how a kube-apiserver's
// events go away) still deletes keys after a leader change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startApiServer } from '../helpers/apiserver.js';
import { eventually, withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool, waitHealthy } from '../helpers/processes.js';

test('kite apiserver on a kite cluster survives the loss of any one member', { skip: missingTool('kubectl', 'kubectl') || missingTool('etcdctl', 'etcd-client'), timeout: 180_000 }, async () => {
  await withCluster('cluster-apiserver', 3, async (cluster) => {
    await cluster.startAll();
    const servers = cluster.specs.map((s) => s.clientUrl).join(',');
    const api = await startApiServer(`${cluster.dir}/api`, undefined, [`--etcd-servers=${servers}`]);
    try {
      const kubeconfig = api.kubeconfig;
      const kubectl = (...args: string[]) => spawnSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 30_000 });

      const first = kubectl('create', 'configmap', 'before', '--from-literal=a=1');
      assert.equal(first.status, 0, first.stderr);
      for (const victim of cluster.specs) {
        await cluster.stop(victim.name, 'SIGKILL');
        const name = `without-${victim.name}`;
        // The first request after a loss may land on the dead member or on an election.
        await eventually(() => {
          const r = kubectl('create', 'configmap', name, '--from-literal=a=1');
          assert.ok(r.status === 0 || /already exists/.test(r.stderr), r.stderr);
        }, 20_000);
        const got = kubectl('get', 'configmap', name, '-o', 'jsonpath={.data.a}');
        assert.equal(got.status, 0, got.stderr);
        assert.equal(got.stdout, '1');
        const updated = kubectl('label', 'configmap', 'before', `lost=${victim.name}`, '--overwrite');
        assert.equal(updated.status, 0, updated.stderr);
        // Back in the cluster before the next member goes.
        await waitHealthy(cluster.spawn(victim.name), 'kite', 30_000);
      }
      const list = kubectl('get', 'configmaps', '-o', 'name');
      assert.equal(list.status, 0, list.stderr);
      for (const s of cluster.specs) assert.match(list.stdout, new RegExp(`configmap/without-${s.name}`));
      assert.equal(kubectl('get', 'configmap', 'before', '-o', 'jsonpath={.metadata.labels.lost}').stdout, 'etcd3');
    } catch (err) {
      process.stderr.write(api.output().slice(-3000));
      throw err;
    } finally {
      await api.stop();
    }
  });
});

test('a lease expires and deletes its keys after a leader change', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 120_000 }, async () => {
  await withCluster('cluster-lease', 3, async (cluster) => {
    await cluster.startAll();
    const all = cluster.endpoints();
    const grant = etcdctl(all, ['lease', 'grant', '3']);
    assert.equal(grant.code, 0, grant.stderr);
    const lease = /lease ([0-9a-f]+) granted/.exec(grant.stdout)![1]!;
    assert.equal(etcdctl(all, ['put', '/registry/events/default/e1', 'x', `--lease=${lease}`]).code, 0);
    assert.equal(etcdctl(all, ['put', '/registry/events/default/kept', 'y']).code, 0);

    // Kill the leader at once: the new leader's lessor gives the lease a fresh TTL and expires it.
    const leader = cluster.leader();
    assert.ok(leader, 'a leader');
    await cluster.stop(leader.name, 'SIGKILL');
    const survivors = cluster.endpoints();
    await eventually(() => {
      const r = etcdctl(survivors, ['get', '/registry/events/', '--prefix', '--keys-only']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').filter(Boolean), ['/registry/events/default/kept']);
    }, 20_000);
    const ttl = etcdctl(survivors, ['lease', 'timetolive', lease]);
    assert.match(ttl.stdout, /already expired/);
  });
});
