import type { IncomingMessage } from 'node:http';
import { configMap, createNamespace, meta, ok, type Target } from './http-target.js';
import type { Run } from './clients.js';

/** How many watches are opened at once (a thousand TLS handshakes in one burst would measure the handshakes). */
const OPEN_BATCH = 50;
/** How long delivery may lag behind the last update before the run fails. */
const DELIVERY_WAIT_MS = 60_000;

/** Watches that are open; close() ends them all. */
export interface OpenWatches {
  /** The watch responses, in the order they were opened. */
  readonly responses: readonly IncomingMessage[];
  /** Destroys every watch connection. */
  close(): void;
}

/**
 * Opens `count` watches of namespace ns's ConfigMaps from resourceVersion rv, OPEN_BATCH
 * at a time; onLine(watcher, line, receivedAt) gets each event line as it arrives.
 */
export async function openWatches(t: Target, ns: string, rv: string, count: number, onLine?: (watcher: number, line: string, at: number) => void): Promise<OpenWatches> {
  const responses: IncomingMessage[] = [];
  const close = (): void => responses.forEach((r) => r.destroy());
  try {
    for (let from = 0; from < count; from += OPEN_BATCH) {
      const batch = Array.from({ length: Math.min(OPEN_BATCH, count - from) }, async (_, k) => {
        const w = from + k;
        const res = await t.stream(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}`);
        responses.push(res);
        if (res.statusCode !== 200) throw new Error(`${t.name}: watcher ${w}: ${res.statusCode}`);
        res.on('error', () => undefined);
        if (onLine === undefined) {
          res.resume();
          return;
        }
        let buf = '';
        res.on('data', (c: Buffer) => {
          const now = performance.now();
          buf += c.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim() !== '') onLine(w, line, now);
          }
        });
      });
      await Promise.all(batch);
    }
  } catch (err) {
    close();
    throw err;
  }
  return { responses, close };
}

// The bench reads only an event's type and its object's resourceVersion; both servers' ConfigMap
// events hold each once, so a pattern does and the client's CPU stays small beside the server's.
const eventType = /"type":"([A-Z]+)"/;
const eventRv = /"resourceVersion":"(\d+)"/;

/**
 * Watch fan-out: `watchers` watches of one namespace's ConfigMaps (its own, fan<watchers>),
 * then `updates` PUTs from `writers` clients round-robin over `writers` objects. Latency is
 * PUT sent -> event read, per watcher and update; throughput is events delivered per second;
 * CPU is divided by updates (each is read, written, and sent to every watcher).
 */
export async function fanOut(t: Target, watchers: number, updates: number, writers: number): Promise<Run> {
  const ns = `fan${watchers}`;
  await createNamespace(t, ns);
  const names = Array.from({ length: writers }, (_, i) => `fan-${i}`);
  for (const name of names) await ok(t, 'POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(name, { n: '0' }));
  const listRv = meta(await ok(t, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).resourceVersion;
  const received = Array.from({ length: watchers }, () => new Map<string, number>());
  let delivered = 0;
  const watches = await openWatches(t, ns, listRv, watchers, (w, line, at) => {
    if (eventType.exec(line)?.[1] !== 'MODIFIED') return;
    const rv = eventRv.exec(line)?.[1];
    if (rv === undefined || received[w]!.has(rv)) return;
    received[w]!.set(rv, at);
    delivered++;
  });
  try {
    const sentAt = new Map<string, number>();
    const start = performance.now();
    let next = 0;
    await Promise.all(
      names.map(async (name) => {
        for (let i = next++; i < updates; i = next++) {
          const t0 = performance.now();
          const o = await ok(t, 'PUT', `/api/v1/namespaces/${ns}/configmaps/${name}`, configMap(name, { n: String(i + 1) }));
          sentAt.set(meta(o).resourceVersion, t0);
        }
      }),
    );
    const want = watchers * updates;
    const deadline = Date.now() + DELIVERY_WAIT_MS;
    while (delivered < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (delivered < want) throw new Error(`${t.name}: ${delivered}/${want} watch events delivered ${DELIVERY_WAIT_MS / 1000} s after the last update`);
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
    return { latencies, seconds: (last - start) / 1000, opsCount: updates, notes: `${want} events (${updates} updates); CPU per update` };
  } finally {
    watches.close();
  }
}
