import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';
import { scenario, type Json } from '../helpers/etcd3-scenario.js';

// The kube-apiserver's KV forms through the etcd3 client (test/helpers/etcd3-scenario.ts)
// on one real etcd and one kite store: the transcripts must be equal.

async function run(member: StoreProcess): Promise<Json[]> {
  const client = new Etcd3({ hosts: member.clientUrl });
  try {
    return await scenario(client);
  } finally {
    client.close();
  }
}

test('etcd3 npm client: the kube-apiserver KV forms behave the same on kite store and etcd', { timeout: 120_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'etcd3', run);
  if (both === undefined) return;
  const { etcd, kite } = both;
  assert.ok(JSON.stringify(etcd).includes('"succeeded":false'), 'the script exercised a failing compare (sanity)');
  if (process.env.KITE_DEBUG) console.log(JSON.stringify(kite));
  assert.equal(etcd.length, kite.length);
  for (let i = 0; i < etcd.length; i++) assert.deepEqual(kite[i], etcd[i]);
});
