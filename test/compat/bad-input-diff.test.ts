import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, credentials } from '@grpc/grpc-js';
import { connect } from 'node:net';
import { EtcdGrpcClient, type WireMessage } from '../../storage/client/etcd-grpc-client.js';
import { onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';
import { rawStreamStatus, rawUnary } from '../helpers/raw-grpc.js';

/** Hand-encoded protobuf pieces, so that malformed messages can be sent. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const bytesField = (field: number, value: Buffer): Buffer => Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
const varintField = (field: number, value: number): Buffer => Buffer.concat([varint((field << 3) | 0), varint(value)]);

interface Outcome {
  readonly code: number;
  readonly message: string;
}

/** Sends raw bytes as the request of method (the first message, on a stream) and reports the gRPC status. */
async function rawCall(endpoint: string, method: string, body: Buffer): Promise<Outcome> {
  const client = new Client(endpoint, credentials.createInsecure());
  const stream = method === WATCH || method === KEEP_ALIVE;
  const { code, details } = await (stream ? rawStreamStatus(client, method, body) : rawUnary(client, method, body));
  client.close();
  return { code, message: details };
}

const PUT = '/etcdserverpb.KV/Put';
const TXN = '/etcdserverpb.KV/Txn';
const RANGE = '/etcdserverpb.KV/Range';
const DELETE = '/etcdserverpb.KV/DeleteRange';
const COMPACT = '/etcdserverpb.KV/Compact';
const LEASE_GRANT = '/etcdserverpb.Lease/LeaseGrant';
const LEASE_REVOKE = '/etcdserverpb.Lease/LeaseRevoke';
const LEASE_TTL = '/etcdserverpb.Lease/LeaseTimeToLive';
const WATCH = '/etcdserverpb.Watch/Watch';
const KEEP_ALIVE = '/etcdserverpb.Lease/LeaseKeepAlive';
const key = bytesField(1, Buffer.from('/bad/k'));

const putOp = (k: string): Buffer => bytesField(2, bytesField(2, Buffer.concat([bytesField(1, Buffer.from(k)), bytesField(2, Buffer.from('v'))])));

/** Each case: a malformed or forbidden request, and whether etcd's message text must match too (etcd's own errors). */
const cases: Array<{ name: string; method: string; body: Buffer; sameMessage: boolean }> = [
  { name: 'empty key', method: PUT, body: bytesField(2, Buffer.from('v')), sameMessage: true },
  { name: 'empty range key', method: RANGE, body: Buffer.alloc(0), sameMessage: true },
  { name: 'unknown fields are ignored', method: PUT, body: Buffer.concat([key, bytesField(2, Buffer.from('v')), varintField(99, 7), bytesField(100, Buffer.from('x'))]), sameMessage: true },
  { name: 'value of 1.6 MiB (over --max-request-bytes)', method: PUT, body: Buffer.concat([key, bytesField(2, Buffer.alloc(1.6 * 1024 * 1024, 1))]), sameMessage: true },
  { name: 'value of 2.5 MiB (over the gRPC message limit)', method: PUT, body: Buffer.concat([key, bytesField(2, Buffer.alloc(2.5 * 1024 * 1024, 1))]), sameMessage: false },
  { name: 'txn with 129 operations', method: TXN, body: Buffer.concat(Array.from({ length: 129 }, (_, i) => putOp(`/bad/t${i}`))), sameMessage: true },
  { name: 'txn putting one key twice', method: TXN, body: Buffer.concat([putOp('/bad/d'), putOp('/bad/d')]), sameMessage: true },
  // Malformed messages: grpc-go's unmarshalling error with gogoproto's words.
  { name: 'key sent as a varint (wrong wire type)', method: PUT, body: Buffer.concat([varintField(1, 5), bytesField(2, Buffer.from('v'))]), sameMessage: true },
  { name: 'truncated message', method: PUT, body: Buffer.from([0x0a, 0x20, 0x61]), sameMessage: true },
  { name: 'garbage bytes', method: PUT, body: Buffer.from('ffffffffffffffffffff0102030405', 'hex'), sameMessage: true },
  { name: 'limit as a length-delimited field', method: RANGE, body: Buffer.concat([key, bytesField(3, Buffer.from('zz'))]), sameMessage: true },
  { name: 'field number 0', method: PUT, body: Buffer.from([0x02, 0x00]), sameMessage: true },
  { name: 'unknown field of wire type 6', method: PUT, body: Buffer.concat([key, Buffer.from([0x7e, 0x01])]), sameMessage: true },
  { name: 'end group with no group', method: RANGE, body: Buffer.from([0x0c]), sameMessage: true },
  { name: 'unknown group, skipped', method: PUT, body: Buffer.concat([key, Buffer.from([0x7b, 0x78, 0x01, 0x7c])]), sameMessage: true },
  { name: 'negative length', method: PUT, body: Buffer.from([0x0a, ...Array(9).fill(0xff), 0x01]), sameMessage: true },
  { name: 'txn compare key as a varint', method: TXN, body: bytesField(1, varintField(3, 1)), sameMessage: true },
  { name: 'txn compare with field 0', method: TXN, body: bytesField(1, Buffer.from([0x00, 0x00])), sameMessage: true },
  { name: 'txn operation with no request', method: TXN, body: bytesField(2, Buffer.alloc(0)), sameMessage: true },
  { name: 'delete prev_kv as a length-delimited field', method: DELETE, body: Buffer.concat([key, bytesField(3, Buffer.from('z'))]), sameMessage: true },
  { name: 'compaction revision as a length-delimited field', method: COMPACT, body: bytesField(1, Buffer.from('z')), sameMessage: true },
  { name: 'lease grant TTL as a length-delimited field', method: LEASE_GRANT, body: bytesField(1, Buffer.from('z')), sameMessage: true },
  { name: 'lease revoke ID as a length-delimited field', method: LEASE_REVOKE, body: bytesField(1, Buffer.from('z')), sameMessage: true },
  { name: 'lease time-to-live keys as a length-delimited field', method: LEASE_TTL, body: Buffer.concat([varintField(1, 5), bytesField(2, Buffer.from('z'))]), sameMessage: true },
  // On the streams: a malformed message ends the stream; an empty WatchRequest is ignored.
  { name: 'watch create key as a varint', method: WATCH, body: bytesField(1, varintField(1, 5)), sameMessage: true },
  { name: 'watch cancel id as a length-delimited field', method: WATCH, body: bytesField(2, bytesField(1, Buffer.from('z'))), sameMessage: true },
  { name: 'watch request with a truncated create', method: WATCH, body: Buffer.from([0x0a, 0x05, 0x0a]), sameMessage: true },
  { name: 'empty watch request', method: WATCH, body: Buffer.alloc(0), sameMessage: true },
  { name: 'keep-alive ID as a length-delimited field', method: KEEP_ALIVE, body: bytesField(1, Buffer.from('z')), sameMessage: true },
];

async function run(proc: StoreProcess): Promise<{ outcomes: Outcome[]; intact: boolean; httpGarbage: string }> {
  const client = new EtcdGrpcClient(proc.endpoint);
  await client.put({ key: Buffer.from('/keep'), value: Buffer.from('safe') });
  const before = (await client.range({ key: Buffer.from('/keep') })).header as WireMessage;
  const outcomes: Outcome[] = [];
  for (const c of cases) outcomes.push(await rawCall(proc.endpoint, c.method, c.body));
  // Garbage straight onto the client port.
  const httpGarbage = await new Promise<string>((resolve) => {
    const s = connect(Number(proc.endpoint.split(':')[1]), '127.0.0.1', () => s.write(Buffer.from('\x16\x03\x01\x00\xff garbage\r\n\r\n')));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(got));
    setTimeout(() => s.destroy(), 2000);
  });
  // The member is up and nothing but the accepted requests changed the data.
  const after = await client.range({ key: Buffer.from('/keep') });
  const kv = (after.kvs as WireMessage[])[0]!;
  const written = await client.range({ key: Buffer.from('/bad/'), rangeEnd: Buffer.from('/bad0'), keysOnly: true });
  const intact =
    (kv.value as Buffer).toString() === 'safe' &&
    Number(kv.modRevision) === Number(before.revision) &&
    (written.kvs as WireMessage[]).map((k) => (k.key as Buffer).toString()).join(',') === '/bad/k';
  client.close();
  return { outcomes, intact, httpGarbage };
}

test('bad input gets the same gRPC status from kite store as from etcd, and harms nothing', { timeout: 120_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'bad', run);
  if (both === undefined) return;
  const { etcd, kite } = both;
  if (process.env.KITE_DEBUG) console.log(JSON.stringify({ etcd, kite }, null, 1));
  assert.ok(etcd.intact, 'etcd kept its data (sanity)');
  assert.ok(kite.intact, 'kite kept its data: only the valid put with unknown fields wrote /bad/k');
  cases.forEach((c, i) => {
    assert.equal(kite.outcomes[i]!.code, etcd.outcomes[i]!.code, `${c.name}: status code (etcd said ${JSON.stringify(etcd.outcomes[i])}, kite said ${JSON.stringify(kite.outcomes[i])})`);
    if (c.sameMessage) assert.equal(kite.outcomes[i]!.message, etcd.outcomes[i]!.message, `${c.name}: message`);
  });
  assert.match(kite.httpGarbage, /^HTTP\/1\.1 400/, 'garbage on the client port gets 400');
});
