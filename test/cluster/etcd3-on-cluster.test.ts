// Everything a kube-apiserver asks of etcd (the etcd3 client script of
// test/helpers/etcd3-scenario.ts) on a three-member kite cluster and a three-member etcd
// cluster, the client given every member: the transcripts must be equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { withCluster } from '../helpers/cluster.js';
import { scenario, type Json } from '../helpers/etcd3-scenario.js';
import { missingTool } from '../helpers/processes.js';

/** The script's transcript on a started three-member cluster of kind. */
function onCluster(kind: 'kite' | 'etcd'): Promise<Json[]> {
  return withCluster(
    `etcd3-cluster-${kind}`,
    3,
    async (cluster) => {
      await cluster.startAll();
      const client = new Etcd3({ hosts: cluster.specs.map((s) => s.clientUrl) });
      try {
        return await scenario(client);
      } finally {
        client.close();
      }
    },
    { kind },
  );
}

test('the kube-apiserver KV forms behave the same on a kite cluster and an etcd cluster', { skip: missingTool('etcd', 'etcd-server'), timeout: 180_000 }, async () => {
  const etcd = await onCluster('etcd');
  const kite = await onCluster('kite');
  assert.ok(JSON.stringify(etcd).includes('"succeeded":false'), 'the script exercised a failing compare (sanity)');
  assert.equal(kite.length, etcd.length);
  for (let i = 0; i < etcd.length; i++) assert.deepEqual(kite[i], etcd[i]);
});
