// NamespaceLifecycle reads the namespace from the watch cache when it has it, from the store
// when it does not, and from the store for a while after a DELETE of the namespace passed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionRequest } from '../../registry/admission/admission.js';
import type { ObjectLookup } from '../../registry/admission/lookup.js';
import { FORCE_LIVE_LOOKUP_MS, namespaceLifecycle } from '../../registry/admission/namespace-lifecycle.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { KubeObject, ResourceInfo } from '../../registry/generic/types.js';

const info = (resource: string, namespaced: boolean): ResourceInfo => ({
  group: '',
  version: 'v1',
  resource,
  singular: resource.slice(0, -1),
  kind: resource,
  listKind: `${resource}List`,
  namespaced,
  shortNames: [],
  categories: [],
  verbs: [],
  subresources: [],
  storagePrefix: resource,
});
const configMaps = info('configmaps', true);
const namespaces = info('namespaces', false);

const request = (operation: AdmissionRequest['operation'], resource: ResourceInfo, namespace: string | undefined, name: string): AdmissionRequest => ({
  operation,
  resource,
  subresource: undefined,
  namespace,
  name,
  object: undefined,
  oldObject: undefined,
  dryRun: false,
});
const ns = (name: string, terminating = false): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(terminating ? { deletionTimestamp: '2026-12-07T00:00:00Z' } : {}) } });

/** A lookup whose cache and store can disagree; it counts the reads of each. */
function lookup(cache: Map<string, KubeObject>, store: Map<string, KubeObject>): ObjectLookup & { reads: { cache: number; store: number } } {
  const reads = { cache: 0, store: 0 };
  return {
    reads,
    get: (_g, _v, _r, _ns, name, recent) => {
      if (recent === true) reads.cache++;
      else reads.store++;
      return Promise.resolve((recent === true ? cache : store).get(name));
    },
    list: () => Promise.resolve([]),
  };
}

const refusal = async (p: Promise<void>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
};

test('a create in a namespace the cache has is admitted without a store read', async () => {
  const l = lookup(new Map([['a', ns('a')]]), new Map([['a', ns('a')]]));
  const plugin = namespaceLifecycle(l);
  assert.equal(await refusal(plugin.validate!(request('CREATE', configMaps, 'a', 'x'))), undefined);
  assert.deepEqual(l.reads, { cache: 1, store: 0 });
});

test('a namespace the cache does not have yet is read from the store; one missing in both is 404', async () => {
  const l = lookup(new Map(), new Map([['new', ns('new')]]));
  const plugin = namespaceLifecycle(l);
  assert.equal(await refusal(plugin.validate!(request('CREATE', configMaps, 'new', 'x'))), undefined);
  assert.equal(await refusal(plugin.validate!(request('CREATE', configMaps, 'gone', 'x'))), 404);
  assert.deepEqual(l.reads, { cache: 2, store: 2 });
});

test('after a DELETE of a namespace, its creates read the store (the cache may not show it terminating yet), until FORCE_LIVE_LOOKUP_MS pass', async () => {
  let clock = 1_000_000;
  const l = lookup(new Map([['b', ns('b')]]), new Map([['b', ns('b', true)]]));
  const plugin = namespaceLifecycle(l, () => clock);
  await plugin.validate!(request('DELETE', namespaces, undefined, 'b'));
  assert.equal(await refusal(plugin.validate!(request('CREATE', configMaps, 'b', 'x'))), 403);
  assert.deepEqual(l.reads, { cache: 0, store: 1 });
  clock += FORCE_LIVE_LOOKUP_MS;
  // Past the window the cache is trusted again (by then it has seen the DELETE; this fake's has not).
  assert.equal(await refusal(plugin.validate!(request('CREATE', configMaps, 'b', 'x'))), undefined);
  assert.deepEqual(l.reads, { cache: 1, store: 1 });
});

test('the system namespaces cannot be deleted', async () => {
  const plugin = namespaceLifecycle(lookup(new Map(), new Map()));
  assert.equal(await refusal(plugin.validate!(request('DELETE', namespaces, undefined, 'kube-system'))), 403);
});
