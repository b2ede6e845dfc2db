// `kite apiserver --etcd-servers=https://... --etcd-cafile --etcd-certfile --etcd-keyfile`
// (kube-apiserver's flags) on a store with TLS, --client-cert-auth and auth enabled, Kite's
// and real etcd's: the API server runs as the etcd user its certificate's CN names, whose
// role holds /registry/ read-write; another user gets only what it was granted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startApiServer } from '../helpers/apiserver.js';
import { etcdctl, missingTool, startStore, tempDir } from '../helpers/processes.js';
import { TestCa } from '../helpers/tls-certs.js';

for (const kind of ['kite', 'etcd'] as const) {
  const skip = missingTool('kubectl', 'kubectl') || missingTool('etcdctl', 'etcd-client') || (kind === 'etcd' && missingTool('etcd', 'etcd-server'));
  test(`kite apiserver on a TLS ${kind} store with client-cert auth runs as its own etcd user`, { skip, timeout: 120_000 }, async () => {
    const dir = tempDir(`api-tls-${kind}`);
    const ca = await TestCa.create(dir.path);
    const server = await ca.issue('etcd-server', { file: 'server' });
    const root = await ca.issue('root');
    const apiserver = await ca.issue('kube-apiserver');
    const alice = await ca.issue('alice');
    const store = await startStore({
      kind,
      dataDir: `${dir.path}/store`,
      clientTls: { ca: ca.caFile, cert: root.cert, key: root.key },
      extraArgs: ['--cert-file', server.cert, '--key-file', server.key, '--trusted-ca-file', ca.caFile, '--client-cert-auth'],
    });
    const as = (who: { cert: string; key: string }, args: string[]) => etcdctl(store.endpoint, ['--cacert', ca.caFile, '--cert', who.cert, '--key', who.key, ...args]);
    let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
    try {
      for (const args of [
        ['user', 'add', 'root', '--no-password'],
        ['user', 'grant-role', 'root', 'root'],
        ['user', 'add', 'kube-apiserver', '--no-password'],
        ['role', 'add', 'apiserver'],
        ['role', 'grant-permission', 'apiserver', 'readwrite', '/registry/', '--prefix'],
        ['user', 'grant-role', 'kube-apiserver', 'apiserver'],
        ['user', 'add', 'alice', '--no-password'],
        ['role', 'add', 'configmap-reader'],
        ['role', 'grant-permission', 'configmap-reader', 'read', '/registry/configmaps/', '--prefix'],
        ['user', 'grant-role', 'alice', 'configmap-reader'],
        ['auth', 'enable'],
      ]) {
        const r = as(root, args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
      api = await startApiServer(`${dir.path}/api`, undefined, [
        `--etcd-servers=${store.clientUrl}`,
        `--etcd-cafile=${ca.caFile}`,
        `--etcd-certfile=${apiserver.cert}`,
        `--etcd-keyfile=${apiserver.key}`,
      ]);
      const kubectl = (...args: string[]) => spawnSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: api!.kubeconfig }, timeout: 30_000 });
      const created = kubectl('create', 'configmap', 'over-tls', '--from-literal=a=1');
      assert.equal(created.status, 0, created.stderr + api.output().slice(-2000));
      const secret = kubectl('create', 'secret', 'generic', 's1', '--from-literal=p=x');
      assert.equal(secret.status, 0, secret.stderr);
      assert.equal(kubectl('get', 'configmap', 'over-tls', '-o', 'jsonpath={.data.a}').stdout, '1');
      // The objects are in the store, and other users see what they were granted.
      assert.match(as(root, ['get', '/registry/configmaps/default/over-tls', '--keys-only']).stdout, /over-tls/);
      assert.match(as(alice, ['get', '/registry/configmaps/default/over-tls', '--keys-only']).stdout, /over-tls/);
      assert.match(as(alice, ['get', '/registry/secrets/default/s1']).stderr, /permission denied/);
      assert.match(as(alice, ['put', '/registry/configmaps/default/x', 'y']).stderr, /permission denied/);
      // Without its certificate the API server cannot reach the store.
      const anonymous = etcdctl(store.endpoint, ['--cacert', ca.caFile, '--dial-timeout=1s', '--command-timeout=2s', 'get', '/registry/configmaps/default/over-tls']);
      assert.notEqual(anonymous.code, 0);
    } finally {
      await api?.stop();
      await store.stop();
      dir.remove();
    }
  });
}
