import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApiServer } from '../helpers/apiserver.js';
import { missingTool, tempDir } from '../helpers/processes.js';

/**
 * Real kubectl's server-side apply against a real `kite apiserver`: applies
 * from two managers, the conflict kubectl reports, --force-conflicts, fields a
 * manager stops applying, the migration from client-side apply's
 * last-applied-configuration, and the same on a custom resource.
 */
interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

const configMap = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n${data}`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.ssa.example.com
spec:
  group: ssa.example.com
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    port: {type: integer}
`;

const gadget = (spec: string): string => `apiVersion: ssa.example.com/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n${spec}`;

test('kubectl: apply --server-side on kite apiserver', { timeout: 180_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('kubectl-apply');
  const server = await startApiServer(join(dir.path, 'data'));
  const k = (args: string[], input?: string): Run => {
    const env = { ...process.env, KUBECONFIG: server.kubeconfig };
    const r = spawnSync('kubectl', ['--cache-dir', join(dir.path, 'cache'), ...args], { encoding: 'utf8', env, input, timeout: 60_000 });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  };
  const ok = (args: string[], input?: string): string => {
    const r = k(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}${r.out}`);
    return r.out;
  };
  /** name/operation: fieldsV1 of each managedFields entry. */
  const owners = (what: string): string[] =>
    ok(['get', what, '-o', 'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}:{.fieldsV1}{"\\n"}{end}'])
      .trim()
      .split('\n')
      .sort();
  try {
    // Applied twice by kubectl's default manager: the second is a no-op.
    assert.match(ok(['apply', '--server-side', '-f', '-'], configMap('  color: red\n  size: big\n')), /^configmap\/app serverside-applied$/m);
    assert.match(ok(['apply', '--server-side', '-f', '-'], configMap('  color: red\n  size: big\n')), /^configmap\/app serverside-applied$/m);
    assert.deepEqual(owners('configmap/app'), ['kubectl/Apply:{"f:data":{"f:color":{},"f:size":{}}}']);

    // A second manager changing kubectl's field conflicts, as kube-apiserver words it.
    const conflict = k(['apply', '--server-side', '--field-manager=other', '-f', '-'], configMap('  color: blue\n'));
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.err, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.color/);
    assert.match(conflict.err, /--force-conflicts/);
    assert.equal(ok(['get', 'configmap', 'app', '-o', 'jsonpath={.data.color}']), 'red');

    // Forced, the field changes hands.
    assert.match(ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], configMap('  color: blue\n')), /serverside-applied/);
    assert.equal(ok(['get', 'configmap', 'app', '-o', 'jsonpath={.data}']), '{"color":"blue","size":"big"}');
    assert.deepEqual(owners('configmap/app'), ['kubectl/Apply:{"f:data":{"f:size":{}}}', 'other/Apply:{"f:data":{"f:color":{}}}']);

    // kubectl stops applying size (and applies color at other's value: shared, no conflict): size goes.
    ok(['apply', '--server-side', '-f', '-'], configMap('  color: blue\n'));
    assert.equal(ok(['get', 'configmap', 'app', '-o', 'jsonpath={.data}']), '{"color":"blue"}');
    assert.deepEqual(owners('configmap/app'), ['kubectl/Apply:{"f:data":{"f:color":{}}}', 'other/Apply:{"f:data":{"f:color":{}}}']);

    // From client-side apply to server-side apply: kubectl moves the fields to its Apply manager,
    // and the server keeps the last-applied annotation in step.
    const csa = (data: string): string => configMap(data).replace('name: app', 'name: csa');
    assert.match(ok(['apply', '-f', '-'], csa('  color: red\n  size: big\n')), /^configmap\/csa created$/m);
    assert.match(owners('configmap/csa').join('\n'), /^kubectl-client-side-apply\/Update:/m);
    assert.match(ok(['apply', '--server-side', '-f', '-'], csa('  color: red\n  size: big\n')), /serverside-applied/);
    assert.deepEqual(owners('configmap/csa'), [
      'kubectl-last-applied/Apply:{"f:metadata":{"f:annotations":{"f:kubectl.kubernetes.io/last-applied-configuration":{}}}}',
      'kubectl/Apply:{"f:data":{"f:color":{},"f:size":{}}}',
    ]);
    ok(['apply', '--server-side', '-f', '-'], csa('  color: red\n'));
    assert.equal(ok(['get', 'configmap', 'csa', '-o', 'jsonpath={.data}']), '{"color":"red"}');
    const lastApplied = ok(['get', 'configmap', 'csa', '-o', 'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}']);
    assert.equal(lastApplied, '{"apiVersion":"v1","data":{"color":"red"},"kind":"ConfigMap","metadata":{"name":"csa","namespace":"default"}}\n');

    // A custom resource: ports merge by name between two managers; a changed port conflicts.
    assert.match(ok(['apply', '--server-side', '-f', '-'], crd), /serverside-applied/);
    ok(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/gadgets.ssa.example.com']);
    assert.match(ok(['apply', '--server-side', '-f', '-'], gadget('  size: 1\n  ports:\n  - {name: http, port: 80}\n')), /^gadget\.ssa\.example\.com\/g serverside-applied$/m);
    ok(['apply', '--server-side', '--field-manager=metrics', '-f', '-'], gadget('  ports:\n  - {name: metrics, port: 9090}\n'));
    assert.equal(ok(['get', 'gadget', 'g', '-o', 'jsonpath={.spec.ports}']), '[{"name":"http","port":80},{"name":"metrics","port":9090}]');
    const crConflict = k(['apply', '--server-side', '--field-manager=metrics', '-f', '-'], gadget('  ports:\n  - {name: http, port: 8080}\n'));
    assert.notEqual(crConflict.code, 0);
    assert.match(crConflict.err, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.ports\[name="http"\]\.port/);
    ok(['apply', '--server-side', '--field-manager=metrics', '--force-conflicts', '-f', '-'], gadget('  ports:\n  - {name: http, port: 8080}\n'));
    // metrics took http's port and no longer applies its own port: it is removed.
    assert.equal(ok(['get', 'gadget', 'g', '-o', 'jsonpath={.spec.ports}']), '[{"name":"http","port":8080}]');
  } finally {
    await server.stop();
    dir.remove();
  }
});
