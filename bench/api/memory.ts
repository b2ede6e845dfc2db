import { readFileSync } from 'node:fs';
import { rssOf } from '../watch-load.js';
import { runClients, sleep } from './clients.js';
import { configMap, createNamespace, meta, ok, type Target } from './http-target.js';
import { openWatches } from './watchers.js';

/** How long the server is left alone before its RSS is read. */
const SETTLE_MS = 10_000;
const FILL_CLIENTS = 64;
const MEMORY_NAMESPACE = 'mass';
const PAYLOAD = 'x'.repeat(256);

/** The server processes' summed resident memory, in bytes. */
export const rssOfAll = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + rssOf(pid), 0);

/** The anonymous (heap) and file-backed (mapped files, such as lmdb's) parts of the processes' RSS, in bytes (Linux /proc). */
function rssParts(pids: readonly number[]): { anon: number; file: number } {
  const field = (status: string, name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return pids.reduce(
    (sum, pid) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return { anon: sum.anon + field(status, 'RssAnon'), file: sum.file + field(status, 'RssFile') + field(status, 'RssShmem') };
    },
    { anon: 0, file: 0 },
  );
}

/** One memory reading: what the server held, and its processes' summed RSS. */
export interface MemoryStep {
  /** The row name ("idle after start", "10,000 ConfigMaps", ...). */
  readonly name: string;
  /** Summed RSS of the server's processes, bytes. */
  readonly rssBytes: number;
  /** How to read it (fill rate, what was open). */
  readonly notes: string;
}

/** What the memory run does: how many ConfigMaps at each step, and how many watches to hold. */
export interface MemoryPlan {
  /** The object counts to read RSS at, ascending (10,000 and, unless left out, 100,000). */
  readonly objectSteps: readonly number[];
  /** Watches held open at the step after the first object count. */
  readonly watches: number;
}

/** Adds ConfigMaps m-<from>..m-<to-1> (256-byte payload, as the workloads') with FILL_CLIENTS clients; returns creates per second. */
async function fill(t: Target, from: number, to: number): Promise<number> {
  const r = await runClients(FILL_CLIENTS, to - from, async (i) => void (await ok(t, 'POST', `/api/v1/namespaces/${MEMORY_NAMESPACE}/configmaps`, configMap(`m-${from + i}`, { index: String(from + i), payload: PAYLOAD }))));
  return (to - from) / r.seconds;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * Memory on a fresh server of its own (so the workloads' garbage is not in it): RSS idle
 * after start, then with each count of ConfigMaps in one namespace, and with `watches`
 * watches open on that namespace (from its current resourceVersion, so none replays
 * history) once the first count is there. Each reading follows SETTLE_MS of quiet.
 */
export async function measureMemory(t: Target, plan: MemoryPlan, log: (line: string) => void): Promise<MemoryStep[]> {
  const steps: MemoryStep[] = [];
  const read = async (name: string, notes: string): Promise<void> => {
    await sleep(SETTLE_MS);
    const parts = rssParts(t.pids);
    const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
    const step = { name, rssBytes: rssOfAll(t.pids), notes: [notes, `anon ${mib(parts.anon)} MiB, file-backed ${mib(parts.file)} MiB`].filter((n) => n !== '').join('; ') };
    steps.push(step);
    log(`${t.name.padEnd(15)} RSS ${name.padEnd(36)} ${(step.rssBytes / 2 ** 20).toFixed(1)} MiB  ${notes}`);
  };
  await read('idle after start', '');
  await createNamespace(t, MEMORY_NAMESPACE);
  let have = 0;
  for (const [i, count] of plan.objectSteps.entries()) {
    const rate = await fill(t, have, count);
    have = count;
    await read(`${thousands(count)} ConfigMaps`, `filled at ${rate.toFixed(0)} creates/s (${FILL_CLIENTS} clients)`);
    if (i === 0 && plan.watches > 0) {
      const rv = meta(await ok(t, 'GET', `/api/v1/namespaces/${MEMORY_NAMESPACE}/configmaps?limit=1`)).resourceVersion;
      const watches = await openWatches(t, MEMORY_NAMESPACE, rv, plan.watches);
      try {
        await read(`${thousands(count)} ConfigMaps + ${thousands(plan.watches)} watches`, `${watches.responses.length} watches open`);
      } finally {
        watches.close();
      }
    }
  }
  return steps;
}
