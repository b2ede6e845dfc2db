import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startControllers } from '../../registry/controllers/controllers.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { ResourceStore } from '../../registry/generic/resource-store.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { defaultPullPolicy } from '../../registry/pod/pod-spec.js';
import { KiteRegistry } from '../../registry/registry.js';
import { embeddedStore } from './harness.js';

const code = (c: number, reason?: string) => (e: unknown) => e instanceof ApiError && e.code === c && (reason === undefined || e.reason === reason);

async function withRegistry(fn: (r: KiteRegistry, s: (g: string, r: string) => ResourceStore) => Promise<void>): Promise<void> {
  const store = await embeddedStore();
  const registry = new KiteRegistry(store.client);
  try {
    await registry.start();
    await fn(registry, (g, r) => registry.store(g, 'v1', r)!);
  } finally {
    await store.close();
  }
}

test('image pull policy defaults', () => {
  const cases: [string, string][] = [['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.25', 'IfNotPresent'], ['localhost:5000/app', 'Always'], ['localhost:5000/app:v1', 'IfNotPresent'], ['nginx@sha256:abc', 'IfNotPresent']];
  for (const [image, want] of cases) assert.equal(defaultPullPolicy(image), want, image);
});

test('registry: resources, what start creates, kind defaults and tables', async () => {
  await withRegistry(async (registry, s) => {
    const served = new Set(registry.resources().map((r) => `${r.group}/${r.version}/${r.resource}`));
    for (const r of ['/v1/nodes', 'apps/v1/replicasets', 'batch/v1/jobs', 'coordination.k8s.io/v1/leases', 'autoscaling/v1/horizontalpodautoscalers', 'autoscaling/v2/horizontalpodautoscalers', 'events.k8s.io/v1/events', 'storage.k8s.io/v1/csinodes']) {
      assert.ok(served.has(r), `${r} served`);
    }
    assert.equal(registry.store('apps', 'v1', 'deployments')?.info.kind, 'Deployment');
    assert.equal(registry.store('', 'v1', 'nope'), undefined);
    const ns = await s('', 'namespaces').list(undefined);
    assert.deepEqual(ns.items.map((n) => n.metadata.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.deepEqual(ns.items[0]!.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.items[0]!.status, { phase: 'Active' });
    assert.deepEqual((await registry.store('scheduling.k8s.io', 'v1', 'priorityclasses')!.list(undefined)).items.map((p) => [p.metadata.name, p.value]), [
      ['system-cluster-critical', 2000000000],
      ['system-node-critical', 2000001000],
    ]);
    const kubernetes = await s('', 'services').get('default', 'kubernetes');
    assert.equal((kubernetes.spec as { clusterIP: string }).clusterIP, '10.96.0.1');
    await assert.rejects(s('', 'namespaces').create(undefined, { metadata: { name: 'a.b' } }), code(422));

    const secret = await s('', 'secrets').create('default', { metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { b: 'hi' } });
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(secret.data, { a: 'eA==', b: 'aGk=' });
    assert.equal(secret.stringData, undefined);
    await assert.rejects(s('', 'secrets').create('default', { metadata: { name: 'bad' }, data: { a: 'not base64!' } }), (e) => e instanceof ApiError && e.code === 400 && e.message === 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');

    const svc = await s('', 'services').create('default', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } });
    const spec = svc.spec as { type: string; clusterIP: string; ports: { protocol: string; targetPort: number }[] };
    assert.equal(spec.type, 'ClusterIP');
    assert.match(spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual([spec.ports[0]!.protocol, spec.ports[0]!.targetPort], ['TCP', 80]);
    const svc2 = (await s('', 'services').update('default', 'web', { metadata: { name: 'web' }, spec: { ports: [{ port: 81 }] } })).object;
    assert.equal((svc2.spec as { clusterIP: string }).clusterIP, spec.clusterIP, 'cluster IP kept on update');

    await s('', 'serviceaccounts').create('default', { metadata: { name: 'default' } });
    const pod = await s('', 'pods').create('default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'n1' }, status: { phase: 'Running' } });
    assert.equal((pod.status as { phase: string }).phase, 'Pending');
    const ps = pod.spec as { restartPolicy: string; dnsPolicy: string; containers: { imagePullPolicy: string; terminationMessagePath: string }[] };
    assert.deepEqual([ps.restartPolicy, ps.dnsPolicy, ps.containers[0]!.imagePullPolicy, ps.containers[0]!.terminationMessagePath], ['Always', 'ClusterFirst', 'Always', '/dev/termination-log']);
    assert.equal((await s('', 'pods').list('default', { fieldSelector: 'status.phase=Pending,spec.nodeName=n1' })).items.length, 1);
    assert.equal((await s('', 'pods').list('default', { fieldSelector: 'spec.nodeName=n2' })).items.length, 0);
    await assert.rejects(s('', 'pods').create('default', { metadata: { name: 'q' }, spec: { containers: [] } }), code(422));
    const table = s('', 'pods').table([pod], { resourceVersion: '5' }, 'Metadata') as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: KubeObject }[] };
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(table.rows[0]!.cells.slice(0, 4), ['p', '0/1', 'Pending', '0']);
    assert.equal(table.rows[0]!.object.kind, 'PartialObjectMetadata');
  });
});

test('registry: deployments, status and scale subresources', async () => {
  await withRegistry(async (_registry, s) => {
    const d = s('apps', 'deployments');
    const tmpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } };
    await assert.rejects(d.create('default', { metadata: { name: 'bad' }, spec: { selector: { matchLabels: { app: 'other' } }, template: tmpl } }), (e) => e instanceof ApiError && e.code === 422 && /spec\.template\.metadata\.labels: Invalid value: .*selector. does not match template .labels/.test(e.message));
    const web = await d.create('default', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: tmpl }, status: { replicas: 9 } });
    const spec = web.spec as { replicas: number; revisionHistoryLimit: number; progressDeadlineSeconds: number; strategy: unknown };
    assert.deepEqual([spec.replicas, spec.revisionHistoryLimit, spec.progressDeadlineSeconds], [1, 10, 600]);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.deepEqual(web.status, {});
    assert.equal(web.metadata.generation, 1);
    const st = (await d.update('default', 'web', { ...web, spec: { ...spec, replicas: 5 }, status: { replicas: 1, readyReplicas: 1 } }, { subresource: 'status' })).object;
    assert.deepEqual(st.status, { replicas: 1, readyReplicas: 1 });
    assert.equal((st.spec as { replicas: number }).replicas, 1, 'status update ignores spec');
    assert.equal(st.metadata.generation, 1);
    const main = await d.patch('default', 'web', 'merge', { spec: { replicas: 2 }, status: { replicas: 7 } });
    assert.equal((main.status as { replicas: number }).replicas, 1, 'main update ignores status');
    assert.equal(main.metadata.generation, 2);
    const scale = await d.get('default', 'web', 'scale');
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec, scale.status], ['Scale', 'autoscaling/v1', { replicas: 2 }, { replicas: 1, selector: 'app=web' }]);
    const scaled = (await d.update('default', 'web', { ...scale, spec: { replicas: 4 } }, { subresource: 'scale' })).object;
    assert.deepEqual(scaled.spec, { replicas: 4 });
    const patched = await d.patch('default', 'web', 'merge', { spec: { replicas: 6 } }, { subresource: 'scale' });
    assert.deepEqual(patched.spec, { replicas: 6 });
    assert.equal(((await d.get('default', 'web')).spec as { replicas: number }).replicas, 6);
    const smp = await d.patch('default', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } });
    assert.deepEqual(((smp.spec as { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } }).template.spec.containers).map((c) => c.image), ['nginx:1.26']);
    const table = d.table([smp], undefined, 'None') as { rows: { cells: unknown[] }[] };
    assert.deepEqual(table.rows[0]!.cells.slice(0, 4), ['web', '1/6', 0, 0]);
    assert.deepEqual(table.rows[0]!.cells.slice(5), ['web', 'nginx:1.26', 'app=web']);
  });
});

test('registry: namespace lifecycle with the namespace controller', async () => {
  await withRegistry(async (registry, s) => {
    const controllers = startControllers(registry, ['namespace'], { retryMs: 50 });
    try {
      const ns = s('', 'namespaces');
      await ns.create(undefined, { metadata: { name: 'doomed' } });
      await s('', 'configmaps').create('doomed', { metadata: { name: 'a' }, data: {} });
      await s('', 'configmaps').create('doomed', { metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: {} });
      await s('apps', 'deployments').create('doomed', { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
      await s('', 'configmaps').create('default', { metadata: { name: 'keep' }, data: {} });
      const marked = await ns.delete(undefined, 'doomed');
      assert.ok(!marked.deleted);
      assert.equal((marked.object.status as { phase: string }).phase, 'Terminating');
      assert.ok(marked.object.metadata.deletionTimestamp !== undefined);
      await assert.rejects(s('', 'configmaps').create('doomed', { metadata: { name: 'b' }, data: {} }), (e) =>
        e instanceof ApiError && e.code === 403 && e.message === 'configmaps "b" is forbidden: unable to create new content in namespace doomed because it is being terminated',
      );
      await assert.rejects(ns.delete(undefined, 'default'), (e) => e instanceof ApiError && e.code === 403 && e.message === 'namespaces "default" is forbidden: this namespace may not be deleted');
      // The object holding a finalizer keeps the namespace until the finalizer goes.
      const until = async (what: string, pred: () => Promise<boolean>): Promise<void> => {
        for (let i = 0; i < 300; i++) {
          if (await pred()) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.fail(what);
      };
      await until('the plain objects go', async () => (await s('', 'configmaps').list('doomed')).items.length === 1 && (await s('apps', 'deployments').list('doomed')).items.length === 0);
      const held = await s('', 'configmaps').get('doomed', 'held');
      assert.ok(held.metadata.deletionTimestamp !== undefined, 'the held object is marked, not removed');
      assert.equal((await ns.get(undefined, 'doomed')).metadata.name, 'doomed', 'the namespace waits');
      await s('', 'configmaps').patch('doomed', 'held', 'merge', { metadata: { finalizers: null } });
      await until('the namespace goes', () => ns.get(undefined, 'doomed').then(() => false, () => true));
      assert.equal((await s('', 'configmaps').list('default')).items.length, 1, 'other namespaces untouched');
      await assert.rejects(s('', 'configmaps').create('doomed', { metadata: { name: 'c' }, data: {} }), code(404));
    } finally {
      await controllers.stop();
    }
  });
});

test('registry: a LoadBalancer with externalTrafficPolicy Local gets a health check node port, given back when no longer needed', async () => {
  await withRegistry(async (_registry, s) => {
    const svcs = s('', 'services');
    const lb = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, spec: { type: 'LoadBalancer', selector: { app: 'a' }, ports: [{ port: 443 }], externalTrafficPolicy: 'Local', ...extra } }) as KubeObject;
    const spec = (o: KubeObject) => o.spec as { healthCheckNodePort?: number; ports: { nodePort: number }[] };
    const a = await svcs.create('default', lb('a'));
    const port = spec(a).healthCheckNodePort!;
    assert.ok(port >= 30000 && port <= 32767, `health check node port ${port} is in the node port range`);
    assert.notEqual(port, spec(a).ports[0]!.nodePort, 'not the service port\'s node port');
    // A Cluster policy needs none.
    assert.equal(spec(await svcs.create('default', lb('cluster', { externalTrafficPolicy: 'Cluster' }))).healthCheckNodePort, undefined);
    // Asked for: taken if free, refused (kube-apiserver's plain 500) if held.
    await assert.rejects(svcs.create('default', lb('b', { healthCheckNodePort: port })), (e) => e instanceof ApiError && e.code === 500 && e.message === `Internal error occurred: failed to allocate requested HealthCheck NodePort ${port}: provided port is already allocated`);
    // Switched to Cluster, a gives its port back; another Service can then ask for it.
    const updated = await svcs.patch('default', 'a', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    assert.equal(spec(updated).healthCheckNodePort, undefined);
    assert.equal(spec(await svcs.create('default', lb('c', { healthCheckNodePort: port }))).healthCheckNodePort, port);
    // Deleting it gives the port back too.
    await svcs.delete('default', 'c');
    assert.equal(spec(await svcs.create('default', lb('d', { healthCheckNodePort: port }))).healthCheckNodePort, port);
  });
});
