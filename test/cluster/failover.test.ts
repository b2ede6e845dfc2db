// Kill the leader of a three-member kite cluster under continuous writes from clients
// that know every endpoint (the etcd3 npm client, Kite's own store client, etcdctl):
// a new leader is elected, the clients carry on, and afterwards every acknowledged
// write is on every member exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import { eventually, withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool, waitHealthy } from '../helpers/processes.js';

interface Writer {
  readonly acked: string[];
  failures: number;
  ackedAfterKill: number;
}

test('kill the leader under continuous writes: a new leader, clients carry on, no acknowledged write lost or applied twice', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 120_000 }, async () => {
  let stopWriting = false;
  let killed = false;
  await withCluster('cluster-failover', 3, async (cluster) => {
    const hosts = () => cluster.specs.map((s) => s.clientUrl);
    await cluster.startAll();
    // The etcd3 client as users run it retries failed calls on another host, so its
    // writes create keys only if absent (a retry of an applied write changes nothing);
    // a second client without retries makes plain puts, whose version shows a double apply.
    const etcd3 = new Etcd3({ hosts: hosts() });
    const noRetry = new Etcd3({ hosts: hosts(), faultHandling: { global: noop } });
    const kite = new GrpcStoreClient(hosts());
    const writers: Writer[] = [];
    const loops: Promise<void>[] = [];
    const write = (n: number, put: (key: string, value: string) => Promise<unknown>): void => {
      const w: Writer = { acked: [], failures: 0, ackedAfterKill: 0 };
      writers.push(w);
      loops.push(
        (async () => {
          for (let i = 0; !stopWriting; i++) {
            const key = `/failover/w${n}/${String(i).padStart(6, '0')}`;
            try {
              await put(key, `v${i}`);
              w.acked.push(key);
              if (killed) w.ackedAfterKill++;
            } catch {
              w.failures++;
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        })(),
      );
    };
    for (let n = 0; n < 2; n++) write(n, (k, v) => etcd3.if(k, 'Create', '==', 0).then(etcd3.put(k).value(v)).commit());
    for (let n = 2; n < 4; n++) write(n, (k, v) => noRetry.put(k).value(v).exec());
    write(4, (k, v) => kite.optimisticPut(k, Buffer.from(v), 0));

    await new Promise((r) => setTimeout(r, 1500));
    const leader = cluster.leader();
    assert.ok(leader, 'a leader before the kill');
    const victim = cluster.spec(leader.name);
    const killedAt = Date.now();
    await cluster.stop(victim.name, 'SIGKILL');
    killed = true;

    // A new leader among the survivors.
    let newLeader: string | undefined;
    await eventually(() => {
      newLeader = cluster.leader()?.id;
      assert.ok(newLeader !== undefined && newLeader !== leader.id, 'a new leader');
    }, 15_000);
    const electedMs = Date.now() - killedAt;
    process.stderr.write(`new leader ${newLeader} ${electedMs} ms after killing leader ${leader.id}\n`);

    // etcdctl with every endpoint (the dead one included) carries on too.
    const put = etcdctl(cluster.specs.map((s) => s.clientUrl.replace('http://', '')).join(','), ['put', '/failover/etcdctl', 'ok']);
    assert.equal(put.code, 0, put.stderr);

    await new Promise((r) => setTimeout(r, 2000));
    // The killed member comes back and catches up.
    const back = cluster.spawn(victim.name);
    await waitHealthy(back, 'kite', 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    stopWriting = true;
    await Promise.all(loops);
    etcd3.close();
    noRetry.close();
    await kite.close();

    for (const [i, w] of writers.entries()) {
      assert.ok(w.acked.length > 0, `writer ${i} wrote`);
      assert.ok(w.ackedAfterKill > 0, `writer ${i} carried on after the kill (${w.failures} failures)`);
    }
    // Every member holds every acknowledged write, each applied once (version 1).
    const acked = writers.flatMap((w) => w.acked);
    for (const spec of cluster.specs) {
      const ep = cluster.endpoints([spec.name]);
      await eventually(() => {
        const r = etcdctl(ep, ['get', '/failover/w', '--prefix', '-w', 'json']);
        assert.equal(r.code, 0, r.stderr);
        const kvs = (JSON.parse(r.stdout) as { kvs?: { key: string; version: number }[] }).kvs ?? [];
        const have = new Map(kvs.map((kv) => [Buffer.from(kv.key, 'base64').toString(), kv.version]));
        const missing = acked.filter((k) => !have.has(k));
        assert.deepEqual(missing, [], `${spec.name} lost acknowledged writes`);
        const twice = [...have].filter(([, v]) => v !== 1);
        assert.deepEqual(twice, [], `${spec.name} applied writes twice`);
      });
    }
    process.stderr.write(`${acked.length} acknowledged writes, ${writers.reduce((n, w) => n + w.failures, 0)} failed or timed out during the failover\n`);
  }).finally(() => (stopWriting = true));
});
