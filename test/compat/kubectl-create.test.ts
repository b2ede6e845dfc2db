import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { missingTool, tempDir } from '../helpers/processes.js';
import { startApiServer } from '../helpers/apiserver.js';

/**
 * Real kubectl 1.32's typed `create` commands against a real `kite apiserver`.
 * These send Kubernetes protobuf bodies (application/vnd.kubernetes.protobuf);
 * each object is read back with `kubectl get -o json` and checked.
 */
interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}


interface Obj {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly data?: Record<string, string>;
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

test('kubectl 1.32 typed create commands (protobuf bodies) against kite apiserver', { timeout: 180_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('kubectl-create');
  const server = await startApiServer(join(dir.path, 'data'));
  const kubeconfig = server.kubeconfig;
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const k = (args: string[]): Run => {
    const r = spawnSync('kubectl', args, { encoding: 'utf8', env, timeout: 30_000 });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  };
  const ok = (args: string[]): string => {
    const r = k(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}${r.out}`);
    return r.out;
  };
  const get = (...args: string[]): Obj => JSON.parse(ok(['get', ...args, '-o', 'json'])) as Obj;
  try {
    assert.match(ok(['create', 'namespace', 'x']), /^namespace\/x created$/m);
    const ns = get('namespace', 'x');
    assert.equal(ns.metadata.name, 'x');
    assert.equal(ns.status?.phase, 'Active');

    assert.match(ok(['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=empty=']), /^configmap\/c created$/m);
    assert.deepEqual(get('configmap', 'c').data, { a: 'b', empty: '' });

    assert.match(ok(['create', 'secret', 'generic', 's', '--from-literal=k=v']), /^secret\/s created$/m);
    const secret = get('secret', 's') as Obj & { type?: string };
    assert.deepEqual(secret.data, { k: Buffer.from('v').toString('base64') });
    assert.equal(secret.type, 'Opaque');

    assert.match(ok(['create', 'serviceaccount', 'sa']), /^serviceaccount\/sa created$/m);
    assert.equal(get('serviceaccount', 'sa').metadata.name, 'sa');

    assert.match(ok(['create', 'deployment', 'web', '--image=nginx']), /^deployment\.apps\/web created$/m);
    const dep = get('deployment', 'web') as Obj & { spec: { replicas: number; selector: unknown; template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ name: string; image: string }> } } } };
    assert.equal(dep.spec.replicas, 1);
    assert.deepEqual(dep.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(dep.spec.template.metadata.labels, { app: 'web' });
    assert.deepEqual(dep.spec.template.spec.containers.map((c) => [c.name, c.image]), [['nginx', 'nginx']]);

    assert.match(ok(['create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=3', '--port=8080', '-n', 'x']), /^deployment\.apps\/api created$/m);
    const api = get('deployment', 'api', '-n', 'x') as Obj & { spec: { replicas: number; template: { spec: { containers: Array<{ ports: Array<{ containerPort: number; protocol: string }> }> } } } };
    assert.equal(api.metadata.namespace, 'x');
    assert.equal(api.spec.replicas, 3);
    assert.deepEqual(api.spec.template.spec.containers[0]!.ports, [{ containerPort: 8080, protocol: 'TCP' }]);

    assert.match(ok(['create', 'service', 'clusterip', 'svc', '--tcp=80:8080']), /^service\/svc created$/m);
    const svc = get('service', 'svc') as Obj & { spec: { type: string; selector: Record<string, string>; ports: Array<Record<string, unknown>> } };
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.selector, { app: 'svc' });
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);

    assert.match(ok(['run', 'p', '--image=nginx']), /^pod\/p created$/m);
    const pod = get('pod', 'p') as Obj & { spec: { containers: Array<{ name: string; image: string }> } };
    assert.deepEqual(pod.metadata.labels, { run: 'p' });
    assert.deepEqual(pod.spec.containers.map((c) => [c.name, c.image]), [['p', 'nginx']]);

    // Deletes send DeleteOptions; they must keep working.
    assert.match(ok(['delete', 'configmap', 'c']), /configmap "c" deleted/);
    assert.notEqual(k(['get', 'configmap', 'c']).code, 0);
  } finally {
    await server.stop();
    dir.remove();
  }
});
