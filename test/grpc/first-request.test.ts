import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectHttp2, constants as h2, createServer as createHttp2Server, type ClientHttp2Session } from 'node:http2';
import { connect as connectNet, createServer, type Server, type Socket } from 'node:net';
import { AuthorityFilterSocket } from '../../storage/grpc/authority-filter.js';
import { EMPTY_SETTINGS, readFirstRequest, type FirstRequest } from '../../storage/grpc/first-request.js';
import { frame } from '../helpers/h2-frame.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SETTINGS_ACK = frame(0x4, 0x1, 0, Buffer.alloc(0));

/** A HEADERS block with :method POST (static index 3) and a literal :authority (name index 1, not indexed). */
function headersWithAuthority(authority: string, flags = 0x4, prefix = Buffer.alloc(0)): Buffer {
  const value = Buffer.from(authority, 'latin1');
  return frame(0x1, flags, 1, Buffer.concat([prefix, Buffer.from([0x83, 0x01, value.length]), value]));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A server that reads each connection's first request and then gives what it put back to
 * `then` (with the socket paused, as readFirstRequest leaves it).
 */
async function firstRequestServer(then: (socket: Socket, first: FirstRequest) => void, waitMs?: number): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    readFirstRequest(socket, (first) => then(socket, first), waitMs);
  });
  return { server, port: await listen(server) };
}

/** What a raw client sends: the preface, its SETTINGS, a WINDOW_UPDATE, then the ACK and the request in the order given. */
function rawClient(port: number, ackFirst: boolean, headers: Buffer): { socket: Socket; sent: Buffer } {
  const opening = Buffer.concat([PREFACE, frame(0x4, 0, 0, Buffer.alloc(6)), frame(0x8, 0, 0, Buffer.from([0, 0, 0x10, 0]))]);
  const socket = connectNet(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  socket.write(opening);
  // The ACK goes out once the server's SETTINGS arrive, as a client's does.
  socket.once('data', (d: Buffer) => {
    assert.ok(d.subarray(0, 9).equals(EMPTY_SETTINGS), 'the server speaks first with an empty SETTINGS frame');
    if (ackFirst) {
      socket.write(SETTINGS_ACK);
      socket.write(headers);
    } else {
      socket.write(headers);
      socket.write(SETTINGS_ACK);
    }
  });
  return { socket, sent: Buffer.concat([opening, headers]) };
}

/** Runs one raw client against a reading server: the decision, what was put back, and what the client sent. */
async function decide(ackFirst: boolean, headers: Buffer): Promise<{ first: FirstRequest; rest: Buffer; sent: Buffer }> {
  let resolveSeen: (v: { first: FirstRequest; rest: Buffer }) => void = () => undefined;
  const seen = new Promise<{ first: FirstRequest; rest: Buffer }>((r) => (resolveSeen = r));
  const { server, port } = await firstRequestServer((socket, first) => {
    resolveSeen({ first, rest: (socket.read() as Buffer | null) ?? Buffer.alloc(0) });
    socket.destroy();
  });
  const { socket, sent } = rawClient(port, ackFirst, headers);
  try {
    return { ...(await seen), sent };
  } finally {
    socket.destroy();
    await close(server);
  }
}

test('the first request decides: the bytes read are put back in order, less the ACK of the server\'s SETTINGS', async () => {
  const cases: Array<{ name: string; headers: Buffer; ackFirst: boolean; expect: FirstRequest }> = [
    { name: 'host:port, ACK first', headers: headersWithAuthority('127.0.0.1:2379'), ackFirst: true, expect: 'accepted' },
    { name: 'host:port, request first', headers: headersWithAuthority('127.0.0.1:2379'), ackFirst: false, expect: 'accepted' },
    { name: 'etcdctl 3.4\'s URL', headers: headersWithAuthority('http://127.0.0.1:2379'), ackFirst: true, expect: 'filter' },
    { name: 'etcd 3.5\'s #initially', headers: headersWithAuthority('#initially=[127.0.0.1:2379]'), ackFirst: false, expect: 'filter' },
    // PADDED (pad length 2) and PRIORITY (5 octets) around the block.
    { name: 'padded, with priority', headers: frame(0x1, 0x4 | 0x8 | 0x20, 1, Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 16, 0x83, 0x01, 4]), Buffer.from('a:12'), Buffer.alloc(2)])), ackFirst: true, expect: 'accepted' },
    { name: 'a block continued in a CONTINUATION frame', headers: headersWithAuthority('127.0.0.1:2379', 0), ackFirst: true, expect: 'filter' },
  ];
  for (const c of cases) {
    const { first, rest, sent } = await decide(c.ackFirst, c.headers);
    assert.equal(first, c.expect, c.name);
    assert.ok(rest.equals(sent), `${c.name}: put back as sent, less the ACK`);
  }
});

test('a client that sends no request for a while goes to the filter, with what it sent put back less the ACK', async () => {
  let resolveSeen: (v: { first: FirstRequest; rest: Buffer; after: number }) => void = () => undefined;
  const seen = new Promise<{ first: FirstRequest; rest: Buffer; after: number }>((r) => (resolveSeen = r));
  const started = Date.now();
  const { server, port } = await firstRequestServer((socket, first) => {
    resolveSeen({ first, rest: (socket.read() as Buffer | null) ?? Buffer.alloc(0), after: Date.now() - started });
    socket.destroy();
  }, 200);
  const ping = frame(0x6, 0, 0, Buffer.alloc(8, 7)); // a keepalive PING instead of a request
  const { socket, sent } = rawClient(port, true, ping);
  try {
    const { first, rest, after } = await seen;
    assert.equal(first, 'filter');
    assert.ok(rest.equals(sent), 'put back as sent, less the ACK');
    assert.ok(after >= 150, `waited for a request first (${after} ms)`);
  } finally {
    socket.destroy();
    await close(server);
  }
});

test('bytes that are not a client preface are put back as they came', async () => {
  let resolveSeen: (v: { first: FirstRequest; rest: Buffer }) => void = () => undefined;
  const seen = new Promise<{ first: FirstRequest; rest: Buffer }>((r) => (resolveSeen = r));
  const { server, port } = await firstRequestServer((socket, first) => {
    resolveSeen({ first, rest: (socket.read() as Buffer | null) ?? Buffer.alloc(0) });
    socket.destroy();
  });
  const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const socket = connectNet(port, '127.0.0.1', () => socket.write(garbage));
  socket.on('error', () => undefined);
  try {
    const { first, rest } = await seen;
    assert.equal(first, 'filter');
    assert.ok(rest.equals(garbage));
  } finally {
    socket.destroy();
    await close(server);
  }
});

test('a client that leaves before its first request is let go without a decision', async () => {
  let decided = false;
  const { server, port } = await firstRequestServer(() => (decided = true));
  const socket = connectNet(port, '127.0.0.1', () => socket.end(PREFACE));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.resume();
  await closed;
  assert.equal(decided, false);
  await close(server);
});

test('node\'s session serves the socket handed over either way, and a client\'s later requests on it', async () => {
  const h2server = createHttp2Server();
  h2server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(`${String(headers[':path'])} via ${String(headers[':authority'])}`);
  });
  const decisions: FirstRequest[] = [];
  const { server, port } = await firstRequestServer((socket, first) => {
    decisions.push(first);
    if (first === 'accepted') {
      h2server.emit('connection', socket);
      process.nextTick(() => socket.resume());
    } else {
      h2server.emit('connection', new AuthorityFilterSocket(socket));
    }
  });
  const get = (session: ClientHttp2Session, path: string, authority?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const r = session.request({ [h2.HTTP2_HEADER_PATH]: path, ...(authority === undefined ? {} : { [h2.HTTP2_HEADER_AUTHORITY]: authority }) });
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => resolve(body));
      r.on('error', reject);
      r.end();
    });
  const plain = connectHttp2(`http://127.0.0.1:${port}`);
  const url = connectHttp2(`http://127.0.0.1:${port}`);
  try {
    assert.equal(await get(plain, '/a'), `/a via 127.0.0.1:${port}`);
    assert.equal(await get(plain, '/b'), `/b via 127.0.0.1:${port}`);
    assert.equal(await get(url, '/c', `http://127.0.0.1:${port}`), `/c via http:__127.0.0.1:${port}`);
    assert.equal(await get(url, '/d', `127.0.0.1:${port}`), `/d via 127.0.0.1:${port}`);
    assert.deepEqual(decisions, ['accepted', 'filter']);
  } finally {
    plain.destroy();
    url.destroy();
    await close(server);
  }
});
