import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import type { ClientHttp2Session } from 'node:http2';
import { MessageType, message, type Message } from '../../storage/raft/core/messages.js';
import { encodeMessages } from '../../storage/raft/message-codec.js';
import type { TransportOptions } from '../../storage/raft/transport/context.js';
import { FrameReader } from '../../storage/raft/transport/frame.js';
import { MAX_QUEUED_MESSAGES } from '../../storage/raft/transport/stream-writer.js';
import { PeerTransport } from '../../storage/raft/transport/transport.js';
import { TransportError, TransportErrorCode } from '../../storage/raft/transport/transport-error.js';
import { freePort, tempDir } from '../helpers/processes.js';

const CLUSTER = 0xcafe_f00d_dead_beefn;
const BIG_ID = (1n << 64n) - 2n;

const dir = tempDir('transport');
after(() => dir.remove());

/** What a member's callbacks saw. */
interface Inbox {
  /** Every onMessages call, in order. */
  readonly batches: Message[][];
  readonly snapshots: { msg: Message; path: string }[];
  readonly logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
}

interface Member {
  readonly id: bigint;
  readonly url: string;
  readonly inbox: Inbox;
  readonly snapshotDir: string;
  transport: PeerTransport;
}

let dirCount = 0;

async function startMember(id: bigint, opts: { port?: number; clusterId?: bigint; onRequest?: TransportOptions['onRequest']; inbox?: Inbox } = {}): Promise<Member> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const inbox: Inbox = opts.inbox ?? { batches: [], snapshots: [], logs: [] };
  const snapshotDir = join(dir.path, `snap-${dirCount++}`);
  const transport = await PeerTransport.listen({
    memberId: id,
    clusterId: opts.clusterId ?? CLUSTER,
    listenPeerUrls: [url],
    snapshotDir,
    onMessages: (msgs) => inbox.batches.push(msgs),
    onSnapshot: (msg, path) => inbox.snapshots.push({ msg, path }),
    onRequest: opts.onRequest,
    log: (level, msg, fields) => inbox.logs.push({ level, msg, fields }),
  });
  return { id, url, inbox, snapshotDir, transport };
}

function connectAll(members: readonly Member[]): void {
  for (const a of members) for (const b of members) if (a !== b) a.transport.addPeer(b.id, [b.url]);
}

const received = (m: Member): Message[] => m.inbox.batches.flat();

async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Connects a and b and waits until a first message from a has come through a's stream to b. */
async function streamUp(a: Member, b: Member): Promise<void> {
  connectAll([a, b]);
  a.transport.send([app(a.id, b.id, 1)]);
  await waitFor('the stream to be up', () => received(b).length === 1);
}

function app(from: bigint, to: bigint, index: number, data = Uint8Array.of(index & 0xff)): Message {
  return message({ type: MessageType.App, from, to, term: 3, logTerm: 3, index: index - 1, commit: index - 1, entries: [{ term: 3, index, type: 'normal', data }] });
}

test('messages arrive decoded and in order, at the right member of three', async () => {
  const [a, b, c] = await Promise.all([startMember(1n), startMember(2n), startMember(BIG_ID)]);
  try {
    connectAll([a, b, c]);
    const toB: Message[] = [];
    const toC: Message[] = [];
    for (let turn = 0; turn < 20; turn++) {
      const batch: Message[] = [];
      for (let i = 0; i < 50; i++) {
        const index = turn * 50 + i + 1;
        const mb = app(1n, 2n, index);
        const mc = message({ type: MessageType.Heartbeat, from: 1n, to: BIG_ID, term: 3, commit: index, context: Uint8Array.of(1, 2, 3) });
        toB.push(mb);
        toC.push(mc);
        batch.push(mb, mc);
      }
      a.transport.send(batch);
      await nextTurn();
    }
    a.transport.send([message({ type: MessageType.App, from: 1n, to: 99n })]); // unknown peer: dropped
    await waitFor('b and c to receive everything', () => received(b).length === toB.length && received(c).length === toC.length);
    assert.deepStrictEqual(received(b), toB);
    assert.deepStrictEqual(received(c), toC);
    assert.equal(received(a).length, 0);

    // Replies flow the other way on the other member's own session.
    c.transport.send([message({ type: MessageType.HeartbeatResp, from: BIG_ID, to: 1n, term: 3 })]);
    await waitFor('a to receive the reply', () => received(a).length === 1);
    assert.equal(received(a)[0]?.from, BIG_ID);
  } finally {
    await Promise.all([a.transport.close(), b.transport.close(), c.transport.close()]);
  }
});

test('everything queued within one event-loop turn goes in one frame', async () => {
  const [a, b] = await Promise.all([startMember(1n), startMember(2n)]);
  try {
    await streamUp(a, b);
    assert.ok(a.transport.activeSince(2n) !== undefined);
    const before = b.inbox.batches.length;
    for (let i = 2; i <= 101; i++) a.transport.send([app(1n, 2n, i)]); // 100 separate calls, one turn
    await waitFor('the batch', () => received(b).length === 101);
    assert.equal(b.inbox.batches.length, before + 1, 'one onMessages call for the whole turn');
    assert.equal(b.inbox.batches.at(-1)?.length, 100);
  } finally {
    await Promise.all([a.transport.close(), b.transport.close()]);
  }
});

test('a peer that starts later receives what was queued, up to the bound, after reconnecting', async () => {
  const portB = await freePort();
  const a = await startMember(1n);
  let b: Member | undefined;
  try {
    a.transport.addPeer(2n, [`http://127.0.0.1:${portB}`]);
    const sent: Message[] = [];
    for (let i = 1; i <= MAX_QUEUED_MESSAGES + 100; i++) sent.push(app(1n, 2n, i));
    a.transport.send(sent);
    await new Promise((r) => setTimeout(r, 300)); // a few failed connection attempts
    assert.equal(a.transport.activeSince(2n), undefined);
    assert.equal(a.inbox.logs.filter((l) => l.msg === 'cannot reach peer').length, 1, 'connection failures logged once');
    let copies = 0;
    a.transport.snapshotSource = () => {
      copies++;
      return Promise.reject(new Error('not expected'));
    };
    a.transport.send([message({ type: MessageType.Snap, from: 1n, to: 2n, snapshot: { metadata: { index: 1, term: 1, confState: { voters: [1n], learners: [] } }, data: new Uint8Array(0) } })]);
    assert.equal(copies, 0, 'no database copy for a peer that is down');

    b = await startMember(2n, { port: portB });
    const bb = b;
    await waitFor('queued messages after reconnect', () => received(bb).length === MAX_QUEUED_MESSAGES, 4000);
    assert.deepStrictEqual(received(bb), sent.slice(0, MAX_QUEUED_MESSAGES), 'the oldest are kept, the overflow dropped');
    assert.ok(a.inbox.logs.some((l) => l.msg.includes('dropped') && l.fields?.['dropped'] === 100));
    const since = a.transport.activeSince(2n);
    assert.ok(since !== undefined && since <= Date.now());

    // The peer restarts: the stream goes down, and comes back for later messages.
    await bb.transport.close();
    await waitFor('a to notice', () => a.transport.activeSince(2n) === undefined);
    b = await startMember(2n, { port: portB });
    const b2 = b;
    a.transport.send([app(1n, 2n, 7777)]);
    await waitFor('delivery after the restart', () => received(b2).length === 1);
    assert.equal(received(b2)[0]?.entries[0]?.index, 7777);
  } finally {
    await Promise.all([a.transport.close(), b?.transport.close()]);
  }
});

test('a member of another cluster is refused with 412 and nothing is delivered', async () => {
  const [a, b] = await Promise.all([startMember(1n), startMember(2n, { clusterId: CLUSTER + 1n, onRequest: () => Promise.resolve(Buffer.from('no')) })]);
  try {
    connectAll([a, b]);
    a.transport.send([app(1n, 2n, 1)]);
    await new Promise((r) => setTimeout(r, 500)); // the stream is retried several times meanwhile
    assert.equal(received(b).length, 0);
    assert.equal(a.transport.activeSince(2n), undefined);

    const senderLogs = a.inbox.logs.filter((l) => l.msg === 'request sent was ignored by remote peer due to cluster ID mismatch');
    assert.equal(senderLogs.length, 1, 'the sender logs the refusal once, not per retry');
    assert.match(String(senderLogs[0]?.fields?.['reason']), /request cluster ID mismatch/);
    const receiverLogs = b.inbox.logs.filter((l) => l.msg === 'request cluster ID mismatch');
    assert.equal(receiverLogs.length, 1);
    assert.equal(receiverLogs[0]?.level, 'warn');
    assert.equal(receiverLogs[0]?.fields?.['remote-peer-cluster-id'], CLUSTER.toString(16));

    await assert.rejects(a.transport.request(2n, '/kite/x', Buffer.alloc(0)), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.equal(err.code, TransportErrorCode.ClusterIdMismatch);
      assert.equal(err.context.status, 412);
      return true;
    });
  } finally {
    await Promise.all([a.transport.close(), b.transport.close()]);
  }
});

test('a snapshot file of a few MB arrives byte-identical with its message', async () => {
  const [a, b] = await Promise.all([startMember(1n), startMember(2n)]);
  const file = join(dir.path, 'db-to-send');
  const content = randomBytes(5 * 1024 * 1024 + 123);
  writeFileSync(file, content);
  let released = 0;
  a.transport.snapshotSource = () => Promise.resolve({ path: file, release: () => released++ });
  try {
    connectAll([a, b]);
    await waitFor('the stream to be up', () => a.transport.activeSince(2n) !== undefined);
    const snap = message({
      type: MessageType.Snap,
      from: 1n,
      to: 2n,
      term: 4,
      snapshot: { metadata: { index: 500, term: 4, confState: { voters: [1n, 2n, BIG_ID], learners: [5n] } }, data: Uint8Array.of(1, 2) },
    });
    a.transport.send([snap, app(1n, 2n, 501)]);
    await waitFor('the snapshot', () => b.inbox.snapshots.length === 1, 5000);
    const got = b.inbox.snapshots[0];
    assert.ok(got !== undefined);
    assert.deepStrictEqual(got.msg, snap);
    assert.equal(dirname(got.path), b.snapshotDir);
    assert.deepStrictEqual(readdirSync(b.snapshotDir), [basename(got.path)], 'no temp files left');
    assert.ok(readFileSync(got.path).equals(content), 'file content identical');
    await waitFor('release', () => released === 1);
    assert.equal(received(b).length, 1, 'the app message went by the stream');
    assert.equal(received(b)[0]?.type, MessageType.App);
  } finally {
    await Promise.all([a.transport.close(), b.transport.close()]);
  }
});

test('request() round-trips, and reports handler errors, timeouts and unknown peers', async () => {
  let hang: (() => void) | undefined;
  const onRequest = async (path: string, body: Buffer): Promise<Buffer> => {
    if (path === '/kite/echo') return Buffer.concat([Buffer.from('echo:'), body]);
    if (path === '/kite/slow') {
      await new Promise<void>((r) => (hang = r));
      return Buffer.from('late');
    }
    throw new Error(`lease 42 not found (${path})`);
  };
  const [a, b] = await Promise.all([startMember(1n), startMember(2n, { onRequest })]);
  try {
    connectAll([a, b]);
    const big = randomBytes(300_000);
    assert.deepStrictEqual(await a.transport.request(2n, '/kite/echo', Buffer.from('hi')), Buffer.from('echo:hi'));
    assert.deepStrictEqual(await a.transport.request(2n, '/kite/echo', big), Buffer.concat([Buffer.from('echo:'), big]));

    await assert.rejects(a.transport.request(2n, '/kite/lease/renew', Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.equal(err.code, TransportErrorCode.RemoteError);
      assert.equal(err.context.status, 500);
      assert.match(err.message, /lease 42 not found \(\/kite\/lease\/renew\)/);
      return true;
    });
    await assert.rejects(a.transport.request(2n, '/kite/slow', Buffer.alloc(0), 150), { code: TransportErrorCode.Timeout });
    await assert.rejects(a.transport.request(7n, '/kite/echo', Buffer.alloc(0)), { code: TransportErrorCode.UnknownPeer });
    // b serves no unary requests of its own.
    await assert.rejects(b.transport.request(1n, '/kite/echo', Buffer.alloc(0)), { code: TransportErrorCode.RemoteError });
  } finally {
    hang?.();
    await Promise.all([a.transport.close(), b.transport.close()]);
  }
});

test('listening on a port in use fails with a clear error', async () => {
  const a = await startMember(1n);
  try {
    const port = Number(new URL(a.url).port);
    await assert.rejects(startMember(2n, { port }), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.equal(err.code, TransportErrorCode.AddressInUse);
      assert.match(err.message, /already in use/);
      return true;
    });
  } finally {
    await a.transport.close();
  }
  await assert.rejects(
    PeerTransport.listen({
      memberId: 1n,
      clusterId: CLUSTER,
      listenPeerUrls: ['https://127.0.0.1:1'],
      snapshotDir: join(dir.path, 'unused'),
      onMessages: () => {},
      onSnapshot: () => {},
    }),
    { code: TransportErrorCode.InvalidArgument },
  );
});

test('a malformed stream is closed without delivering anything', async () => {
  const b = await startMember(2n);
  const { connect } = await import('node:http2');
  const session = connect(b.url);
  try {
    const stream = session.request({ ':method': 'POST', ':path': '/raft/stream', 'x-kite-cluster-id': CLUSTER.toString(16), 'x-kite-from': '1' });
    const closed = new Promise((r) => stream.on('close', r));
    stream.on('error', () => {});
    stream.write(Buffer.from([0, 0, 0, 3, 9, 9, 9]));
    await closed;
    assert.equal(received(b).length, 0);
    assert.ok(b.inbox.logs.some((l) => l.msg.startsWith('malformed raft stream')));
  } finally {
    session.destroy();
    await b.transport.close();
  }
});

test('a snapshot transfer that breaks off leaves no file and no callback', async () => {
  const b = await startMember(2n);
  const { connect } = await import('node:http2');
  const session = connect(b.url);
  session.on('error', () => {});
  try {
    const head = encodeMessages([
      message({ type: MessageType.Snap, from: 1n, to: 2n, term: 2, snapshot: { metadata: { index: 9, term: 2, confState: { voters: [1n, 2n], learners: [] } }, data: new Uint8Array(0) } }),
    ]);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(head.length);
    const headers = { ':method': 'POST', ':path': '/raft/snapshot', 'x-kite-cluster-id': CLUSTER.toString(16), 'x-kite-from': '1', 'x-kite-snapshot-size': '1000' };

    // Fewer bytes than announced: refused with an error status.
    const short = session.request(headers);
    const status = new Promise<number>((r) => short.on('response', (h) => r(Number(h[':status']))));
    short.end(Buffer.concat([prefix, head, Buffer.alloc(10)]));
    assert.equal(await status, 500);

    // The sender vanishes mid-file.
    const cut = session.request(headers);
    cut.on('error', () => {});
    cut.write(Buffer.concat([prefix, head, Buffer.alloc(100)]));
    await new Promise((r) => setTimeout(r, 50));
    cut.close(0x8); // NGHTTP2_CANCEL
    await new Promise((r) => cut.on('close', r));

    await waitFor('both failures to be logged', () => b.inbox.logs.filter((l) => l.msg === 'failed to receive database snapshot from peer').length === 2);
    assert.equal(b.inbox.snapshots.length, 0);
    assert.deepStrictEqual(readdirSync(b.snapshotDir), []);
  } finally {
    session.destroy();
    await b.transport.close();
  }
});

test('FrameReader reassembles frames however the bytes are split', () => {
  const payloads = [Buffer.alloc(0), Buffer.from('a'), randomBytes(1000), encodeMessages([app(1n, 2n, 1)])];
  const wire = Buffer.concat(
    payloads.flatMap((p) => {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(p.length);
      return [h, p];
    }),
  );
  for (const step of [1, 2, 3, 5, 7, 64, 4096]) {
    const reader = new FrameReader(1 << 20);
    const got: Buffer[] = [];
    for (let i = 0; i < wire.length; i += step) {
      reader.push(wire.subarray(i, i + step));
      for (let f = reader.next(); f !== undefined; f = reader.next()) got.push(f);
    }
    assert.deepStrictEqual(got, payloads, `chunks of ${step}`);
  }
  const reader = new FrameReader(10);
  reader.push(Buffer.from([0, 0, 0, 11]));
  assert.throws(() => reader.next(), { code: TransportErrorCode.MalformedFrame });
});

test('close() leaves no handles behind', async () => {
  const baseline = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  const [a, b] = await Promise.all([startMember(1n), startMember(2n, { onRequest: (_p, body) => Promise.resolve(body) })]);
  connectAll([a, b]);
  a.transport.addPeer(3n, [`http://127.0.0.1:${await freePort()}`]); // never up: reconnect timers
  a.transport.send([app(1n, 2n, 1), app(1n, 3n, 1)]);
  await waitFor('delivery', () => received(b).length === 1);
  await a.transport.request(2n, '/echo', Buffer.from('x'));
  await Promise.all([a.transport.close(), b.transport.close()]);
  await a.transport.close(); // idempotent
  a.transport.send([app(1n, 2n, 2)]); // ignored after close
  await assert.rejects(a.transport.request(2n, '/echo', Buffer.alloc(0)), { code: TransportErrorCode.Closed });
  await waitFor('handles to be released', () => {
    const now = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    return now.length <= baseline.length;
  });
});

test('a peer connection destroyed before node reports it connected does not throw', async () => {
  const [a, b] = await Promise.all([startMember(1n), startMember(2n)]);
  try {
    await streamUp(a, b);
    // node emits 'connect' on a later tick, so a session destroyed meanwhile (its peer
    // removed, the transport stopped) can still get it: a member crashed on that in a chaos run.
    const peers = (a.transport as unknown as { peers: Map<bigint, { session: { session?: ClientHttp2Session } }> }).peers;
    const session = peers.get(2n)?.session.session;
    assert.ok(session !== undefined, 'the peer has a session');
    session.destroy();
    assert.doesNotThrow(() => session.emit('connect', session, session.socket));
  } finally {
    await Promise.all([a.transport.close(), b.transport.close()]);
  }
});
