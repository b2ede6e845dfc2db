import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../helpers/processes.js';
import { startApiServer } from '../helpers/apiserver.js';

/** One GET on agent; whether it went out on a connection the agent kept from before. */
function get(url: string, agent: Agent): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('an idle kept-alive connection stays open past Node\'s 5 s default, as kube-apiserver keeps it (90 s)', { timeout: 60_000 }, async () => {
  const dir = tempDir('idle-connections');
  const server = await startApiServer(join(dir.path, 'data'), undefined, ['--insecure-plain-http', '--controllers=']);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.deepEqual(await get(`${server.url}/livez`, agent), { status: 200, reused: false });
    await sleep(6_500);
    assert.deepEqual(await get(`${server.url}/livez`, agent), { status: 200, reused: true }, 'the connection from 6.5 s before is still open');
  } finally {
    agent.destroy();
    await server.stop();
    dir.remove();
  }
});
