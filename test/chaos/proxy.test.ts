// The chaos harness's fault proxy: finding which process opened a connection from /proc,
// forwarding, partitions, one-way cuts, delay, and a close that leaves nothing running.
// Members are played by echo servers; the processes that dial them are small node children
// driven over stdin, so the proxy attributes each connection to a real pid.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { repoRoot } from '../helpers/processes.js';
import { FaultProxy, findSocketInode, findSocketOwner, resetSocket } from './proxy.js';

const TIMEOUT = { timeout: 10_000 };

/**
 * A child process that opens TCP connections on command. Stdin lines: `connect <port>`,
 * `send <id> <text>`. Stdout lines: `open <id>`, `data <id> <text>`, `closed <id>`.
 * It exits when its stdin closes.
 */
const DIALER = `
const net = require('node:net');
const sockets = new Map();
let next = 0;
const out = (...words) => process.stdout.write(words.join(' ') + '\\n');
require('node:readline').createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [cmd, arg, ...rest] = line.split(' ');
    if (cmd === 'connect') {
      const id = next++;
      const s = net.connect(Number(arg), '127.0.0.1');
      sockets.set(id, s);
      s.on('connect', () => out('open', id));
      s.on('data', (d) => out('data', id, d.toString()));
      s.on('error', () => {});
      s.on('close', () => out('closed', id));
    } else if (cmd === 'send') {
      sockets.get(Number(arg)).write(rest.join(' '));
    }
  })
  .on('close', () => process.exit(0));
`;

class Dialer {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 0;

  constructor() {
    this.child = spawn(process.execPath, ['-e', DIALER], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Opens a connection to port; returns its id once it is open. */
  async connect(port: number): Promise<number> {
    const id = this.nextId++;
    this.child.stdin!.write(`connect ${port}\n`);
    await this.waitFor(`open ${id}`);
    return id;
  }

  /** Sends text on connection id and waits for the echo. */
  async echo(id: number, text: string): Promise<void> {
    this.child.stdin!.write(`send ${id} ${text}\n`);
    await this.waitFor(`data ${id} ${text}`);
  }

  /** Sends text on connection id without waiting. */
  send(id: number, text: string): void {
    this.child.stdin!.write(`send ${id} ${text}\n`);
  }

  isClosed(id: number): boolean {
    return this.lines.includes(`closed ${id}`);
  }

  saw(line: string): boolean {
    return this.lines.includes(line);
  }

  /** Waits until the child printed line (3 s at most). */
  waitFor(line: string, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.lines.includes(line)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`dialer ${this.pid} did not print "${line}" in ${timeoutMs} ms; it printed:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** An echo server on a free 127.0.0.1 port, standing in for a member's peer listener. */
async function echoServer(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy in front of one echo server per name. */
async function proxiedEchoes(names: readonly string[]): Promise<{ proxy: FaultProxy; close: () => Promise<void> }> {
  const echoes = await Promise.all(names.map(() => echoServer()));
  const proxy = await FaultProxy.start({ members: names.map((name, i) => ({ name, targetPort: echoes[i]!.port })) });
  return {
    proxy,
    close: async () => {
      await proxy.close();
      await Promise.all(echoes.map((e) => e.close()));
    },
  };
}

/** Connects from this process; resolves with the socket once connected. */
async function dial(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

/** Writes text and resolves when that many bytes came back. */
function roundTrip(s: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length < text.length) return;
      s.off('data', onData);
      s.off('error', reject);
      resolve(got);
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(text);
  });
}

test('findSocketInode reads the client end of a connection from /proc/net/tcp and tcp6', () => {
  // Client 127.0.0.1:43724 (0xAACC) connected to 127.0.0.1:8080 (0x1F90); the server's
  // accepted socket is the same tuple reversed and must not match.
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 0100007F:AACC 01 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 20 4 30 10 -1',
    '   1: 0100007F:AACC 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0000000000000000 20 4 30 10 -1',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0000000000000000FFFF00000100007F:AACD 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1',
    '   1: 00000000000000000000000001000000:AACE 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 20 4 30 10 -1',
    '   2: 0000000000000000FFFF00000100007F:AACF 0000000000000000FFFF00000100007F:1F90 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000',
  ].join('\n');
  const server = { address: '127.0.0.1', port: 8080 };
  const cases = [
    { name: 'IPv4 socket', local: { address: '127.0.0.1', port: 0xaacc }, remote: server, inode: 222 },
    { name: 'reversed tuple is the server side', local: server, remote: { address: '127.0.0.1', port: 0xaacc }, inode: 111 },
    { name: 'IPv6 socket dialing a mapped IPv4 address', local: { address: '127.0.0.1', port: 0xaacd }, remote: server, inode: 333 },
    { name: 'mapped address as Node prints it', local: { address: '::ffff:127.0.0.1', port: 0xaacd }, remote: { address: '::ffff:127.0.0.1', port: 8080 }, inode: 333 },
    { name: 'IPv6 loopback', local: { address: '::1', port: 0xaace }, remote: { address: '::1', port: 8080 }, inode: 444 },
    { name: 'TIME_WAIT has no socket', local: { address: '127.0.0.1', port: 0xaacf }, remote: server, inode: undefined },
    { name: 'absent', local: { address: '127.0.0.1', port: 1 }, remote: server, inode: undefined },
  ];
  for (const c of cases) assert.equal(findSocketInode(`${tcp}\n${tcp6}`, c.local, c.remote), c.inode, c.name);
});

test('findSocketOwner finds the child process that opened a connection', TIMEOUT, async () => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dialer = new Dialer();
  const other = new Dialer();
  try {
    await dialer.connect((server.address() as AddressInfo).port);
    const s = accepted[0]!;
    const client = { address: s.remoteAddress!, port: s.remotePort! };
    const ours = { address: s.localAddress!, port: s.localPort! };
    assert.equal(await findSocketOwner(client, ours, [other.pid, process.pid, dialer.pid]), dialer.pid);
    // This process holds only the accepted end (the reversed tuple).
    assert.equal(await findSocketOwner(client, ours, [other.pid, process.pid]), undefined);
    assert.equal(await findSocketOwner(ours, client, [dialer.pid]), undefined);
    assert.equal(await findSocketOwner(ours, client, [process.pid]), process.pid);
  } finally {
    await Promise.all([dialer.stop(), other.stop()]);
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the proxy forwards both ways, a megabyte included, and describes no faults', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b']);
  try {
    assert.equal(proxy.describe(), 'no faults');
    assert.notEqual(proxy.listenPort('a'), proxy.listenPort('b'));
    const s = await dial(proxy.listenPort('b'));
    assert.equal(await roundTrip(s, 'hello'), 'hello');
    const big = 'x'.repeat(1024 * 1024);
    assert.equal(await roundTrip(s, big), big);
    s.destroy();
  } finally {
    await close();
  }
});

test('a partition resets open connections and refuses new ones across it; heal restores', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b', 'c']);
  const a = new Dialer();
  const c = new Dialer();
  try {
    proxy.setPid('a', a.pid);
    proxy.setPid('c', c.pid);
    const aToB = await a.connect(proxy.listenPort('b'));
    const cToB = await c.connect(proxy.listenPort('b'));
    await a.echo(aToB, 'one');
    await c.echo(cToB, 'one');

    proxy.partition([['a'], ['b', 'c']]);
    assert.equal(proxy.describe(), 'partition [a] [b c]');
    await a.waitFor(`closed ${aToB}`);
    await c.echo(cToB, 'two'); // same side: untouched
    const again = await a.connect(proxy.listenPort('b'));
    await a.waitFor(`closed ${again}`); // accepted, then reset: refused
    const bToA = await c.connect(proxy.listenPort('a'));
    await c.waitFor(`closed ${bToA}`); // both directions

    proxy.heal();
    assert.equal(proxy.describe(), 'no faults');
    const healed = await a.connect(proxy.listenPort('b'));
    await a.echo(healed, 'three');
    const healedBack = await c.connect(proxy.listenPort('a'));
    await c.echo(healedBack, 'three');
    assert.equal(c.isClosed(cToB), false);
  } finally {
    await Promise.all([a.stop(), c.stop()]);
    await close();
  }
});

test('isolate cuts a member off, connections of unknown source to it included', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b']);
  const a = new Dialer();
  const stranger = new Dialer(); // no pid registered: its connections are of unknown source
  try {
    proxy.setPid('a', a.pid);
    const toB = await stranger.connect(proxy.listenPort('b'));
    const toA = await stranger.connect(proxy.listenPort('a'));
    const aToB = await a.connect(proxy.listenPort('b'));
    await stranger.echo(toB, 'x');
    await stranger.echo(toA, 'x');
    proxy.isolate('a');
    assert.equal(proxy.describe(), 'isolate a');
    await a.waitFor(`closed ${aToB}`);
    await stranger.waitFor(`closed ${toA}`);
    await stranger.echo(toB, 'y'); // unknown source to a member that is not isolated
  } finally {
    await Promise.all([a.stop(), stranger.stop()]);
    await close();
  }
});

test('a one-way cut a -> b resets only the connections a opens to b', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b', 'c']);
  const a = new Dialer();
  const b = new Dialer();
  try {
    proxy.setPid('a', a.pid);
    proxy.setPid('b', b.pid);
    const aToB = await a.connect(proxy.listenPort('b'));
    const aToC = await a.connect(proxy.listenPort('c'));
    const bToA = await b.connect(proxy.listenPort('a'));

    proxy.cutLink('a', 'b');
    assert.equal(proxy.describe(), 'cut a->b');
    await a.waitFor(`closed ${aToB}`);
    const again = await a.connect(proxy.listenPort('b'));
    await a.waitFor(`closed ${again}`);
    await b.echo(bToA, 'back'); // b's own connection to a carries both directions
    const bToANew = await b.connect(proxy.listenPort('a'));
    await b.echo(bToANew, 'new');
    await a.echo(aToC, 'elsewhere');

    proxy.heal();
    const healed = await a.connect(proxy.listenPort('b'));
    await a.echo(healed, 'healed');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await close();
  }
});

test('resetSocket closes a socket that was just ended (where resetAndDestroy never emits close)', TIMEOUT, async () => {
  const accepted: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    accepted.push(s);
    s.on('error', () => {});
    s.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    for (const isEnded of [false, true]) {
      const s = await dial((server.address() as AddressInfo).port);
      s.on('error', () => {});
      const closed = new Promise((resolve) => s.on('close', resolve));
      if (isEnded) s.end();
      resetSocket(s);
      await closed;
    }
  } finally {
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a half-closed connection is still cut, and close() finishes', TIMEOUT, async () => {
  // The dialer sends its FIN, the member keeps its side open.
  const accepted: Socket[] = [];
  let resolveEnd: () => void = () => {};
  const memberSawEnd = new Promise<void>((resolve) => (resolveEnd = resolve));
  const member = createServer({ allowHalfOpen: true }, (s) => {
    accepted.push(s);
    s.on('error', () => {});
    s.on('end', resolveEnd);
    s.resume();
  });
  member.listen(0, '127.0.0.1');
  await once(member, 'listening');
  const proxy = await FaultProxy.start({ members: [{ name: 'a', targetPort: 1 }, { name: 'b', targetPort: (member.address() as AddressInfo).port }] });
  try {
    proxy.setPid('a', process.pid); // this process plays a
    const s = connect({ port: proxy.listenPort('b'), host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => {});
    await once(s, 'connect');
    s.end();
    await memberSawEnd;
    const closed = new Promise((resolve) => s.on('close', resolve));
    proxy.cutLink('a', 'b');
    await closed;
  } finally {
    await proxy.close();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => member.close(() => resolve()));
  }
});

test('setPid attributes connections that were opened before it', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b']);
  const a = new Dialer();
  try {
    const early = await a.connect(proxy.listenPort('b'));
    await a.echo(early, 'x'); // admitted, of unknown source
    proxy.setPid('a', a.pid);
    proxy.cutLink('a', 'b');
    await a.waitFor(`closed ${early}`);
  } finally {
    await a.stop();
    await close();
  }
});

test('delay holds each chunk on the link, both ways, in order', TIMEOUT, async () => {
  const { proxy, close } = await proxiedEchoes(['a', 'b']);
  try {
    proxy.setPid('a', process.pid); // this process plays a
    proxy.delay('a', 'b', 200);
    assert.equal(proxy.describe(), 'delay a->b 200ms');
    const s = await dial(proxy.listenPort('b'));
    const started = performance.now();
    assert.equal(await roundTrip(s, 'ping'), 'ping');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 300, `round trip took ${elapsed.toFixed(0)} ms with 200 ms each way`);

    // Many chunks in a burst come back in order.
    const parts = Array.from({ length: 50 }, (_, i) => `<${i}>`);
    const echoed = new Promise<string>((resolve) => {
      let got = '';
      const expected = parts.join('');
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.length >= expected.length) resolve(got);
      });
    });
    for (const p of parts) s.write(p);
    assert.equal(await echoed, parts.join(''));
    s.destroy();
  } finally {
    await close();
  }
});

test('close resets every connection and leaves no handles: the process exits by itself', TIMEOUT, async () => {
  const script = `
    import { connect, createServer } from 'node:net';
    import { once } from 'node:events';
    import { FaultProxy } from './test/chaos/proxy.ts';
    const echo = createServer((s) => { s.on('error', () => {}); s.pipe(s); });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const proxy = await FaultProxy.start({ members: [{ name: 'a', targetPort: echo.address().port }, { name: 'b', targetPort: 1 }] });
    proxy.setPid('a', process.pid);
    proxy.delay('a', 'a', 60_000);
    const s = connect(proxy.listenPort('a'), '127.0.0.1');
    s.on('error', () => {});
    await once(s, 'connect');
    await new Promise((r) => setTimeout(r, 100)); // admitted
    s.write('held for a minute');
    await new Promise((r) => setTimeout(r, 100)); // now held by the proxy, on a timer
    const pending = connect(proxy.listenPort('b'), '127.0.0.1'); // its member is down
    pending.on('error', () => {});
    const closed = new Promise((r) => s.on('close', r)); // events.once would reject on the reset
    await proxy.close();
    await closed;
    echo.close();
    console.log('closed');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, null, `the process did not exit by itself after close:\n${out}`);
    assert.equal(code, 0, out);
    assert.match(out, /^closed$/m);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
