import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../registry/generic/api-error.js';
import { KiteRegistry } from '../../registry/registry.js';
import type { WatchEvent } from '../../registry/generic/resource-store.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { configMapStrategy } from '../../registry/configmap/strategy.js';
import { namespaceStrategy } from '../../registry/namespace/strategy.js';
import { missingTool } from '../helpers/processes.js';
import { embeddedStore, etcdStore, until, type TestStore } from './harness.js';

const code = (c: number, reason?: string) => (e: unknown) => e instanceof ApiError && e.code === c && (reason === undefined || e.reason === reason);
const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject => ({ metadata: { name, ...(labels ? { labels } : {}) }, data });

/**
 * The watch caches the rules run with: none, or one whose window keeps only the
 * last 8 changes (so the compaction checks below find the window gone too).
 */
type CacheMode = { readonly watchCache: false } | { readonly watchCache: { readonly trustProgress: boolean } };
const smallWindow = { freshMs: 0, minEvents: 0, maxEvents: 8 };

/** The generic store rules, run against each store client. */
async function conformance(s: TestStore, mode: CacheMode): Promise<void> {
  const registry = new KiteRegistry(s.client, { bookmarkIntervalMs: 100, watchCache: mode.watchCache === false ? false : { ...mode.watchCache, window: smallWindow } });
  const namespaces = registry.generic(namespaceStrategy.info);
  const store = registry.generic(configMapStrategy.info);
  await namespaces.create(undefined, { metadata: { name: 'default' } });
  await namespaces.create(undefined, { metadata: { name: 'other' } });

  // Metadata is the server's.
  const created = await store.create('default', { metadata: { name: 'a', uid: 'mine', generation: 9, creationTimestamp: '2000-01-01T00:00:00Z' }, data: { k: 'v' } });
  assert.equal(created.apiVersion, 'v1');
  assert.equal(created.kind, 'ConfigMap');
  assert.notEqual(created.metadata.uid, 'mine');
  assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.match(created.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.metadata.generation, undefined, 'ConfigMaps carry no generation, as in Kubernetes');
  assert.equal(created.metadata.namespace, 'default');
  const got = await store.get('default', 'a');
  assert.deepEqual(got, created, 'get returns what create returned');
  assert.match(got.metadata.resourceVersion!, /^\d+$/);
  await assert.rejects(store.create('default', cm('a')), code(409, 'AlreadyExists'));
  await assert.rejects(store.create('default', cm('Foo')), (e) => e instanceof ApiError && e.code === 422 && e.message.startsWith('ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain'));
  await assert.rejects(store.create('missing', cm('x')), (e) => e instanceof ApiError && e.code === 404 && e.message === 'namespaces "missing" not found');
  await assert.rejects(store.create('default', { metadata: {} }), code(422, 'Invalid'));
  await assert.rejects(store.get('default', 'nope'), (e) => e instanceof ApiError && e.code === 404 && e.message === 'configmaps "nope" not found');

  // generateName.
  const g = await store.create('default', { metadata: { generateName: 'gen-' }, data: {} });
  assert.match(g.metadata.name!, /^gen-[a-z0-9]{5}$/);

  // dryRun writes nothing.
  const dry = await store.create('default', cm('dry'), { dryRun: true });
  assert.equal(dry.metadata.name, 'dry');
  await assert.rejects(store.get('default', 'dry'), code(404));

  // Update: resourceVersion, generation, stale writes, server-owned fields.
  const upd = (await store.update('default', 'a', { ...got, metadata: { ...got.metadata, uid: 'x', labels: { l: '1' } }, data: { k: 'v2' } })).object;
  assert.equal(upd.metadata.uid, created.metadata.uid);
  assert.ok(Number(upd.metadata.resourceVersion) > Number(got.metadata.resourceVersion));
  const labelOnly = (await store.update('default', 'a', { ...upd, metadata: { ...upd.metadata, labels: { l: '2' } } })).object;
  await assert.rejects(store.update('default', 'a', got), (e) => e instanceof ApiError && e.code === 409 && e.message === 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
  const same = (await store.update('default', 'a', labelOnly)).object;
  assert.equal(same.metadata.resourceVersion, labelOnly.metadata.resourceVersion, 'a no-op update writes nothing');
  const dryUpd = (await store.update('default', 'a', { ...labelOnly, data: { dry: 'run' } }, { dryRun: true })).object;
  assert.deepEqual(dryUpd.data, { dry: 'run' });
  assert.deepEqual((await store.get('default', 'a')).data, { k: 'v2' });
  await assert.rejects(store.update('default', 'nope', cm('nope')), code(404));

  // Concurrent patches lose nothing.
  await store.create('default', cm('counter'));
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.patch('default', 'counter', 'merge', { data: { [`k${i}`]: String(i) } })));
  assert.equal(Object.keys((await store.get('default', 'counter')).data as object).length, 20);
  await assert.rejects(store.patch('default', 'counter', 'merge', { metadata: { resourceVersion: got.metadata.resourceVersion } }), code(409, 'Conflict'));
  const jp = await store.patch('default', 'counter', 'json', [{ op: 'replace', path: '/data/k0', value: 'zero' }]);
  assert.equal((jp.data as Record<string, string>).k0, 'zero');
  await assert.rejects(store.patch('default', 'counter', 'json', [{ op: 'test', path: '/data/k0', value: 'nope' }]), code(422));

  // Lists: selectors, paging under concurrent writes, expired continue.
  for (let i = 0; i < 10; i++) await store.create('other', cm(`p${i}`, {}, { idx: String(i), parity: i % 2 === 0 ? 'even' : 'odd' }));
  assert.equal((await store.list('other', { labelSelector: 'parity=even' })).items.length, 5);
  assert.equal((await store.list('other', { labelSelector: 'idx in (1,2,3),parity!=odd' })).items.length, 1);
  assert.deepEqual((await store.list(undefined, { fieldSelector: 'metadata.name=a' })).items.map((o) => o.metadata.namespace), ['default']);
  assert.equal((await store.list(undefined, { fieldSelector: 'metadata.namespace!=default' })).items.length, 10);
  await assert.rejects(store.list('other', { fieldSelector: 'spec.nope=1' }), code(400));
  const page1 = await store.list('other', { limit: 4 });
  assert.equal(page1.items.length, 4);
  assert.equal(page1.metadata.remainingItemCount, 6);
  await store.create('other', cm('p00'));
  await store.delete('other', 'p9');
  const page2 = await store.list('other', { limit: 4, continue: page1.metadata.continue });
  const page3 = await store.list('other', { limit: 4, continue: page2.metadata.continue });
  assert.equal(page3.metadata.continue, undefined);
  assert.deepEqual([...page1.items, ...page2.items, ...page3.items].map((o) => o.metadata.name), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'], 'pages read at the first revision');
  assert.equal(page2.metadata.resourceVersion, page1.metadata.resourceVersion);
  const evenPage = await store.list('other', { limit: 2, labelSelector: 'parity=even' });
  assert.deepEqual(evenPage.items.map((o) => o.metadata.name), ['p0', 'p2']);
  const exact = await store.list('other', { resourceVersion: page1.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
  assert.equal(exact.items.length, 10);
  assert.equal(exact.metadata.resourceVersion, page1.metadata.resourceVersion);

  // Watch from a resourceVersion replays, with selectors moving objects in and out.
  const events: WatchEvent[] = [];
  const startRv = (await store.list('other')).metadata.resourceVersion;
  await store.update('other', 'p1', { ...(await store.get('other', 'p1')), data: { before: 'watch' } });
  const w = store.watch('other', { resourceVersion: startRv, labelSelector: 'parity=odd', allowWatchBookmarks: true }, (e) => events.push(e));
  await store.patch('other', 'p1', 'merge', { metadata: { labels: { parity: 'even' } } });
  await store.patch('other', 'p2', 'merge', { metadata: { labels: { parity: 'odd' } } });
  await store.delete('other', 'p3');
  await until(() => events.filter((e) => e.type !== 'BOOKMARK').length >= 4, 'watch events');
  assert.deepEqual(
    events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`),
    ['MODIFIED p1', 'DELETED p1', 'ADDED p2', 'DELETED p3'],
  );
  const del = events.find((e) => e.type === 'DELETED' && (e.object as KubeObject).metadata.name === 'p3')!.object as KubeObject;
  assert.equal(del.metadata.labels?.parity, 'odd', 'DELETED carries the last state');
  await until(() => events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
  const bm = events.find((e) => e.type === 'BOOKMARK')!.object as KubeObject;
  assert.match(bm.metadata.resourceVersion!, /^\d+$/);
  w.stop();
  const initial: WatchEvent[] = [];
  const w0 = store.watch('default', { resourceVersion: '0' }, (e) => initial.push(e));
  await until(() => initial.length >= 3, 'initial ADDED');
  assert.ok(initial.every((e) => e.type === 'ADDED'));
  await store.create('default', cm('later'));
  await until(() => initial.length >= 4, 'live ADDED');
  w0.stop();

  assert.throws(() => store.checkWatchOptions({ labelSelector: 'a in (' }), code(400));
  assert.throws(() => store.checkWatchOptions({ resourceVersion: 'abc' }), code(400));
  const badWatch: WatchEvent[] = [];
  store.watch('other', { labelSelector: 'a in (' }, (e) => badWatch.push(e));
  assert.deepEqual(badWatch.map((e) => [e.type, (e.object as { code?: number }).code]), [['ERROR', 400]], 'bad parameters: one ERROR event, at once');
  await assert.rejects(store.get('default', 'a', 'scale'), code(404));

  // Delete preconditions.
  const victim = await store.get('default', 'counter');
  await assert.rejects(store.delete('default', 'counter', { preconditions: { uid: 'wrong' } }), code(409, 'Conflict'));
  await assert.rejects(store.delete('default', 'counter', { preconditions: { resourceVersion: '1' } }), code(409, 'Conflict'));
  await store.delete('default', 'counter', { dryRun: true });
  await store.get('default', 'counter');
  const deleted = await store.delete('default', 'counter', { preconditions: { uid: victim.metadata.uid, resourceVersion: victim.metadata.resourceVersion } });
  assert.equal(deleted.object.metadata.uid, victim.metadata.uid);
  assert.ok(deleted.deleted);
  assert.deepEqual(store.deleteResponse(deleted), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'counter', kind: 'configmaps', uid: victim.metadata.uid } });
  await assert.rejects(store.delete('default', 'counter'), code(404));

  // Finalizers: DELETE only marks; removing the last finalizer removes the object.
  await store.create('default', { metadata: { name: 'fin', finalizers: ['example.com/x'] }, data: {} });
  const marked = await store.delete('default', 'fin');
  assert.ok(!marked.deleted && marked.object.metadata.deletionTimestamp !== undefined);
  assert.ok((await store.get('default', 'fin')).metadata.deletionTimestamp !== undefined);
  await store.patch('default', 'fin', 'merge', { metadata: { finalizers: null } });
  await assert.rejects(store.get('default', 'fin'), code(404));

  // sendInitialEvents: the current objects, then a bookmark marking their end.
  const se: WatchEvent[] = [];
  const ws = store.watch('other', { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: '', labelSelector: 'parity=even' }, (e) => se.push(e));
  await until(() => se.some((e) => e.type === 'BOOKMARK'), 'the initial-events-end bookmark');
  ws.stop();
  assert.ok(se.slice(0, -1).every((e) => e.type === 'ADDED'));
  assert.equal((se.at(-1)!.object as KubeObject).metadata.annotations?.['k8s.io/initial-events-end'], 'true');

  // Compaction: expired continue, Exact list and watch from before it.
  const p1 = await store.list('other', { limit: 2 });
  for (let i = 0; i < 10; i++) await store.create('other', cm(`after-compact-${i}`));
  await s.client.compact(Number((await store.list('other')).metadata.resourceVersion));
  await assert.rejects(store.list('other', { limit: 2, continue: p1.metadata.continue }), (e) => e instanceof ApiError && e.code === 410 && e.reason === 'Expired' && e.message.startsWith('The provided continue parameter is too old'));
  const gone: WatchEvent[] = [];
  store.watch('other', { resourceVersion: startRv }, (e) => gone.push(e));
  await until(() => gone.length > 0, 'the 410 ERROR');
  assert.equal(gone[0]!.type, 'ERROR');
  assert.equal((gone[0]!.object as { code: number }).code, 410);
  await registry.stop();
}

test('generic store: embedded member, through the watch cache', async () => {
  const s = await embeddedStore();
  try {
    await conformance(s, { watchCache: { trustProgress: true } });
  } finally {
    await s.close();
  }
});

test('generic store: embedded member, no watch cache', async () => {
  const s = await embeddedStore();
  try {
    await conformance(s, { watchCache: false });
  } finally {
    await s.close();
  }
});

test('generic store: gRPC to real etcd, through the watch cache', { timeout: 60_000 }, async (t) => {
  const skip = missingTool('etcd', 'etcd-server');
  if (skip) {
    t.skip(skip);
    return;
  }
  const s = await etcdStore();
  try {
    // etcd 3.4 before 3.4.31 may send a requested progress notification before earlier events.
    await conformance(s, { watchCache: { trustProgress: false } });
  } finally {
    await s.close();
  }
});
