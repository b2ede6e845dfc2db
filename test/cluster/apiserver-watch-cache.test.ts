// kite apiserver's watch cache on a three-member kite cluster while members are killed and
// restarted and the store is compacted: consistent lists (served from the cache) are checked
// for linearizability with the chaos harness's checker, over concurrent writers and readers
// through the API; and one watch, held open through it all, must see every acknowledged write
// once, in order, without a gap.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { get, put } from '../chaos/checkers/history-builder.js';
import type { Operation } from '../chaos/checkers/history.js';
import { checkLinearizability } from '../chaos/checkers/linearizability.js';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { withCluster } from '../helpers/cluster.js';
import { etcdctl, missingTool, waitHealthy } from '../helpers/processes.js';

const keys = ['k0', 'k1', 'k2', 'k3'];
const base = '/api/v1/namespaces/default/configmaps';

interface WatchRecord {
  /** Per object, the resourceVersions of its events, in the order they came. */
  readonly seen: Map<string, number[]>;
  /** Every event's resourceVersion, in order. */
  readonly all: number[];
  ended: boolean;
}

/** Reads a watch stream line by line into record until it ends or signal aborts. */
async function follow(api: ApiServerProcess, from: string, record: WatchRecord, signal: AbortSignal): Promise<void> {
  const res = await api.fetch(`${base}?watch=1&resourceVersion=${from}&allowWatchBookmarks=true`, { signal });
  assert.equal(res.status, 200);
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffered.slice(0, nl)) as { type: string; object: { metadata: { name?: string; resourceVersion?: string } } };
        buffered = buffered.slice(nl + 1);
        if (e.type === 'BOOKMARK') continue;
        if (e.type === 'ERROR') throw new Error(`the watch ended with ${JSON.stringify(e.object)}`);
        const rv = Number(e.object.metadata.resourceVersion);
        record.all.push(rv);
        const name = e.object.metadata.name ?? '';
        record.seen.set(name, [...(record.seen.get(name) ?? []), rv]);
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  record.ended = !signal.aborted;
}

test(
  'watch cache on a kite cluster with member kills and a compaction: consistent lists are linearizable; one watch sees every write once, in order',
  { skip: missingTool('etcdctl', 'etcd-client'), timeout: 240_000 },
  async () => {
    await withCluster('cluster-watch-cache', 3, async (cluster) => {
      await cluster.startAll();
      const servers = cluster.specs.map((s) => s.clientUrl).join(',');
      const api = await startApiServer(`${cluster.dir}/api`, undefined, [`--etcd-servers=${servers}`, '--watch-cache-consistent-reads=true', '--controllers=', '--log-level=warn']);
      const history: Operation[] = [];
      const clock = (): number => performance.now();
      let nextProcess = 100;
      try {
        for (const k of keys) {
          const at0 = clock();
          const r = await api.fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: k }, data: { v: `init-${k}` } }) });
          const text = await r.text();
          assert.equal(r.status, 201, text);
          const rv = Number((JSON.parse(text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
          history.push(put(k, `init-${k}`, [at0, clock()], rv, { process: 0 }));
        }
        const from = ((await (await api.fetch(base)).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
        const record: WatchRecord = { seen: new Map(), all: [], ended: false };
        const stopWatch = new AbortController();
        const watching = follow(api, from, record, stopWatch.signal);

        let running = true;
        const acked = new Map<string, number[]>(keys.map((k) => [k, []]));
        const writer = async (id: number): Promise<void> => {
          let process = id;
          for (let n = 0; running; n++) {
            const key = keys[(id * 7 + n) % keys.length]!;
            const value = `w${id}-${n}`;
            const invokedAt = clock();
            try {
              const r = await api.fetch(`${base}/${key}`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ data: { v: value } }), signal: AbortSignal.timeout(10_000) });
              const body = (await r.json()) as { metadata?: { resourceVersion?: string } };
              if (r.status === 200) {
                const rv = Number(body.metadata!.resourceVersion);
                history.push(put(key, value, [invokedAt, clock()], rv, { process }));
                acked.get(key)!.push(rv);
                continue;
              }
              history.push(put(key, value, r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429 ? [invokedAt, clock()] : [invokedAt], undefined, { process }));
            } catch {
              history.push(put(key, value, [invokedAt], undefined, { process }));
            }
            // After an operation of unknown outcome the client carries on as a new process.
            process = nextProcess++;
            await new Promise((r) => setTimeout(r, 100));
          }
        };
        let reads = 0;
        const reader = async (id: number): Promise<void> => {
          while (running) {
            const invokedAt = clock();
            try {
              const r = await api.fetch(base, { signal: AbortSignal.timeout(10_000) });
              if (r.status !== 200) {
                await r.text();
                await new Promise((res) => setTimeout(res, 100));
                continue;
              }
              const list = (await r.json()) as { metadata: { resourceVersion: string }; items: { metadata: { name: string; resourceVersion: string }; data?: { v?: string } }[] };
              const completedAt = clock();
              const header = Number(list.metadata.resourceVersion);
              for (const k of keys) {
                const item = list.items.find((i) => i.metadata.name === k);
                history.push(get(k, [invokedAt, completedAt], item?.data?.v ?? null, Number(item?.metadata.resourceVersion ?? 0), header, id));
              }
              reads++;
            } catch {
              await new Promise((res) => setTimeout(res, 100));
            }
          }
        };
        const workers = [writer(1), writer(2), writer(3), reader(11), reader(12)];

        // The faults: each member killed and restarted in turn, and a compaction in between.
        for (const victim of cluster.specs) {
          await new Promise((r) => setTimeout(r, 1500));
          await cluster.stop(victim.name, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 1500));
          await waitHealthy(cluster.spawn(victim.name), 'kite', 30_000);
          if (victim === cluster.specs[0]) {
            const status = etcdctl(cluster.endpoints(), ['endpoint', 'status', '-w', 'json']);
            const revision = Math.max(...(JSON.parse(status.stdout) as { Status: { header: { revision: number } } }[]).map((s) => s.Status.header.revision));
            assert.equal(etcdctl(cluster.endpoints(), ['compact', String(revision)]).code, 0, 'compaction');
          }
        }
        await new Promise((r) => setTimeout(r, 1500));
        running = false;
        await Promise.all(workers);

        // The watch: every acknowledged write, once, in order, with nothing in between missing.
        const last = Math.max(...[...acked.values()].flat());
        for (let i = 0; i < 200 && !(record.all.length > 0 && record.all.at(-1)! >= last); i++) await new Promise((r) => setTimeout(r, 50));
        stopWatch.abort();
        await watching;
        assert.equal(record.ended, false, 'the watch stayed open through the kills and the compaction');
        for (let i = 1; i < record.all.length; i++) assert.ok(record.all[i]! > record.all[i - 1]!, `events in revision order, each once (${record.all[i - 1]} then ${record.all[i]})`);
        for (const [k, rvs] of acked) {
          const seen = new Set(record.seen.get(k) ?? []);
          assert.deepEqual(
            rvs.filter((rv) => !seen.has(rv)),
            [],
            `every acknowledged write of ${k} came through the watch`,
          );
        }
        const writes = [...acked.values()].reduce((n, v) => n + v.length, 0);
        assert.ok(writes > 20 && reads > 20, `enough happened to check: ${writes} acknowledged writes, ${reads} lists`);

        // The lists were the cache's answers, as the API server's metrics count them.
        const metrics = await (await api.fetch('/metrics')).text();
        const fromCache = Number(/^apiserver_cache_list_total\{[^}]*resource_prefix="\/configmaps"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
        assert.ok(fromCache >= reads, `lists answered from the cache: ${fromCache} of ${reads}`);

        // The reads: linearizable with the writes (a consistent list never misses an acknowledged write).
        const report = checkLinearizability(history);
        assert.equal(report.outcome, 'linearizable', JSON.stringify(report.violations.slice(0, 3), null, 1));
        process.stdout.write(`# ${writes} acknowledged writes, ${reads} consistent lists (${fromCache} lists from the cache), ${record.all.length} watch events: linearizable, none missed or repeated\n`);
      } catch (err) {
        process.stderr.write(api.output().slice(-4000));
        throw err;
      } finally {
        await api.stop();
      }
    });
  },
);
