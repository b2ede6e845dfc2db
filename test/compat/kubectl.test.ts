import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { missingTool, repoRoot, tempDir } from '../helpers/processes.js';
import { startApiServer } from '../helpers/apiserver.js';

/**
 * Real kubectl against a real `kite apiserver` (embedded store): the commands a
 * user types first, with their output checked, not only exit codes.
 *
 * Objects here are created with `kubectl create ... --dry-run=client -o yaml |
 * kubectl apply -f -` (a common JSON workflow); kubectl's typed create commands,
 * which send protobuf bodies, are covered by kubectl-create.test.ts.
 */
interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}


test('kubectl 1.32 against kite apiserver', { timeout: 240_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('kubectl');
  const server = await startApiServer(join(dir.path, 'data'));
  const kubeconfig = server.kubeconfig;
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_EXTERNAL_DIFF: '' };
  const k = (args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): Run => {
    const r = spawnSync('kubectl', args, { encoding: 'utf8', env: { ...env, ...extraEnv }, input, timeout: 30_000 });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  };
  const ok = (args: string[], input?: string, extraEnv?: NodeJS.ProcessEnv): string => {
    const r = k(args, input, extraEnv);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}${r.out}`);
    return r.out;
  };
  try {
    // Discovery.
    const resources = ok(['api-resources']);
    for (const line of [/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m]) assert.match(resources, line);
    assert.match(ok(['api-versions']), /^apps\/v1$/m);
    // Namespaces.
    assert.match(ok(['get', 'ns']), /^default\s+Active\s+\S+$/m);
    const create = (args: string[]): string => ok(['apply', '-f', '-'], ok(['create', ...args, '--dry-run=client', '-o', 'yaml']));
    assert.match(create(['ns', 'team-a']), /^namespace\/team-a created$/m);
    // ConfigMaps and Secrets.
    assert.match(create(['configmap', 'colors', '--from-literal=primary=blue', '--from-literal=secondary=green']), /^configmap\/colors created$/m);
    assert.match(ok(['get', 'cm', 'colors']), /^colors\s+2\s+\S+$/m);
    assert.match(create(['secret', 'generic', 'token', '--from-literal=value=s3cret']), /^secret\/token created$/m);
    assert.equal(Buffer.from(ok(['get', 'secret', 'token', '-o', 'jsonpath={.data.value}']), 'base64').toString(), 's3cret');
    // apply: created, unchanged, configured.
    const manifest = join(dir.path, 'deployment.yaml');
    copyFileSync(join(repoRoot, 'examples/kubectl/deployment.yaml'), manifest);
    assert.match(ok(['apply', '-f', manifest]), /^deployment\.apps\/web created$/m);
    assert.match(ok(['apply', '-f', manifest]), /^deployment\.apps\/web unchanged$/m);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('replicas: 2', 'replicas: 3'));
    assert.match(ok(['apply', '-f', manifest]), /^deployment\.apps\/web configured$/m);
    assert.equal(ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
    // A manifest with probes, lifecycle hooks and security contexts passes strict field validation.
    assert.match(ok(['apply', '-f', join(repoRoot, 'examples/kubectl/deployment-probes.yaml')]), /^deployment\.apps\/api created$/m);
    assert.equal(ok(['get', 'deploy', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0].livenessProbe.httpGet.port}']), 'http');
    // Output formats.
    assert.match(ok(['get', 'deploy', 'web']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+/m);
    assert.match(ok(['get', 'deploy', 'web', '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR[\s\S]*nginx\s+nginx:1\.27\s+app=web/);
    // componentstatuses: the store healthy, the controllers in process, with kube-apiserver's deprecation Warning.
    const cs = k(['get', 'componentstatuses']);
    assert.equal(cs.code, 0, cs.err);
    assert.match(cs.out, /^NAME\s+STATUS\s+MESSAGE\s+ERROR$/m);
    assert.match(cs.out, /^etcd-0\s+Healthy\s*$/m);
    assert.match(cs.out, /^controller-manager\s+Healthy\s+ok\s*$/m);
    assert.match(cs.out, /^scheduler\s+(Healthy|Unhealthy)\s/m);
    assert.match(cs.err, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    // kube-root-ca.crt is root-ca-cert-publisher's, in every namespace, as in any cluster.
    assert.equal(ok(['get', 'cm', '-o', 'name']).trim().split('\n').sort().join(','), 'configmap/colors,configmap/kube-root-ca.crt');
    assert.match(ok(['get', 'ns', 'team-a', '-o', 'yaml']), /^ {2}phase: Active$/m);
    assert.match(ok(['get', 'cm', 'colors', '-o', 'yaml']), /^ {2}primary: blue$/m);
    assert.equal((JSON.parse(ok(['get', 'cm', 'colors', '-o', 'json'])) as { data: Record<string, string> }).data.secondary, 'green');
    // Labels, annotations, selectors.
    assert.match(ok(['label', 'cm', 'colors', 'tier=frontend']), /configmap\/colors labeled/);
    assert.match(ok(['annotate', 'cm', 'colors', 'owner=ops']), /configmap\/colors annotated/);
    assert.match(ok(['get', 'cm', '-l', 'tier=frontend']), /^colors\s/m);
    assert.doesNotMatch(ok(['get', 'cm', '-l', 'tier!=frontend']), /^colors\s/m);
    // kubectl debug adds an ephemeral container through pods/ephemeralcontainers; a second of the same name is refused.
    assert.match(ok(['run', 'shell', '--image=nginx:1.27']), /^pod\/shell created$/m);
    ok(['debug', 'shell', '--image=busybox:1', '--target=shell', '-c', 'dbg']);
    assert.equal(ok(['get', 'pod', 'shell', '-o', 'jsonpath={.spec.ephemeralContainers[*].name}/{.spec.ephemeralContainers[0].targetContainerName}']), 'dbg/shell');
    const again = k(['debug', 'shell', '--image=busybox:1', '-c', 'shell']);
    assert.notEqual(again.code, 0);
    assert.match(again.err, /spec\.ephemeralContainers\[1\]\.name: Duplicate value: "shell"/);
    assert.match(ok(['get', 'cm', '--field-selector', 'metadata.name=colors']), /^colors\s/m);
    // Patches of all three types.
    ok(['patch', 'cm', 'colors', '--type=merge', '-p', '{"data":{"primary":"red"}}']);
    ok(['patch', 'cm', 'colors', '--type=json', '-p', '[{"op":"add","path":"/data/third","value":"gold"}]']);
    ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}']);
    const cm = JSON.parse(ok(['get', 'cm', 'colors', '-o', 'json'])) as { data: Record<string, string> };
    assert.deepEqual(cm.data, { primary: 'red', secondary: 'green', third: 'gold' });
    const dep = JSON.parse(ok(['get', 'deploy', 'web', '-o', 'json'])) as { spec: { template: { spec: { containers: Array<{ name: string; image: string; env?: unknown[] }> } } } };
    assert.equal(dep.spec.template.spec.containers.length, 1, 'strategic merge patch merged the container by name');
    assert.equal(dep.spec.template.spec.containers[0]!.image, 'nginx:1.28');
    assert.ok(dep.spec.template.spec.containers[0]!.env, 'and kept its other fields');
    // edit with a scripted editor.
    const editor = join(dir.path, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/secondary: green/secondary: teal/" "$1"\n');
    chmodSync(editor, 0o755);
    assert.match(ok(['edit', 'cm', 'colors'], undefined, { KUBE_EDITOR: editor }), /configmap\/colors edited/);
    assert.equal(ok(['get', 'cm', 'colors', '-o', 'jsonpath={.data.secondary}']), 'teal');
    // scale.
    assert.match(ok(['scale', 'deployment', 'web', '--replicas=5']), /deployment\.apps\/web scaled/);
    assert.equal(ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
    // describe, explain, diff.
    assert.match(ok(['describe', 'cm', 'colors']), /Name:\s+colors[\s\S]*primary/);
    assert.match(ok(['explain', 'deployment.spec']), /replicas/);
    const diff = k(['diff', '-f', manifest]);
    assert.equal(diff.code, 1, `kubectl diff reports a difference (replicas 5 live vs 3 in the file): ${diff.err}`);
    assert.match(diff.out, /replicas: [35]/);
    // get -w sees changes made meanwhile.
    const watcher = spawn('kubectl', ['get', 'cm', '-w', '--output-watch-events'], { env });
    let watched = '';
    watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    create(['cm', 'late', '--from-literal=a=b']);
    ok(['delete', 'cm', 'late']);
    for (let i = 0; i < 100 && !/DELETED\s+late/.test(watched); i++) await new Promise((r) => setTimeout(r, 100));
    watcher.kill();
    assert.match(watched, /ADDED\s+late/);
    assert.match(watched, /DELETED\s+late/);
    // delete, and a namespace delete that cascades.
    assert.match(ok(['delete', 'cm', 'colors']), /configmap "colors" deleted/);
    create(['cm', 'inside', '-n', 'team-a', '--from-literal=x=y']);
    assert.match(ok(['delete', 'ns', 'team-a']), /namespace "team-a" deleted/);
    assert.notEqual(k(['get', 'ns', 'team-a']).code, 0, 'the namespace is gone');
    assert.match(k(['get', 'cm', 'inside', '-n', 'team-a']).err, /not found/);
    // Errors come back as Kubernetes Status.
    assert.match(k(['get', 'cm', 'nope']).err, /configmaps "nope" not found/);
    assert.match(k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n').err, /a lowercase RFC 1123 subdomain/);
  } finally {
    await server.stop();
    dir.remove();
  }
});
