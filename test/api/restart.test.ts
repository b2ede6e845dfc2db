import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, tempDir } from '../helpers/processes.js';
import { startApiServer } from '../helpers/apiserver.js';
import { httpsFetch, type Fetch } from '../helpers/https-fetch.js';

/**
 * `kite apiserver` keeps what it was given across a clean restart: every object
 * comes back byte for byte (resourceVersion and uid included), lists report the
 * same resourceVersion, and the next write gets a higher one.
 */

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid: string; readonly resourceVersion: string };
}

interface KubeList {
  readonly metadata: { readonly resourceVersion: string };
  readonly items: readonly KubeObject[];
}

/** How requests reach the server: over https as kite-admin, set once it runs. */
let send: Fetch = fetch;

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await send(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Collection path of each kind created below. */
const collections = {
  Namespace: '/api/v1/namespaces',
  ConfigMap: '/api/v1/namespaces/team-a/configmaps',
  Secret: '/api/v1/namespaces/team-a/secrets',
  Service: '/api/v1/namespaces/team-a/services',
  ServiceAccount: '/api/v1/namespaces/team-a/serviceaccounts',
  Pod: '/api/v1/namespaces/team-a/pods',
  Deployment: '/apis/apps/v1/namespaces/team-a/deployments',
} as const;

const bodies: ReadonlyArray<{ readonly kind: keyof typeof collections; readonly body: object }> = [
  { kind: 'Namespace', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } } },
  { kind: 'ConfigMap', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'colors', labels: { app: 'web' } }, data: { primary: 'blue', secondary: 'green' } } },
  { kind: 'ConfigMap', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sizes', annotations: { owner: 'ops' } }, data: { small: '1' } } },
  { kind: 'Secret', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, type: 'Opaque', data: { value: Buffer.from('s3cret').toString('base64') } } },
  { kind: 'Service', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } },
  { kind: 'ServiceAccount', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } } },
  { kind: 'Pod', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'one', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  {
    kind: 'Deployment',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
    },
  },
];

function pathOf(o: KubeObject): string {
  const kind = o.kind as keyof typeof collections;
  return `${collections[kind]}/${o.metadata.name}`;
}

test('kite apiserver keeps objects, resourceVersions and uids across a restart', { timeout: 120_000 }, async () => {
  const dir = tempDir('api-restart');
  const dataDir = join(dir.path, 'data');
  const port = await freePort();
  let server = await startApiServer(dataDir, port);
  send = httpsFetch(server.tls!);
  try {
    const created: KubeObject[] = [];
    for (const { kind, body } of bodies) created.push(await call<KubeObject>('POST', `${server.url}${collections[kind]}`, body));
    // One update and one delete, so history is more than creates.
    const colors = created[1]!;
    const updated = await call<KubeObject>('PUT', `${server.url}${pathOf(colors)}`, { ...colors, data: { primary: 'red', secondary: 'green' } });
    assert.ok(BigInt(updated.metadata.resourceVersion) > BigInt(colors.metadata.resourceVersion));
    created[1] = updated;
    const gone = await call<KubeObject>('POST', `${server.url}${collections.ConfigMap}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone' } });
    await call<unknown>('DELETE', `${server.url}${pathOf(gone)}`);

    const uids = new Set(created.map((o) => o.metadata.uid));
    assert.equal(uids.size, created.length, 'every object has its own uid');
    const before = new Map<string, KubeObject>();
    for (const o of created) before.set(pathOf(o), await call<KubeObject>('GET', `${server.url}${pathOf(o)}`));
    for (const o of created) assert.equal(before.get(pathOf(o))!.metadata.resourceVersion, o.metadata.resourceVersion, `${pathOf(o)} read back as written`);
    const listsBefore = new Map<string, KubeList>();
    for (const path of Object.values(collections)) listsBefore.set(path, await call<KubeList>('GET', `${server.url}${path}`));

    assert.equal(await server.stop(), 0, `clean exit on SIGTERM:\n${server.output()}`);
    server = await startApiServer(dataDir, port);
    send = httpsFetch(server.tls!);

    for (const [path, obj] of before) {
      const after = await call<KubeObject>('GET', `${server.url}${path}`);
      assert.deepEqual(after, obj, `${path} unchanged after restart`);
    }
    const missing = await send(`${server.url}${pathOf(gone)}`);
    assert.equal(missing.status, 404, 'the deleted object stays deleted');
    await missing.body?.cancel();
    let listRv = '';
    for (const [path, list] of listsBefore) {
      const after = await call<KubeList>('GET', `${server.url}${path}`);
      assert.deepEqual(after.items, list.items, `list ${path} unchanged after restart`);
      assert.equal(after.metadata.resourceVersion, list.metadata.resourceVersion, `list ${path} resourceVersion unchanged after restart`);
      listRv = after.metadata.resourceVersion;
    }

    // A watch from the last resourceVersion before the restart sees exactly the
    // first write after it, and that write is numbered above everything before.
    const controller = new AbortController();
    const watch = await send(`${server.url}${collections.ConfigMap}?watch=1&resourceVersion=${listRv}`, { signal: controller.signal });
    assert.equal(watch.status, 200);
    const next = await call<KubeObject>('POST', `${server.url}${collections.ConfigMap}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' }, data: { k: 'v' } });
    assert.ok(BigInt(next.metadata.resourceVersion) > BigInt(listRv), `write after restart: ${next.metadata.resourceVersion} > ${listRv}`);
    for (const o of before.values()) assert.ok(BigInt(next.metadata.resourceVersion) > BigInt(o.metadata.resourceVersion));
    assert.ok(!uids.has(next.metadata.uid), 'a new object gets a new uid');
    const reader = watch.body!.getReader();
    let buffered = '';
    while (!buffered.includes('\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'watch ended before its first event');
      buffered += Buffer.from(value).toString();
    }
    controller.abort();
    const event = JSON.parse(buffered.slice(0, buffered.indexOf('\n'))) as { type: string; object: KubeObject };
    assert.equal(event.type, 'ADDED');
    assert.deepEqual(event.object, next);
    const updatedAfter = await call<KubeObject>('PUT', `${server.url}${pathOf(created[2]!)}`, { ...before.get(pathOf(created[2]!))!, data: { small: '2' } });
    assert.ok(BigInt(updatedAfter.metadata.resourceVersion) > BigInt(next.metadata.resourceVersion));
  } finally {
    await server.stop();
    dir.remove();
  }
});
