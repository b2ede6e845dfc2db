import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startControllers } from '../../registry/controllers/controllers.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { KubeObject, OwnerReference } from '../../registry/generic/types.js';
import { KiteRegistry } from '../../registry/registry.js';
import { embeddedStore } from './harness.js';

/**
 * Kite's in-process garbage collector on a real embedded store: background,
 * foreground (with blockOwnerDeletion) and orphan deletion, dependents whose
 * owner never existed or was replaced, and partial ownership.
 */

async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('garbage collector: background, foreground, orphan, dangling and partial ownership', { timeout: 60_000 }, async () => {
  const store = await embeddedStore();
  const registry = new KiteRegistry(store.client);
  await registry.start();
  const controllers = startControllers(registry, ['garbagecollector'], { retryMs: 50 });
  try {
    const cms = registry.generic({ group: '', version: 'v1', resource: 'configmaps' });
    const exists = async (name: string): Promise<KubeObject | undefined> => {
      try {
        return await cms.get('default', name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    };
    const ref = (o: KubeObject, block = false): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name!, uid: o.metadata.uid!, ...(block ? { blockOwnerDeletion: true } : {}) });
    const make = (name: string, owners: OwnerReference[] = [], finalizers?: string[]) =>
      cms.create('default', { metadata: { name, ...(owners.length > 0 ? { ownerReferences: owners } : {}), ...(finalizers ? { finalizers } : {}) }, data: {} });

    // Background: the owner goes at once, its dependents after it.
    const bg = await make('bg');
    await make('bg-1', [ref(bg)]);
    await make('bg-2', [ref(bg)]);
    const gone = await cms.delete('default', 'bg', { propagationPolicy: 'Background' });
    assert.ok(gone.deleted);
    await eventually('background dependents to go', async () => (await exists('bg-1')) === undefined && (await exists('bg-2')) === undefined);

    // Foreground: the owner waits, marked, until its blocking dependents are gone.
    const fg = await make('fg');
    await make('fg-1', [ref(fg, true)], ['example.com/hold']);
    const marked = await cms.delete('default', 'fg', { propagationPolicy: 'Foreground' });
    assert.ok(!marked.deleted);
    assert.deepEqual(marked.object.metadata.finalizers, ['foregroundDeletion']);
    await eventually('the blocking dependent to be marked for deletion', async () => (await exists('fg-1'))?.metadata.deletionTimestamp !== undefined);
    assert.ok((await exists('fg')) !== undefined, 'the owner waits for a blocking dependent');
    await cms.patch('default', 'fg-1', 'merge', { metadata: { finalizers: null } });
    await eventually('the owner to go after its dependent', async () => (await exists('fg')) === undefined);

    // Orphan: the dependents stay, without the reference.
    const orphaner = await make('orphaner');
    await make('orphan-1', [ref(orphaner)]);
    await cms.delete('default', 'orphaner', { propagationPolicy: 'Orphan' });
    await eventually('the orphaning owner to go', async () => (await exists('orphaner')) === undefined);
    const orphan = await exists('orphan-1');
    assert.ok(orphan !== undefined, 'an orphan stays');
    assert.equal(orphan.metadata.ownerReferences, undefined, 'without the reference to its old owner');

    // An owner that never existed, and one replaced by another of the same name.
    await make('dangling', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }]);
    await eventually('a dependent of a missing owner to go', async () => (await exists('dangling')) === undefined);
    const first = await make('reborn');
    await cms.delete('default', 'reborn');
    await make('reborn');
    await make('of-first', [ref(first)]);
    await eventually('a dependent of a replaced owner to go', async () => (await exists('of-first')) === undefined);

    // Two owners, one gone: the dependent stays and drops that reference.
    const a = await make('owner-a');
    const b = await make('owner-b');
    await make('shared', [ref(a), ref(b)]);
    await cms.delete('default', 'owner-a');
    await eventually('the gone owner\'s reference to be dropped', async () => (await exists('shared'))?.metadata.ownerReferences?.length === 1);
    assert.equal((await exists('shared'))?.metadata.ownerReferences?.[0]?.uid, b.metadata.uid);
  } finally {
    await controllers.stop();
    await store.close();
  }
});
