import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ETCD_API_VERSION, KITE_VERSION } from '../../storage/version.js';
import { kiteBin, missingTool, startStore, tempDir } from '../helpers/processes.js';

test("Kite's version is package.json's", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(KITE_VERSION, pkg.version);
});

test('kite store --version, /version and endpoint status report the etcd API version and Kite its own', { timeout: 60_000 }, async () => {
  const printed = spawnSync(process.execPath, [kiteBin, 'store', '--version'], { encoding: 'utf8' });
  assert.equal(printed.status, 0, printed.stderr);
  assert.match(printed.stdout, new RegExp(`^kite Version: ${KITE_VERSION.replace(/\./g, '\\.')}\\netcd API Version: 3\\.4\\.0\\nNode Version: v\\d+`));
  const dir = tempDir('version');
  const store = await startStore({ kind: 'kite', dataDir: dir.path });
  try {
    const res = await fetch(`http://${store.endpoint}/version`);
    assert.deepEqual(await res.json(), { etcdserver: ETCD_API_VERSION, etcdcluster: '3.4.0', kite: KITE_VERSION });
    if (missingTool('etcdctl', 'etcd-client') === false) {
      const status = spawnSync('etcdctl', [`--endpoints=${store.endpoint}`, 'endpoint', 'status', '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
      assert.equal((JSON.parse(status.stdout) as { Status: { version: string } }[])[0]?.Status.version, ETCD_API_VERSION);
    }
  } finally {
    await store.stop();
    dir.remove();
  }
});
