import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { EtcdGrpcClient, type WireMessage } from '../storage/client/etcd-grpc-client.js';
import { readFileSync } from 'node:fs';
import { prefixRangeEnd } from '../storage/mvcc/key-value.js';

/**
 * What the benchmark reads of a WatchResponse: whether it confirms a create, and
 * the value of each event's kv. A minimal protobuf walk instead of a full decode,
 * so that the load generator (one Node process) is not what limits the measure;
 * etcd and Kite are read the same way.
 */
interface WatchSummary {
  readonly created: boolean;
  readonly values: Buffer[];
}

function readVarint(b: Buffer, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++]!;
    v += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [v, pos];
    mul *= 128;
  }
}

/** Calls fn(field, wireType, start, end) for each field of the message in b[start, end). */
function fields(b: Buffer, start: number, end: number, fn: (field: number, wireType: number, from: number, to: number) => void): void {
  let pos = start;
  while (pos < end) {
    const [tag, p1] = readVarint(b, pos);
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (wt === 0) {
      const [, p2] = readVarint(b, p1);
      fn(field, wt, p1, p2);
      pos = p2;
    } else if (wt === 2) {
      const [len, p2] = readVarint(b, p1);
      fn(field, wt, p2, p2 + len);
      pos = p2 + len;
    } else if (wt === 1) {
      pos = p1 + 8;
    } else if (wt === 5) {
      pos = p1 + 4;
    } else {
      throw new Error(`unexpected wire type ${wt}`);
    }
  }
}

function summarize(b: Buffer): WatchSummary {
  let created = false;
  const values: Buffer[] = [];
  fields(b, 0, b.length, (f, wt, from, to) => {
    if (f === 3 && wt === 0) created = b[from] === 1;
    if (f !== 11 || wt !== 2) return;
    fields(b, from, to, (ef, ewt, kfrom, kto) => {
      if (ef !== 2 || ewt !== 2) return; // Event.kv
      fields(b, kfrom, kto, (kf, kwt, vfrom, vto) => {
        if (kf === 5 && kwt === 2) values.push(b.subarray(vfrom, vto)); // KeyValue.value
      });
    });
  });
  return { created, values };
}

type SummaryStream = ClientDuplexStream<WireMessage, WatchSummary>;

let watchRequestEncoder: ((m: WireMessage) => Buffer) | undefined;

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc). */
export function cpuMsOf(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its ')').
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The end of the prefix range of p (the store's own helper). */
const prefixEnd = (p: string): Buffer => prefixRangeEnd(Buffer.from(p));

/** Opens `watchers` watchers on prefix over `streams` streams; resolves when all are created. */
async function openWatchers(endpoint: string, prefix: string, watchers: number, streams: number, onEvents: (values: Buffer[]) => void): Promise<{ streams: SummaryStream[]; close(): void }> {
  if (watchRequestEncoder === undefined) {
    const { etcdService } = await import('../storage/grpc/proto.js');
    const def = etcdService('Watch').Watch!;
    // The service definition's request deserializer's counterpart: encode with the same types.
    watchRequestEncoder = (m) => def.requestSerialize(m);
  }
  const encode = watchRequestEncoder;
  const client = new Client(endpoint, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const all: SummaryStream[] = [];
  let created = 0;
  await new Promise<void>((resolve, reject) => {
    for (let s = 0; s < streams; s++) {
      const stream = client.makeBidiStreamRequest('/etcdserverpb.Watch/Watch', encode, summarize) as SummaryStream;
      all.push(stream);
      stream.on('error', () => undefined);
      stream.on('data', (res: WatchSummary) => {
        if (res.created && ++created === watchers) resolve();
        if (res.values.length > 0) onEvents(res.values);
      });
      const n = Math.floor(watchers / streams) + (s < watchers % streams ? 1 : 0);
      for (let i = 0; i < n; i++) stream.write({ createRequest: { key: Buffer.from(prefix), rangeEnd: prefixEnd(prefix) } });
    }
    setTimeout(() => reject(new Error(`only ${created} of ${watchers} watchers were created in 60 s`)), 60_000).unref();
  });
  return {
    streams: all,
    close: () => {
      for (const st of all) st.cancel();
      client.close();
    },
  };
}

export interface FanOutResult {
  readonly watchers: number;
  readonly puts: number;
  readonly delivered: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Watch responses that carried events. */
  readonly messages: number;
}

/**
 * Event fan-out: `watchers` watchers on one prefix, then `puts` puts under it from
 * 16 writers; each value carries its send time. Measures delivered events per
 * second (from the first put to the last delivery) and put-to-delivery latency.
 */
export async function fanOut(endpoint: string, watchers: number, puts: number): Promise<FanOutResult> {
  const client = new EtcdGrpcClient(endpoint);
  const prefix = `/fan/${watchers}/`;
  const latencies: number[] = [];
  let delivered = 0;
  let messages = 0;
  let lastDelivery = 0n;
  const expected = watchers * puts;
  let done!: () => void;
  const allDelivered = new Promise<void>((r) => (done = r));
  const watch = await openWatchers(endpoint, prefix, watchers, Math.min(watchers, 100), (values) => {
    const now = process.hrtime.bigint();
    for (const v of values) latencies.push(Number(now - BigInt(v.toString())) / 1e6);
    delivered += values.length;
    messages++;
    lastDelivery = now;
    if (delivered >= expected) done();
  });
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < puts) {
        const i = next++;
        await client.put({ key: Buffer.from(`${prefix}${i % 100}`), value: Buffer.from(String(process.hrtime.bigint())) });
      }
    }),
  );
  await Promise.race([allDelivered, new Promise((r) => setTimeout(r, 60_000))]);
  watch.close();
  client.close();
  const seconds = Number(lastDelivery - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { watchers, puts, delivered, eventsPerSecond: delivered / seconds, p50Ms: pct(50), p99Ms: pct(99), messages };
}

/** Extra resident memory of the server for `watchers` idle watchers (100 per stream). */
export async function idleWatcherMemory(endpoint: string, pid: number, watchers: number): Promise<{ before: number; after: number }> {
  const client = new EtcdGrpcClient(endpoint);
  await client.put({ key: Buffer.from('/idle/warm'), value: Buffer.from('x') });
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssOf(pid);
  const watch = await openWatchers(endpoint, '/idle/', watchers, Math.ceil(watchers / 100), () => undefined);
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssOf(pid);
  watch.close();
  client.close();
  return { before, after };
}

/** Server memory over `rounds` connect/create-watch/disconnect cycles, sampled at each quarter. */
export async function churnMemory(endpoint: string, pid: number, rounds: number): Promise<number[]> {
  const samples = [rssOf(pid)];
  for (let i = 1; i <= rounds; i++) {
    const client = new EtcdGrpcClient(endpoint, { 'grpc.use_local_subchannel_pool': 1 });
    const watch = await openWatchers(endpoint, '/churn/', 10, 2, () => undefined);
    await client.put({ key: Buffer.from('/churn/k'), value: Buffer.from(String(i)) });
    watch.close();
    client.close();
    if (i % Math.max(1, Math.floor(rounds / 4)) === 0) samples.push(rssOf(pid));
  }
  return samples;
}
