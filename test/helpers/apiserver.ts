import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, kiteBin } from './processes.js';

/** A `kite apiserver` process on loopback, with its kubeconfig. */
export interface ApiServerProcess {
  readonly url: string;
  readonly port: number;
  /** The process id (for a benchmark's CPU and memory readings). */
  readonly pid: number;
  readonly kubeconfig: string;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM, then waits for the process to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `kite apiserver` (embedded store, no etcd port, unless extraArgs say
 * otherwise) on dataDir and port (a free one by default) and waits until /readyz answers.
 */
export async function startApiServer(dataDir: string, port?: number, extraArgs: readonly string[] = []): Promise<ApiServerProcess> {
  const p = port ?? (await freePort());
  const args = [kiteBin, 'apiserver', `--data-dir=${dataDir}`, `--port=${p}`, '--embedded-store-url=none', ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${p}`;
  const server: ApiServerProcess = {
    url,
    port: p,
    pid: child.pid!,
    kubeconfig: join(dataDir, 'kubeconfig'),
    output: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`kite apiserver exited: ${log}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return server;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`kite apiserver did not become ready: ${log}`);
}
