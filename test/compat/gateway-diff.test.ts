import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onEtcdAndKite, type StoreProcess } from '../helpers/processes.js';

/**
 * etcd's JSON gateway, used as etcd's documentation uses it with curl: the same
 * POSTs to a fresh etcd and a fresh kite store (same flags and ports) give the same
 * status and body after blanking db size, version and lease ids.
 */
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Call {
  readonly path: string;
  readonly body: unknown;
  /** For streams: read until this many result lines, then stop. */
  readonly lines?: number;
}

const calls: Call[] = [
  { path: '/v3/kv/put', body: { key: b64('foo'), value: b64('bar') } },
  { path: '/v3/kv/range', body: { key: b64('foo') } },
  { path: '/v3/kv/put', body: { key: b64('foo/a'), value: b64('1'), prev_kv: true } },
  { path: '/v3/kv/put', body: { key: b64('foo/a'), value: b64('2'), prev_kv: true } },
  { path: '/v3/kv/range', body: { key: b64('foo/'), range_end: b64('foo0'), limit: 1 } },
  { path: '/v3/kv/range', body: { key: b64('foo'), range_end: b64('fop'), count_only: true } },
  { path: '/v3/kv/range', body: { key: b64('foo'), revision: '2' } },
  { path: '/v3/kv/range', body: { key: b64('foo'), revision: 99 } },
  { path: '/v3/kv/range', body: { key: '' } },
  { path: '/v3/kv/txn', body: { compare: [{ target: 'CREATE', key: b64('foo'), createRevision: '2' }], success: [{ requestPut: { key: b64('foo'), value: b64('baz') } }], failure: [{ requestRange: { key: b64('foo') } }] } },
  { path: '/v3/kv/txn', body: { compare: [{ target: 'VALUE', result: 'EQUAL', key: b64('foo'), value: b64('nope') }], success: [], failure: [{ request_range: { key: b64('foo') } }] } },
  { path: '/v3/kv/deleterange', body: { key: b64('foo/'), range_end: b64('foo0'), prev_kv: true } },
  { path: '/v3/watch', body: { create_request: { key: b64('foo'), start_revision: 2 } }, lines: 2 },
  { path: '/v3/watch', body: { create_request: { key: b64('foo'), range_end: b64('fop'), start_revision: 2, prev_kv: true } }, lines: 2 },
  { path: '/v3/lease/grant', body: { TTL: 30, ID: 0 } },
  { path: '/v3/lease/leases', body: {} },
  { path: '/v3/kv/lease/revoke', body: { ID: 12345 } },
  { path: '/v3/lease/timetolive', body: { ID: 12345 } },
  // Through each method's own decoder as gRPC: an empty txn operation, int64s at their limits, enums, the other stream requests.
  { path: '/v3/kv/txn', body: { success: [{}] } },
  { path: '/v3/kv/put', body: { key: b64('big'), value: b64('v'), lease: '9223372036854775807' } },
  { path: '/v3/kv/range', body: { key: b64('foo'), range_end: b64('fop'), limit: '-1', sort_order: 'DESCEND', sort_target: 'MOD' } },
  { path: '/v3/kv/range', body: { key: b64('foo'), revision: '-9223372036854775808' } },
  { path: '/v3/watch', body: { create_request: { key: b64('foo'), start_revision: 2, filters: ['NOPUT'] } }, lines: 1 },
  { path: '/v3/watch', body: { progress_request: {} }, lines: 1 },
  { path: '/v3/lease/keepalive', body: { ID: 12345 }, lines: 1 },
  { path: '/v3/kv/compaction', body: { revision: 3 } },
  { path: '/v3/kv/range', body: { key: b64('foo'), revision: 2 } },
  { path: '/v3/maintenance/status', body: {} },
  { path: '/v3/cluster/member/list', body: {} },
  { path: '/v3/kv/nosuch', body: {} },
];

async function post(url: string, c: Call): Promise<string> {
  const ctl = new AbortController();
  const res = await fetch(url + c.path, { method: 'POST', body: JSON.stringify(c.body), signal: ctl.signal });
  if (c.lines === undefined) return `${res.status} ${await res.text()}`;
  // A stream: read lines until enough arrived.
  const reader = res.body!.getReader();
  let text = '';
  const deadline = Date.now() + 5000;
  while (text.split('\n').filter((l) => l.trim() !== '').length < c.lines && Date.now() < deadline) {
    const { value, done } = await Promise.race([reader.read(), new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), 1000))]);
    if (done) break;
    text += Buffer.from(value).toString();
  }
  ctl.abort();
  return `${res.status} ${text}`;
}

function blank(s: string): string {
  return s
    .replace(/"dbSize(InUse)?":"\d+"/g, '"dbSize$1":"<size>"')
    .replace(/"version":"3\.4\.\d+"/g, '"version":"<version>"')
    .replace(/"raftIndex":"\d+","raftTerm":"\d+","raftAppliedIndex":"\d+"/g, '"raftIndex":"<i>","raftTerm":"<t>","raftAppliedIndex":"<i>"')
    .replace(/"ID":"\d{12,}"/g, '"ID":"<lease>"')
    .replace(/"leases":\[\{"ID":"\d+"\}\]/g, '"leases":[{"ID":"<lease>"}]');
}

async function run(proc: StoreProcess): Promise<string[]> {
  const out: string[] = [];
  for (const c of calls) out.push(blank(await post(proc.clientUrl, c)));
  return out;
}

test('JSON gateway: the same curl-style calls give the same answers from etcd and kite store', { timeout: 120_000 }, async (t) => {
  const both = await onEtcdAndKite(t, 'gw', run);
  if (both === undefined) return;
  const { etcd, kite } = both;
  if (process.env.KITE_DEBUG) console.log(JSON.stringify({ etcd, kite }, null, 1));
  assert.match(etcd[1]!, /"value":"YmFy"/, 'sanity: etcd answered the range');
  calls.forEach((c, i) => assert.equal(kite[i], etcd[i], `${c.path} ${JSON.stringify(c.body)}`));
});
