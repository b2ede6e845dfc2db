// Multi-process clusters of kite store (or real etcd) on loopback, configured the way the
// seed docs configure etcd: one env file of ETCD_* variables per member.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { etcdctl, freePort, spawnStore, tempDir, waitHealthy, type ClientTlsFiles, type StoreProcess } from './processes.js';
import type { CertFiles } from './tls-certs.js';

/**
 * TLS for a planned cluster: https client URLs (with --client-cert-auth when clientCertAuth)
 * and/or https peer URLs (with --peer-client-cert-auth when peerCertAuth), every member with
 * the same server certificate (valid for 127.0.0.1); client is what etcdctl and health
 * checks present.
 */
export interface ClusterTls {
  readonly ca: string;
  readonly server: CertFiles;
  readonly client: CertFiles;
  readonly clientUrls: boolean;
  readonly clientCertAuth: boolean;
  readonly peerUrls: boolean;
  readonly peerCertAuth: boolean;
  /** A member's own peer certificate, when it must differ from the server's (a bad one, in tests). */
  readonly peerCertOf?: (name: string) => CertFiles | undefined;
}

export interface MemberSpec {
  readonly name: string;
  readonly clientUrl: string;
  /** The peer URL the member advertises (and the others dial). */
  readonly peerUrl: string;
  /** The peer URL it listens on, when that differs (its peer traffic goes through a proxy). */
  readonly listenPeerUrl?: string;
  readonly dataDir: string;
  /** How clients reach an https client URL. */
  readonly clientTls?: ClientTlsFiles;
}

/** Parses an env file of KEY=value lines (values optionally double-quoted; # comments). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    env[line.slice(0, eq).trim()] = value;
  }
  return env;
}

export class TestCluster {
  readonly kind: 'kite' | 'etcd';
  readonly dir: string;
  readonly token: string;
  readonly specs: MemberSpec[] = [];
  /** Running members by name. */
  readonly running = new Map<string, StoreProcess>();
  private readonly extraEnv: Record<string, string>;
  readonly tls: ClusterTls | undefined;

  private constructor(kind: 'kite' | 'etcd', dir: string, token: string, extraEnv: Record<string, string>, tls: ClusterTls | undefined) {
    this.kind = kind;
    this.dir = dir;
    this.token = token;
    this.extraEnv = extraEnv;
    this.tls = tls;
  }

  /** Plans a cluster of size members with free loopback ports; starts nothing. */
  static async plan(kind: 'kite' | 'etcd', size: number, dir: string, extraEnv: Record<string, string> = {}, tls?: ClusterTls): Promise<TestCluster> {
    const c = new TestCluster(kind, dir, `token-${process.pid}-${Date.now()}`, extraEnv, tls);
    for (let i = 1; i <= size; i++) await c.addSpec(`etcd${i}`);
    return c;
  }

  /** Adds a member to the plan (not to the cluster) with fresh ports. */
  async addSpec(name: string): Promise<MemberSpec> {
    const tls = this.tls;
    const spec = {
      name,
      clientUrl: `${tls?.clientUrls === true ? 'https' : 'http'}://127.0.0.1:${await freePort()}`,
      peerUrl: `${tls?.peerUrls === true ? 'https' : 'http'}://127.0.0.1:${await freePort()}`,
      dataDir: join(this.dir, name),
      ...(tls?.clientUrls === true ? { clientTls: { ca: tls.ca, cert: tls.client.cert, key: tls.client.key } } : {}),
    };
    this.specs.push(spec);
    return spec;
  }

  /**
   * Makes name advertise `advertised` as its peer URL while it keeps listening on the port
   * planned for it: a proxy at `advertised` forwards to it.
   */
  advertisePeerUrl(name: string, advertised: string): void {
    const i = this.specs.findIndex((m) => m.name === name);
    const m = this.specs[i]!;
    this.specs[i] = { ...m, peerUrl: advertised, listenPeerUrl: m.listenPeerUrl ?? m.peerUrl };
  }

  spec(name: string): MemberSpec {
    const s = this.specs.find((m) => m.name === name);
    if (s === undefined) throw new Error(`no member ${name} in the plan`);
    return s;
  }

  /**
   * Writes name's env file, as the seed docs' /etc/etcd/etcd.conf: initialCluster names
   * the members to list in ETCD_INITIAL_CLUSTER (default: every planned member).
   */
  writeEnvFile(name: string, state: 'new' | 'existing', initialCluster: readonly string[] = this.specs.map((s) => s.name)): string {
    const m = this.spec(name);
    const clientUrls = m.clientUrl;
    const lines = [
      `ETCD_NAME=${name}`,
      `ETCD_DATA_DIR="${m.dataDir}"`,
      `ETCD_LISTEN_PEER_URLS="${m.listenPeerUrl ?? m.peerUrl}"`,
      `ETCD_LISTEN_CLIENT_URLS="${clientUrls}"`,
      `ETCD_INITIAL_ADVERTISE_PEER_URLS="${m.peerUrl}"`,
      `ETCD_INITIAL_CLUSTER="${initialCluster.map((n) => `${n}=${this.spec(n).peerUrl}`).join(',')}"`,
      `ETCD_INITIAL_CLUSTER_STATE="${state}"`,
      `ETCD_INITIAL_CLUSTER_TOKEN="${this.token}"`,
      `ETCD_ADVERTISE_CLIENT_URLS="${m.clientUrl}"`,
      ...this.tlsEnv(name),
    ];
    const path = join(this.dir, `${name}.env`);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  }

  /** The TLS variables of a member's env file. */
  private tlsEnv(name: string): string[] {
    const tls = this.tls;
    if (tls === undefined) return [];
    const lines: string[] = [];
    if (tls.clientUrls) {
      lines.push(`ETCD_CERT_FILE="${tls.server.cert}"`, `ETCD_KEY_FILE="${tls.server.key}"`, `ETCD_TRUSTED_CA_FILE="${tls.ca}"`);
      if (tls.clientCertAuth) lines.push('ETCD_CLIENT_CERT_AUTH=true');
    }
    if (tls.peerUrls) {
      const peer = tls.peerCertOf?.(name) ?? tls.server;
      lines.push(`ETCD_PEER_CERT_FILE="${peer.cert}"`, `ETCD_PEER_KEY_FILE="${peer.key}"`, `ETCD_PEER_TRUSTED_CA_FILE="${tls.ca}"`);
      if (tls.peerCertAuth) lines.push('ETCD_PEER_CLIENT_CERT_AUTH=true');
    }
    return lines;
  }

  /** etcdctl's TLS flags for this cluster's client URLs (none when they are plain). */
  etcdctlTls(): string[] {
    const tls = this.tls;
    return tls?.clientUrls === true ? ['--cacert', tls.ca, '--cert', tls.client.cert, '--key', tls.client.key] : [];
  }

  /** Spawns a member from its env file (written if absent), plus env, without waiting for it. */
  spawn(name: string, envFile = join(this.dir, `${name}.env`), env: NodeJS.ProcessEnv = {}): StoreProcess {
    env = { ...parseEnvFile(readFileSync(envFile, 'utf8')), ...this.extraEnv, ...env };
    const m = this.spec(name);
    const proc = spawnStore(this.kind, m, [], env);
    this.running.set(name, proc);
    return proc;
  }

  /** Writes every member's env file (state new), spawns them all, and waits until all are healthy. */
  async startAll(): Promise<void> {
    for (const s of this.specs) this.writeEnvFile(s.name, 'new');
    const procs = this.specs.map((s) => this.spawn(s.name));
    await Promise.all(procs.map((p) => waitHealthy(p, this.kind, 30_000)));
  }

  /** Spawns every planned member again from its existing env file, waiting until all are healthy. */
  async startAllAgain(): Promise<void> {
    const procs = this.specs.map((s) => this.spawn(s.name));
    await Promise.all(procs.map((p) => waitHealthy(p, this.kind, 30_000)));
  }

  /** Client endpoints (host:port, comma-separated) of the running members, or of names. */
  endpoints(names: readonly string[] = [...this.running.keys()]): string {
    return names.map((n) => this.spec(n).clientUrl.replace(/^https?:\/\//, '')).join(',');
  }

  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.running.get(name);
    this.running.delete(name);
    await p?.stop(signal);
  }

  async stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stop(n, signal)));
  }

  /**
   * The leader as the running members report it: its name and member id (hex), once
   * every member that answers names the same one; undefined otherwise.
   */
  leader(): { name: string; id: string } | undefined {
    const names = [...this.running.keys()];
    const status = (name: string) => etcdctl(this.endpoints([name]), [...this.etcdctlTls(), 'endpoint', 'status', '-w', 'json']).stdout;
    const reports = names.map((name) => ({ name, out: status(name) }));
    // Ids read from the text: JSON.parse would round a uint64 to a double.
    const leaders = reports.map((r) => /"leader":(\d+)/.exec(r.out)?.[1]).filter((l): l is string => l !== undefined && l !== '0');
    if (leaders.length === 0 || leaders.some((l) => l !== leaders[0])) return undefined;
    const holder = reports.find((r) => r.out.includes(`"member_id":${leaders[0]}`));
    return holder === undefined ? undefined : { name: holder.name, id: BigInt(leaders[0]!).toString(16) };
  }

  /** Everything every member printed, for a failing test's message. */
  output(limit = 4000): string {
    return [...this.running.values()].map((p) => `--- ${p.name}\n${p.output().slice(-limit)}`).join('\n');
  }
}

/** Polls check (which throws until it holds) for up to ms, then throws its last error. */
/** One line of `etcdctl member list` (simple output). */
export interface ListedMember {
  readonly id: string;
  readonly status: string;
  readonly name: string;
  readonly peer: string;
  readonly client: string;
  readonly learner: string;
}

/** `etcdctl member list` against endpoints, parsed (it must succeed). */
export function memberList(endpoints: string): ListedMember[] {
  const r = etcdctl(endpoints, ['member', 'list']);
  if (r.code !== 0) throw new Error(`etcdctl member list failed (${String(r.code)}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const [id, status, name, peer, client, learner] = l.split(', ');
      return { id: id!, status: status!, name: name!, peer: peer!, client: client!, learner: learner ?? '' };
    });
}

export async function eventually(check: () => void | Promise<void>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Runs body on a planned (not started) cluster of size members (kite unless options say
 * etcd) in a fresh temp dir; on failure prints the members' output; always kills every
 * member and removes the dir.
 */
export async function withCluster<T>(
  prefix: string,
  size: number,
  body: (cluster: TestCluster) => Promise<T>,
  options: { readonly kind?: 'kite' | 'etcd'; readonly env?: Record<string, string>; readonly tls?: (dir: string) => Promise<ClusterTls> } = {},
): Promise<T> {
  const dir = tempDir(prefix);
  const cluster = await TestCluster.plan(options.kind ?? 'kite', size, dir.path, options.env ?? {}, await options.tls?.(dir.path));
  try {
    return await body(cluster);
  } catch (err) {
    process.stderr.write(cluster.output());
    throw err;
  } finally {
    await cluster.stopAll('SIGKILL');
    dir.remove();
  }
}
