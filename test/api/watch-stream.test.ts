import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import express from 'express';
import { serveWatch } from '../../api/watch-stream.js';
import type { ResourceStore, WatchEvent } from '../../registry/generic/resource-store.js';

/**
 * How serveWatch puts events on the wire, seen as the HTTP chunks a raw socket reads: the
 * events a watch gets in one turn of the event loop go out as one chunk, a long run of them
 * in chunks of at most about 64 KiB, and an ERROR event goes out with what preceded it
 * before the response ends.
 */

type Deliver = (e: WatchEvent) => void;

/** An HTTP server whose one route serves a watch fed by the test through deliver. */
async function watchServer(): Promise<{ port: number; delivered: Promise<Deliver>; close(): Promise<void> }> {
  let give: (d: Deliver) => void = () => undefined;
  const delivered = new Promise<Deliver>((resolve) => (give = resolve));
  const store = {
    watch(_ns: string | undefined, _o: unknown, deliver: Deliver) {
      give(deliver);
      return { stop: () => undefined };
    },
  } as unknown as ResourceStore;
  const app = express();
  app.get('/watch', (req, res) => serveWatch(req, res, store, 'default', { timeoutSeconds: 60 }, { format: 'json', metaVersion: 'v1', table: false }));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    delivered,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Reads a chunked response from a raw socket: its chunks' bodies, as they arrive, and whether it ended. */
function rawChunks(port: number): { chunks: string[]; ended: Promise<void>; destroy(): void } {
  const chunks: string[] = [];
  const socket = connect(port, '127.0.0.1');
  socket.write('GET /watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let buffered = Buffer.alloc(0);
  let headersDone = false;
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      if (!headersDone) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        assert.match(buffered.subarray(0, end).toString('latin1'), /transfer-encoding: chunked/i);
        buffered = buffered.subarray(end + 4);
        headersDone = true;
      }
      for (;;) {
        const line = buffered.indexOf('\r\n');
        if (line < 0) return;
        const size = parseInt(buffered.subarray(0, line).toString('latin1'), 16);
        if (buffered.length < line + 2 + size + 2) return;
        if (size === 0) {
          resolve();
          return;
        }
        chunks.push(buffered.subarray(line + 2, line + 2 + size).toString('utf8'));
        buffered = buffered.subarray(line + 2 + size + 2);
      }
    });
  });
  return { chunks, ended, destroy: () => socket.destroy() };
}

function configMap(name: string, size = 0): WatchEvent {
  return { type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: '5' }, data: { x: 'y'.repeat(size) } } };
}

const names = (chunk: string): string[] =>
  chunk
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name);

const until = async (what: string, done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), what);
};

/** Runs body against a watch served over a real socket, with the raw client reading its chunks. */
async function withWatch(body: (deliver: Deliver, client: ReturnType<typeof rawChunks>) => Promise<void>): Promise<void> {
  const s = await watchServer();
  const client = rawChunks(s.port);
  try {
    await body(await s.delivered, client);
  } finally {
    client.destroy();
    await s.close();
  }
}

test('events given to a watch in one turn of the event loop go out as one chunk', async () => {
  await withWatch(async (deliver, client) => {
    deliver(configMap('a'));
    deliver(configMap('b'));
    deliver(configMap('c'));
    await until('the first turn\'s events arrive', () => client.chunks.length >= 1);
    deliver(configMap('d'));
    await until('the next turn\'s event arrives', () => client.chunks.length >= 2);
    assert.deepEqual(client.chunks.map(names), [['a', 'b', 'c'], ['d']]);
  });
});

test('a long run of events in one turn goes out in chunks of about 64 KiB, in order', async () => {
  await withWatch(async (deliver, client) => {
    const sent = Array.from({ length: 100 }, (_, i) => `cm-${i}`);
    for (const name of sent) deliver(configMap(name, 2000));
    await until('all 100 events arrive', () => client.chunks.flatMap(names).length === 100);
    assert.deepEqual(client.chunks.flatMap(names), sent);
    assert.ok(client.chunks.length >= 3, `200 KiB of events in ${client.chunks.length} chunks`);
    for (const c of client.chunks) assert.ok(c.length < 64 * 1024 + 4096, `a chunk of ${c.length} characters`);
  });
});

test('an ERROR event is written after the events before it, and ends the response', async () => {
  await withWatch(async (deliver, client) => {
    deliver(configMap('a'));
    deliver({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } });
    await client.ended;
    const lines = client.chunks.join('').split('\n').filter((l) => l !== '');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { type: string }).type),
      ['ADDED', 'ERROR'],
    );
  });
});
