/**
 * The insight trail's cost (`npm run bench -- --suite insight`): creates and gets of
 * ConfigMaps through the API of a `kite apiserver` (embedded store, plain HTTP, so
 * the figures are the API path's own), first with no insight page open, then with
 * one subscriber on /ui/api/events (the trail records every store call and streams
 * every row), in alternating rounds. Reports ops/s and the server's CPU ms per op
 * for each, and the page-open / no-page ratio.
 */
import { request, Agent } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { startApiServer, type ApiServerProcess } from '../test/helpers/apiserver.js';
import { tempDir } from '../test/helpers/processes.js';
import { cpuMsOf } from './watch-load.js';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '3000' }, clients: { type: 'string', default: '8' }, rounds: { type: 'string', default: '2' } } });
const opsPerRun = Number(values.ops);
const clients = Number(values.clients);
const rounds = Number(values.rounds);

const agent = new Agent({ keepAlive: true, maxSockets: clients });

function call(api: ApiServerProcess, method: string, path: string, body?: unknown): Promise<number> {
  const { hostname, port } = new URL(api.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port: Number(port), method, path, agent, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Opens the insight event stream and reads it until closed; returns how to close it and how many bytes came. */
function subscribe(api: ApiServerProcess): Promise<{ close(): void; bytes(): number }> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port: Number(port), path: '/ui/api/events' }, (res: IncomingMessage) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy(), bytes: () => n });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Figures {
  readonly opsPerSecond: number;
  readonly cpuMsPerOp: number;
}

let serial = 0;
async function run(api: ApiServerProcess, op: 'create' | 'get'): Promise<Figures> {
  const round = serial++;
  let next = 0;
  const cpu0 = cpuMsOf(api.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < opsPerRun; i = next++) {
        const status =
          op === 'create'
            ? await call(api, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `cm-${round}-${i}` }, data: { i: String(i) } })
            : await call(api, 'GET', `/api/v1/namespaces/default/configmaps/cm-0-${i % 500}`);
        if (status !== 201 && status !== 200) throw new Error(`${op}: ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { opsPerSecond: opsPerRun / seconds, cpuMsPerOp: (cpuMsOf(api.pid) - cpu0) / opsPerRun };
}

const dir = tempDir('bench-insight');
const api = await startApiServer(`${dir.path}/data`, undefined, ['--insecure-plain-http', '--controllers=', '--log-level=silent']);
const results = new Map<string, Figures[]>();
const keep = (name: string, f: Figures): void => void results.set(name, [...(results.get(name) ?? []), f]);
let streamed = 0;
try {
  // Warm up (and make the objects the gets read).
  await run(api, 'create');
  await run(api, 'get');
  for (let r = 0; r < rounds; r++) {
    for (const op of ['create', 'get'] as const) {
      keep(`${op}, no page`, await run(api, op));
      const page = await subscribe(api);
      keep(`${op}, page open`, await run(api, op));
      page.close();
      streamed += page.bytes();
    }
  }
} finally {
  agent.destroy();
  await api.stop();
  dir.remove();
}

const mean = (fs: readonly Figures[], k: keyof Figures): number => fs.reduce((s, f) => s + f[k], 0) / fs.length;
console.log(`\nInsight trail overhead: ${opsPerRun} ops per run, ${clients} clients, ${rounds} alternating rounds, kite apiserver on its embedded store over plain HTTP; CPU ms/op is the server process's user+system time per operation; the page streamed ${(streamed / 2 ** 20).toFixed(1)} MiB of events`);
console.table(
  (['create', 'get'] as const).map((op) => {
    const off = results.get(`${op}, no page`)!;
    const on = results.get(`${op}, page open`)!;
    return {
      workload: op,
      'no page ops/s': Math.round(mean(off, 'opsPerSecond')),
      'no page CPU ms/op': +mean(off, 'cpuMsPerOp').toFixed(3),
      'page open ops/s': Math.round(mean(on, 'opsPerSecond')),
      'page open CPU ms/op': +mean(on, 'cpuMsPerOp').toFixed(3),
      'open/closed ops': +(mean(on, 'opsPerSecond') / mean(off, 'opsPerSecond')).toFixed(2),
      'open/closed CPU': +(mean(on, 'cpuMsPerOp') / mean(off, 'cpuMsPerOp')).toFixed(2),
    };
  }),
);
