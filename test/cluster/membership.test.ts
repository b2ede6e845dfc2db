// The seed docs' repair procedure (member remove, wipe, member add, start with state
// existing), learners and promotion, member update and move-leader, with etcdctl.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { eventually, memberList, withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool, waitHealthy, type CommandResult } from '../helpers/processes.js';

/**
 * Runs a membership change, again while the member refuses it as "unhealthy cluster": with
 * --strict-reconfig-check (etcd's default) every peer must have been connected for 5 s first.
 */
async function reconfigure(endpoints: string, args: readonly string[]): Promise<CommandResult> {
  let r = etcdctl(endpoints, args);
  for (const deadline = Date.now() + 20_000; /unhealthy cluster/.test(r.stderr) && Date.now() < deadline; r = etcdctl(endpoints, args)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return r;
}

test(
  "the seed docs' repair procedure: remove a member, wipe it, add it back, and it catches up by snapshot",
  { skip: missingTool('etcdctl', 'etcd-client'), timeout: 180_000 },
  async () => {
    // Small snapshot settings so that the re-added member must be sent a snapshot.
    const small = { ETCD_SNAPSHOT_COUNT: '50', ETCD_EXPERIMENTAL_SNAPSHOT_CATCHUP_ENTRIES: '10' };
    await withCluster('cluster-repair', 3, async (cluster) => {
      await cluster.startAll();
      const survivors = cluster.endpoints(['etcd1', 'etcd2']);
      await eventually(() => assert.ok(memberList(survivors).every((m) => m.client !== ''), etcdctl(survivors, ['member', 'list']).stdout));
      const old = memberList(survivors).find((m) => m.name === 'etcd3')!;

      // etcdctl member remove <id>: the removed member stops by itself.
      const removed = await reconfigure(survivors, ['member', 'remove', old.id]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, new RegExp(`Member +${old.id} removed from cluster`));
      const etcd3 = cluster.running.get('etcd3')!;
      await eventually(() => assert.notEqual(etcd3.child.exitCode, null, 'the removed member exits'), 15_000);
      cluster.running.delete('etcd3');
      assert.equal(memberList(survivors).length, 2);

      // The cluster goes on with two members; enough writes that the log is compacted.
      for (let i = 0; i < 120; i++) assert.equal(etcdctl(survivors, ['put', `/repair/${i}`, `v${i}`]).code, 0);

      // Wipe the data dir, add the member back: it is listed unstarted.
      rmSync(cluster.spec('etcd3').dataDir, { recursive: true, force: true });
      const added = await reconfigure(survivors, ['member', 'add', 'etcd3', `--peer-urls=${cluster.spec('etcd3').peerUrl}`]);
      assert.equal(added.code, 0, added.stderr);
      const newId = /Member +([0-9a-f]+) added to cluster/.exec(added.stdout)?.[1];
      assert.ok(newId, added.stdout);
      assert.notEqual(newId, old.id);
      assert.match(added.stdout, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
      const unstarted = memberList(survivors).find((m) => m.id === newId);
      assert.equal(unstarted?.status, 'unstarted');

      // Start it with state existing: it catches up by snapshot and is listed started.
      cluster.writeEnvFile('etcd3', 'existing');
      const proc = cluster.spawn('etcd3');
      await waitHealthy(proc, 'kite', 30_000);
      await eventually(() => {
        const m = memberList(survivors).find((x) => x.id === newId);
        assert.deepEqual(m && [m.status, m.name, m.client], ['started', 'etcd3', cluster.spec('etcd3').clientUrl]);
      });
      const mine = cluster.endpoints(['etcd3']);
      await eventually(() => assert.equal(etcdctl(mine, ['get', '/repair/119', '--print-value-only', '--consistency=s']).stdout, 'v119\n'));
      assert.match(proc.output(), /installed database snapshot/, 'the new member was sent a snapshot');
      const counted = etcdctl(mine, ['get', '/repair/', '--prefix', '--limit=1', '-w', 'json']);
      assert.equal(counted.code, 0, counted.stderr);
      assert.equal((JSON.parse(counted.stdout) as { count: number }).count, 120);
    }, { env: small });
  },
);

test('member add --learner, member promote, member update and move-leader', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 180_000 }, async () => {
  await withCluster('cluster-learner', 3, async (cluster) => {
    await cluster.startAll();
    const founders = cluster.endpoints(['etcd1', 'etcd2', 'etcd3']);
    for (let i = 0; i < 20; i++) assert.equal(etcdctl(founders, ['put', `/l/${i}`, 'x']).code, 0);

    // A member the cluster has not added is refused, with a clear message.
    await cluster.addSpec('etcd4');
    cluster.writeEnvFile('etcd4', 'existing', ['etcd1', 'etcd2', 'etcd3', 'etcd4']);
    const early = cluster.spawn('etcd4');
    await eventually(() => assert.notEqual(early.child.exitCode, null, 'a member not yet added exits'), 15_000);
    assert.match(early.output(), /has no member with peer URLs .*; add it first with `etcdctl member add etcd4/);
    cluster.running.delete('etcd4');

    // A learner joins, receives the log, and does not vote.
    const added = await reconfigure(founders, ['member', 'add', 'etcd4', `--peer-urls=${cluster.spec('etcd4').peerUrl}`, '--learner']);
    assert.equal(added.code, 0, added.stderr);
    const learnerId = /Member +([0-9a-f]+) added to cluster/.exec(added.stdout)![1]!;
    cluster.spawn('etcd4');
    await eventually(() => {
      const m = memberList(founders).find((x) => x.id === learnerId);
      assert.deepEqual(m && [m.status, m.name, m.learner], ['started', 'etcd4', 'true']);
    }, 30_000);
    await eventually(() => assert.equal(etcdctl(cluster.endpoints(['etcd4']), ['get', '/l/19', '--print-value-only', '--consistency=s']).stdout, 'x\n'));

    // Promote it (the leader may first say it is not caught up).
    await eventually(() => {
      const r = etcdctl(founders, ['member', 'promote', learnerId]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Member +${learnerId} promoted in cluster`));
    }, 20_000);
    assert.equal(memberList(founders).find((x) => x.id === learnerId)?.learner, 'false');
    const again = etcdctl(founders, ['member', 'promote', learnerId]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /can only promote a learner member/);

    // member update changes a member's peer URLs (here one that has not started yet).
    await cluster.addSpec('etcd5');
    const five = await reconfigure(founders, ['member', 'add', 'etcd5', `--peer-urls=${cluster.spec('etcd5').peerUrl}`, '--learner']);
    assert.equal(five.code, 0, five.stderr);
    const fiveId = /Member +([0-9a-f]+) added to cluster/.exec(five.stdout)![1]!;
    const moved = 'http://127.0.0.1:1';
    const upd = etcdctl(founders, ['member', 'update', fiveId, `--peer-urls=${moved}`]);
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal(memberList(founders).find((x) => x.id === fiveId)?.peer, moved);
    assert.equal(etcdctl(founders, ['member', 'remove', fiveId]).code, 0);
    const dup = await reconfigure(founders, ['member', 'add', 'again', `--peer-urls=${cluster.spec('etcd1').peerUrl}`]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /Peer URLs already exists/);

    // move-leader hands leadership to the promoted member.
    const all = cluster.endpoints();
    const before = cluster.leader()?.id;
    assert.ok(before, 'a leader');
    const target = before === learnerId ? memberList(all).find((m) => m.id !== before)!.id : learnerId;
    const ml = etcdctl(all, ['move-leader', target]);
    assert.equal(ml.code, 0, ml.stderr);
    assert.match(ml.stdout, new RegExp(`Leadership transferred from ${before} to ${target}`));
    await eventually(() => assert.equal(cluster.leader()?.id, target));
  });
});

test('a single member grows to three with member add and existing starts, and back to one with member remove', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 180_000 }, async () => {
  await withCluster('grow-from-one', 1, async (cluster) => {
    await cluster.startAll();
    const first = cluster.endpoints(['etcd1']);
    assert.equal(etcdctl(first, ['put', '/grow/a', '1']).code, 0);
    for (const name of ['etcd2', 'etcd3']) {
      await cluster.addSpec(name);
      const added = await reconfigure(first, ['member', 'add', name, `--peer-urls=${cluster.spec(name).peerUrl}`]);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
      cluster.writeEnvFile(name, 'existing');
      await waitHealthy(cluster.spawn(name), 'kite', 30_000);
      const mine = cluster.endpoints([name]);
      await eventually(() => assert.equal(etcdctl(mine, ['get', '/grow/a', '--print-value-only', '--consistency=s']).stdout, '1\n'));
    }
    const all = cluster.endpoints();
    await eventually(() => assert.deepEqual(memberList(all).map((m) => [m.name, m.status]).sort(), [['etcd1', 'started'], ['etcd2', 'started'], ['etcd3', 'started']]));
    assert.equal(etcdctl(all, ['put', '/grow/b', '3']).code, 0);

    // Back to one: remove the two that joined; each stops by itself.
    for (const name of ['etcd3', 'etcd2']) {
      const id = memberList(first).find((m) => m.name === name)!.id;
      const removed = await reconfigure(first, ['member', 'remove', id]);
      assert.equal(removed.code, 0, removed.stderr);
      const proc = cluster.running.get(name)!;
      await eventually(() => assert.notEqual(proc.child.exitCode, null, `${name} exits once removed`), 15_000);
      cluster.running.delete(name);
    }
    assert.deepEqual(memberList(first).map((m) => m.name), ['etcd1']);
    assert.equal(etcdctl(first, ['put', '/grow/c', '1']).code, 0, 'the one left is a quorum of its own');
    assert.equal(etcdctl(first, ['get', '/grow/', '--prefix', '--keys-only']).stdout, '/grow/a\n\n/grow/b\n\n/grow/c\n\n');
  });
});
