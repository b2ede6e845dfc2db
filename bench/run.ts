/**
 * Store benchmarks: put with 1, 16 and 256 concurrent clients, range with 1 and
 * 256, each for a fixed time against a fresh `kite store` (and, with --vs-etcd, a
 * fresh real etcd started the same way on free ports), printing ops/s, p50 and p99
 * and the Kite/etcd ratio. Both servers fsync every acknowledged write.
 *
 *   npm run bench [-- --vs-etcd] [--seconds 5] [--only put]
 */
import { parseArgs } from 'node:util';
import { hasCommand, startStore, tempDir, type StoreProcess } from '../test/helpers/processes.js';
import { preload, runLoad, type LoadResult } from './kv-load.js';

const { values } = parseArgs({
  options: {
    'vs-etcd': { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});

interface Workload {
  readonly name: string;
  readonly op: 'put' | 'range';
  readonly clients: number;
}

const allWorkloads: Workload[] = [
  { name: 'put, 1 client', op: 'put', clients: 1 },
  { name: 'put, 16 clients', op: 'put', clients: 16 },
  { name: 'put, 256 clients', op: 'put', clients: 256 },
  { name: 'range, 1 client', op: 'range', clients: 1 },
  { name: 'range, 256 clients', op: 'range', clients: 256 },
];
const workloads = allWorkloads.filter((w) => values.only === undefined || w.op === values.only);

const KEY_SPACE = 10_000;
const VALUE_SIZE = 256;
const seconds = Number(values.seconds);

async function measure(kind: 'kite' | 'etcd'): Promise<Map<string, LoadResult>> {
  const results = new Map<string, LoadResult>();
  const dir = tempDir(`bench-${kind}`);
  let proc: StoreProcess | undefined;
  try {
    proc = await startStore({ kind, name: 'bench', dataDir: dir.path });
    await preload(proc.endpoint, KEY_SPACE, VALUE_SIZE);
    for (const w of workloads) {
      const r = await runLoad({ endpoint: proc.endpoint, op: w.op, clients: w.clients, conns: Math.min(w.clients, 8), seconds, keySpace: KEY_SPACE, valueSize: VALUE_SIZE });
      results.set(w.name, r);
      process.stderr.write(`${kind.padEnd(4)} ${w.name.padEnd(20)} ${r.opsPerSecond.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms${r.errors ? `  errors ${r.errors}` : ''}\n`);
    }
  } finally {
    await proc?.stop();
    dir.remove();
  }
  return results;
}

const withEtcd = values['vs-etcd'];
if (withEtcd && !hasCommand('etcd')) {
  console.error('--vs-etcd needs etcd on PATH (apt-get install -y etcd-server)');
  process.exit(2);
}
const kite = await measure('kite');
const etcd = withEtcd ? await measure('etcd') : undefined;

const rows = workloads.map((w) => {
  const k = kite.get(w.name)!;
  const e = etcd?.get(w.name);
  return {
    workload: w.name,
    'kite ops/s': Math.round(k.opsPerSecond),
    'kite p50 ms': +k.p50Ms.toFixed(2),
    'kite p99 ms': +k.p99Ms.toFixed(2),
    ...(e
      ? {
          'etcd ops/s': Math.round(e.opsPerSecond),
          'etcd p50 ms': +e.p50Ms.toFixed(2),
          'etcd p99 ms': +e.p99Ms.toFixed(2),
          'kite/etcd ops': +(k.opsPerSecond / e.opsPerSecond).toFixed(2),
        }
      : {}),
  };
});
console.log(`\nKV benchmark: ${seconds} s per workload, ${KEY_SPACE} keys, ${VALUE_SIZE}-byte values, fsync on every commit`);
console.table(rows);
