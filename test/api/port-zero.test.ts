import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { kiteBin, tempDir } from '../helpers/processes.js';
import { adminTls } from '../helpers/apiserver.js';
import { httpsFetch } from '../helpers/https-fetch.js';

/**
 * `kite apiserver --port 0` serves on a port the system picks, says which, and the kubernetes
 * Service it writes at start points at that port (it was written with targetPort 0, which
 * failed validation, so the server never started).
 */
test('--port 0 serves on a free port and the kubernetes Service names it', async () => {
  const dir = tempDir('kite-port-zero');
  const child = spawn(process.execPath, [kiteBin, 'apiserver', `--data-dir=${dir.path}`, '--port=0', '--bind-address=127.0.0.1', '--embedded-store-url=none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  try {
    let url: string | undefined;
    for (let i = 0; i < 300 && url === undefined; i++) {
      assert.equal(child.exitCode, null, `kite apiserver exited: ${out}`);
      url = /Kite API server at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(url !== undefined, `no URL printed: ${out}`);
    const port = Number(new URL(url).port);
    assert.ok(port > 0, url);
    const send = httpsFetch(adminTls(dir.path)!);
    const res = await send(`${url}/api/v1/namespaces/default/services/kubernetes`);
    const service = (await res.json()) as { spec: { ports: { name: string; port: number; targetPort: number }[] } };
    assert.equal(res.status, 200);
    assert.deepEqual(service.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, port]]);
  } finally {
    child.kill('SIGTERM');
    await exited;
    dir.remove();
  }
});
