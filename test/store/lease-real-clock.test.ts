import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startStore, tempDir } from '../helpers/processes.js';

/** Lease expiry on the real clock, in a real member process. */
test('a lease that is not kept alive expires and takes its keys; one kept alive stays', { timeout: 30_000 }, async () => {
  const dir = tempDir('lease-real');
  const member = await startStore({ kind: 'kite', dataDir: dir.path });
  const client = new Etcd3({ hosts: member.clientUrl });
  try {
    const dying = client.lease(2, { autoKeepAlive: false });
    await dying.put('/real/dies').value('x');
    const kept = client.lease(2); // the client keeps this one alive
    await kept.put('/real/stays').value('y');
    const granted = Date.now();
    let goneAfter = -1;
    while (Date.now() - granted < 8000) {
      if ((await client.get('/real/dies').string()) === null) {
        goneAfter = Date.now() - granted;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(goneAfter >= 1500, `the key went too early (${goneAfter} ms)`);
    assert.ok(goneAfter !== -1 && goneAfter < 4000, `the key outlived its 2 s lease (${goneAfter} ms)`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await client.get('/real/stays').string(), 'y', 'the kept-alive lease still holds its key');
    await kept.revoke();
    assert.equal(await client.get('/real/stays').string(), null);
  } finally {
    client.close();
    await member.stop();
    dir.remove();
  }
});
