import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { GrpcStoreClient } from '../../storage/client/grpc-store-client.js';
import { isStorageError } from '../../storage/errors.js';

// A store call that nothing answers (a connection lost somewhere on the way) must end, not hold
// its API request for good: the member's own request timeout cannot fire for a call it never got.
test('a call no endpoint answers ends with Timeout after the deadline; a read tries every endpoint first', { timeout: 20_000 }, async () => {
  const sockets: Socket[] = [];
  // Takes connections and reads what they send, answering nothing (not even the HTTP/2 preface).
  const silent = createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const client = new GrpcStoreClient([`127.0.0.1:${port}`, `http://127.0.0.1:${port}`], undefined, 300);
  try {
    const started = Date.now();
    const read = await client.get('/registry/things/a').then(
      () => 'answered',
      (e: unknown) => e,
    );
    const readMs = Date.now() - started;
    assert.ok(isStorageError(read, 'Timeout'), `a read fails with Timeout: ${String(read)}`);
    assert.ok(readMs >= 600 && readMs < 5000, `both endpoints were tried, each for its 300 ms: ${readMs} ms`);
    const write = await client.optimisticPut('/registry/things/a', Buffer.from('1'), 0).then(
      () => 'answered',
      (e: unknown) => e,
    );
    assert.ok(isStorageError(write, 'Timeout'), `a write that may have been applied is not retried: ${String(write)}`);
  } finally {
    await client.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
