/**
 * API server benchmark: starts `kite apiserver` (embedded store) on a temp dir
 * and measures, with concurrent keep-alive HTTP clients in this process:
 * creates, gets by name, lists of 1,000 objects, GET-modify-PUT under
 * contention on one object, and watch fan-out. Prints one table.
 *
 *   npm run bench:api                          # https, kite-admin's client certificate
 *   KITE_BENCH_PLAIN_HTTP=1 npm run bench:api  # --insecure-plain-http, to see what TLS costs
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../test/helpers/apiserver.js';

const CREATE_CLIENTS = 16;
const CREATES = 5000;
const GET_CLIENTS = 16;
const GETS = 20000;
const LIST_SIZE = 1000;
const LISTS = 50;
const CONTENDERS = 8;
const UPDATES_PER_CONTENDER = 50;
const WATCHERS = 100;
const WATCH_WRITERS = 4;
const WATCH_UPDATES = 500;

interface Response {
  readonly status: number;
  readonly body: string;
}

const plain = process.env.KITE_BENCH_PLAIN_HTTP === '1';
/** The admin's TLS material once the server made it (https only). */
let tls: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
const newAgent = (options: http.AgentOptions): http.Agent => (plain ? new http.Agent(options) : new https.Agent({ ...options, ...tls }));
const request = (options: http.RequestOptions, onResponse: (res: IncomingMessage) => void): http.ClientRequest => (plain ? http.request(options, onResponse) : https.request(options, onResponse));
let agent: http.Agent;
let base = { host: '127.0.0.1', port: 0 };

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ ...base, method, path, agent, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(method, path, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Row {
  readonly workload: string;
  readonly ops: number;
  readonly 'ops/s': string;
  readonly 'p50 ms': string;
  readonly 'p99 ms': string;
  readonly notes: string;
}

function row(workload: string, latencies: number[], seconds: number, notes = ''): Row {
  latencies.sort((a, b) => a - b);
  return { workload, ops: latencies.length, 'ops/s': (latencies.length / seconds).toFixed(0), 'p50 ms': percentile(latencies, 50).toFixed(2), 'p99 ms': percentile(latencies, 99).toFixed(2), notes };
}

/** Runs `clients` loops that each take job indices from a shared counter until `total`. */
async function runClients(clients: number, total: number, job: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

const meta = (o: Record<string, unknown>): { name: string; resourceVersion: string } => o.metadata as { name: string; resourceVersion: string };

async function benchCreate(): Promise<Row> {
  // The first LIST_SIZE go to the namespace the list workload reads.
  const { latencies, seconds } = await runClients(CREATE_CLIENTS, CREATES, async (i) => {
    const ns = i < LIST_SIZE ? 'list1k' : 'bench';
    await ok('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { index: String(i), payload: 'x'.repeat(256) } });
  });
  return row(`create ConfigMap (${CREATE_CLIENTS} clients)`, latencies, seconds);
}

async function benchGet(): Promise<Row> {
  const { latencies, seconds } = await runClients(GET_CLIENTS, GETS, async (i) => {
    const n = LIST_SIZE + (i % (CREATES - LIST_SIZE));
    await ok('GET', `/api/v1/namespaces/bench/configmaps/cm-${n}`);
  });
  return row(`get by name (${GET_CLIENTS} clients)`, latencies, seconds);
}

async function benchList(): Promise<Row> {
  let bytes = 0;
  const { latencies, seconds } = await runClients(1, LISTS, async () => {
    const r = await call('GET', '/api/v1/namespaces/list1k/configmaps');
    const list = JSON.parse(r.body) as { items: unknown[] };
    if (list.items.length !== LIST_SIZE) throw new Error(`list returned ${list.items.length} items, want ${LIST_SIZE}`);
    bytes = r.body.length;
  });
  return row(`list ${LIST_SIZE} ConfigMaps (1 client)`, latencies, seconds, `${(bytes / 1024).toFixed(0)} KiB per list`);
}

async function benchContention(): Promise<Row> {
  const path = '/api/v1/namespaces/bench/configmaps/hot';
  await ok('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hot' }, data: { counter: '0' } });
  let conflicts = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONTENDERS }, async () => {
      for (let done = 0; done < UPDATES_PER_CONTENDER; done++) {
        const t0 = performance.now();
        for (;;) {
          const cur = await ok('GET', path);
          const data = cur.data as Record<string, string>;
          const r = await call('PUT', path, { ...cur, data: { counter: String(Number(data.counter) + 1) } });
          if (r.status === 409) {
            conflicts++;
            continue;
          }
          if (r.status !== 200) throw new Error(`PUT ${path}: ${r.status} ${r.body}`);
          break;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const final = await ok('GET', path);
  const counter = Number((final.data as Record<string, string>).counter);
  const want = CONTENDERS * UPDATES_PER_CONTENDER;
  if (counter !== want) throw new Error(`lost update: counter ${counter}, want ${want}`);
  return row(`GET-modify-PUT, ${CONTENDERS} clients on 1 object`, latencies, seconds, `${conflicts} conflicts (409) retried; counter ${counter} = ${want}`);
}

async function benchWatch(): Promise<Row> {
  const names = Array.from({ length: WATCH_WRITERS }, (_, i) => `fan-${i}`);
  for (const name of names) await ok('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: '0' } });
  const listRv = meta(await ok('GET', '/api/v1/namespaces/default/configmaps')).resourceVersion;
  const watchAgent = newAgent({ keepAlive: false });
  const received: Array<Map<string, number>> = [];
  const responses: IncomingMessage[] = [];
  await Promise.all(
    Array.from({ length: WATCHERS }, (_, w) => {
      const seen = new Map<string, number>();
      received.push(seen);
      return new Promise<void>((resolve, reject) => {
        const req = request({ ...base, path: `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${listRv}`, agent: watchAgent }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`watcher ${w}: ${res.statusCode}`));
          responses.push(res);
          let buf = '';
          res.on('data', (c: Buffer) => {
            const now = performance.now();
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() === '') continue;
              const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
              if (ev.type === 'MODIFIED') seen.set(meta(ev.object).resourceVersion, now);
            }
          });
          res.on('error', () => undefined);
          resolve();
        });
        req.on('error', reject);
        req.end();
      });
    }),
  );
  const sentAt = new Map<string, number>();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    names.map(async (name) => {
      for (let i = next++; i < WATCH_UPDATES; i = next++) {
        const t0 = performance.now();
        const o = await ok('PUT', `/api/v1/namespaces/default/configmaps/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(i + 1) } });
        sentAt.set(meta(o).resourceVersion, t0);
      }
    }),
  );
  const want = WATCHERS * WATCH_UPDATES;
  const deadline = Date.now() + 30_000;
  const delivered = (): number => received.reduce((s, m) => s + m.size, 0);
  while (delivered() < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  let last = start;
  const latencies: number[] = [];
  for (const seen of received) {
    for (const [rv, at] of seen) {
      const t0 = sentAt.get(rv);
      if (t0 === undefined) continue;
      latencies.push(at - t0);
      last = Math.max(last, at);
    }
  }
  for (const res of responses) res.destroy();
  watchAgent.destroy();
  const seconds = (last - start) / 1000;
  const rowOut = row(`watch fan-out: ${WATCHERS} watchers, ${WATCH_UPDATES} updates`, latencies, seconds, `${delivered()}/${want} events delivered; ${(WATCH_UPDATES / seconds).toFixed(0)} updates/s; latency = PUT sent -> event read`);
  return { ...rowOut, workload: `${rowOut.workload} (events/s)` };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-api-'));
  const server = await startApiServer(join(dir, 'data'), undefined, plain ? ['--insecure-plain-http'] : []);
  base = { host: '127.0.0.1', port: server.port };
  if (server.tls !== undefined) tls = { ca: server.tls.ca!, cert: server.tls.cert!, key: server.tls.key! };
  agent = newAgent({ keepAlive: true, maxSockets: 64 });
  try {
    for (const name of ['bench', 'list1k']) await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const started = performance.now();
    const rows: Row[] = [];
    for (const run of [benchCreate, benchGet, benchList, benchContention, benchWatch]) {
      rows.push(await run());
      process.stderr.write(`done: ${rows.at(-1)!.workload}\n`);
    }
    console.log(`\nkite apiserver (embedded store, ${dir}), ${plain ? 'plain HTTP' : 'HTTPS with a client certificate'}, Node ${process.versions.node}, keep-alive HTTP/1.1 clients in one process; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.table(rows);
  } finally {
    agent.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
