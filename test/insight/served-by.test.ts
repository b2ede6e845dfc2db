// "Served by" is known per call: with --etcd-servers, the trail files each store call
// under the endpoint that answered that very call, also when calls overlap and another
// call moves the client on to the next endpoint meanwhile. Three endpoints: a kite store
// between two that accept connections and drop them 300 ms later (every call on them
// fails with UNAVAILABLE). Two overlapping gets fail on the first together and fail over
// in turn: one to the store, which answers it, the other on to the third endpoint, which
// the client's current endpoint now is. The answered call must be filed under the store
// (a client-wide "last served by" would name the third endpoint).
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import { recordingStoreClient } from '../../registry/insight/recording-store-client.js';
import { RequestTrail } from '../../registry/insight/request-trail.js';
import { WatcherRegistry } from '../../registry/insight/watcher-registry.js';
import type { RangeOp } from '../../registry/insight/trail-types.js';
import { startStore, tempDir } from '../helpers/processes.js';

/** A listener that takes connections, says nothing, and drops them after ms. */
async function dropper(ms: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('with overlapping calls failing over between endpoints, each recorded call names the endpoint that answered it', { timeout: 60_000 }, async () => {
  const dir = tempDir('insight-served-by');
  const member = await startStore({ kind: 'kite', dataDir: join(dir.path, 'data') });
  const storeEndpoint = member.endpoint.replace(/^https?:\/\//, '');
  const trail = new RequestTrail({ size: 100 });
  const stop = trail.subscribe(() => undefined);
  const closers: (() => Promise<void>)[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      // Fresh droppers each round: each drop takes its 300 ms (no reconnect backoff to fail fast on).
      const first = await dropper(300);
      const third = await dropper(300);
      const raw = new GrpcStoreClient([first.endpoint, storeEndpoint, third.endpoint]);
      closers.push(() => raw.close(), first.close, third.close);
      const client = recordingStoreClient(raw, { trail, watchers: new WatcherRegistry() });
      const results = await Promise.allSettled([client.get(`/a${round}`), client.get(`/b${round}`)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'], `round ${round}: one get answered by the store, the other failed over to the third endpoint`);
    }
    const ops = trail.entries().flatMap((e) => e.ops).filter((op): op is RangeOp => op.kind === 'range');
    assert.equal(ops.length, 6);
    for (const op of ops.filter((o) => o.error === undefined)) assert.equal(op.servedBy, storeEndpoint, `${op.key} was answered by the kite store`);
    for (const op of ops.filter((o) => o.error !== undefined)) assert.equal(op.servedBy, undefined, `${op.key} was answered by no one`);
  } finally {
    stop();
    for (const close of closers) await close();
    await member.stop();
    dir.remove();
  }
});
