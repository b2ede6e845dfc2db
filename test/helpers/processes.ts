import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The built kite command; KITE_BIN, when set, names another build (the chaos harness's broken builds). */
export const kiteBin = join(repoRoot, 'dist/bin/kite.js');

/**
 * Ports freePort has handed out in this process. A port is only taken once its user binds
 * it, which may be a while later (a cluster plans every member's ports before starting
 * any), so freePort never hands one out twice; listeners that must not collide with them
 * take their port from freePort too, rather than port 0.
 */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1, as the OS hands one out, never the same one twice. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `kite-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Whether a command is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Reports loudly that a compatibility test cannot run here. CI installs the tools,
 * so there the skip never happens.
 */
export function missingTool(tool: string, pkg: string): string | false {
  if (hasCommand(tool)) return false;
  const msg = `*** ${tool} is not installed: compatibility test SKIPPED (apt-get install -y ${pkg}) ***`;
  process.stderr.write(`\n${msg}\n\n`);
  return msg;
}

/** The files a client uses to reach an https client URL: the CA to trust, and its own certificate. */
export interface ClientTlsFiles {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A store process (kite or real etcd) on loopback. */
export interface StoreProcess {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly endpoint: string;
  readonly dataDir: string;
  /** How a client reaches an https client URL (health checks use it). */
  readonly clientTls?: ClientTlsFiles;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends signal and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  readonly kind: 'kite' | 'etcd';
  readonly name?: string;
  readonly dataDir: string;
  readonly clientPort?: number;
  readonly peerPort?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** https client URL (the TLS flags go in extraArgs); clientTls is how health checks reach it. */
  readonly clientTls?: ClientTlsFiles;
  /** https peer URL (the peer TLS flags go in extraArgs). */
  readonly peerHttps?: boolean;
}

/** Starts kite store or etcd with etcd's flags, waiting until /health answers. */
export async function startStore(opts: StartOptions): Promise<StoreProcess> {
  const name = opts.name ?? 'm1';
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const clientUrl = `${opts.clientTls !== undefined ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peerUrl = `${opts.peerHttps === true ? 'https' : 'http'}://127.0.0.1:${peerPort}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${opts.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    ...(opts.extraArgs ?? []),
  ];
  const proc = spawnStore(opts.kind, { name, clientUrl, peerUrl, dataDir: opts.dataDir, ...(opts.clientTls === undefined ? {} : { clientTls: opts.clientTls }) }, args, opts.env ?? {});
  await waitHealthy(proc, opts.kind);
  return proc;
}

/**
 * Extra node flags for spawned kite members, from KITE_NODE_FLAGS (space-separated), for
 * profiling a benchmark: KITE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench.
 * (NODE_OPTIONS refuses --cpu-prof.)
 */
function nodeFlags(): string[] {
  return (process.env.KITE_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
}

/** Spawns kite store or etcd with args and extra environment, without waiting for it. */
export function spawnStore(
  kind: 'kite' | 'etcd',
  where: { name: string; clientUrl: string; peerUrl: string; dataDir: string; clientTls?: ClientTlsFiles },
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): StoreProcess {
  const child =
    kind === 'kite'
      ? spawn(process.execPath, [...nodeFlags(), process.env.KITE_BIN ?? kiteBin, 'store', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('etcd', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...where,
    endpoint: where.clientUrl.replace(/^https?:\/\//, ''),
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Waits until the member's /health says true (20 s at most); kills it and throws otherwise. */
export async function waitHealthy(proc: StoreProcess, kind: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${kind} ${proc.name} exited early (${proc.child.exitCode}):\n${proc.output()}`);
    if ((await getHealth(proc)) === 'true') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop('SIGKILL');
  throw new Error(`${kind} ${proc.name} did not become healthy in ${timeoutMs / 1000} s:\n${proc.output()}`);
}

/** What a member's /health says ('true' or 'false'), or undefined when it does not answer (yet). */
export async function getHealth(proc: Pick<StoreProcess, 'clientUrl' | 'clientTls'>): Promise<string | undefined> {
  try {
    if (proc.clientUrl.startsWith('https:')) return await httpsHealth(proc.clientUrl, proc.clientTls);
    const res = await fetch(`${proc.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    return ((await res.json()) as { health?: string }).health;
  } catch {
    return undefined; // not up yet
  }
}

function httpsHealth(url: string, tls: ClientTlsFiles | undefined): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/health`, {
      timeout: 1000,
      ...(tls === undefined ? {} : { ca: readFileSync(tls.ca), ...(tls.cert !== undefined && tls.key !== undefined ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}) }),
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { health?: string }).health);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs etcdctl (API v3) against endpoints, with optional stdin. */
export function etcdctl(endpoints: string, args: readonly string[], input?: string): CommandResult {
  const r = spawnSync('etcdctl', [`--endpoints=${endpoints}`, '--command-timeout=5s', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
    timeout: 20_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Runs a long-lived etcdctl command (watch, elect, lock) while `during` makes
 * changes, until its output satisfies `done` or timeoutMs passes; then stops it.
 */
export async function etcdctlStreaming(
  endpoints: string,
  args: readonly string[],
  during: () => Promise<void> | void,
  done: (out: string) => boolean,
  timeoutMs = 5000,
): Promise<CommandResult> {
  const child = spawn('etcdctl', [`--endpoints=${endpoints}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  await new Promise((r) => setTimeout(r, 1000)); // let it connect and register its watch
  await during();
  const deadline = Date.now() + timeoutMs;
  while (!done(stdout) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode === null) child.kill('SIGTERM');
  const code = await exited;
  return { code, stdout, stderr };
}

/**
 * A differential run: fn against a fresh real etcd, then against a fresh kite
 * store started with the same member name and ports (so member and cluster ids
 * match), each on its own temp dir, stopped and removed afterwards. When etcd or
 * another tool named in `tools` ([command, Debian package]) is missing, the test
 * is skipped loudly and the result is undefined.
 */
export async function onEtcdAndKite<T>(
  t: { skip(message?: string): void },
  name: string,
  fn: (member: StoreProcess) => Promise<T>,
  tools: ReadonlyArray<readonly [string, string]> = [],
  start: Pick<StartOptions, 'extraArgs' | 'clientTls' | 'peerHttps'> = {},
): Promise<{ etcd: T; kite: T } | undefined> {
  const skip = [...tools, ['etcd', 'etcd-server'] as const].map(([cmd, pkg]) => missingTool(cmd, pkg)).find((m) => m !== false);
  if (skip) {
    t.skip(skip);
    return undefined;
  }
  const clientPort = await freePort();
  const peerPort = await freePort();
  const runOn = async (kind: 'etcd' | 'kite'): Promise<T> => {
    const dir = tempDir(`${name}-${kind}`);
    let member: StoreProcess | undefined;
    try {
      member = await startStore({ kind, name, dataDir: dir.path, clientPort, peerPort, ...start });
      return await fn(member);
    } finally {
      await member?.stop();
      dir.remove();
    }
  };
  const etcd = await runOn('etcd');
  const kite = await runOn('kite');
  if (process.env.KITE_DIFF_DUMP) {
    const show = (x: T): string => (Array.isArray(x) ? x.join('\n') : JSON.stringify(x, null, 1));
    writeFileSync(`${process.env.KITE_DIFF_DUMP}.etcd`, show(etcd));
    writeFileSync(`${process.env.KITE_DIFF_DUMP}.kite`, show(kite));
  }
  return { etcd, kite };
}
