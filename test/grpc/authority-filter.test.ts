import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectHttp2, constants as h2, type ClientHttp2Session } from 'node:http2';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { InboundHeaderScanner, acceptedAuthority, isAcceptedAuthority, literal } from '../../storage/grpc/authority-filter.js';
import { FieldKind, HpackDecoder, type DecodedField } from '../../storage/grpc/hpack-decoder.js';
import { HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS } from '../../storage/grpc/hpack-huffman.js';
import { GrpcServer, requestCommonName, type MethodCodec } from '../../storage/grpc/http2-server.js';
import { tempDir } from '../helpers/processes.js';
import { TestCa } from '../helpers/tls-certs.js';
import { frame } from '../helpers/h2-frame.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const settings = frame(0x4, 0, 0, Buffer.alloc(0));
const data = (streamId: number, bytes: string): Buffer => frame(0x0, END_STREAM, streamId, Buffer.from(bytes));
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
/** :method POST, :scheme http, :path / (static), then rest. */
const request = (...rest: Buffer[]): Buffer => Buffer.concat([hex('838684'), ...rest]);

/** Splits a stream of frames (after the preface) into frames. */
function framesOf(bytes: Buffer): Array<{ type: number; flags: number; streamId: number; payload: Buffer }> {
  assert.deepEqual(bytes.subarray(0, 24), PREFACE);
  const out = [];
  for (let pos = 24; pos < bytes.length; ) {
    const length = bytes.readUIntBE(pos, 3);
    out.push({ type: bytes[pos + 3]!, flags: bytes[pos + 4]!, streamId: bytes.readUInt32BE(pos + 5), payload: bytes.subarray(pos + 9, pos + 9 + length) });
    pos += 9 + length;
  }
  return out;
}

/** The header lists of a stream of frames, as a fresh decoder (standing in for node's) reads them. */
function headerLists(bytes: Buffer): string[][] {
  const decoder = new HpackDecoder();
  const lists: string[][] = [];
  let block: Buffer[] = [];
  for (const f of framesOf(bytes)) {
    if (f.type !== HEADERS && f.type !== CONTINUATION) continue;
    let p = f.payload;
    if (f.type === HEADERS) {
      const pad = f.flags & PADDED ? p[0]! : 0;
      p = p.subarray(f.flags & PADDED ? 1 : 0, p.length - pad);
      if (f.flags & PRIORITY) p = p.subarray(5);
    }
    block.push(p);
    if (f.flags & END_HEADERS) {
      const whole = Buffer.concat(block);
      const out: DecodedField[] = [];
      decoder.decode(whole, 0, whole.length, out);
      lists.push(out.map((x) => `${x.name}: ${x.value}`));
      block = [];
    }
  }
  return lists;
}

/** s Huffman-coded (RFC 7541 Appendix B), padded with ones. */
function huffman(s: string): Buffer {
  let bits = '';
  for (const c of Buffer.from(s, 'latin1')) bits += HUFFMAN_CODES[c]!.toString(2).padStart(HUFFMAN_CODE_LENGTHS[c]!, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 8) * 8, '1');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}

const scan = (input: Buffer): Buffer[] => new InboundHeaderScanner().push(input);

test('the authority check is nghttp2\'s character set, and a refused one keeps its length', () => {
  for (const ok of ['127.0.0.1:2379', '[::1]:2379', 'a.b-c_d~e', "user@h!$&'()*+,;=%20"]) assert.ok(isAcceptedAuthority(ok), ok);
  for (const bad of ['http://127.0.0.1:2379', '#initially=[127.0.0.1:2379]', 'a b', 'a"b', 'a<b>', 'a?b', 'a\\b', 'a^b', 'a`b', 'a{b|c}', 'é']) {
    assert.ok(!isAcceptedAuthority(bad), bad);
    assert.equal(acceptedAuthority(bad).length, bad.length);
    assert.ok(isAcceptedAuthority(acceptedAuthority(bad)));
  }
  assert.equal(acceptedAuthority('http://127.0.0.1:2379'), 'http:__127.0.0.1:2379');
  assert.equal(acceptedAuthority('#initially=[a;b]'), '_initially=[a;b]');
});

test('an ordinary connection passes unchanged, each read handed on as itself', () => {
  const c41 = hex('828684418cf1e3c2e5f23a6ba0ab90f4ff'); // RFC 7541 C.4.1: www.example.com
  const input = Buffer.concat([PREFACE, settings, frame(HEADERS, END_HEADERS, 1, c41), data(1, 'hello'), frame(HEADERS, END_HEADERS | END_STREAM, 3, hex('828684be'))]);
  const out = scan(input);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.buffer, input.buffer);
  assert.deepEqual(out[0], input);
});

// Each literal representation of a refused authority; the second request refers to the
// first's table entry where it made one.
const representations: Array<{ readonly name: string; readonly kind: FieldKind; readonly nameIndex: number }> = [
  { name: 'incremental, static name', kind: FieldKind.Incremental, nameIndex: 1 },
  { name: 'incremental, literal name', kind: FieldKind.Incremental, nameIndex: 0 },
  { name: 'without indexing', kind: FieldKind.WithoutIndexing, nameIndex: 1 },
  { name: 'never indexed', kind: FieldKind.NeverIndexed, nameIndex: 0 },
];
for (const r of representations) {
  test(`a refused authority sent as a literal (${r.name}) is re-encoded; the table stays in step`, () => {
    const url = 'http://127.0.0.1:2379';
    const first = request(literal(r.kind, r.nameIndex, ':authority', url), literal(FieldKind.Incremental, 0, 'te', 'trailers'));
    // Refers to the dynamic entries by index: 'te' is 62, the authority (when indexed) 63.
    const second = r.kind === FieldKind.Incremental ? request(hex('bfbe')) : request(literal(r.kind, r.nameIndex, ':authority', url), hex('be'));
    const input = Buffer.concat([PREFACE, settings, frame(HEADERS, END_HEADERS, 1, first), data(1, 'x'), frame(HEADERS, END_HEADERS, 3, second)]);
    const output = Buffer.concat(scan(input));
    const fixed = ':authority: http:__127.0.0.1:2379';
    assert.deepEqual(headerLists(output), [
      [':method: POST', ':scheme: http', ':path: /', fixed, 'te: trailers'],
      [':method: POST', ':scheme: http', ':path: /', fixed, 'te: trailers'],
    ]);
    assert.deepEqual(headerLists(input).map((l) => l.map((f) => (f.startsWith(':authority') ? fixed : f))), headerLists(output));
    // Everything but the authority literals is as sent.
    const kinds = framesOf(output).map((f) => [f.type, f.flags, f.streamId]);
    assert.deepEqual(kinds, [[0x4, 0, 0], [HEADERS, END_HEADERS, 1], [0x0, END_STREAM, 1], [HEADERS, END_HEADERS, 3]]);
  });
}

test('a Huffman-coded refused authority is found and re-encoded', () => {
  const value = huffman('http://a');
  const block = request(Buffer.from([0x41, 0x80 | value.length]), value);
  const before = headerLists(Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, block)]));
  assert.deepEqual(before[0]![3], ':authority: http://a');
  const out = Buffer.concat(scan(Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, block)])));
  assert.deepEqual(headerLists(out)[0]![3], ':authority: http:__a');
});

/** A connection with most of what the scanner must follow: padding, priority, CONTINUATION, other frames between blocks. */
function busyConnection(): Buffer {
  const bad = request(literal(FieldKind.Incremental, 1, ':authority', '#initially=[127.0.0.1:1;127.0.0.1:2]'), literal(FieldKind.Incremental, 0, 'user-agent', 'x'.repeat(300)));
  const padded = Buffer.concat([Buffer.from([7]), hex('8000000310'), bad.subarray(0, 100)]); // pad 7, priority
  const headers = frame(HEADERS, PADDED | PRIORITY, 1, Buffer.concat([padded, Buffer.alloc(7)]));
  const cont1 = frame(CONTINUATION, 0, 1, bad.subarray(100, 200));
  const cont2 = frame(CONTINUATION, END_HEADERS, 1, bad.subarray(200));
  const good = frame(HEADERS, END_HEADERS | END_STREAM, 3, request(literal(FieldKind.WithoutIndexing, 1, ':authority', '127.0.0.1:2379'), hex('be')));
  const later = frame(HEADERS, END_HEADERS, 5, request(hex('bebf'))); // both dynamic entries by index
  const window = frame(0x8, 0, 0, hex('00010000'));
  return Buffer.concat([PREFACE, settings, window, headers, cont1, cont2, data(1, 'a'.repeat(1000)), good, later, data(5, 'end')]);
}

test('a block over HEADERS (padded, with priority) and CONTINUATION frames is re-encoded as one unpadded HEADERS frame', () => {
  const input = busyConnection();
  const out = Buffer.concat(scan(input));
  const frames = framesOf(out);
  assert.deepEqual(frames.map((f) => [f.type, f.flags, f.streamId]), [
    [0x4, 0, 0], [0x8, 0, 0], [HEADERS, PRIORITY | END_HEADERS, 1], [0x0, END_STREAM, 1], [HEADERS, END_HEADERS | END_STREAM, 3], [HEADERS, END_HEADERS, 5], [0x0, END_STREAM, 5],
  ]);
  assert.deepEqual(frames[2]!.payload.subarray(0, 5), hex('8000000310'));
  const lists = headerLists(out);
  assert.equal(lists[0]![3], ':authority: _initially=[127.0.0.1:1;127.0.0.1:2]');
  assert.equal(lists[1]![3], ':authority: 127.0.0.1:2379');
  assert.deepEqual(lists[2]!.slice(3), ['user-agent: ' + 'x'.repeat(300), ':authority: _initially=[127.0.0.1:1;127.0.0.1:2]']);
});

test('however the bytes are split into reads, the output is the same', () => {
  const input = busyConnection();
  const whole = Buffer.concat(scan(input));
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const scanner = new InboundHeaderScanner();
    const out: Buffer[] = [];
    const maxRead = round < 20 ? 1 + round : 1 + random(400);
    for (let pos = 0; pos < input.length; ) {
      const n = 1 + random(maxRead);
      out.push(...scanner.push(input.subarray(pos, pos + n)));
      pos += n;
    }
    assert.deepEqual(Buffer.concat(out), whole, `round ${round} (reads up to ${maxRead} octets)`);
  }
});

test('a re-encoded block larger than a frame is split into frames of at most 16384 octets', () => {
  const big = request(literal(FieldKind.Incremental, 1, ':authority', 'http://h'), literal(FieldKind.WithoutIndexing, 0, 'x-big', 'v'.repeat(40000)));
  const parts = [frame(HEADERS, PRIORITY, 1, Buffer.concat([hex('0000000010'), big.subarray(0, 16000)])), frame(CONTINUATION, 0, 1, big.subarray(16000, 32000)), frame(CONTINUATION, END_HEADERS, 1, big.subarray(32000))];
  const out = Buffer.concat(scan(Buffer.concat([PREFACE, ...parts])));
  const frames = framesOf(out);
  assert.deepEqual(frames.map((f) => [f.type, f.flags, f.payload.length]), [
    [HEADERS, PRIORITY, 16384],
    [CONTINUATION, 0, 16384],
    [CONTINUATION, END_HEADERS, 5 + big.length - 16384 * 2],
  ]);
  assert.equal(headerLists(out)[0]![3], ':authority: http:__h');
});

test('input it cannot follow passes unchanged from there on', () => {
  const bad = request(literal(FieldKind.Incremental, 1, ':authority', 'http://h'));
  const cases: Array<[string, Buffer[]]> = [
    ['a malformed header block', [frame(HEADERS, END_HEADERS, 1, hex('80')), frame(HEADERS, END_HEADERS, 3, bad)]],
    ['a block interrupted by another frame', [frame(HEADERS, 0, 1, bad), settings, frame(HEADERS, END_HEADERS, 3, bad)]],
    ['a CONTINUATION without a block', [frame(CONTINUATION, END_HEADERS, 1, bad), frame(HEADERS, END_HEADERS, 3, bad)]],
    ['a header frame over the frame size', [frame(HEADERS, END_HEADERS, 1, Buffer.concat([bad, Buffer.alloc(16384)])), frame(HEADERS, END_HEADERS, 3, bad)]],
    ['padding longer than the frame', [frame(HEADERS, END_HEADERS | PADDED, 1, Buffer.from([200, 1, 2])), frame(HEADERS, END_HEADERS, 3, bad)]],
  ];
  for (const [name, frames] of cases) {
    const input = Buffer.concat([PREFACE, settings, ...frames]);
    for (const read of [input.length, 7]) {
      const scanner = new InboundHeaderScanner();
      const out: Buffer[] = [];
      for (let pos = 0; pos < input.length; pos += read) out.push(...scanner.push(input.subarray(pos, pos + read)));
      assert.deepEqual(Buffer.concat(out), input, `${name}, reads of ${read}`);
      assert.ok(scanner.lost, name);
    }
  }
});

test('a gRPC server answers calls whose :authority is a URL or etcd 3.5\'s #initially form', async () => {
  const raw: MethodCodec = { requestDeserialize: (b) => ({ bytes: Buffer.from(b) }), responseSerialize: (m) => m.bytes as Buffer };
  const grpc = new GrpcServer({ maxReceiveBytes: 1024 });
  grpc.add('/t.S/Echo', raw, { kind: 'unary', handler: (req) => req });
  const net: Server = createServer((socket) => grpc.accept(socket));
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  const port = (net.address() as { port: number }).port;
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  try {
    const call = (authority: string, body: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = session.request({ [h2.HTTP2_HEADER_METHOD]: 'POST', [h2.HTTP2_HEADER_PATH]: '/t.S/Echo', [h2.HTTP2_HEADER_AUTHORITY]: authority, 'content-type': 'application/grpc', te: 'trailers' });
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('error', reject);
        s.on('trailers', (t) => (t['grpc-status'] === '0' ? resolve(Buffer.concat(chunks).subarray(5).toString()) : reject(new Error(`status ${String(t['grpc-status'])}`))));
        const msg = Buffer.from(body);
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(msg.length, 1);
        s.end(Buffer.concat([prefix, msg]));
      });
    const authorities = [`http://127.0.0.1:${port}`, '#initially=[127.0.0.1:1;127.0.0.1:2]', `127.0.0.1:${port}`, `https://127.0.0.1:${port}`];
    // Each twice on one connection: the second time the client's encoder refers to its table entry.
    for (let round = 0; round < 2; round++) for (const [i, a] of authorities.entries()) assert.equal(await call(a, `m${round}${i}`), `m${round}${i}`, a);
  } finally {
    session.destroy();
    grpc.close();
    await new Promise<void>((resolve) => net.close(() => resolve()));
  }
});

test('behind the filter or not, calls and HTTP/2 requests still carry the client certificate\'s CN', async () => {
  const dir = tempDir('authority-filter-tls');
  const grpc = new GrpcServer({
    maxReceiveBytes: 1024,
    http: (req, res) => res.end(`cn=${requestCommonName(req as unknown as Parameters<typeof requestCommonName>[0])}`),
  });
  let server: TlsServer | undefined;
  let session: ClientHttp2Session | undefined;
  try {
    const ca = await TestCa.create(dir.path);
    const serverCert = await ca.issue('server', { file: 'server' });
    const alice = await ca.issue('alice');
    const seen: string[] = [];
    grpc.add('/t.S/Who', { requestDeserialize: () => ({}), responseSerialize: () => Buffer.alloc(0) }, {
      kind: 'unary',
      handler: (_req, _size, creds) => {
        seen.push(creds.commonName ?? '');
        return {};
      },
    });
    const tlsServer = createTlsServer(
      { cert: readFileSync(serverCert.cert), key: readFileSync(serverCert.key), ca: readFileSync(ca.caFile), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
      (socket) => grpc.accept(socket),
    );
    server = tlsServer;
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.address() as { port: number }).port;
    // A URL authority first: the session reads through the filter; host:port first: node's
    // session reads the TLS socket itself (first-request.ts). Either way the CN is there.
    for (const authority of [`https://127.0.0.1:${port}`, `127.0.0.1:${port}`]) {
      seen.length = 0;
      const s = connectHttp2(`https://127.0.0.1:${port}`, { ca: readFileSync(ca.caFile), cert: readFileSync(alice.cert), key: readFileSync(alice.key) });
      session = s;
      const request = (headers: Record<string, string>, body?: Buffer): Promise<{ status: string; body: string }> =>
        new Promise((resolve, reject) => {
          const r = s.request({ ...headers, [h2.HTTP2_HEADER_AUTHORITY]: authority });
          let text = '';
          let status = '';
          r.on('response', (h) => (status = String(h[h2.HTTP2_HEADER_STATUS])));
          r.on('trailers', (t) => (status += ` grpc-status ${String(t['grpc-status'])}`));
          r.on('data', (d: Buffer) => (text += d.toString()));
          r.on('end', () => resolve({ status, body: text }));
          r.on('error', reject);
          r.end(body);
        });
      const call = await request({ [h2.HTTP2_HEADER_METHOD]: 'POST', [h2.HTTP2_HEADER_PATH]: '/t.S/Who', 'content-type': 'application/grpc' }, Buffer.alloc(5));
      assert.equal(call.status, '200 grpc-status 0', authority);
      assert.deepEqual(seen, ['alice'], authority);
      assert.deepEqual(await request({ [h2.HTTP2_HEADER_PATH]: '/health' }), { status: '200', body: 'cn=alice' }, authority);
      s.destroy();
    }
  } finally {
    session?.destroy();
    grpc.close();
    if (server !== undefined) await new Promise<void>((resolve) => server!.close(() => resolve()));
    dir.remove();
  }
});
