import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  makeInformer,
  Watch,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { startApiServer } from '../helpers/apiserver.js';
import { tempDir } from '../helpers/processes.js';

/**
 * @kubernetes/client-node informers on several kinds (core, apps, batch,
 * coordination) and a metadata-only informer (PartialObjectMetadata, as
 * client-go's metadata informers ask) against a real `kite apiserver`: each
 * sees every change of every object, in resourceVersion order, once, and its
 * cache ends equal to a fresh list.
 */

const metadataAccept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const metadataListAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** A kubeconfig whose requests ask for metadata only: what a metadata informer's watch sends. */
class MetadataKubeConfig extends KubeConfig {
  override async applyToFetchOptions(opts: Parameters<KubeConfig['applyToFetchOptions']>[0]): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(opts);
    init.headers = { ...(init.headers as Record<string, string> | undefined), Accept: metadataAccept };
    return init;
  }
}

interface Seen {
  readonly verb: string;
  readonly name: string;
  readonly rv: number;
  readonly kind: string | undefined;
}

function record(informer: Informer<KubernetesObject>, into: Seen[]): void {
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (o) => {
      // root-ca-cert-publisher's kube-root-ca.crt (in every namespace) is not one of this test's changes.
      if (o.metadata?.name !== 'kube-root-ca.crt') into.push({ verb, name: o.metadata?.name ?? '', rv: Number(o.metadata?.resourceVersion), kind: o.kind });
    });
  }
}

async function waitFor(what: string, check: () => boolean, describe: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}\n${describe()}`);
}

/** The events one object should produce, by name: add, the updates, delete. */
function expectedVerbs(updates: number): string[] {
  return ['add', ...Array.from({ length: updates }, () => 'update'), 'delete'];
}

test('client-node informers on four kinds and a metadata informer see every change in order, once', { timeout: 120_000 }, async () => {
  const dir = tempDir('informers');
  const server = await startApiServer(join(dir.path, 'data'));
  const informers: Informer<KubernetesObject>[] = [];
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const batch = kc.makeApiClient(BatchV1Api);
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const ns = 'informed';
    await core.createNamespace({ body: { metadata: { name: ns } } });

    const seen: Record<string, Seen[]> = { configmaps: [], deployments: [], jobs: [], leases: [], metadata: [] };
    const typed: [string, Informer<KubernetesObject> & ObjectCache<KubernetesObject>][] = [
      ['configmaps', makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }) as Promise<KubernetesListObject<KubernetesObject>>)],
      ['deployments', makeInformer(kc, `/apis/apps/v1/namespaces/${ns}/deployments`, () => apps.listNamespacedDeployment({ namespace: ns }) as Promise<KubernetesListObject<KubernetesObject>>)],
      ['jobs', makeInformer(kc, `/apis/batch/v1/namespaces/${ns}/jobs`, () => batch.listNamespacedJob({ namespace: ns }) as Promise<KubernetesListObject<KubernetesObject>>)],
      ['leases', makeInformer(kc, `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, () => coordination.listNamespacedLease({ namespace: ns }) as Promise<KubernetesListObject<KubernetesObject>>)],
    ];
    // The metadata informer: client-node's list-watch cache over metadata-only lists and watches.
    const mkc = new MetadataKubeConfig();
    mkc.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    const listMetadata = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const res = await server.fetch(`/api/v1/namespaces/${ns}/configmaps`, { headers: { Accept: metadataListAccept } });
      const body = (await res.json()) as KubernetesListObject<KubernetesObject>;
      assert.equal(body.kind, 'PartialObjectMetadataList');
      return body;
    };
    const metadata = new ListWatch<KubernetesObject>(`/api/v1/namespaces/${ns}/configmaps`, new Watch(mkc), listMetadata, false);
    for (const [name, informer] of typed) {
      record(informer, seen[name]!);
      informers.push(informer);
    }
    record(metadata, seen['metadata']!);
    informers.push(metadata);
    for (const i of informers) await i.start();

    // Writes: three objects of each kind, each created, updated twice (some concurrently), deleted.
    const names = ['a', 'b', 'c'];
    const job = (name: string) => ({ metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    const deploy = (name: string) => ({ metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
    const mergePatch = { headers: { 'Content-Type': 'application/merge-patch+json' } };
    await Promise.all(
      names.map(async (name) => {
        await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { v: '0' } } });
        await apps.createNamespacedDeployment({ namespace: ns, body: deploy(name) });
        await batch.createNamespacedJob({ namespace: ns, body: job(name) });
        await coordination.createNamespacedLease({ namespace: ns, body: { metadata: { name }, spec: { holderIdentity: 'x', leaseDurationSeconds: 10 } } });
      }),
    );
    for (const step of [1, 2]) {
      await Promise.all(
        names.map(async (name) => {
          await (await server.fetch(`/api/v1/namespaces/${ns}/configmaps/${name}`, { method: 'PATCH', ...mergePatch, body: JSON.stringify({ data: { v: String(step) } }) })).arrayBuffer();
          await (await server.fetch(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, { method: 'PATCH', ...mergePatch, body: JSON.stringify({ spec: { replicas: step + 1 } }) })).arrayBuffer();
          await (await server.fetch(`/apis/batch/v1/namespaces/${ns}/jobs/${name}`, { method: 'PATCH', ...mergePatch, body: JSON.stringify({ metadata: { labels: { step: String(step) } } }) })).arrayBuffer();
          await (await server.fetch(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`, { method: 'PATCH', ...mergePatch, body: JSON.stringify({ spec: { leaseTransitions: step } }) })).arrayBuffer();
        }),
      );
    }
    await Promise.all(
      names.map(async (name) => {
        await core.deleteNamespacedConfigMap({ namespace: ns, name });
        await apps.deleteNamespacedDeployment({ namespace: ns, name });
        await batch.deleteNamespacedJob({ namespace: ns, name, propagationPolicy: 'Background' });
        await coordination.deleteNamespacedLease({ namespace: ns, name });
      }),
    );

    for (const [kind, events] of Object.entries(seen)) {
      await waitFor(`${kind}: 12 events`, () => events.length >= 12, () => JSON.stringify(events));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(events.length, 12, `${kind}: each change once: ${JSON.stringify(events)}`);
      for (const name of names) {
        const mine = events.filter((e) => e.name === name);
        assert.deepEqual(mine.map((e) => e.verb), expectedVerbs(2), `${kind}/${name}: add, two updates, delete, in order`);
        const rvs = mine.map((e) => e.rv);
        assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y), `${kind}/${name}: resourceVersions increase`);
        assert.equal(new Set(rvs).size, rvs.length, `${kind}/${name}: no event twice`);
      }
      const all = events.map((e) => e.rv);
      assert.deepEqual(all, [...all].sort((x, y) => x - y), `${kind}: events arrive in store order`);
    }
    assert.ok(seen['metadata']!.every((e) => e.kind === 'PartialObjectMetadata'), 'the metadata informer gets metadata only');
    const ours = (objects: readonly KubernetesObject[]): KubernetesObject[] => objects.filter((o) => o.metadata?.name !== 'kube-root-ca.crt');
    for (const [kind, informer] of typed) assert.equal(ours(informer.list(ns)).length, 0, `${kind}: the cache ends empty, as a list does`);
    assert.equal(ours(metadata.list(ns)).length, 0);
  } finally {
    for (const i of informers) await i.stop();
    await server.stop();
    dir.remove();
  }
});
