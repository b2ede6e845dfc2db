import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../api/app.js';
import { insecurePortAuthenticator } from '../../api/authentication/authenticator.js';
import { configMapStrategy } from '../../registry/configmap/strategy.js';
import { KiteRegistry } from '../../registry/registry.js';
import { embeddedStore } from '../registry/harness.js';

/**
 * A watch client that stops reading is closed once its unsent events pass the
 * limit for longer than the grace period; a reading client on the same resource
 * gets every event meanwhile. Over real sockets: the kernel's buffers must fill
 * before the server notices, so the events are large.
 */
test('a watch client that stops reading is closed; one that reads gets every event', { timeout: 60_000 }, async () => {
  const s = await embeddedStore();
  const registry = new KiteRegistry(s.client);
  const app = createApiApp({ registry, serverAddress: '127.0.0.1:0', authenticator: insecurePortAuthenticator, slowWatchers: { graceMs: 100, bytes: 256 * 1024 } });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const configmaps = registry.generic(configMapStrategy.info);
  try {
    await registry.start();
    const open = (): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0' }, resolve).on('error', reject));
    const fast = await open();
    const seen = new Set<string>();
    let buffered = '';
    fast.setEncoding('utf8');
    fast.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffered.slice(0, nl)) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
        buffered = buffered.slice(nl + 1);
        seen.add(`${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`);
      }
    });
    const slow = await open();
    slow.pause();
    let slowClosed = false;
    slow.socket.on('close', () => {
      slowClosed = true;
    });
    slow.on('error', () => undefined);
    const cacheWatchers = (): number | undefined => registry.watchCache?.stats()['/registry/configmaps/']?.watchers;
    for (let i = 0; i < 100 && cacheWatchers() !== 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(cacheWatchers(), 2, 'both clients watch the cache');
    const big = 'x'.repeat(400 * 1024);
    const written: string[] = [];
    for (let i = 0; i < 200 && cacheWatchers() === 2; i++) {
      const o = await configmaps.create('default', { metadata: { name: `big-${i}` }, data: { big } });
      written.push(`ADDED big-${i}@${o.metadata.resourceVersion ?? ''}`);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(cacheWatchers(), 1, `the watch of the client that does not read was closed (after ${written.length} events of 400 KiB)`);
    // Its connection ends: once it reads again it finds the end of a cut stream.
    slow.resume();
    for (let i = 0; i < 100 && !slowClosed; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(slowClosed, 'the connection of the client that did not read is closed');
    for (let i = 0; i < 100 && !written.every((w) => seen.has(w)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      written.filter((w) => !seen.has(w)),
      [],
      'the reading client got every event',
    );
    assert.equal(cacheWatchers(), 1, 'the reading client still watches');
    fast.destroy();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await registry.stop();
    await s.close();
  }
});
