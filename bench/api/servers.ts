import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer } from '../../test/helpers/apiserver.js';
import { referenceAdminToken, startKubeReference } from '../../test/helpers/kube-reference.js';
import { tempDir } from '../../test/helpers/processes.js';
import { httpTarget, ok, type Target } from './http-target.js';
import { BENCH_GROUP } from './workloads.js';

/** How long a server may take to stop before it is killed. */
const STOP_GRACE_MS = 20_000;

/** Every server process the bench has started and not yet seen stop (the watchdog kills these). */
const live = new Set<number>();

/** SIGKILLs every server process still running: the watchdog's and the signal handlers' last resort. */
export function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs stop(); pids still alive STOP_GRACE_MS later are killed. */
async function stopBounded(pids: readonly number[], stop: () => Promise<unknown>): Promise<void> {
  const timer = setTimeout(() => pids.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL')), STOP_GRACE_MS);
  try {
    await stop();
  } finally {
    clearTimeout(timer);
    for (const pid of pids) live.delete(pid);
  }
}

/**
 * The user the workloads run as on the secured servers: a token-file user outside
 * system:masters, allowed by one ClusterRole bound to it, so every request is
 * authenticated by token and authorized by RBAC's rules.
 */
const BENCH_USER = { name: 'bench', token: 'bench-token-0123456789' };

/** A token file with the reference helper's admin (system:masters) and the bench user. */
function writeTokenFile(dir: string): string {
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, `${referenceAdminToken},admin,1,"system:masters"\n${BENCH_USER.token},${BENCH_USER.name},100\n`, { mode: 0o600 });
  return file;
}

/** Grants the bench user what the workloads touch (as admin), then waits until the server's RBAC lets it in. */
async function grantBench(admin: Target, bench: Target): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await ok(admin, 'POST', `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'kite-bench' },
    rules: [{ apiGroups: ['', 'apiextensions.k8s.io', BENCH_GROUP], resources: ['namespaces', 'configmaps', 'customresourcedefinitions', 'gadgets'], verbs: ['*'] }],
  });
  await ok(admin, 'POST', `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'kite-bench' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kite-bench' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: BENCH_USER.name }],
  });
  const deadline = Date.now() + 30_000;
  while ((await bench.call('GET', '/api/v1/namespaces/default/configmaps?limit=1')).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${bench.name}: the bench user is still refused 30 s after its binding was made`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Kite on its embedded store (one process: the store is in it): HTTPS with the bench
 * user's token and RBAC, or plain HTTP (no authentication). KITE_NODE_ARGS reaches its
 * node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
 */
export async function startKite(plain: boolean): Promise<Target> {
  const dir = tempDir('bench-api-kite');
  const server = await startApiServer(`${dir.path}/data`, undefined, ['--controllers=', '--log-level=silent', ...(plain ? ['--insecure-plain-http'] : [`--token-auth-file=${writeTokenFile(dir.path)}`])]);
  live.add(server.pid);
  const stop = async (): Promise<void> => {
    await stopBounded([server.pid], () => server.stop());
    dir.remove();
  };
  if (plain) return httpTarget('kite (plain HTTP)', server.url, [server.pid], stop);
  return asBenchUser(stop, () => {
    const { ca, cert, key } = server.tls ?? {};
    if (ca === undefined || cert === undefined || key === undefined) throw new Error(`kite wrote no admin credentials in ${dir.path}/data/pki`);
    return {
      admin: httpTarget('kite admin', server.url, [server.pid], async () => undefined, { ca, cert, key }),
      bench: httpTarget('kite', server.url, [server.pid], stop, { token: BENCH_USER.token, ca }),
    };
  });
}

/**
 * The bench user's target on a started server: admin grants it its role and is closed. If
 * that fails, the server is stopped (stop) before the error goes on.
 */
async function asBenchUser(stop: () => Promise<void>, targets: () => { admin: Target; bench: Target }): Promise<Target> {
  try {
    const { admin, bench } = targets();
    await grantBench(admin, bench);
    await admin.stop();
    return bench;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** kube-apiserver 1.26 on etcd 3.4 (two processes), configured as Kite: HTTPS, the same token file, RBAC. */
export async function startReference(): Promise<Target> {
  const dir = tempDir('bench-api-ref');
  const ref = await startKubeReference({ extraArgs: [`--token-auth-file=${writeTokenFile(dir.path)}`] });
  for (const pid of ref.pids) live.add(pid);
  const stop = async (): Promise<void> => {
    await stopBounded(ref.pids, () => ref.stop());
    dir.remove();
  };
  return asBenchUser(stop, () => ({
    admin: httpTarget('kube-apiserver admin', ref.url, ref.pids, async () => undefined, { token: ref.token }),
    bench: httpTarget('kube-apiserver', ref.url, ref.pids, stop, { token: BENCH_USER.token }),
  }));
}
