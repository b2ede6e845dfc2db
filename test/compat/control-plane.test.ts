import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { connectWithKubeconfig, startNodeAgent } from '../../examples/control-plane/node-agent.js';
import { startApiServer } from '../helpers/apiserver.js';
import { missingKube, startControllerManager, startScheduler, type ComponentProcess } from '../helpers/kube-components.js';
import { missingTool, tempDir } from '../helpers/processes.js';

/**
 * Unmodified kube-controller-manager and kube-scheduler 1.26 reconciling on
 * Kite: leader leases, a Deployment becoming a ReplicaSet and Pods bound to
 * registered Nodes, scaling, a rollout with history, garbage collection of a
 * deleted Deployment, and a namespace deletion that completes. Once with
 * kube-controller-manager's own garbage collector and namespace and
 * serviceaccount controllers, once with Kite's in-process ones. A node agent
 * (examples/control-plane/node-agent.ts) plays the kubelets.
 */

interface Env {
  readonly url: string;
  kubectl(args: string[], input?: string): Promise<string>;
  get(path: string): Promise<Record<string, unknown>>;
}

type Obj = { metadata: { name: string; namespace?: string; uid: string; ownerReferences?: { uid: string; kind: string }[]; deletionTimestamp?: string }; spec?: Record<string, unknown> };

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

const items = async (env: Env, path: string): Promise<Obj[]> => ((await env.get(path))['items'] as Obj[]) ?? [];

const deployment = (name: string, replicas: number, image: string): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } } },
  });

async function scenario(env: Env, nodes: readonly string[]): Promise<void> {
  // Both components hold their leader leases.
  for (const name of ['kube-controller-manager', 'kube-scheduler']) {
    await eventually(`the ${name} lease`, async () => {
      const lease = await env.get(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
      const holder = (lease['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity;
      return holder !== undefined && holder !== '' ? holder : undefined;
    });
  }
  await eventually('the default service account', async () => ((await env.get('/api/v1/namespaces/default/serviceaccounts/default'))['metadata'] === undefined ? undefined : true));

  // A Deployment of 3 gets a ReplicaSet and 3 Pods bound to the nodes.
  await env.kubectl(['apply', '-f', '-'], deployment('web', 3, 'nginx:1.25'));
  const bound = await eventually('3 bound pods', async () => {
    const pods = (await items(env, '/api/v1/namespaces/default/pods')).filter((p) => p.metadata.name.startsWith('web-'));
    return pods.length === 3 && pods.every((p) => typeof p.spec?.['nodeName'] === 'string') ? pods : undefined;
  });
  const replicaSets = await items(env, '/apis/apps/v1/namespaces/default/replicasets');
  assert.equal(replicaSets.length, 1);
  const rs = replicaSets[0]!;
  assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
  for (const p of bound) {
    assert.ok(nodes.includes(String(p.spec?.['nodeName'])), `${p.metadata.name} is on a registered node`);
    assert.equal(p.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid, `${p.metadata.name} is owned by the ReplicaSet`);
  }
  assert.equal(new Set(bound.map((p) => p.spec?.['nodeName'])).size, nodes.length, 'the scheduler spread the pods over both nodes');
  await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);

  // Scaling, a new image, and the rollout's history.
  await env.kubectl(['scale', 'deployment/web', '--replicas=5']);
  await eventually('5 bound pods', async () => {
    const pods = (await items(env, '/api/v1/namespaces/default/pods')).filter((p) => p.metadata.name.startsWith('web-') && p.metadata.deletionTimestamp === undefined);
    return pods.length === 5 && pods.every((p) => typeof p.spec?.['nodeName'] === 'string') ? true : undefined;
  });
  await env.kubectl(['set', 'image', 'deployment/web', 'web=nginx:1.26']);
  await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
  assert.equal((await items(env, '/apis/apps/v1/namespaces/default/replicasets')).length, 2, 'a second ReplicaSet for the new template');
  const history = await env.kubectl(['rollout', 'history', 'deployment/web']);
  assert.match(history, /^REVISION\s+CHANGE-CAUSE$/m);
  assert.match(history, /^1\s+<none>$/m);
  assert.match(history, /^2\s+<none>$/m);

  // Deleting the Deployment takes its ReplicaSets and Pods with it.
  await env.kubectl(['delete', 'deployment/web']);
  await eventually('the ReplicaSets and Pods to go', async () => {
    const left = (await items(env, '/apis/apps/v1/namespaces/default/replicasets')).length + (await items(env, '/api/v1/namespaces/default/pods')).filter((p) => p.metadata.name.startsWith('web-')).length;
    return left === 0 ? true : undefined;
  });

  // Deleting a namespace with objects in it completes.
  await env.kubectl(['create', 'namespace', 'doomed']);
  await eventually('the default service account in doomed', async () => ((await env.get('/api/v1/namespaces/doomed/serviceaccounts/default'))['metadata'] === undefined ? undefined : true));
  await env.kubectl(['-n', 'doomed', 'apply', '-f', '-'], deployment('app', 2, 'nginx:1.25'));
  await env.kubectl(['-n', 'doomed', 'create', 'configmap', 'settings', '--from-literal=a=b']);
  await eventually('2 bound pods in doomed', async () => {
    const pods = await items(env, '/api/v1/namespaces/doomed/pods');
    return pods.length === 2 && pods.every((p) => typeof p.spec?.['nodeName'] === 'string') ? true : undefined;
  });
  await env.kubectl(['delete', 'namespace', 'doomed', '--wait=true', '--timeout=90s']);
  const gone = await env.get('/api/v1/namespaces/doomed');
  assert.equal(gone['reason'], 'NotFound');
}

async function run(t: { skip(msg: string): void }, kiteControllers: string, kcmControllers: readonly string[]): Promise<void> {
  const skip = missingKube('kube-controller-manager', 'kube-scheduler') || missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('control-plane');
  const server = await startApiServer(join(dir.path, 'data'), undefined, [`--controllers=${kiteControllers}`, '--log-level=warn']);
  // The components use the kubeconfig Kite generated: verified TLS, kite-admin's client certificate.
  const kubeconfig = server.kubeconfig;
  const components: ComponentProcess[] = [];
  const nodes = ['node-a', 'node-b'];
  let agent: Awaited<ReturnType<typeof startNodeAgent>> | undefined;
  try {
    components.push(await startControllerManager(kubeconfig, dir.path, kcmControllers));
    components.push(await startScheduler(kubeconfig, dir.path));
    agent = await startNodeAgent(await connectWithKubeconfig(server.kubeconfig), nodes);
    const env: Env = {
      url: server.url,
      // Asynchronous: the node agent runs in this process and must keep going while kubectl waits.
      kubectl: (args, input) =>
        new Promise((resolve, reject) => {
          const child = execFile('kubectl', [`--kubeconfig=${server.kubeconfig}`, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
            if (err !== null) reject(new Error(`kubectl ${args.join(' ')}: ${stderr}${stdout}`));
            else resolve(stdout);
          });
          child.stdin?.end(input);
        }),
      get: async (path) => (await (await server.fetch(path)).json()) as Record<string, unknown>,
    };
    await scenario(env, nodes);
  } catch (e) {
    for (const c of components) process.stderr.write(`--- component output (last 6000 characters) ---\n${c.output().slice(-6000)}\n`);
    throw e;
  } finally {
    await agent?.stop();
    for (const c of components) await c.stop();
    await server.stop();
    dir.remove();
  }
}

test("kube-controller-manager and kube-scheduler run Kite's workloads (their own garbage collector and namespace controller)", { timeout: 480_000 }, async (t) => {
  await run(t, '', ['deployment', 'replicaset', 'garbagecollector', 'namespace', 'serviceaccount']);
});

test("kube-controller-manager and kube-scheduler with Kite's in-process garbage collector and namespace controller", { timeout: 480_000 }, async (t) => {
  await run(t, '*', ['deployment', 'replicaset']);
});
