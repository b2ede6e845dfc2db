// Membership changes while a member is down, and what a learner serves, against etcd 3.4:
// etcd's --strict-reconfig-check (on by default) refuses a change that could cost the cluster
// its quorum with "unhealthy cluster", and a learner answers every request but Status and
// serializable reads with "rpc not supported for learner". Both kinds run the same script;
// the outputs must be equal once ids, ports and sizes are blanked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { eventually, withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool } from '../helpers/processes.js';

/** etcd's health interval (5 s) plus room: peers must have been connected that long. */
const SETTLE_MS = 6500;

function memberIds(endpoints: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const line of etcdctl(endpoints, ['member', 'list']).stdout.trim().split('\n')) {
    const [id, , name] = line.split(', ');
    if (id !== undefined && name !== undefined) ids.set(name, id);
  }
  return ids;
}

function blank(s: string): string {
  return s
    .split('\n')
    .filter((l) => !l.startsWith('{"level"'))
    .join('\n')
    // Ids are random, and etcdctl pads them to 16 places (%16x) in some lines.
    .replace(/ *\b[0-9a-f]{12,16}\b/g, (m) => `${m.startsWith(' ') ? ' ' : ''}<id>`)
    // etcdctl lists the members in id order, and ids depend on the ports.
    .replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').sort().join(',')}"`)
    .replace(/cluster +[0-9a-f]+/g, 'cluster <id>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/took = [^\s,]+/g, 'took = <t>')
    .replace(/, 3\.4\.\d+, [^,]+, (true|false), (true|false), \d+, \d+, \d+, /g, ', 3.4.<v>, <size>, $1, $2, <term>, <index>, <index>, ');
}

type HealthClient = { Check(req: { service: string }, options: { deadline: number }, cb: (err: ServiceError | null, res?: { status: string }) => void): void; close(): void };
const healthProto = loadPackageDefinition(loadSync(fileURLToPath(new URL('../../storage/proto/health.proto', import.meta.url)), { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient } } };
};

/** grpc.health.v1.Health/Check on a member's client URL: the status, or the error's code and text. */
function healthCheck(clientUrl: string, service: string): Promise<string> {
  const client = new healthProto.grpc.health.v1.Health(new URL(clientUrl).host, credentials.createInsecure());
  return new Promise<string>((resolve) => {
    client.Check({ service }, { deadline: Date.now() + 5000 }, (err, res) => resolve(`health check ${JSON.stringify(service)}: ${err === null ? res!.status : `code ${err.code} ${err.details}`}`));
  }).finally(() => client.close());
}

/** /health and the leader gauges of a member's client URL. */
async function httpHealth(clientUrl: string): Promise<string> {
  const health = await fetch(`${clientUrl}/health`);
  const metrics = await (await fetch(`${clientUrl}/metrics`)).text();
  const gauges = metrics.split('\n').filter((l) => /^etcd_server_(has_leader|is_learner) /.test(l));
  return [`/health ${health.status} ${await health.text()}`, ...gauges].join('\n');
}

async function script(kind: 'kite' | 'etcd'): Promise<string[]> {
  return withCluster(
    `reconfig-${kind}`,
    3,
    async (cluster) => {
      await cluster.startAll();
      const all = cluster.endpoints();
      await eventually(() => assert.equal([...memberIds(all).keys()].filter((n) => n !== '').length, 3), 20_000);
      assert.equal(etcdctl(all, ['put', '/r/k', 'v']).code, 0);
      await sleep(SETTLE_MS);
      const ids = memberIds(all);
      // etcd3 leads when it stops, every run: the others hold an election (1-2 s) before any
      // change can be proposed, and the script's outputs are those of a cluster with a leader.
      assert.equal(etcdctl(all, ['move-leader', ids.get('etcd3')!]).code, 0);
      await cluster.stop('etcd3');
      const live = cluster.endpoints(['etcd1', 'etcd2']);
      await eventually(() => assert.match(etcdctl(live, ['endpoint', 'status']).stdout, /, true, false, \d+, /), 20_000);
      await sleep(1000);
      const out: string[] = [];
      const run = (endpoints: string, args: readonly string[]): string => {
        const r = etcdctl(endpoints, args);
        const line = `$ etcdctl ${args.join(' ')}\n${r.stdout}${r.stderr}`;
        out.push(blank(line));
        return r.stdout;
      };
      // One of three down: adding a voter or a learner, or removing a live member, would risk quorum.
      await cluster.addSpec('etcd4');
      const peer4 = `--peer-urls=${cluster.spec('etcd4').peerUrl}`;
      run(live, ['member', 'add', 'etcd4', peer4]);
      run(live, ['member', 'add', 'etcd4', peer4, '--learner']);
      run(live, ['member', 'remove', ids.get('etcd2')!]);
      // Removing the member that is down is safe.
      run(live, ['member', 'remove', ids.get('etcd3')!]);
      // Two healthy voters: a learner may join.
      run(live, ['member', 'add', 'etcd4', peer4, '--learner']);
      cluster.writeEnvFile('etcd4', 'existing', ['etcd1', 'etcd2', 'etcd4']);
      cluster.spawn('etcd4');
      const learner = cluster.endpoints(['etcd4']);
      await eventually(() => assert.equal(etcdctl(learner, ['get', '/r/k', '--print-value-only', '--consistency=s']).stdout, 'v\n'), 30_000);
      // What a learner serves.
      for (const args of [
        ['put', '/r/k', 'v2'],
        ['get', '/r/k'],
        ['get', '/r/k', '--consistency=s'],
        ['del', '/r/k'],
        ['compaction', '1'],
        ['lease', 'grant', '10'],
        ['lease', 'list'],
        ['member', 'list'],
        ['endpoint', 'health'],
        ['endpoint', 'status'],
        ['endpoint', 'hashkv'],
        ['alarm', 'list'],
        ['defrag'],
        ['user', 'list'],
      ]) {
        run(learner, args);
      }
      // The voters still serve everything.
      run(live, ['put', '/r/k', 'v3']);
      // gRPC health: the server as a whole is SERVING, other names are unknown, a learner refuses it.
      const url1 = cluster.spec('etcd1').clientUrl;
      out.push(await healthCheck(url1, ''), await healthCheck(url1, 'etcdserverpb.KV'), await healthCheck(cluster.spec('etcd4').clientUrl, ''));
      out.push(await httpHealth(url1), await httpHealth(cluster.spec('etcd4').clientUrl));
      // Without a quorum: no leader, said by the gauges, /health and endpoint status.
      await cluster.stop('etcd2');
      await eventually(async () => assert.match(await (await fetch(`${url1}/metrics`)).text(), /^etcd_server_has_leader 0$/m), 20_000);
      out.push(await httpHealth(url1));
      run(cluster.endpoints(['etcd1']), ['endpoint', 'status']);
      out.push(await healthCheck(url1, ''));
      return out;
    },
    { kind },
  );
}

test('etcdctl 3.4: reconfiguration with a member down and requests to a learner give the same output from etcd and kite store', { timeout: 240_000 }, async (t) => {
  const skip = missingTool('etcdctl', 'etcd-client') || missingTool('etcd', 'etcd-server');
  if (skip) {
    t.skip(skip);
    return;
  }
  const kite = await script('kite');
  assert.match(kite[0]!, /Error: etcdserver: unhealthy cluster/);
  assert.match(kite.join('\n'), /etcdserver: rpc not supported for learner/);
  const etcd = await script('etcd');
  for (let i = 0; i < etcd.length; i++) assert.equal(kite[i], etcd[i], `step ${i}: ${JSON.stringify(kite[i])} vs ${JSON.stringify(etcd[i])}`);
  assert.equal(kite.length, etcd.length);
});
