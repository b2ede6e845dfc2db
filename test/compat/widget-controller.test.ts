import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { missingTool, repoRoot, tempDir } from '../helpers/processes.js';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';

/**
 * The example Widget controller (examples/crd/widget-controller.ts, @kubernetes/client-node)
 * run as a user runs it against kite apiserver: it writes each Widget's status through the
 * status subresource with server-side apply, owns exactly those fields, and follows changes.
 */
interface Widget {
  spec: { replicas: number };
  status?: { ready?: boolean; replicas?: number; selector?: string };
  metadata: { managedFields?: { manager: string; operation: string; subresource?: string; fieldsV1?: unknown }[] };
}

test('the example Widget controller applies status through the status subresource', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('widget-controller');
  const server: ApiServerProcess = await startApiServer(join(dir.path, 'data'));
  let controller: ChildProcess | undefined;
  let out = '';
  const kubectl = (...args: string[]): string => {
    const r = spawnSync('kubectl', ['--cache-dir', join(dir.path, 'cache'), ...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: server.kubeconfig }, timeout: 60_000 });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const widget = async (name: string): Promise<Widget> => (await (await server.fetch(`/apis/example.com/v1/namespaces/default/widgets/${name}`)).json()) as Widget;
  const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
    assert.fail(`timed out waiting for ${what}\n${out}`);
  };
  try {
    kubectl('apply', '-f', join(repoRoot, 'examples/crd/widgets.yaml'));
    kubectl('wait', '--for', 'condition=established', '--timeout=30s', 'crd/widgets.example.com');
    controller = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'examples/crd/widget-controller.ts'), 'default'], {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: server.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    controller.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    controller.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await until('the controller to start', async () => out.includes('"controller started"'));

    kubectl('apply', '-f', join(repoRoot, 'examples/crd/widget.yaml'));
    await until('w1 ready', async () => (await widget('w1')).status?.ready === true);
    const w1 = await widget('w1');
    assert.deepEqual(w1.status, { ready: true, replicas: 2, selector: 'app=w1' });
    const mine = w1.metadata.managedFields?.filter((e) => e.manager === 'widget-controller');
    assert.deepEqual(
      mine?.map((e) => [e.operation, e.subresource, e.fieldsV1]),
      [['Apply', 'status', { 'f:status': { 'f:ready': {}, 'f:replicas': {}, 'f:selector': {} } }]],
      'the controller owns exactly the status fields it applied',
    );
    assert.match(kubectl('get', 'widgets'), /^w1\s+red\s+2\s+true\s+\S+$/m);

    // A change of spec is followed: status.replicas moves with it.
    kubectl('scale', 'widget', 'w1', '--replicas=5');
    await until('status.replicas 5', async () => (await widget('w1')).status?.replicas === 5);
    // The controller logs once its apply has returned, so the status can be read before the log line arrives.
    await until('the controller to log the apply', async () => /"msg":"applied status","name":"w1","replicas":5/.test(out));
  } finally {
    controller?.kill('SIGTERM');
    if (controller !== undefined && controller.exitCode === null) await new Promise((r) => controller!.once('exit', r));
    await server.stop();
    dir.remove();
  }
});
