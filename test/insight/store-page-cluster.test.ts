// `kite store`'s page in a three-member cluster: the Cluster answer of one member lists
// every member with its role, term and indexes (asked at each member's client URL); when
// the leader is stopped its row turns unreachable, another member leads, and the leader
// change is listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, withCluster } from '../helpers/cluster.js';

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
