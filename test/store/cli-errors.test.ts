import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, kiteBin, tempDir } from '../helpers/processes.js';

/** `kite store` refuses bad configuration with a clear message and exit status 1, as etcd does. */
function kite(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [kiteBin, 'store', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 20_000 });
  // The member logs JSON lines; compare the messages.
  const messages = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  return { code: r.status ?? -1, stderr: messages.join('\n') };
}

test('kite store: clear errors for bad flags, an unusable data dir and a port in use', async () => {
  const dir = tempDir('cli');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = [`--listen-client-urls=${url}`, `--advertise-client-urls=${url}`];
  const blocker = createServer();
  try {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, 'x');
    const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
      ['bad cluster state', [...base, `--data-dir=${dir.path}/d1`, '--initial-cluster-state=maybe'], {}, /invalid value "maybe" for --initial-cluster-state/],
      ['name missing from the initial cluster', [...base, `--data-dir=${dir.path}/d2`, '--name=a', '--initial-cluster=b=http://127.0.0.1:2380'], {}, /couldn't find local name "a" in the initial cluster configuration/],
      ['listen without advertise', [`--listen-client-urls=${url}`, `--data-dir=${dir.path}/d3`], {}, /--advertise-client-urls is required when --listen-client-urls is set explicitly/],
      ['bad URL', [...base.slice(1), '--listen-client-urls=ftp://x:1', `--data-dir=${dir.path}/d4`], {}, /URL scheme must be http, https, unix, or unixs/],
      ['flag and variable both set', [...base, `--data-dir=${dir.path}/d5`], { ETCD_DATA_DIR: '/tmp/elsewhere' }, /conflicting environment variable "ETCD_DATA_DIR" is shadowed/],
      ['data dir is a file', [...base, `--data-dir=${file}`], {}, /cannot access data directory/],
      ['joining a cluster nobody serves', [...base, `--data-dir=${dir.path}/d6`, '--name=a', '--initial-advertise-peer-urls=http://127.0.0.1:1', '--listen-peer-urls=http://127.0.0.1:0', '--initial-cluster=a=http://127.0.0.1:1,b=http://127.0.0.1:2', '--initial-cluster-state=existing'], {}, /could not get the cluster's member list from any peer in --initial-cluster/],
      ['not a number', [...base, `--data-dir=${dir.path}/d7`, '--max-request-bytes=lots'], {}, /--max-request-bytes: expected a positive integer/],
    ];
    for (const [name, args, env, want] of cases) {
      const r = kite(args, env);
      assert.equal(r.code, 1, `${name}: exit status (stderr: ${r.stderr})`);
      assert.match(r.stderr, want, name);
    }
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    const busy = kite([...base, `--data-dir=${dir.path}/d8`]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`listen tcp 127.0.0.1:${port}: bind: address already in use`));
  } finally {
    blocker.close();
    dir.remove();
  }
});
