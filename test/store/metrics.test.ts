import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdGrpcClient, type WireDuplex, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember } from '../../storage/embed/run-member.js';
import { freePort, tempDir } from '../helpers/processes.js';
import { httpsFetch } from '../helpers/https-fetch.js';

/** Per-RPC counts and latencies on /metrics, under go-grpc-prometheus's names as etcd exports them. */
test('/metrics counts and times each unary RPC by method and code', { timeout: 30_000 }, async () => {
  const dir = tempDir('metrics');
  const url = `http://127.0.0.1:${await freePort()}`;
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path, 'listen-client-urls': url, 'advertise-client-urls': url }, {});
  const member = await runMember(buildMemberConfig(values, explicit));
  const client = new EtcdGrpcClient(url.replace('http://', ''));
  const scrape = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();
  const sample = (text: string, metric: string, labels: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${metric}{grpc_type="unary",grpc_service="etcdserverpb.KV",${labels}} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  try {
    for (let i = 0; i < 3; i++) await client.put({ key: Buffer.from(`/m/${i}`), value: Buffer.from('v') });
    await assert.rejects(client.put({ key: Buffer.alloc(0), value: Buffer.from('v') }));
    await client.range({ key: Buffer.from('/m/0') });
    let text = await scrape();
    assert.equal(sample(text, 'grpc_server_started_total', 'grpc_method="Put"'), 4);
    assert.equal(sample(text, 'grpc_server_handled_total', 'grpc_method="Put",grpc_code="OK"'), 3);
    assert.equal(sample(text, 'grpc_server_handled_total', 'grpc_method="Put",grpc_code="InvalidArgument"'), 1);
    assert.equal(sample(text, 'grpc_server_handled_total', 'grpc_method="Range",grpc_code="OK"'), 1);
    assert.equal(sample(text, 'grpc_server_handling_seconds_count', 'grpc_method="Put"'), 4);
    assert.equal(sample(text, 'grpc_server_handling_seconds_bucket', 'grpc_method="Put",le="+Inf"'), 4);
    const buckets = ['0.0005', '0.001', '0.005', '0.1', '5'].map((le) => sample(text, 'grpc_server_handling_seconds_bucket', `grpc_method="Put",le="${le}"`));
    assert.deepEqual([...buckets].sort((a, b) => a - b), buckets, 'buckets are cumulative');
    assert.ok(sample(text, 'grpc_server_handling_seconds_sum', 'grpc_method="Put"') > 0);
    // Counts keep adding up across scrapes.
    await client.put({ key: Buffer.from('/m/3'), value: Buffer.from('v') });
    text = await scrape();
    assert.equal(sample(text, 'grpc_server_started_total', 'grpc_method="Put"'), 5);
    assert.equal(sample(text, 'grpc_server_handled_total', 'grpc_method="Put",grpc_code="OK"'), 4);
    assert.equal(sample(text, 'grpc_server_handling_seconds_count', 'grpc_method="Put"'), 5);
  } finally {
    client.close();
    await member.stop();
    dir.remove();
  }
});

/** The value of the sample line that starts with prefix (metric name and labels), or undefined. */
function sampleOf(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

/** Reads one message from a stream, then cancels it as a client that goes away does. */
async function oneThenCancel(stream: WireDuplex, request: WireMessage): Promise<WireMessage> {
  const first = new Promise<WireMessage>((resolve, reject) => {
    stream.once('data', resolve);
    stream.once('error', reject);
  });
  stream.write(request);
  const msg = await first;
  stream.on('error', () => undefined); // the cancellation's own error
  stream.cancel();
  return msg;
}

test('/metrics: keys, proposals, disk timings and stream RPCs of a single member, also on an https --listen-metrics-urls', { timeout: 30_000 }, async () => {
  const dir = tempDir('metrics-member');
  const url = `http://127.0.0.1:${await freePort()}`;
  const metricsUrl = `https://127.0.0.1:${await freePort()}`;
  const { values, explicit } = resolveFlags(
    { 'data-dir': dir.path, 'listen-client-urls': url, 'advertise-client-urls': url, 'listen-metrics-urls': metricsUrl, 'auto-tls': 'true' },
    {},
  );
  const member = await runMember(buildMemberConfig(values, explicit));
  const client = new EtcdGrpcClient(url.replace('http://', ''));
  // The metrics URL is served with the client side's (here generated) certificate.
  const fetchTls = httpsFetch({ insecure: true });
  const scrape = async (): Promise<string> => (await fetchTls(`${metricsUrl}/metrics`)).text();
  try {
    const before = await scrape();
    for (const k of ['a', 'b', 'c']) await client.put({ key: Buffer.from(`/m/${k}`), value: Buffer.from('v') });
    await client.deleteRange({ key: Buffer.from('/m/b') });
    const created = await oneThenCancel(client.watch(), { createRequest: { key: Buffer.from('/m/') } });
    assert.equal(created.created, true);
    const { ID } = await client.leaseGrant({ TTL: 60 });
    const kept = await oneThenCancel(client.leaseKeepAlive(), { ID });
    assert.equal(String(kept.ID), String(ID));

    let text = '';
    const deadline = Date.now() + 5000;
    // The member counts a stream when it sees the client leave.
    while (Date.now() < deadline) {
      text = await scrape();
      if (sampleOf(text, 'grpc_server_handled_total{grpc_type="bidi_stream",grpc_service="etcdserverpb.Lease",grpc_method="LeaseKeepAlive",grpc_code="Unavailable"}') === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stream = (service: string, method: string, code?: string): number | undefined =>
      sampleOf(text, `grpc_server_${code === undefined ? 'started' : 'handled'}_total{grpc_type="bidi_stream",grpc_service="etcdserverpb.${service}",grpc_method="${method}"${code === undefined ? '' : `,grpc_code="${code}"`}}`);
    // A client that leaves a stream: etcd's handlers end Watch with Canceled, LeaseKeepAlive with Unavailable.
    assert.deepEqual(
      [stream('Watch', 'Watch'), stream('Watch', 'Watch', 'Canceled'), stream('Lease', 'LeaseKeepAlive'), stream('Lease', 'LeaseKeepAlive', 'Unavailable'), stream('Watch', 'Watch', 'OK')],
      [1, 1, 1, 1, 0],
    );
    // Every code of every method is there from the start, as go-grpc-prometheus initializes them.
    assert.equal(sampleOf(before, 'grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Compact",grpc_code="Aborted"}'), 0);
    assert.equal(sampleOf(before, 'grpc_server_started_total{grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check"}'), 0);
    assert.equal(sampleOf(text, 'etcd_debugging_mvcc_keys_total'), 2);
    assert.equal(sampleOf(text, 'etcd_server_proposals_pending'), 0);
    assert.equal(sampleOf(text, 'etcd_server_proposals_failed_total'), 0);
    const applied = (t: string): number => sampleOf(t, 'etcd_server_proposals_applied_total') ?? NaN;
    assert.equal(sampleOf(text, 'etcd_server_proposals_committed_total'), applied(text));
    assert.equal(applied(text) - applied(before), 5, 'three puts, a delete and a grant are log entries');
    // Each write is synced to the WAL; lmdb commits applied writes in batches, as etcd's backend does.
    const syncs = sampleOf(text, 'etcd_disk_wal_fsync_duration_seconds_count') ?? 0;
    assert.ok(syncs >= 5, `${syncs} WAL syncs observed`);
    const commits = sampleOf(text, 'etcd_disk_backend_commit_duration_seconds_count') ?? 0;
    assert.ok(commits >= 1 && commits <= syncs, `${commits} backend commits for ${syncs} WAL syncs`);
    assert.equal(sampleOf(text, 'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"}'), syncs);
    // The client port serves the same registry.
    assert.equal(sampleOf(await (await fetch(`${url}/metrics`)).text(), 'etcd_debugging_mvcc_keys_total'), 2);
  } finally {
    client.close();
    await member.stop();
    dir.remove();
  }
});
