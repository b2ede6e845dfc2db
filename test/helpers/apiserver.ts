import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsFetch, type ClientTls, type Fetch } from './https-fetch.js';
import { freePort, kiteBin } from './processes.js';

/** A `kite apiserver` process on loopback, with its kubeconfig. */
export interface ApiServerProcess {
  readonly url: string;
  readonly port: number;
  /** The process id (for a benchmark's CPU and memory readings). */
  readonly pid: number;
  /** The kubeconfig it wrote: its CA and the kite-admin client certificate (https), or nothing to verify (plain http). */
  readonly kubeconfig: string;
  /** The admin's TLS material from <data-dir>/pki (https), as httpsFetch takes it; undefined on plain http. */
  readonly tls: ClientTls | undefined;
  /** fetch(path) on this server as kite-admin (its client certificate, verifying the server with its CA). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM, then waits for the process to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
}

/** The admin's TLS material Kite generated in dataDir/pki, once it is there. */
export function adminTls(dataDir: string): ClientTls | undefined {
  const pki = join(dataDir, 'pki');
  const files = ['ca.crt', 'admin.crt', 'admin.key'].map((f) => join(pki, f));
  if (!files.every((f) => existsSync(f))) return undefined;
  const [ca, cert, key] = files.map((f) => readFileSync(f));
  return { ca: ca!, cert: cert!, key: key! };
}

/**
 * Starts `kite apiserver` (embedded store, no etcd port, unless extraArgs say
 * otherwise) on dataDir and port (a free one by default) and waits until /readyz answers.
 * It serves https with the certificates it generates in dataDir/pki unless extraArgs
 * has --insecure-plain-http; with --tls-cert-file or --client-ca-file (the operator's own
 * certificates) the helper only waits for an answer, and its fetch skips verification.
 */
export async function startApiServer(dataDir: string, port?: number, extraArgs: readonly string[] = []): Promise<ApiServerProcess> {
  const p = port ?? (await freePort());
  const args = [kiteBin, 'apiserver', `--data-dir=${dataDir}`, `--port=${p}`, '--embedded-store-url=none', ...extraArgs];
  const plain = extraArgs.includes('--insecure-plain-http');
  const ownCerts = extraArgs.some((a) => a.startsWith('--tls-cert-file') || a.startsWith('--client-ca-file'));
  // KITE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the server's node, to profile it under a test or bench.
  const nodeArgs = (process.env.KITE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `${plain ? 'http' : 'https'}://127.0.0.1:${p}`;
  let tls: ClientTls | undefined;
  let send: Fetch | undefined;
  const client = (): Fetch | undefined => {
    if (plain) return fetch;
    if (send !== undefined) return send;
    if (ownCerts) return (send = httpsFetch({ ...(adminTls(dataDir) ?? {}), insecure: true }));
    tls = adminTls(dataDir);
    if (tls !== undefined) send = httpsFetch(tls);
    return send;
  };
  const server: ApiServerProcess = {
    url,
    port: p,
    pid: child.pid!,
    kubeconfig: join(dataDir, 'kubeconfig'),
    get tls() {
      return tls;
    },
    fetch: (path, init) => {
      const f = client();
      if (f === undefined) throw new Error(`no admin credentials in ${join(dataDir, 'pki')}`);
      return f(`${url}${path}`, init);
    },
    output: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`kite apiserver exited: ${log}`);
    try {
      const f = client();
      if (f !== undefined) {
        const res = await f(`${url}/readyz`);
        await res.arrayBuffer();
        // With the operator's certificates the helper may hold no credentials Kite accepts: any answer means up.
        if (res.ok || (ownCerts && res.status === 401)) return server;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`kite apiserver did not become ready: ${log}`);
}
