// A three-member kite cluster formed from env files as the seed docs form etcd's, checked
// with etcdctl the way the docs check it; then every member restarted.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { eventually, withCluster } from '../helpers/cluster.js';
import { etcdctl, etcdctlStreaming, missingTool } from '../helpers/processes.js';

interface EndpointStatus {
  Endpoint: string;
  Status: { header: { member_id: string; revision: number }; leader: string; raftIndex: number; raftTerm: number; raftAppliedIndex: number };
}

/** etcdctl's member list lines: id, status, name, peer URLs, client URLs, learner. */
function memberList(endpoints: string): string[][] {
  const r = etcdctl(endpoints, ['member', 'list']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => l.split(', '));
}

function endpointStatus(endpoints: string): EndpointStatus[] {
  const r = etcdctl(endpoints, ['endpoint', 'status', '-w', 'json']);
  assert.equal(r.code, 0, r.stderr);
  // Ids as strings: JSON.parse would round a uint64 to a double.
  return JSON.parse(r.stdout.replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"')) as EndpointStatus[];
}

test('three members form a cluster from env files; etcdctl sees one leader and equal terms and indexes; a full restart keeps everything', { skip: missingTool('etcdctl', 'etcd-client'), timeout: 120_000 }, async () => {
  await withCluster('cluster-formation', 3, async (cluster) => {
    await cluster.startAll();
    const all = cluster.endpoints();

    // member list: all three started, with the names, peer and client URLs of the env files.
    let ids: string[] = [];
    await eventually(() => {
      const lines = memberList(all);
      assert.equal(lines.length, 3);
      for (const spec of cluster.specs) {
        const line = lines.find((l) => l[2] === spec.name);
        assert.ok(line, `member ${spec.name} listed`);
        assert.deepEqual(line.slice(1), ['started', spec.name, spec.peerUrl, spec.clientUrl, 'false']);
      }
      ids = lines.map((l) => l[0]!).sort();
    });

    // Writes on one member are read on the others (linearizable and serializable).
    const [a, b, c] = cluster.specs.map((s) => cluster.endpoints([s.name]));
    assert.equal(etcdctl(a!, ['put', 'foo', 'bar']).code, 0);
    assert.equal(etcdctl(b!, ['get', 'foo', '--print-value-only']).stdout, 'bar\n');
    await eventually(() => assert.equal(etcdctl(c!, ['get', 'foo', '--print-value-only', '--consistency=s']).stdout, 'bar\n'));
    for (let i = 0; i < 20; i++) assert.equal(etcdctl([a, b, c][i % 3]!, ['put', `k${i}`, `v${i}`]).code, 0);

    // Watches work on every member: each sees the writes made through the others, in order.
    for (const [i, ep] of [a!, b!, c!].entries()) {
      const other = [a!, b!, c!][(i + 1) % 3]!;
      const w = await etcdctlStreaming(
        ep,
        ['watch', '--prefix', `/w${i}/`],
        () => {
          for (let j = 0; j < 3; j++) assert.equal(etcdctl(other, ['put', `/w${i}/${j}`, `x${j}`]).code, 0);
        },
        (out) => out.includes(`/w${i}/2`),
      );
      assert.equal(w.stdout, [0, 1, 2].map((j) => `PUT\n/w${i}/${j}\nx${j}\n`).join(''), `watch on member ${i + 1}`);
    }

    // endpoint status: exactly one leader, the same term, index and revision everywhere.
    await eventually(() => {
      const st = endpointStatus(all);
      assert.equal(st.length, 3);
      const leaders = new Set(st.map((s) => String(s.Status.leader)));
      assert.equal(leaders.size, 1, 'every member names the same leader');
      const leader = [...leaders][0];
      assert.equal(st.filter((s) => String(s.Status.header.member_id) === leader).length, 1, 'exactly one member is the leader');
      assert.equal(new Set(st.map((s) => s.Status.raftTerm)).size, 1, 'equal raft terms');
      assert.equal(new Set(st.map((s) => s.Status.raftIndex)).size, 1, 'equal raft indexes');
      assert.equal(new Set(st.map((s) => s.Status.header.revision)).size, 1, 'equal revisions');
    });
    const table = etcdctl(all, ['-w', 'table', 'endpoint', 'status']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout.split('\n').filter((l) => / true \|/.test(l)).length, 1, `one leader in the table:\n${table.stdout}`);

    // A member of another cluster (another token) is refused by the peers: it never joins.
    await cluster.addSpec('stranger');
    cluster.writeEnvFile('stranger', 'new', ['etcd1', 'etcd2', 'stranger']);
    const envPath = `${cluster.dir}/stranger.env`;
    writeFileSync(envPath, readFileSync(envPath, 'utf8').replace(cluster.token, 'another-token'));
    const intruder = cluster.spawn('stranger');
    await eventually(() => assert.match(intruder.output(), /cluster ID mismatch/), 15_000);
    await cluster.stop('stranger', 'SIGKILL');
    cluster.specs.pop();
    assert.equal(memberList(all).length, 3, 'the stranger is not a member');

    const health = etcdctl(all, ['endpoint', 'health']);
    assert.equal(health.code, 0, health.stderr);
    assert.equal((health.stdout + health.stderr).match(/is healthy/g)?.length, 3, health.stdout + health.stderr);

    // Restart every member: same ids, data and revision.
    const revision = endpointStatus(a!)[0]!.Status.header.revision;
    await cluster.stopAll();
    await cluster.startAllAgain();
    await eventually(() => assert.deepEqual(memberList(all).map((l) => l[0]).sort(), ids));
    assert.equal(etcdctl(c!, ['get', 'k7', '--print-value-only']).stdout, 'v7\n');
    assert.equal(etcdctl(b!, ['get', 'foo', '--print-value-only']).stdout, 'bar\n');
    assert.equal(endpointStatus(b!)[0]!.Status.header.revision, revision, 'the revision survives the restart');
  });
});
