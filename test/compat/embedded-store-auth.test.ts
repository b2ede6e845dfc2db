import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer } from '../helpers/apiserver.js';
import { etcdctl, freePort, missingTool, tempDir } from '../helpers/processes.js';

/**
 * etcdctl 3.4 against the store `kite apiserver` embeds: etcd auth is on, the API server
 * writes as its own user, root's password is in the data dir for the operator, who grants
 * others what they need; nothing reads or writes without credentials.
 */
const skip = missingTool('etcdctl', 'etcd-client');

test('the embedded store answers etcdctl with etcd auth: the API server its own user, others what root grants', { skip, timeout: 90_000 }, async () => {
  const dir = tempDir('embedded-auth');
  const data = join(dir.path, 'data');
  const storeUrl = `http://127.0.0.1:${await freePort()}`;
  const args = [`--embedded-store-url=${storeUrl}`, '--controllers=', '--log-level=warn'];
  let server = await startApiServer(data, undefined, args);
  const ctl = (...a: string[]) => etcdctl(storeUrl, a);
  try {
    const passwordFile = join(data, 'etcd-root-password');
    assert.equal(statSync(passwordFile).mode & 0o777, 0o600, 'only its owner reads the root password');
    const root = `--user=root:${readFileSync(passwordFile, 'utf8').trim()}`;
    const created = await server.fetch(`/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }) });
    assert.equal(created.status, 201);

    const anonymous = ctl('get', '/registry/namespaces/team-a');
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /etcdserver: user name is empty/);
    assert.match(ctl('put', '/registry/namespaces/team-a', 'x').stderr, /etcdserver: user name is empty/);

    const got = ctl(root, 'get', '/registry/namespaces/team-a', '-w=json');
    assert.equal(got.code, 0, got.stderr);
    const kv = (JSON.parse(got.stdout) as { kvs: Array<{ value: string }> }).kvs[0]!;
    assert.equal((JSON.parse(Buffer.from(kv.value, 'base64').toString()) as { metadata: { name: string } }).metadata.name, 'team-a', 'root reads what the API server wrote');
    assert.equal(ctl(root, 'user', 'list').stdout, 'kite-apiserver\nroot\n');
    assert.equal(ctl(root, 'role', 'get', 'kite-apiserver').stdout, 'Role kite-apiserver\nKV Read:\n\t[/registry/, /registry0) (prefix /registry/)\nKV Write:\n\t[/registry/, /registry0) (prefix /registry/)\n');

    // The operator grants a viewer read access to the API server's keys.
    for (const step of [
      ['user', 'add', 'viewer:viewer-pw'],
      ['role', 'add', 'viewer'],
      ['role', 'grant-permission', 'viewer', 'read', '/registry/', '--prefix=true'],
      ['user', 'grant-role', 'viewer', 'viewer'],
    ]) {
      const r = ctl(root, ...step);
      assert.equal(r.code, 0, `${step.join(' ')}: ${r.stderr}`);
    }
    const viewer = '--user=viewer:viewer-pw';
    assert.equal(ctl(viewer, 'get', '/registry/namespaces/team-a', '--keys-only').stdout.trim(), '/registry/namespaces/team-a');
    assert.match(ctl(viewer, 'put', '/registry/namespaces/team-a', 'x').stderr, /etcdserver: permission denied/);
    assert.match(ctl(viewer, 'del', '/registry/namespaces/team-a').stderr, /etcdserver: permission denied/);
    assert.match(ctl('--user=viewer:wrong', 'get', '/registry/namespaces/team-a').stderr, /authentication failed, invalid user ID or password/);

    // A restart keeps users, roles and the password; the API server still writes.
    assert.equal(await server.stop(), 0);
    server = await startApiServer(data, undefined, args);
    const after = await server.fetch(`/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } }) });
    assert.equal(after.status, 201);
    assert.equal(ctl(viewer, 'get', '/registry/namespaces/team-b', '--keys-only').stdout.trim(), '/registry/namespaces/team-b');
    assert.equal(ctl(root, 'user', 'list').stdout, 'kite-apiserver\nroot\nviewer\n');
  } finally {
    await server.stop();
    dir.remove();
  }
});
