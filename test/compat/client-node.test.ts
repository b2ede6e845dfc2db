import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { mirrorLabel, startMirrorController, type InformerEvent } from '../../examples/controller/configmap-controller.js';
import { freePort, repoRoot, tempDir } from '../helpers/processes.js';
import { startApiServer } from '../helpers/apiserver.js';

/**
 * @kubernetes/client-node (JSON, informers) against a real `kite apiserver`:
 * the example controller reacts to creates, updates and deletes, and an
 * informer follows them in order, exactly once each, across a restart of the
 * API server on the same data dir and port.
 */

/** Polls until check() returns true, or fails with what describe() says. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, describe: () => string = () => '', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}\n${describe()}`);
}

async function readOrUndefined(core: CoreV1Api, name: string, namespace: string): Promise<V1ConfigMap | undefined> {
  try {
    return await core.readNamespacedConfigMap({ name, namespace });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

test('client-node: the example controller and an informer against kite apiserver, across a restart', { timeout: 120_000 }, async () => {
  const dir = tempDir('client-node');
  const dataDir = join(dir.path, 'data');
  const port = await freePort();
  let server = await startApiServer(dataDir, port);
  let controllerProcess: ChildProcess | undefined;
  let controllerOut = '';
  let informer: Awaited<ReturnType<typeof startMirrorController>> | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of ['mirrors', 'seq']) await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });

    // The example program, as a user runs it.
    controllerProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'examples/controller/configmap-controller.ts'), 'mirrors'], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: server.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    controllerProcess.stdout?.on('data', (d: Buffer) => (controllerOut += d.toString()));
    controllerProcess.stderr?.on('data', (d: Buffer) => (controllerOut += d.toString()));
    await waitFor('the controller to start', () => controllerOut.includes('"controller started"'), () => controllerOut);

    // An informer in this process, recording what it is told, in a namespace only this test writes to.
    const events: InformerEvent[] = [];
    const informerLog: string[] = [];
    informer = await startMirrorController(kc, { namespace: 'seq', // root-ca-cert-publisher's kube-root-ca.crt is another controller's ConfigMap, not this test's.
      onEvent: (e) => {
        if (e.name !== 'kube-root-ca.crt') events.push(e);
      }, log: (msg) => informerLog.push(msg), retryDelayMs: 200 });
    const expected: InformerEvent[] = [];
    const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
    const create = async (namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> => {
      const made = await core.createNamespacedConfigMap({ namespace, body });
      if (namespace === 'seq') expected.push({ kind: 'add', name: made.metadata!.name!, resourceVersion: made.metadata!.resourceVersion! });
      return made;
    };
    const update = async (namespace: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> => {
      const current = await core.readNamespacedConfigMap({ name, namespace });
      const replaced = await core.replaceNamespacedConfigMap({ name, namespace, body: { ...current, data } });
      assert.ok(BigInt(replaced.metadata!.resourceVersion!) > BigInt(current.metadata!.resourceVersion!));
      if (namespace === 'seq') expected.push({ kind: 'update', name, resourceVersion: replaced.metadata!.resourceVersion! });
      return replaced;
    };
    const remove = async (namespace: string, name: string): Promise<void> => {
      await core.deleteNamespacedConfigMap({ name, namespace });
      // A DELETED event carries the object at its deletion; its resourceVersion is checked below.
      if (namespace === 'seq') expected.push({ kind: 'delete', name, resourceVersion: '' });
    };
    const mirrorData = async (name: string): Promise<Record<string, string> | undefined> => (await readOrUndefined(core, `${name}-mirror`, 'mirrors'))?.data ?? undefined;
    const showEvents = (): string => `expected:\n${expected.map((e) => JSON.stringify(e)).join('\n')}\ngot:\n${events.map((e) => JSON.stringify(e)).join('\n')}`;
    const checkEvents = (): void => {
      assert.equal(events.length, expected.length, showEvents());
      let last = 0n;
      events.forEach((got, i) => {
        const want = expected[i]!;
        assert.equal(`${got.kind} ${got.name}`, `${want.kind} ${want.name}`, `event ${i}\n${showEvents()}`);
        if (want.resourceVersion !== '') assert.equal(got.resourceVersion, want.resourceVersion, `event ${i}\n${showEvents()}`);
        const rv = BigInt(got.resourceVersion);
        assert.ok(rv > last, `event ${i} resourceVersion ${rv} after ${last}\n${showEvents()}`);
        last = rv;
      });
    };
    const cacheMatchesServer = async (): Promise<void> => {
      const list = await core.listNamespacedConfigMap({ namespace: 'seq' });
      const serverView = list.items.map((o) => `${o.metadata!.name}@${o.metadata!.resourceVersion}`).sort();
      const cacheView = informer!.cache.list('seq').map((o) => `${o.metadata!.name}@${o.metadata!.resourceVersion}`).sort();
      assert.deepEqual(cacheView, serverView, "the informer's cache equals the server's list");
    };
    const src = { [mirrorLabel]: 'true' };

    // Before the restart.
    await create('mirrors', cm('app', { color: 'blue' }, src));
    await create('mirrors', cm('keep', { size: 'L' }, src));
    await create('mirrors', cm('plain', { x: '1' }));
    await waitFor('app-mirror', async () => (await mirrorData('app'))?.color === 'blue', () => controllerOut);
    await waitFor('keep-mirror', async () => (await mirrorData('keep'))?.size === 'L', () => controllerOut);
    await update('mirrors', 'app', { color: 'red', shade: 'dark' });
    await waitFor('app-mirror to follow the update', async () => JSON.stringify(await mirrorData('app')) === JSON.stringify({ color: 'red', shade: 'dark' }), () => controllerOut);
    await remove('mirrors', 'app');
    await waitFor('app-mirror to go with its source', async () => (await readOrUndefined(core, 'app-mirror', 'mirrors')) === undefined, () => controllerOut);

    await create('seq', cm('a', { v: '1' }));
    await create('seq', cm('b', { v: '1' }));
    await update('seq', 'a', { v: '2' });
    await update('seq', 'a', { v: '3' });
    await remove('seq', 'b');
    await create('seq', cm('c', { v: '1' }));
    await update('seq', 'c', { v: '2' });
    await waitFor('the informer to see the changes before the restart', () => events.length >= expected.length, showEvents);
    checkEvents();
    await cacheMatchesServer();

    // Restart the API server on the same data dir and port, informers running.
    assert.equal(await server.stop(), 0, `clean exit on SIGTERM:\n${server.output()}`);
    server = await startApiServer(dataDir, port);

    await update('seq', 'a', { v: '4' });
    await create('seq', cm('d', { v: '1' }));
    await remove('seq', 'c');
    await update('seq', 'd', { v: '2' });
    await create('seq', cm('b', { v: 'again' }));
    await waitFor('the informer to see the changes after the restart', () => events.length >= expected.length, showEvents);
    checkEvents();
    await cacheMatchesServer();
    assert.ok(informerLog.includes('informer error; restarting'), 'the informer lost the server and was restarted');
    // Nothing more trickles in: no duplicates from a late relist.
    await new Promise((r) => setTimeout(r, 500));
    checkEvents();

    await create('mirrors', cm('after', { k: 'v' }, src));
    await waitFor('a mirror for a source created after the restart', async () => (await mirrorData('after'))?.k === 'v', () => controllerOut);
    await update('mirrors', 'keep', { size: 'XL' });
    await waitFor('keep-mirror to follow an update after the restart', async () => (await mirrorData('keep'))?.size === 'XL', () => controllerOut);
    await remove('mirrors', 'keep');
    await waitFor('keep-mirror to go with its source after the restart', async () => (await readOrUndefined(core, 'keep-mirror', 'mirrors')) === undefined, () => controllerOut);
    assert.equal(await readOrUndefined(core, 'plain-mirror', 'mirrors'), undefined, 'an unlabelled ConfigMap gets no mirror');
    const names = (await core.listNamespacedConfigMap({ namespace: 'mirrors' })).items.map((o) => o.metadata!.name!).sort();
    // kube-root-ca.crt is root-ca-cert-publisher's, in every namespace.
    assert.deepEqual(names, ['after', 'after-mirror', 'kube-root-ca.crt', 'plain']);
  } finally {
    await informer?.stop();
    if (controllerProcess && controllerProcess.exitCode === null) {
      const exited = new Promise((r) => controllerProcess!.once('exit', r));
      controllerProcess.kill('SIGTERM');
      await exited;
    }
    await server.stop();
    dir.remove();
  }
});
