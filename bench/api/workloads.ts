import { configMap, createNamespace, ok, type Target } from './http-target.js';
import { runClients, type Run } from './clients.js';
import { fanOut } from './watchers.js';

/** Sizes of the workloads; `--quick` shrinks them for a smoke run. */
export interface Sizes {
  /** Creates per create workload (the 1-client one does a fifth as many). */
  readonly creates: number;
  /** Gets by name. */
  readonly gets: number;
  /** Complete lists per list workload (a paged one counts all its pages as one list). */
  readonly lists: number;
  /** Updates per contender in the GET-modify-PUT workload. */
  readonly updatesPerContender: number;
  /** Updates fanned out to 100 watchers. */
  readonly fanOut100Updates: number;
  /** Updates fanned out to 1,000 watchers. */
  readonly fanOut1000Updates: number;
  /** Objects applied (then applied again) in the apply workload. */
  readonly applyObjects: number;
}

/** The full run's sizes. */
export const fullSizes: Sizes = { creates: 4000, gets: 20_000, lists: 50, updatesPerContender: 50, fanOut100Updates: 500, fanOut1000Updates: 200, applyObjects: 1000 };
/** A smoke run's sizes (seconds per server). */
export const quickSizes: Sizes = { creates: 400, gets: 2000, lists: 5, updatesPerContender: 10, fanOut100Updates: 50, fanOut1000Updates: 20, applyObjects: 100 };

/** The issue's class of a workload, which sets its throughput target. */
export type WorkloadClass = 'list' | 'other';

/** A workload: a name, its class, and how it runs against a server. */
export interface Workload {
  /** The table's row name (also what --only matches). */
  readonly name: string;
  /** Lists have a target of their own (3x); every other workload 1.5x. */
  readonly kind: WorkloadClass;
  /** Unmeasured preparation (a CRD to serve, objects to list). */
  setup?(t: Target): Promise<void>;
  /** The measured part. */
  run(t: Target): Promise<Run>;
}

const LIST_SIZE = 1000;
const LIST_NAMESPACE = 'list1k';
/** Matches half the list namespace's objects (the even ones). */
const HALF = 'half=yes';
const PAGE = 100;
const CONTENDERS = 8;
const GET_CLIENTS = 64;
const WATCH_WRITERS = 4;
const APPLY_CLIENTS = 16;
const PAYLOAD = 'x'.repeat(256);

/** The namespace the workloads create and read in (made before they run). */
export const BENCH_NAMESPACE = 'bench';

const benchGroup = 'bench.kite.example.com';
const gadgets = `/apis/${benchGroup}/v1/namespaces/${BENCH_NAMESPACE}/gadgets`;

/** The API group of the bench's custom resource (the bench user's ClusterRole names it). */
export const BENCH_GROUP = benchGroup;

/** A namespaced CRD with a keyed list, served before the apply workload starts. */
async function serveGadgets(t: Target): Promise<void> {
  const item = { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } };
  const spec = { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' }, ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: item } } };
  await ok(t, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${benchGroup}` },
    spec: { group: benchGroup, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }] },
  });
  const deadline = Date.now() + 30_000;
  while ((await t.call('GET', gadgets)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${t.name}: ${gadgets} not served 30 s after its CRD was created`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The i-th apply of n objects: g-0..g-(n-1) created, then each applied again with another size. */
function applyGadget(t: Target, i: number, n: number): Promise<unknown> {
  const name = `g-${i % n}`;
  const body = { apiVersion: `${benchGroup}/v1`, kind: 'Gadget', metadata: { name }, spec: { size: i, color: 'red', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } };
  return ok(t, 'PATCH', `${gadgets}/${name}?fieldManager=bench`, body, 'application/apply-patch+yaml');
}

/** LIST_SIZE ConfigMaps in the list namespace, the even ones labelled half=yes, the odd ones half=no. */
async function fillListNamespace(t: Target): Promise<void> {
  if ((await t.call('GET', `/api/v1/namespaces/${LIST_NAMESPACE}`)).status === 200) return;
  await createNamespace(t, LIST_NAMESPACE);
  await runClients(16, LIST_SIZE, async (i) => void (await ok(t, 'POST', `/api/v1/namespaces/${LIST_NAMESPACE}/configmaps`, configMap(`l-${i}`, { index: String(i), payload: PAYLOAD }, { half: i % 2 === 0 ? 'yes' : 'no' }))));
}

/**
 * A list page's continue token, read from the list's metadata, which both servers write
 * before the items; the page is parsed in full, and the token checked, by checkList.
 */
function continueOf(body: string): string | undefined {
  const items = body.indexOf('"items"');
  const m = /"continue":"([^"]*)"/.exec(items < 0 ? body : body.slice(0, items));
  return m === null || m[1] === '' ? undefined : m[1];
}

/**
 * One complete list of the list namespace: one request, or pages of PAGE following
 * continue. Returns the pages' bodies unparsed: parsing 700 KiB of JSON took the bench
 * client 14-16 ms, as long as Kite took to answer, so it is done after the timed part.
 */
async function listOnce(t: Target, selector: string | undefined, paged: boolean): Promise<string[]> {
  const query = (cont: string | undefined): string => {
    const q = new URLSearchParams();
    if (selector !== undefined) q.set('labelSelector', selector);
    if (paged) q.set('limit', String(PAGE));
    if (cont !== undefined) q.set('continue', cont);
    const s = q.toString();
    return `/api/v1/namespaces/${LIST_NAMESPACE}/configmaps${s === '' ? '' : `?${s}`}`;
  };
  const pages: string[] = [];
  let cont: string | undefined;
  do {
    const res = await t.call('GET', query(cont));
    if (res.status !== 200) throw new Error(`${t.name}: list: ${res.status} ${res.body.slice(0, 300)}`);
    pages.push(res.body);
    cont = paged ? continueOf(res.body) : undefined;
  } while (cont !== undefined);
  return pages;
}

/** Checks what one complete list brought (every object once, pages within the limit, the tokens followed); returns its bytes. */
function checkList(t: Target, pages: readonly string[], selector: string | undefined, paged: boolean): number {
  const want = selector === undefined ? LIST_SIZE : LIST_SIZE / 2;
  const names = new Set<string>();
  let bytes = 0;
  for (const [i, body] of pages.entries()) {
    bytes += body.length;
    const list = JSON.parse(body) as { items: Array<{ metadata: { name: string } }>; metadata: { continue?: string } };
    for (const item of list.items) names.add(item.metadata.name);
    if (paged && list.items.length > PAGE) throw new Error(`${t.name}: a page of ${list.items.length} items, limit ${PAGE}`);
    const token = paged && list.metadata.continue !== undefined && list.metadata.continue !== '' ? list.metadata.continue : undefined;
    if (token !== (paged ? continueOf(body) : undefined) || (token === undefined) !== (i === pages.length - 1)) {
      throw new Error(`${t.name}: page ${i + 1} of ${pages.length}: continue ${JSON.stringify(token)} was not followed as sent`);
    }
  }
  if (names.size !== want) throw new Error(`${t.name}: list${selector === undefined ? '' : ` ${selector}`}${paged ? ' (paged)' : ''} returned ${names.size} distinct items, want ${want}`);
  return bytes;
}

/** A list workload: `lists` complete lists by 1 client. */
function listWorkload(lists: number, selector: string | undefined, paged: boolean): Workload {
  const what = `${paged ? `paged list (limit ${PAGE})` : 'list'} of ${LIST_SIZE}${selector === undefined ? '' : `, ${selector} (half)`}`;
  return {
    name: what,
    kind: 'list',
    setup: fillListNamespace,
    run: async (t) => {
      const got: string[][] = [];
      const r = await runClients(1, lists, async () => void got.push(await listOnce(t, selector, paged)));
      let bytes = 0;
      for (const pages of got) bytes = checkList(t, pages, selector, paged);
      return { ...r, notes: `1 client; ${(bytes / 1024).toFixed(0)} KiB per list; each checked after the timed part` };
    },
  };
}

/** `n` creates of 256-byte ConfigMaps from `clients` clients, named <prefix>-<i>. */
function createWorkload(clients: number, n: number, prefix: string): Workload {
  return {
    name: `create ConfigMap, ${clients} client${clients === 1 ? '' : 's'}`,
    kind: 'other',
    run: async (t) => ({
      ...(await runClients(clients, n, async (i) => void (await ok(t, 'POST', `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps`, configMap(`${prefix}-${i}`, { index: String(i), payload: PAYLOAD }))))),
      notes: `${n} creates`,
    }),
  };
}

/** GET-modify-PUT of one counter by CONTENDERS clients, retrying on 409; checks no update was lost. */
async function contention(t: Target, perContender: number): Promise<Run> {
  const path = `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps/hot`;
  await ok(t, 'POST', `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps`, configMap('hot', { counter: '0' }));
  let conflicts = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONTENDERS }, async () => {
      for (let done = 0; done < perContender; done++) {
        const t0 = performance.now();
        for (;;) {
          const cur = await ok(t, 'GET', path);
          const data = cur.data as Record<string, string>;
          const r = await t.call('PUT', path, { ...cur, data: { counter: String(Number(data.counter) + 1) } });
          if (r.status === 409) {
            conflicts++;
            continue;
          }
          if (r.status !== 200) throw new Error(`${t.name}: PUT ${path}: ${r.status} ${r.body}`);
          break;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const counter = Number(((await ok(t, 'GET', path)).data as Record<string, string>).counter);
  const want = CONTENDERS * perContender;
  if (counter !== want) throw new Error(`${t.name}: lost update: counter ${counter}, want ${want}`);
  return { latencies, seconds, notes: `${conflicts} conflicts retried; counter ${counter} = ${want}` };
}

/** The issue's matrix, in the order it runs (creates first: the get workload reads what the 16-client create made). */
export function workloads(s: Sizes): Workload[] {
  return [
    createWorkload(1, Math.ceil(s.creates / 4), 'c1'),
    createWorkload(16, s.creates, 'c16'),
    createWorkload(64, s.creates, 'c64'),
    {
      name: `get by name, ${GET_CLIENTS} clients`,
      kind: 'other',
      // The objects the 16-client create makes (made here, unmeasured, when --only left that out).
      setup: async (t) => {
        if ((await t.call('GET', `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps/c16-0`)).status === 200) return;
        await createWorkload(16, s.creates, 'c16').run(t);
      },
      run: async (t) => ({
        ...(await runClients(GET_CLIENTS, s.gets, async (i) => void (await ok(t, 'GET', `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps/c16-${i % s.creates}`)))),
        notes: `${s.gets} gets of ${s.creates} objects`,
      }),
    },
    listWorkload(s.lists, undefined, false),
    listWorkload(s.lists, HALF, false),
    listWorkload(s.lists, undefined, true),
    listWorkload(s.lists, HALF, true),
    { name: `GET-modify-PUT, ${CONTENDERS} clients on 1 object`, kind: 'other', run: (t) => contention(t, s.updatesPerContender) },
    { name: 'watch fan-out, 100 watchers (events)', kind: 'other', run: (t) => fanOut(t, 100, s.fanOut100Updates, WATCH_WRITERS) },
    { name: 'watch fan-out, 1000 watchers (events)', kind: 'other', run: (t) => fanOut(t, 1000, s.fanOut1000Updates, WATCH_WRITERS) },
    {
      name: `apply custom resource, ${APPLY_CLIENTS} clients`,
      kind: 'other',
      setup: serveGadgets,
      run: async (t) => {
        // Creating applies first, then the changing ones, so no apply races its object's creation.
        const n = s.applyObjects;
        const first = await runClients(APPLY_CLIENTS, n, async (i) => void (await applyGadget(t, i, n)));
        const second = await runClients(APPLY_CLIENTS, n, async (i) => void (await applyGadget(t, n + i, n)));
        return { latencies: [...first.latencies, ...second.latencies], seconds: first.seconds + second.seconds, notes: `${n} creating, ${n} changing spec.size` };
      },
    },
  ];
}
