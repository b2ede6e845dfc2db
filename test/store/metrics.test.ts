import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdGrpcClient } from '../../storage/client/etcd-grpc-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember } from '../../storage/server/run-member.js';
import { freePort, tempDir } from '../helpers/processes.js';

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
