import { EtcdGrpcClient, type ClientTls } from '../storage/client/etcd-grpc-client.js';

export interface LoadResult {
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface LoadOptions {
  /** One endpoint, or several: the connections are spread over them in turn (as etcd's benchmark tool does). */
  readonly endpoint: string | readonly string[];
  readonly op: 'put' | 'range';
  /** Range reads served by the member that gets them, without a ReadIndex round. */
  readonly serializable?: boolean;
  readonly clients: number;
  /** gRPC connections shared by the clients. */
  readonly conns: number;
  readonly seconds: number;
  readonly keySpace: number;
  readonly valueSize: number;
  /** TLS to an https client URL. */
  readonly tls?: ClientTls;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `clients` closed-loop clients for `seconds`; each issues one request at a time. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  // Each client object gets its own connection (a local subchannel pool).
  const endpoints = typeof o.endpoint === 'string' ? [o.endpoint] : o.endpoint;
  const conns = Array.from({ length: o.conns }, (_, i) => new EtcdGrpcClient(endpoints[i % endpoints.length]!, { 'grpc.use_local_subchannel_pool': 1, 'kite.conn': i }, 0, o.tls));
  const value = Buffer.alloc(o.valueSize, 'v');
  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  let seq = 0;
  const key = (): Buffer => Buffer.from(`k${String(seq++ % o.keySpace).padStart(7, '0')}`);
  const once = async (c: EtcdGrpcClient): Promise<void> => {
    const start = process.hrtime.bigint();
    try {
      await (o.op === 'put' ? c.put({ key: key(), value }) : c.range({ key: key(), serializable: o.serializable === true }));
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    } catch {
      errors++;
    }
  };
  const worker = async (i: number): Promise<void> => {
    const c = conns[i % conns.length]!;
    while (!stop) await once(c);
  };
  // Warm the connections up before timing.
  await Promise.all(conns.map((c) => once(c)));
  latencies.length = 0;
  errors = 0;
  const t0 = process.hrtime.bigint();
  const timer = setTimeout(() => (stop = true), o.seconds * 1000);
  await Promise.all(Array.from({ length: o.clients }, (_, i) => worker(i)));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const c of conns) c.close();
  const sorted = Float64Array.from(latencies).sort();
  return { ops: latencies.length, seconds, opsPerSecond: latencies.length / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), errors };
}

/** Fills the key space so range reads find keys. */
export async function preload(endpoint: string, keySpace: number, valueSize: number, tls?: ClientTls): Promise<void> {
  await runLoadCount(endpoint, keySpace, valueSize, tls);
}

async function runLoadCount(endpoint: string, count: number, valueSize: number, tls: ClientTls | undefined): Promise<void> {
  const c = new EtcdGrpcClient(endpoint, {}, 0, tls);
  const value = Buffer.alloc(valueSize, 'v');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await c.put({ key: Buffer.from(`k${String(i).padStart(7, '0')}`), value });
    }
  };
  await Promise.all(Array.from({ length: 64 }, () => worker()));
  c.close();
}
