import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort, hasCommand, tempDir } from './processes.js';

/**
 * A real kube-apiserver 1.26 on a real etcd 3.4, both on loopback and temp dirs,
 * started as /work/shared/bin/README.md shows: the reference Kite's API server is
 * compared with.
 */
export interface KubeReference {
  /** https://127.0.0.1:<secure port>; its certificate is self-signed. */
  readonly url: string;
  /** A bearer token of a user in system:masters. */
  readonly token: string;
  /** The private key it signs ServiceAccount tokens with (PEM file), for tests that sign their own. */
  readonly serviceAccountSigningKeyFile: string;
  /** The process ids of kube-apiserver and its etcd (for a benchmark's CPU and memory readings). */
  readonly pids: readonly number[];
  /** The last part of what kube-apiserver and etcd wrote, for failure messages. */
  output(): string;
  /** Stops kube-apiserver, then etcd, and removes the temp dir. */
  stop(): Promise<void>;
}

/** The kube-apiserver command: KUBE_APISERVER when set, else the one on PATH. */
export function kubeApiserverCommand(): string {
  return process.env.KUBE_APISERVER ?? 'kube-apiserver';
}

const etcdCommand = '/usr/bin/etcd';

/**
 * False when etcd and kube-apiserver are both here; otherwise the reason, which it
 * also prints loudly, as a `SKIPPED: ...` line, so a skipped comparison is never mistaken for a pass.
 */
export function referenceAvailable(): string | false {
  const missing: string[] = [];
  if (!existsSync(etcdCommand) && !hasCommand('etcd')) missing.push('etcd (apt-get install -y etcd-server)');
  const apiserver = kubeApiserverCommand();
  if (!(apiserver.includes('/') ? existsSync(apiserver) : hasCommand(apiserver))) {
    missing.push('kube-apiserver (bash ../shared/bin/install-kube /usr/local/bin, or set KUBE_APISERVER)');
  }
  if (missing.length === 0) return false;
  const msg = `SKIPPED: the reference kube-apiserver cannot run here, missing ${missing.join(' and ')}`;
  process.stderr.write(`\n*** ${msg} ***\n\n`);
  return msg;
}

/** Keeps the last `limit` characters a process wrote. */
function tail(child: ChildProcess, limit = 64 * 1024): () => string {
  let out = '';
  const add = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 2 * limit) out = out.slice(-limit);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out.slice(-limit);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** One GET over https to the reference, trusting its self-signed certificate; resolves to the status code (0 on a network error). */
function probe(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * kube-apiserver flags that make 1.26 serve SelfSubjectReview (alpha there, on by
 * default since 1.28, and served by Kite): authentication.k8s.io/v1alpha1's
 * selfsubjectreviews, and the rule for it in system:basic-user.
 */
export const selfSubjectReviewArgs: readonly string[] = ['--feature-gates=APISelfSubjectReview=true', '--runtime-config=authentication.k8s.io/v1alpha1=true'];

/** The bearer token of the reference's admin (user admin, uid 1, in system:masters), from its token file. */
export const referenceAdminToken = 'admin-token';

/**
 * Starts etcd and kube-apiserver on free loopback ports and temp dirs and waits
 * until /readyz answers 200 and namespace default exists (60 s at most). Call referenceAvailable() first.
 * extraArgs go to kube-apiserver after the usual flags (e.g. --anonymous-auth=false).
 */
export async function startKubeReference(options: { readonly extraArgs?: readonly string[] } = {}): Promise<KubeReference> {
  const dir = tempDir('kube-reference');
  const token = referenceAdminToken;
  const children: ChildProcess[] = [];
  const outputs: Array<[string, () => string]> = [];
  const output = (): string => outputs.map(([name, out]) => `--- ${name} ---\n${out()}`).join('\n');
  const stop = async (): Promise<void> => {
    for (const child of [...children].reverse()) await stopChild(child);
    dir.remove();
  };
  try {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const securePort = await freePort();
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const etcd = spawn(
      existsSync(etcdCommand) ? etcdCommand : 'etcd',
      [
        `--data-dir=${join(dir.path, 'etcd')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(etcd);
    outputs.push(['etcd', tail(etcd)]);

    // Service-account keys and the token file, as the README shows them.
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = join(dir.path, 'sa.key');
    const saPub = join(dir.path, 'sa.pub');
    writeFileSync(saKey, keys.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(saPub, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(tokens, `${token},admin,1,"system:masters"\n`);
    const certDir = join(dir.path, 'certs');
    mkdirSync(certDir);

    const apiserver = spawn(
      kubeApiserverCommand(),
      [
        `--etcd-servers=${client}`,
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none',
        `--secure-port=${securePort}`,
        `--cert-dir=${certDir}`,
        `--token-auth-file=${tokens}`,
        ...(options.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(apiserver);
    outputs.push(['kube-apiserver', tail(apiserver)]);

    const url = `https://127.0.0.1:${securePort}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const [child, name] of [[etcd, 'etcd'], [apiserver, 'kube-apiserver']] as const) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}):\n${output()}`);
      }
      // /readyz can answer 200 before the bootstrap controller has made the default namespace.
      if ((await probe(`${url}/readyz`, token)) === 200 && (await probe(`${url}/api/v1/namespaces/default`, token)) === 200) break;
      if (Date.now() > deadline) throw new Error(`kube-apiserver did not become ready (with namespace default) in 60 s:\n${output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { url, token, serviceAccountSigningKeyFile: saKey, pids: [apiserver.pid!, etcd.pid!], output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The kube-apiserver's version line, for a test's log; undefined when it cannot run. */
export function kubeApiserverVersion(): string | undefined {
  const r = spawnSync(kubeApiserverCommand(), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
