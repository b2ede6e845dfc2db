import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { missingTool, repoRoot, tempDir } from '../helpers/processes.js';

/**
 * Real kubectl against a real `kite apiserver`: a CustomResourceDefinition and
 * its custom resources as a user drives them (examples/crd/), through a
 * restart of the server, until the CRD's deletion takes its objects with it.
 */
interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

test('kubectl: CRDs and custom resources on kite apiserver', { timeout: 180_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('kubectl-crd');
  const data = join(dir.path, 'data');
  let server: ApiServerProcess = await startApiServer(data);
  const k = (args: string[], input?: string, cache = 'cache'): Run => {
    const env = { ...process.env, KUBECONFIG: server.kubeconfig };
    const r = spawnSync('kubectl', ['--cache-dir', join(dir.path, cache), ...args], { encoding: 'utf8', env, input, timeout: 60_000 });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  };
  const ok = (args: string[], input?: string): string => {
    const r = k(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}${r.out}`);
    return r.out;
  };
  try {
    assert.match(ok(['apply', '-f', join(repoRoot, 'examples/crd/widgets.yaml')]), /^customresourcedefinition\.apiextensions\.k8s\.io\/widgets\.example\.com created$/m);
    assert.match(ok(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/widgets.example.com']), /condition met/);
    assert.match(ok(['get', 'crd']), /^NAME\s+CREATED AT\nwidgets\.example\.com\s+\d{4}-/m);
    assert.match(ok(['api-resources', '--api-group=example.com']), /^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);

    // Create, read back with defaults, and print with the CRD's columns.
    assert.match(ok(['apply', '-f', join(repoRoot, 'examples/crd/widget.yaml')]), /^widget\.example\.com\/w1 created$/m);
    assert.match(ok(['create', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\nspec: {}\n'), /^widget\.example\.com\/w2 created$/m);
    const table = ok(['get', 'widgets']);
    assert.match(table, /^NAME\s+COLOR\s+REPLICAS\s+READY\s+AGE$/m);
    assert.match(table, /^w1\s+red\s+2\s+\S+$/m);
    assert.match(table, /^w2\s+blue\s+1\s+\S+$/m);
    assert.match(ok(['get', 'wd', 'w1', '-o', 'wide']), /^w1\s+red\s+2/m);
    assert.match(ok(['get', 'all']), /^widget\.example\.com\/w1\s+red/m);

    // kubectl edit: the editor changes the color, the server keeps the change.
    const edited = spawnSync('kubectl', ['--cache-dir', join(dir.path, 'cache'), 'edit', 'widget', 'w1'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: server.kubeconfig, KUBE_EDITOR: "sed -i -e 's/color: red/color: green/'" },
      timeout: 60_000,
    });
    assert.equal(edited.status, 0, edited.stderr);
    assert.match(edited.stdout, /^widget\.example\.com\/w1 edited$/m);
    assert.match(ok(['get', 'widget', 'w1']), /^w1\s+green\s+2/m);
    assert.match(ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"color":"red"}}']), /^widget\.example\.com\/w1 patched$/m);

    // Invalid objects are refused with the schema's message.
    const bad = k(['create', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w3\nspec:\n  color: purple\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /spec\.color: Unsupported value: "purple": supported values: "red", "green", "blue"/);

    // explain reads the CR's OpenAPI v3 document.
    const explain = ok(['explain', 'widgets.spec']);
    assert.match(explain, /KIND:\s+Widget/);
    assert.match(explain, /What the widget should be\./);
    assert.match(explain, /color\s+<string>/);
    assert.match(ok(['explain', 'widgets.spec.color']), /The widget's color\./);

    // The status subresource.
    assert.match(ok(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p', '{"status":{"ready":true,"replicas":2,"selector":"app=w1"}}']), /^widget\.example\.com\/w1 patched$/m);
    assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.status.ready}']), 'true');
    // A status written through the main resource is ignored.
    ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"status":{"ready":false}}']);
    assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.status.ready}']), 'true');

    // The scale subresource.
    assert.match(ok(['scale', 'widget', 'w1', '--replicas=4']), /^widget\.example\.com\/w1 scaled$/m);
    assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.spec.replicas}']), '4');
    assert.equal(ok(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/w1/scale']).includes('"selector":"app=w1"'), true);

    // A restart keeps serving what the store holds.
    await server.stop();
    server = await startApiServer(data, server.port);
    assert.match(ok(['get', 'widgets']), /^w1\s+red\s+4\s+true\s+\S+$/m);

    // Deleting the CRD deletes its objects first, then the CRD goes; the resource type goes with it.
    assert.match(ok(['delete', 'crd', 'widgets.example.com', '--timeout=60s']), /^customresourcedefinition\.apiextensions\.k8s\.io "widgets\.example\.com" deleted$/m);
    const gone = k(['get', 'crd', 'widgets.example.com']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.err, /NotFound|not found/);
    // (With fresh discovery: kubectl's cache still names the type for a while.)
    const noType = k(['get', 'widgets'], undefined, 'fresh-cache');
    assert.notEqual(noType.code, 0);
    assert.match(noType.err, /the server doesn't have a resource type "widgets"/);
  } finally {
    await server.stop();
    dir.remove();
  }
});
