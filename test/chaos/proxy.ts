// A TCP fault proxy for the peer traffic of a cluster on loopback, for the chaos harness.
//
// Every member advertises, as its peer URL, a port of this proxy; the proxy forwards each
// connection to the member's real --listen-peer-urls port. It knows nothing of the protocol
// on top (kite's h2c, etcd's HTTP/1.1 streams): faults apply to whole connections.
//
// Since every member dials member Y at the same URL, the proxy finds out who opened a
// connection from the kernel (Linux only): the connecting socket's 4-tuple names a line of
// /proc/net/tcp (or tcp6) and so its inode, and the member whose /proc/<pid>/fd holds
// `socket:[inode]` is the source. The harness registers each member's pid with setPid. A
// connection whose source is not found within ~50 ms is of source 'unknown' and is subject
// only to whole-member faults (isolate).
//
// Faults are on directed links from -> to, where "from" is the member that OPENED the
// connection and "to" the member whose proxy port it reached:
// - A cut link: its connections are reset at once (RST, both sides), and new ones are
//   accepted and reset at once (after the source lookup): the dialer's connect succeeds and
//   its first read fails with ECONNRESET, the nearest a proxy comes to a refusal. We reset
//   rather than blackhole: a blackhole has to drop bytes in the middle of a byte stream, so
//   a healed connection would carry a corrupted stream (real packet loss is repaired by TCP
//   retransmission; a proxy that drops bytes cannot do that), and whether a blackholed member
//   notices at all would depend on each implementation's timeouts. A reset is noticed at
//   once and reconnection is immediate after heal. The price: a cut looks like peers that
//   refuse, not like a silent network; use delay for a slow one.
// - TCP connections carry both directions, so a one-way cut A -> B drops both A's bytes to B
//   and B's replies on the connections A opened; B's own connections to A still work. Which
//   Raft messages that stops depends on who dials for them: kite sends its messages to B on
//   the session it opened to B, so cutLink(A, B) drops A's messages to B (and the answers
//   to A's unary requests, such as a follower's forwarded proposals). etcd 3.4's stream
//   readers dial the peer whose messages they read, so cutLink(A, B) breaks B's streams to A
//   and B falls back to pipeline POSTs over its own connections to A: on a 3-member etcd
//   cluster a one-way cut between leader and follower, either way, caused no election and
//   writes went on. To stop every message between two etcd members, cut both directions.
// - A delay holds each chunk for the given time before writing it on, in both directions of
//   the link's connections, in order; it changes latency, not throughput.
// Faults accumulate until heal(), which removes them all (connections already reset stay
// gone; new ones flow).
//
// The proxy forwards on the event loop of the process that runs it: anything that blocks
// that loop (spawnSync, such as test/helpers' etcdctl()) stalls every member's peer traffic.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { connect, createServer, isIPv4, isIPv6, type Server, type Socket } from 'node:net';
import { endianness } from 'node:os';
import { performance } from 'node:perf_hooks';
import { freePort } from '../helpers/processes.js';

/** One end of a TCP connection. */
export interface TcpEndpoint {
  /** IPv4 or IPv6 address as Node reports it (`127.0.0.1`, `::ffff:127.0.0.1`, `::1`). */
  readonly address: string;
  /** Port number. */
  readonly port: number;
}

/**
 * The inode of the socket whose local end is local and remote end is remote, in the text
 * of /proc/net/tcp or /proc/net/tcp6 (several tables may be concatenated), or undefined.
 */
export function findSocketInode(procNetTcp: string, local: TcpEndpoint, remote: TcpEndpoint): number | undefined {
  const locals = procForms(local);
  const remotes = procForms(remote);
  for (const line of procNetTcp.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [, localField, remoteField, , , , , , , inodeField] = fields as [string, string, string, string, string, string, string, string, string, string];
    if (!locals.has(localField.toUpperCase()) || !remotes.has(remoteField.toUpperCase())) continue;
    const inode = Number(inodeField);
    if (Number.isSafeInteger(inode) && inode > 0) return inode; // 0: no socket any more (TIME_WAIT)
  }
  return undefined;
}

/**
 * Which of pids holds the socket whose local end is local and remote end is remote: for a
 * connection a proxy accepted, local is the accepted socket's remote end and remote its
 * local end. Undefined if the socket or its owner is not found (gone, or not among pids).
 */
export async function findSocketOwner(local: TcpEndpoint, remote: TcpEndpoint, pids: readonly number[]): Promise<number | undefined> {
  if (pids.length === 0) return undefined;
  // No tcp6 table without IPv6 on the host.
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => unlessGone(readFile(path, 'utf8'), '')));
  const inode = findSocketInode(tables.join('\n'), local, remote);
  if (inode === undefined) return undefined;
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    const dir = `/proc/${pid}/fd`;
    // The process may have exited, and an fd may be closed meanwhile.
    const fds = await unlessGone(readdir(dir), []);
    for (const fd of fds) {
      const link = await unlessGone(readlink(`${dir}/${fd}`), undefined);
      if (link === target) return pid;
    }
  }
  return undefined;
}

/** A member whose peer traffic goes through the proxy. */
export interface ProxyMember {
  /** The member's name, as in --initial-cluster. */
  readonly name: string;
  /** The port the member actually listens on for peers (--listen-peer-urls), on 127.0.0.1. */
  readonly targetPort: number;
}

/** The proxy's listening socket for one member. */
interface Listener {
  readonly server: Server;
  /** The port it listens on (to advertise). */
  readonly port: number;
  /** The member's real peer port it forwards to. */
  readonly targetPort: number;
}

/** How many times, and how far apart, the proxy looks for a new connection's source. */
const LOOKUP_ATTEMPTS = 6;
const LOOKUP_INTERVAL_MS = 10;
/** Delayed bytes held per direction before the proxy stops reading the sender. */
const MAX_HELD_BYTES = 4 * 1024 * 1024;

export class FaultProxy {
  private readonly members: ReadonlyMap<string, Listener>;
  private readonly pids = new Map<string, number>();
  private readonly connections = new Set<ProxiedConnection>();
  /** Source lookups and re-attributions in flight; close() waits for them. */
  private readonly tasks = new Set<Promise<void>>();
  private readonly partitions: (readonly (readonly string[])[])[] = [];
  private readonly isolated = new Set<string>();
  private readonly cuts = new Set<string>();
  private readonly delays = new Map<string, number>();
  private isClosed = false;
  /** The first unexpected error of a source lookup, thrown by close(). */
  private failure: unknown;

  private constructor(members: ReadonlyMap<string, Listener>) {
    this.members = members;
    for (const [name, m] of members) m.server.on('connection', (socket: Socket) => this.accept(name, m.targetPort, socket));
  }

  /** Listens on a free 127.0.0.1 port per member. */
  static async start(options: { readonly members: readonly ProxyMember[] }): Promise<FaultProxy> {
    const members = new Map<string, Listener>();
    try {
      for (const { name, targetPort } of options.members) {
        if (members.has(name)) throw new Error(`member ${name} named twice`);
        const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
        members.set(name, { server, port: 0, targetPort });
        // freePort, not port 0: the OS could hand out a port the cluster plan already chose
        // for a member that has not bound it yet (seen in CI: "address already in use").
        const port = await freePort();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        members.set(name, { server, port, targetPort });
      }
    } catch (err) {
      await Promise.all([...members.values()].map((m) => closeServer(m.server)));
      throw err;
    }
    return new FaultProxy(members);
  }

  /** The proxy port to advertise as name's peer URL. */
  listenPort(name: string): number {
    return this.member(name).port;
  }

  /**
   * Registers name's process (undefined: none running). Connections are attributed when
   * accepted; setting a pid also retries, once, connections still of unknown source.
   */
  setPid(name: string, pid: number | undefined): void {
    this.member(name);
    if (pid === undefined) this.pids.delete(name);
    else this.pids.set(name, pid);
    if (pid !== undefined) this.track(this.reattribute());
  }

  /** Members in different groups cannot talk, in either direction. Every member must be in exactly one group. */
  partition(groups: readonly (readonly string[])[]): void {
    const seen = new Set<string>();
    for (const name of groups.flat()) {
      this.member(name);
      if (seen.has(name)) throw new Error(`member ${name} is in two groups`);
      seen.add(name);
    }
    const missing = [...this.members.keys()].filter((n) => !seen.has(n));
    if (missing.length > 0) throw new Error(`partition leaves out ${missing.join(', ')} (use cutLink for other shapes)`);
    this.partitions.push(groups.map((g) => [...g]));
    this.enforce();
  }

  /** Cuts name off from every other member, connections of unknown source to it included. */
  isolate(name: string): void {
    this.member(name);
    this.isolated.add(name);
    this.enforce();
  }

  /** Cuts the connections from opens to to's proxy port (see the file comment for what that stops). */
  cutLink(from: string, to: string): void {
    this.member(from);
    this.member(to);
    this.cuts.add(linkKey(from, to));
    this.enforce();
  }

  /** Holds every chunk on connections from opens to to's port for ms, both directions, in order; 0 removes it. */
  delay(from: string, to: string, ms: number): void {
    this.member(from);
    this.member(to);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`delay must be a non-negative number of ms, got ${ms}`);
    if (ms === 0) this.delays.delete(linkKey(from, to));
    else this.delays.set(linkKey(from, to), ms);
  }

  /** Removes every fault. Connections already reset stay gone; chunks already held are still delivered in order. */
  heal(): void {
    this.partitions.length = 0;
    this.isolated.clear();
    this.cuts.clear();
    this.delays.clear();
  }

  /** The current faults, one phrase each, for the harness's log. */
  describe(): string {
    const parts = [
      ...this.partitions.map((groups) => `partition ${groups.map((g) => `[${g.join(' ')}]`).join(' ')}`),
      ...[...this.isolated].map((name) => `isolate ${name}`),
      ...[...this.cuts].map((key) => `cut ${key}`),
      ...[...this.delays].map(([key, ms]) => `delay ${key} ${ms}ms`),
    ];
    return parts.length > 0 ? parts.join('; ') : 'no faults';
  }

  /**
   * Stops listening and resets every connection; resolves when nothing of the proxy is
   * left. Throws the first unexpected error a source lookup met, if any.
   */
  async close(): Promise<void> {
    this.isClosed = true;
    for (const c of this.connections) c.destroy();
    const closing = [...this.members.values()].map((m) => closeServer(m.server));
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    await Promise.all(closing);
    for (const c of this.connections) c.destroy(); // accepted while closing
    await Promise.all([...this.connections].map((c) => c.closed));
    if (this.failure !== undefined) throw this.failure;
  }

  // ---- connections -----------------------------------------------------------------

  private member(name: string): Listener {
    const m = this.members.get(name);
    if (m === undefined) throw new Error(`no member ${name} behind the proxy`);
    return m;
  }

  /** Whether connections opened by from (undefined: unknown) to to's port are cut now. */
  private isCut(from: string | undefined, to: string): boolean {
    if (this.isolated.has(to)) return from !== to;
    if (from === undefined || from === to) return false;
    if (this.isolated.has(from) || this.cuts.has(linkKey(from, to))) return true;
    return this.partitions.some((groups) => groups.findIndex((g) => g.includes(from)) !== groups.findIndex((g) => g.includes(to)));
  }

  private delayOf(from: string | undefined, to: string): number {
    return from === undefined ? 0 : (this.delays.get(linkKey(from, to)) ?? 0);
  }

  private enforce(): void {
    for (const c of this.connections) if (c.isAttributed && this.isCut(c.from, c.to)) c.destroy();
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    task.then(
      () => this.tasks.delete(task),
      (err: unknown) => {
        // Not a vanished process or socket (those are expected): reported by close().
        this.tasks.delete(task);
        this.failure ??= err;
      },
    );
  }

  private accept(to: string, targetPort: number, client: Socket): void {
    const c: ProxiedConnection = new ProxiedConnection(to, client, (): number => this.delayOf(c.from, c.to));
    this.connections.add(c);
    void c.closed.then(() => this.connections.delete(c));
    if (this.isClosed) c.destroy();
    else this.track(this.admit(c, targetPort));
  }

  /** Finds c's source, then resets c if its link is cut, or connects it to the member. */
  private async admit(c: ProxiedConnection, targetPort: number): Promise<void> {
    try {
      for (let attempt = 1; attempt <= LOOKUP_ATTEMPTS && c.from === undefined && !c.isDestroyed && !this.isClosed; attempt++) {
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, LOOKUP_INTERVAL_MS));
        c.from = await this.sourceOf(c.client);
      }
    } catch (err) {
      c.destroy();
      throw err;
    }
    c.isAttributed = true;
    if (this.isClosed || this.isCut(c.from, c.to)) c.destroy();
    else if (!c.isDestroyed) c.forward(targetPort);
  }

  /** Retries the lookup for live connections still of unknown source, after a pid was registered. */
  private async reattribute(): Promise<void> {
    for (const c of this.connections) {
      if (!c.isAttributed || c.from !== undefined || c.isDestroyed) continue;
      c.from = await this.sourceOf(c.client);
      if (this.isCut(c.from, c.to)) c.destroy();
    }
  }

  /** The registered member that opened socket's connection, if found. */
  private async sourceOf(socket: Socket): Promise<string | undefined> {
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return undefined;
    const byPid = new Map([...this.pids].map(([name, pid]) => [pid, name]));
    const pid = await findSocketOwner({ address: remoteAddress, port: remotePort }, { address: localAddress, port: localPort }, [...byPid.keys()]);
    return pid === undefined ? undefined : byPid.get(pid);
  }
}

/** One accepted connection and, once admitted, its connection to the member. */
class ProxiedConnection {
  /** The member that opened it; undefined while unknown. */
  from: string | undefined;
  /** Whether the source lookup has finished (faults apply from then on). */
  isAttributed = false;
  isDestroyed = false;
  /** Resolves when both sockets have closed. */
  readonly closed: Promise<void>;
  private resolveClosed: () => void = () => {};
  private openSockets = 1;
  private upstream: Socket | undefined;
  private readonly relays: Relay[] = [];

  constructor(
    readonly to: string,
    readonly client: Socket,
    private readonly delayMs: () => number,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.watch(client);
  }

  /** Connects to the member's real port and starts copying both ways. */
  forward(targetPort: number): void {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    this.upstream = upstream;
    this.openSockets++;
    this.watch(upstream);
    upstream.once('connect', () => {
      if (this.isDestroyed) return;
      this.relays.push(new Relay(this.client, upstream, this.delayMs), new Relay(upstream, this.client, this.delayMs));
      this.client.resume();
    });
  }

  /** Resets both sockets at once. */
  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    for (const r of this.relays) r.stop();
    resetSocket(this.client);
    if (this.upstream !== undefined) resetSocket(this.upstream);
  }

  private watch(socket: Socket): void {
    // An error on either side (a reset, or the member refusing: it is down) resets the other.
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      if (--this.openSockets === 0) this.resolveClosed();
      this.onSocketClosed(socket);
    });
  }

  /** A socket closed: the other side gets what is still held for it, then closes too. */
  private onSocketClosed(socket: Socket): void {
    if (this.isDestroyed) return;
    const relay = this.relays.find((r) => r.src === socket);
    const other = socket === this.client ? this.upstream : this.client;
    if (relay === undefined || other === undefined) {
      this.destroy(); // closed before it was forwarded
      return;
    }
    relay.whenFlushed(() => {
      this.isDestroyed = true;
      for (const r of this.relays) r.stop();
      other.destroySoon();
    });
  }
}

/** Copies one direction, holding each chunk for the current delay, in order, with backpressure. */
class Relay {
  private readonly held: { readonly chunk: Buffer; readonly due: number }[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private isWaitingForDrain = false;
  private isEnded = false;
  private onFlushed: (() => void) | undefined;

  constructor(
    readonly src: Socket,
    private readonly dst: Socket,
    private readonly delayMs: () => number,
  ) {
    src.on('data', (chunk: Buffer) => this.receive(chunk));
    src.on('end', () => {
      this.isEnded = true;
      this.pump();
    });
    dst.on('drain', () => {
      this.isWaitingForDrain = false;
      this.updateFlow();
    });
  }

  /** Once everything held is written, ends dst and calls done (src is gone: nothing more will come). */
  whenFlushed(done: () => void): void {
    this.isEnded = true;
    this.onFlushed = done;
    this.pump();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.length = 0;
    this.onFlushed = undefined;
  }

  private receive(chunk: Buffer): void {
    const ms = this.delayMs();
    if (ms <= 0 && this.held.length === 0) {
      this.write(chunk);
      return;
    }
    this.held.push({ chunk, due: performance.now() + ms });
    this.heldBytes += chunk.length;
    this.updateFlow();
    this.pump();
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    while (this.held.length > 0 && this.held[0]!.due <= now) {
      const { chunk } = this.held.shift()!;
      this.heldBytes -= chunk.length;
      this.write(chunk);
    }
    if (this.held.length > 0) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(this.held[0]!.due - now)));
      return;
    }
    this.updateFlow();
    if (!this.isEnded) return;
    if (!this.dst.writableEnded) this.dst.end();
    this.onFlushed?.();
  }

  private write(chunk: Buffer): void {
    if (this.dst.destroyed || this.dst.writableEnded) return;
    if (!this.dst.write(chunk)) this.isWaitingForDrain = true;
    this.updateFlow();
  }

  /** Reads src only while dst keeps up and not too much is held. */
  private updateFlow(): void {
    const shouldPause = this.isWaitingForDrain || this.heldBytes > MAX_HELD_BYTES;
    if (shouldPause && !this.src.isPaused()) this.src.pause();
    else if (!shouldPause && this.src.isPaused() && !this.isEnded) this.src.resume();
  }
}

/**
 * Closes socket with a RST, or plainly if end() was called on it: Node's resetAndDestroy()
 * right after end() fails (reset EINVAL: the socket is shutting down) and the socket then
 * never emits 'close'.
 */
export function resetSocket(socket: Socket): void {
  if (socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

/** address:port as /proc/net/tcp{,6} print it, for each table the endpoint can appear in. */
function procForms({ address, port }: TcpEndpoint): Set<string> {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const bytes = addressBytes(address);
  const forms = new Set<string>();
  if (bytes === undefined) return forms;
  const isMappedV4 = bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  const v4 = bytes.length === 4 ? bytes : isMappedV4 ? bytes.slice(12) : undefined;
  const v6 = bytes.length === 16 ? bytes : [...new Array<number>(10).fill(0), 0xff, 0xff, ...bytes];
  if (v4 !== undefined) forms.add(`${procHex(v4)}:${portHex}`);
  forms.add(`${procHex(v6)}:${portHex}`);
  return forms;
}

/** The kernel prints an address as 32-bit words in host byte order. */
function procHex(bytes: readonly number[]): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (endianness() === 'LE') word.reverse();
    hex += word.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  }
  return hex;
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address (zone dropped), or undefined if it is neither. */
function addressBytes(address: string): number[] | undefined {
  const text = address.replace(/%.*$/, '');
  if (isIPv4(text)) return text.split('.').map(Number);
  if (!isIPv6(text)) return undefined;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const hexPart = dotted === null ? text : `${text.slice(0, dotted.index)}0:0`;
  const [head = '', tail] = hexPart.split('::') as [string, string | undefined];
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const headWords = words(head);
  const tailWords = tail === undefined ? [] : words(tail);
  const all = [...headWords, ...new Array<number>(8 - headWords.length - tailWords.length).fill(0), ...tailWords];
  const bytes = all.flatMap((w) => [w >> 8, w & 0xff]);
  if (dotted !== null) bytes.splice(12, 4, ...dotted.slice(1).map(Number));
  return bytes;
}

/** What read resolves to, or gone if what it reads has vanished (see isGone). */
async function unlessGone<T>(read: Promise<T>, gone: T): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (isGone(err)) return gone;
    throw err;
  }
}

/** A file, process or fd that has vanished (or is not ours to look at). */
function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}
