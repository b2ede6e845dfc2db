import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedObjectStorage } from '../../registry/cache/cached-storage.js';
import { deepFreeze, WatchCache, WindowExpired } from '../../registry/cache/watch-cache.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { EtcdObjectStorage } from '../../registry/storage/etcd-object-storage.js';
import { isObjectStorageError, ObjectStorageError, type ListOptions, type ObjectStorage, type Preconditions, type StorageEvent, type StoredList, type StorageWatch, type TryUpdate, type WatchOptions, type WriteOptions } from '../../registry/storage/object-storage.js';
import { everything, selectionPredicate } from '../../registry/storage/selection.js';
import type { StoreClient } from '../../storage/client/store-client.js';
import { embeddedStore, until } from './harness.js';

/**
 * The watch cache: its state and window as a table of cases, then the cacher
 * over a real embedded member, compared with the storage it fronts — the same
 * requests asked of both must get the same answers, and every client watch
 * must see exactly the changes a store watch with its selector sees.
 */

const obj = (name: string, rv: number, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: String(rv), ...(labels ? { labels } : {}) },
  data,
});
const keyOf = (o: KubeObject): string => `/r/ns/${o.metadata.name ?? ''}`;
const names = (items: readonly KubeObject[]): string => items.map((o) => `${o.metadata.name ?? ''}@${o.metadata.resourceVersion ?? ''}`).join(' ');

test('watch cache: a page at an older revision is the current state with the later changes undone', () => {
  const c = new WatchCache({ freshMs: 0, minEvents: 0, maxEvents: 100 }, () => 0);
  c.replace([obj('a', 2), obj('c', 3)], 3, keyOf);
  c.apply('ADDED', '/r/ns/b', obj('b', 4), 4);
  c.apply('MODIFIED', '/r/ns/a', obj('a', 5, { v: '2' }), 5);
  c.apply('DELETED', '/r/ns/c', obj('c', 6), 6);
  const at = (rev: number, options: Parameters<WatchCache['page']>[2] = {}) => {
    const p = c.page('/r/ns/', rev, options);
    assert.ok(!(p instanceof WindowExpired));
    return p;
  };
  assert.equal(names(at(3).items), 'a@2 c@3');
  assert.equal(names(at(4).items), 'a@2 b@4 c@3');
  assert.equal(names(at(5).items), 'a@5 b@4 c@3');
  assert.equal(names(at(6).items), 'a@5 b@4');
  const first = at(4, { limit: 1, countRemaining: true });
  assert.deepEqual([names(first.items), first.more, first.remaining, first.lastKey], ['a@2', true, 2, '/r/ns/a']);
  const second = at(4, { limit: 1, after: '/r/ns/a', countRemaining: true });
  assert.deepEqual([names(second.items), second.more, second.remaining], ['b@4', true, 1]);
  const last = at(4, { limit: 5, after: '/r/ns/b' });
  assert.deepEqual([names(last.items), last.more], ['c@3', false]);
  const selected = at(6, { select: (o) => (o.data as Record<string, string> | undefined)?.v === '2' });
  assert.equal(names(selected.items), 'a@5');
  assert.deepEqual(at(6, { limit: 1, select: () => false }).items, []);
  const since = c.since(4);
  assert.ok(!(since instanceof WindowExpired));
  assert.deepEqual(
    since.map((e) => `${e.type} ${e.key} ${e.revision} prev=${e.previous?.metadata.resourceVersion ?? '-'}`),
    ['MODIFIED /r/ns/a 5 prev=2', 'DELETED /r/ns/c 6 prev=3'],
  );
  assert.equal(c.page('/r/other/', 6, {}) instanceof WindowExpired, false);
});

test('watch cache: objects are frozen whole with their empty objects made one, and they encode as before', () => {
  const made = (name: string, time: string): KubeObject =>
    JSON.parse(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, creationTimestamp: time, annotations: {}, managedFields: [{ manager: 'm', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } }] },
        data: { k: 'v' },
        items: [{}, { a: [] }],
      }),
    ) as KubeObject;
  const a = made('a', '2026-12-06T22:00:00Z');
  const b = made('b', '2026-12-06T22:00:00Z');
  const expected = [JSON.stringify(a), JSON.stringify(b)];
  deepFreeze(a);
  deepFreeze(b);
  assert.deepEqual([JSON.stringify(a), JSON.stringify(b)], expected);
  const fieldsOf = (o: KubeObject) => ((o.metadata.managedFields as Array<{ fieldsV1: Record<string, Record<string, object>> }>)[0]!.fieldsV1)['f:data']!;
  assert.equal(fieldsOf(a)['.'], fieldsOf(b)['f:k'], 'empty objects are one object');
  assert.equal(a.metadata.annotations, fieldsOf(a)['.']);
  assert.ok(Object.isFrozen(fieldsOf(a)['.']) && Object.isFrozen((a.metadata.managedFields as object[])[0]) && Object.isFrozen((a as unknown as { items: object[] }).items[1]));
  assert.throws(() => {
    (a.metadata as Record<string, unknown>).name = 'x';
  }, TypeError);
});

test('watch cache: the window keeps recent changes by count and age; a revision before it is expired', () => {
  let now = 0;
  const c = new WatchCache({ freshMs: 1000, minEvents: 1, maxEvents: 3 }, () => now);
  c.replace([], 10, keyOf);
  for (let rev = 11; rev <= 14; rev++) c.apply('ADDED', `/r/ns/o${rev}`, obj(`o${rev}`, rev), rev);
  // Four changes, at most three kept: a watch from 10 would miss revision 11.
  assert.equal(c.windowSize, 3);
  assert.equal(c.oldestWatchable, 11);
  const expired = c.since(10);
  assert.ok(expired instanceof WindowExpired && expired.oldest === 11);
  assert.equal(c.page('/r/ns/', 10, {}) instanceof WindowExpired, true);
  assert.equal((c.since(11) as unknown[]).length, 3);
  // Old changes beyond the minimum go once they are older than freshMs.
  now = 5000;
  c.apply('ADDED', '/r/ns/o15', obj('o15', 15), 15);
  assert.equal(c.windowSize, 1);
  assert.equal(c.oldestWatchable, 14);
  // Order is an invariant; objects are frozen and shared.
  assert.throws(() => c.apply('ADDED', '/r/ns/x', obj('x', 15), 15), /arrived after one at revision 15/);
  const held = c.get('/r/ns/o15')!;
  assert.ok(Object.isFrozen(held) && Object.isFrozen(held.metadata));
  assert.throws(() => {
    (held.metadata as { name?: string }).name = 'changed';
  }, TypeError);
});

/** The storage a cache fronts, counting its reads and able to break its watches as a lost connection would. */
class ObservedStorage implements ObjectStorage {
  lists = 0;
  watches = 0;
  private readonly inner: ObjectStorage;
  private readonly live = new Set<{ inner: StorageWatch; onEvent: (e: StorageEvent) => void }>();

  constructor(inner: ObjectStorage) {
    this.inner = inner;
  }

  create(key: string, obj: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.inner.create(key, obj, options);
  }
  gets = 0;
  get(key: string): Promise<KubeObject> {
    this.gets++;
    return this.inner.get(key);
  }
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: WriteOptions): Promise<KubeObject> {
    return this.inner.guaranteedUpdate(key, tryUpdate, options);
  }
  delete(key: string, options?: { readonly preconditions?: Preconditions; readonly validate?: (current: KubeObject) => void; readonly dryRun?: boolean }): Promise<KubeObject> {
    return this.inner.delete(key, options);
  }
  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }
  currentResourceVersion(): Promise<string> {
    return this.inner.currentResourceVersion();
  }
  requestWatchProgress(): void {
    this.inner.requestWatchProgress();
  }
  list(prefix: string, options: ListOptions): Promise<StoredList> {
    this.lists++;
    return this.inner.list(prefix, options);
  }
  watch(prefix: string, options: WatchOptions, onEvent: (e: StorageEvent) => void): StorageWatch {
    this.watches++;
    const entry = { inner: this.inner.watch(prefix, options, onEvent), onEvent };
    this.live.add(entry);
    return {
      stop: () => {
        entry.inner.stop();
        this.live.delete(entry);
      },
    };
  }
  /** Ends every watch with error, as a broken connection or a compaction would. */
  breakWatches(error: Error): void {
    for (const e of [...this.live]) {
      e.inner.stop();
      this.live.delete(e);
      e.onEvent({ type: 'ERROR', error });
    }
  }
  /** Sends every watch a progress notification at revision (true or not). */
  sendProgress(revision: number): void {
    for (const e of this.live) e.onEvent({ type: 'BOOKMARK', resourceVersion: String(revision) });
  }
}

const prefix = '/registry/configmaps/';
const cmKey = (ns: string, name: string): string => `${prefix}${ns}/${name}`;
const cmObj = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { v: name } });

async function withCache(
  options: ConstructorParameters<typeof CachedObjectStorage>[1],
  body: (h: { storage: EtcdObjectStorage; observed: ObservedStorage; cached: ObjectStorage; caches: CachedObjectStorage; client: StoreClient }) => Promise<void>,
): Promise<void> {
  const s = await embeddedStore();
  const storage = new EtcdObjectStorage(s.client);
  const observed = new ObservedStorage(storage);
  const caches = new CachedObjectStorage(observed, options);
  try {
    await body({ storage, observed, cached: caches.forResource(prefix), caches, client: s.client });
  } finally {
    caches.stop();
    await s.close();
  }
}

/** A list's answer without the parts that legitimately differ between equal answers. */
const answer = (l: StoredList) => ({ items: names(l.items), rv: l.resourceVersion, continue: l.continue !== undefined, remaining: l.remainingItemCount });

test('cacher: consistent lists come from memory and see every acknowledged write, of this resource or another', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached, caches }) => {
    await storage.create(cmKey('a', 'first'), cmObj('a', 'first'));
    await cached.list(prefix, { predicate: everything });
    const listsAfterStart = observed.lists;
    for (let i = 0; i < 50; i++) {
      const made = await storage.create(cmKey('a', `o${i}`), cmObj('a', `o${i}`));
      // A write elsewhere moves the store's revision past this resource's last change.
      const other = await storage.create(`/registry/secrets/a/s${i}`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: 'a' } });
      const l = await cached.list(`${prefix}a/`, { predicate: everything });
      assert.ok(l.items.some((o) => o.metadata.name === `o${i}` && o.metadata.resourceVersion === made.metadata.resourceVersion), `o${i} is in the list read after it was written`);
      assert.ok(Number(l.resourceVersion) >= Number(other.metadata.resourceVersion), 'the list is at least as new as the last acknowledged write');
    }
    assert.equal(observed.lists, listsAfterStart, 'no list reached the storage');
    assert.equal(caches.stats()[prefix]?.objects, 51);
  });
});

test('cacher: a get at resourceVersion 0 is answered from memory (the shared frozen object), one without from the storage', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached }) => {
    const made = await storage.create(cmKey('a', 'g'), cmObj('a', 'g'));
    await cached.list(prefix, { predicate: everything }); // the cache is ready
    let fromCache: KubeObject | undefined;
    for (let i = 0; i < 100 && fromCache?.metadata.resourceVersion !== made.metadata.resourceVersion; i++) {
      fromCache = await cached.get(cmKey('a', 'g'), { resourceVersion: '0' }).catch(() => undefined);
      if (fromCache === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(fromCache?.metadata.resourceVersion, made.metadata.resourceVersion);
    assert.ok(Object.isFrozen(fromCache), 'the cache\'s own copy');
    await assert.rejects(cached.get(cmKey('a', 'absent'), { resourceVersion: '0' }), (e: unknown) => isObjectStorageError(e) && e.code === 'NotFound');
    assert.equal(observed.gets, 0, 'no get at resourceVersion 0 reached the storage');
    const live = await cached.get(cmKey('a', 'g'));
    assert.equal(live.metadata.resourceVersion, made.metadata.resourceVersion);
    assert.ok(!Object.isFrozen(live));
    assert.equal(observed.gets, 1);
  });
});

test('cacher: every resourceVersion semantics answers as the storage does, pages at older revisions included', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached }) => {
    for (let i = 0; i < 12; i++) await storage.create(cmKey(i % 2 === 0 ? 'even' : 'odd', `c${String(i).padStart(2, '0')}`), cmObj(i % 2 === 0 ? 'even' : 'odd', `c${String(i).padStart(2, '0')}`, { n: String(i % 3) }));
    await cached.list(prefix, { predicate: everything });
    const start = observed.lists;
    const sel = selectionPredicate({ labelSelector: 'n=1' }, true, undefined);
    // A first page, then changes, then the rest of the pages: still the state of the first page.
    const page1 = await cached.list(prefix, { predicate: everything, limit: 5 });
    const page1s = await storage.list(prefix, { predicate: everything, limit: 5 });
    assert.deepEqual(answer(page1), answer(page1s));
    await storage.delete(cmKey('even', 'c06'));
    await storage.guaranteedUpdate(cmKey('odd', 'c07'), async (o) => ({ ...o, data: { v: 'changed' } }));
    await storage.create(cmKey('even', 'c05x'), cmObj('even', 'c05x'));
    const exactRv = page1.resourceVersion;
    const requests: ListOptions[] = [
      { predicate: everything, limit: 5, continue: page1.continue! },
      { predicate: everything, continue: page1.continue! },
      { predicate: sel, limit: 2, continue: page1.continue! },
      { predicate: everything, resourceVersion: exactRv, resourceVersionMatch: 'Exact' },
      { predicate: sel, resourceVersion: exactRv, resourceVersionMatch: 'Exact', limit: 1 },
      { predicate: everything },
      { predicate: sel },
      { predicate: everything, resourceVersion: exactRv },
      { predicate: everything, limit: 3 },
    ];
    for (const r of requests) {
      const fromCache = answer(await cached.list(prefix, r));
      const fromStorage = answer(await storage.list(prefix, r));
      assert.deepEqual(fromCache, fromStorage, JSON.stringify({ ...r, predicate: r.predicate.isEverything ? 'everything' : 'n=1' }));
    }
    // Namespace prefixes, and resourceVersion 0 (any state: the cache's, which is current here).
    assert.deepEqual(answer(await cached.list(`${prefix}odd/`, { predicate: everything, resourceVersion: '0' })), answer(await storage.list(`${prefix}odd/`, { predicate: everything })));
    assert.equal(observed.lists, start, 'every one of these was answered from memory');
    // A resourceVersion the store has not reached: Too large, after the freshness wait.
    const head = Number(await storage.currentResourceVersion());
    await assert.rejects(cached.list(prefix, { predicate: everything, resourceVersion: String(head + 100) }), (e) => isObjectStorageError(e, 'TooLargeResourceVersion'));
  });
});

/** What a watch saw, one line per event (bookmarks left out). */
function recorder(): { lines: string[]; onEvent: (e: StorageEvent) => void; errors: Error[] } {
  const lines: string[] = [];
  const errors: Error[] = [];
  return {
    lines,
    errors,
    onEvent: (e) => {
      if (e.type === 'ERROR') errors.push(e.error);
      else if (e.type !== 'BOOKMARK') lines.push(`${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}@${e.object.metadata.resourceVersion ?? ''} ${JSON.stringify(e.object.metadata.labels ?? {})}`);
    },
  };
}

/** Creates, relabels and deletes configmaps in two namespaces. */
async function churn(storage: ObjectStorage, n: number, tag: string, between?: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ns = i % 2 === 0 ? 'x' : 'y';
    const name = `${tag}${i % 7}`;
    const key = cmKey(ns, name);
    try {
      await storage.guaranteedUpdate(key, async (o) => (i % 5 === 0 ? { remove: true, object: o } : { ...o, metadata: { ...o.metadata, labels: { tier: String(i % 3) } } }));
    } catch (e) {
      if (!isObjectStorageError(e, 'NotFound')) throw e;
      await storage.create(key, cmObj(ns, name, { tier: String(i % 3) }));
    }
    await between?.(i);
  }
}

test('cacher: many watchers, with selectors and namespaces, see exactly what a store watch sees, in order, once; a failing one stops alone', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached }) => {
    await storage.create(cmKey('x', 'seed'), cmObj('x', 'seed', { tier: '1' }));
    const from = (await cached.list(prefix, { predicate: everything })).resourceVersion;
    const shapes = [
      { p: prefix, sel: '' },
      { p: `${prefix}x/`, sel: '' },
      { p: prefix, sel: 'tier=1' },
      { p: `${prefix}y/`, sel: 'tier!=2' },
    ];
    const watchers: { got: ReturnType<typeof recorder>; want: ReturnType<typeof recorder>; stops: (() => void)[] }[] = [];
    for (let i = 0; i < 40; i++) {
      const shape = shapes[i % shapes.length]!;
      const predicate = selectionPredicate({ labelSelector: shape.sel }, true, undefined);
      const got = recorder();
      const want = recorder();
      const options: WatchOptions = { predicate, resourceVersion: from };
      const a = cached.watch(shape.p, options, got.onEvent);
      const b = storage.watch(shape.p, options, want.onEvent);
      watchers.push({ got, want, stops: [() => a.stop(), () => b.stop()] });
    }
    let thrown = 0;
    const failing = recorder();
    cached.watch(prefix, { predicate: everything, resourceVersion: from }, (e) => {
      failing.onEvent(e);
      if (failing.lines.length === 3) {
        thrown++;
        throw new Error('this client broke');
      }
    });
    const watchesBefore = observed.watches;
    await churn(storage, 120, 'w');
    const total = (r: ReturnType<typeof recorder>): number => r.lines.length;
    await until(() => watchers.every((w) => total(w.got) === total(w.want) && total(w.want) > 0), 'every cache watcher caught up with its store watch');
    for (const w of watchers) {
      assert.deepEqual(w.got.lines, w.want.lines);
      assert.equal(new Set(w.got.lines).size, w.got.lines.length, 'no event twice');
      for (const s of w.stops) s();
    }
    assert.equal(thrown, 1);
    assert.equal(failing.lines.length, 3, 'the failing watcher got nothing after it threw');
    assert.equal(observed.watches, watchesBefore, 'client watches opened no store watch');
  });
});

test('cacher: a broken store watch is resumed where the cache was, losing and repeating nothing; a compacted one relists and ends client watches with 410', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached }) => {
    await storage.create(cmKey('x', 'seed'), cmObj('x', 'seed'));
    const from = (await cached.list(prefix, { predicate: everything })).resourceVersion;
    const got = recorder();
    const want = recorder();
    cached.watch(prefix, { predicate: everything, resourceVersion: from }, got.onEvent);
    const storeWatch = storage.watch(prefix, { predicate: everything, resourceVersion: from }, want.onEvent);
    const listsBefore = observed.lists;
    // Break the cache's store watch three times while writes go on.
    await churn(storage, 60, 'r', async (i) => {
      if (i % 20 === 10) observed.breakWatches(new Error('connection to the store lost'));
    });
    await until(() => got.lines.length === want.lines.length, 'the cache watcher caught up after the breaks');
    assert.deepEqual(got.lines, want.lines);
    assert.equal(observed.lists, listsBefore, 'a broken watch is resumed, not relisted');
    storeWatch.stop();
    // A watch whose revision was compacted away: the cache lists again, and its client watches must start over.
    observed.breakWatches(new ObjectStorageError('Expired', prefix, 'too old resource version'));
    await until(() => got.errors.length === 1, 'the client watch ended');
    assert.ok(isObjectStorageError(got.errors[0], 'Expired'));
    await until(() => observed.lists === listsBefore + 1, 'the relist');
    const after = recorder();
    await until(() => cached.watch(prefix, { predicate: everything, resourceVersion: '0' }, after.onEvent) !== undefined && after.lines.length > 0, 'a new watch');
  });
});

test('cacher: a watch from before the cache first listed, with nothing dropped since, is the store\'s: its history, or its 410 once compacted', async () => {
  await withCache({ trustProgress: true }, async ({ storage, observed, cached, client }) => {
    const from = (await storage.create(cmKey('x', 'a'), cmObj('x', 'a'))).metadata.resourceVersion ?? '';
    await storage.create(cmKey('x', 'b'), cmObj('x', 'b'));
    // The resource's first read starts its cache, after both writes: its window begins after them.
    await cached.list(prefix, { predicate: everything });
    const watchesBefore = observed.watches;
    const w = recorder();
    const handle = cached.watch(prefix, { predicate: everything, resourceVersion: from }, w.onEvent);
    await storage.create(cmKey('x', 'c'), cmObj('x', 'c'));
    await until(() => w.lines.length === 2, 'the changes after the watch\'s revision');
    assert.deepEqual(w.lines.map((l) => l.split('@')[0]), ['ADDED x/b', 'ADDED x/c']);
    assert.deepEqual(w.errors, []);
    assert.equal(observed.watches, watchesBefore + 1, 'the storage serves it');
    handle.stop();

    await client.compact(Number(await storage.currentResourceVersion()));
    const late = recorder();
    cached.watch(prefix, { predicate: everything, resourceVersion: from }, late.onEvent);
    await until(() => late.errors.length === 1, 'the store\'s 410');
    assert.ok(isObjectStorageError(late.errors[0], 'Expired'));
    assert.deepEqual(late.lines, []);
  });
});

test('cacher: a watch from before the window gets 410 Expired; progress notifications ahead of changes are caught and no longer trusted', async () => {
  await withCache({ trustProgress: true, window: { freshMs: 0, minEvents: 0, maxEvents: 4 }, bookmarkIntervalMs: 50 }, async ({ storage, observed, cached }) => {
    await storage.create(cmKey('x', 'seed'), cmObj('x', 'seed'));
    const from = (await cached.list(prefix, { predicate: everything })).resourceVersion;
    await churn(storage, 10, 'e');
    const late = recorder();
    cached.watch(prefix, { predicate: everything, resourceVersion: from }, late.onEvent);
    await until(() => late.errors.length === 1, 'the 410');
    assert.ok(isObjectStorageError(late.errors[0], 'Expired'));
    assert.match(late.errors[0]!.message, new RegExp(`^too old resource version: ${from} \\(\\d+\\)$`));

    // A store that claims a revision before sending its changes.
    const head = Number(await storage.currentResourceVersion());
    const bookmarked: string[] = [];
    const b = recorder();
    cached.watch(prefix, { predicate: everything, resourceVersion: String(head), allowWatchBookmarks: true }, (e) => {
      if (e.type === 'BOOKMARK') bookmarked.push(e.resourceVersion);
      b.onEvent(e);
    });
    observed.sendProgress(head + 2);
    await until(() => bookmarked.includes(String(head + 2)), 'the bookmark at the claimed revision');
    await storage.create(cmKey('x', 'late1'), cmObj('x', 'late1'));
    await until(() => b.errors.length === 1, 'the bookmarked watcher ends');
    assert.ok(isObjectStorageError(b.errors[0], 'Expired'), 'it was told of a revision whose change it would have missed');
    const lists = observed.lists;
    const l = await cached.list(prefix, { predicate: everything });
    assert.equal(observed.lists, lists + 1, 'consistent lists go to the storage once progress is not trusted');
    assert.ok(l.items.some((o) => o.metadata.name === 'late1'));
  });
});
