// `kite store`'s page in a three-member cluster: the Cluster answer of one member lists
// every member with its role, term and indexes (asked at each member's client URL); when
// the leader is stopped its row turns unreachable, another member leads, and the leader
// change is listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { eventually, withCluster, type TestCluster } from '../helpers/cluster.js';
import { TestCa } from '../helpers/tls-certs.js';

interface Cluster {
  readonly mode: string;
  readonly members: { readonly name: string; readonly endpoint: string; readonly role: string; readonly term: number; readonly commitIndex: number; readonly appliedIndex: number }[];
  readonly leaderChanges: { readonly leaderName: string }[];
}

test('a kite store member in a cluster shows every member, and a stopped leader losing its role', { timeout: 90_000 }, async () => {
  await withCluster('insight-store-cluster', 3, async (cluster) => {
    await cluster.startAll();
    const ask = async (url: string): Promise<Cluster> => (await (await fetch(`${url}/ui/api/cluster`)).json()) as Cluster;
    let leaderName = '';
    await eventually(async () => {
      const c = await ask(cluster.specs[0]!.clientUrl);
      assert.equal(c.mode, 'remote');
      assert.deepEqual(c.members.map((m) => m.name).sort(), cluster.specs.map((s) => s.name).sort());
      assert.equal(c.members.filter((m) => m.role === 'leader').length, 1);
      assert.equal(c.members.filter((m) => m.role === 'follower').length, 2);
      for (const m of c.members) assert.ok(m.term > 0 && m.commitIndex > 0 && m.appliedIndex > 0, JSON.stringify(m));
      leaderName = c.members.find((m) => m.role === 'leader')!.name;
    });
    await cluster.stop(leaderName, 'SIGKILL');
    // Ask a member that is still running.
    const survivor = cluster.specs.find((s) => s.name !== leaderName)!;
    await eventually(async () => {
      const c = await ask(survivor.clientUrl);
      assert.equal(c.members.find((m) => m.name === leaderName)?.role, 'unreachable');
      const now = c.members.find((m) => m.role === 'leader');
      assert.ok(now !== undefined && now.name !== leaderName, JSON.stringify(c.members));
      assert.equal(c.leaderChanges[c.leaderChanges.length - 1]?.leaderName, now.name);
    }, 20_000);
  });
});

/** GET url over https with the cluster's client certificate, as JSON. */
function getJson(cluster: TestCluster, url: string): Promise<unknown> {
  const files = cluster.specs[0]!.clientTls!;
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(files.ca), ...(files.cert === undefined || files.key === undefined ? {} : { cert: readFileSync(files.cert), key: readFileSync(files.key) }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`${res.statusCode ?? 0}: ${body.slice(0, 200)}: ${String(err)}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('over https client URLs with client certificates required, a member asks the others with its own certificate', { timeout: 90_000 }, async () => {
  await withCluster(
    'insight-store-cluster-tls',
    3,
    async (cluster) => {
      await cluster.startAll();
      await eventually(async () => {
        const c = (await getJson(cluster, `${cluster.specs[0]!.clientUrl}/ui/api/cluster`)) as Cluster;
        assert.deepEqual(c.members.map((m) => m.name).sort(), cluster.specs.map((s) => s.name).sort());
        assert.deepEqual(c.members.map((m) => m.role).sort(), ['follower', 'follower', 'leader'], JSON.stringify(c.members));
        for (const m of c.members) assert.ok(m.endpoint.startsWith('https://') && m.term > 0 && m.appliedIndex > 0, JSON.stringify(m));
      });
    },
    {
      tls: async (dir) => {
        const ca = await TestCa.create(dir);
        return { ca: ca.caFile, server: await ca.issue('etcd-server', { file: 'server' }), client: await ca.issue('etcd-client', { file: 'client' }), clientUrls: true, clientCertAuth: true, peerUrls: false, peerCertAuth: false };
      },
    },
  );
});
