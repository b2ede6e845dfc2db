import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyQueue } from '../../registry/storage/key-queue.js';
import { configMapStrategy } from '../../registry/configmap/strategy.js';
import { KiteRegistry } from '../../registry/registry.js';
import type { StoreClient } from '../../storage/client/store-client.js';
import { embeddedStore } from './harness.js';

test('key queue: runs of one key go one at a time and in order, other keys and failures do not hold them', async () => {
  const q = new KeyQueue();
  const log: string[] = [];
  const step = (name: string, ms: number, fail = false) => async (): Promise<string> => {
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const a1 = q.run('a', step('a1', 30, true));
  const a2 = q.run('a', step('a2', 5));
  const b1 = q.run('b', step('b1', 5));
  await assert.rejects(a1, /a1/);
  assert.equal(await a2, 'a2');
  assert.equal(await b1, 'b1');
  // b1 ran beside a1; a2 waited for a1 although a1 failed.
  assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  await new Promise((r) => setImmediate(r));
  assert.equal(q.size, 0, 'nothing is kept once the runs are done');
  await assert.rejects(
    q.run('c', () => {
      throw new Error('thrown at once');
    }),
    /thrown at once/,
  );
});

/** Counts the conditional writes that lost their compare. */
function countingLostWrites(client: StoreClient): { client: StoreClient; lost: () => number } {
  let lost = 0;
  const counted: StoreClient = Object.create(client) as StoreClient;
  counted.optimisticPut = async (...args) => {
    const r = await client.optimisticPut(...args);
    if (!r.succeeded) lost++;
    return r;
  };
  return { client: counted, lost: () => lost };
}

test('concurrent updates of one object: each reads the one before it, none loses a conditional write', async () => {
  const s = await embeddedStore();
  const { client, lost } = countingLostWrites(s.client);
  const registry = new KiteRegistry(client);
  const configmaps = registry.generic(configMapStrategy.info);
  try {
    await registry.start();
    const created = await configmaps.create('default', { metadata: { name: 'hot' }, data: { n: '0' } });
    const rv = created.metadata.resourceVersion;
    // Eight updates from the same resourceVersion: one succeeds, seven are refused with 409.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => configmaps.update('default', 'hot', { metadata: { name: 'hot', resourceVersion: rv }, data: { n: String(i + 1) } })),
    );
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 200 : ((o.reason as { code?: number }).code ?? 0)));
    assert.deepEqual(
      codes.sort((x, y) => x - y),
      [200, 409, 409, 409, 409, 409, 409, 409],
    );
    // Eight patches, which carry no resourceVersion: all apply, none is lost.
    await Promise.all(Array.from({ length: 8 }, (_, i) => configmaps.patch('default', 'hot', 'merge', { data: { [`p${i}`]: 'x' } })));
    const final = await configmaps.get('default', 'hot');
    assert.deepEqual(Object.keys(final.data as object).sort(), ['n', 'p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    assert.equal(lost(), 0, 'no conditional write was proposed from a revision already replaced');
  } finally {
    await registry.stop();
    await s.close();
  }
});
