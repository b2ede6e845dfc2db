import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
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

test('kite store: bad TLS and auth configuration is refused by name, with no stack trace and nothing left in the data dir', async () => {
  const dir = tempDir('cli-tls');
  const port = await freePort();
  const https = `https://127.0.0.1:${port}`;
  const base = [`--listen-client-urls=${https}`, `--advertise-client-urls=${https}`];
  const cert = join(dir.path, 'not-a-cert.pem');
  writeFileSync(cert, 'not a certificate');
  try {
    const cases: Array<[string, string[], RegExp]> = [
      ['https without a certificate', base, new RegExp(`TLS key/cert \\(--cert-file, --key-file\\) must be provided for client url ${https} with HTTPS scheme`)],
      ['https peer URL without a certificate', ['--listen-peer-urls=https://127.0.0.1:1', '--initial-advertise-peer-urls=https://127.0.0.1:1', '--initial-cluster=default=https://127.0.0.1:1'], /cannot listen on TLS for 127\.0\.0\.1:1: KeyFile and CertFile are not presented/],
      ['a missing certificate file', [...base, `--cert-file=${dir.path}/nope.crt`, `--key-file=${dir.path}/nope.key`], /open .*nope\.crt: no such file or directory/],
      ['a file that is not a certificate', [...base, `--cert-file=${cert}`, `--key-file=${cert}`], /tls: failed to load the certificate/],
      ['an unknown cipher suite', [...base, '--auto-tls', '--cipher-suites=TLS_BOGUS'], /unexpected TLS cipher suite "TLS_BOGUS"/],
      ['an unknown TLS version', [...base, '--auto-tls', '--tls-min-version=TLS1.0'], /unexpected TLS version "TLS1.0"/],
      ['a bad boolean', [...base, '--auto-tls=maybe'], /invalid boolean value "maybe" for --auto-tls/],
      ['an unknown token type', ['--auth-token=magic'], /--auth-token: unknown token type "magic"/],
      ['a JWT key that is missing', [`--auth-token=jwt,pub-key=${dir.path}/nope.pub,sign-method=RS256`], /open .*nope\.pub: no such file or directory/],
      ['a bcrypt cost out of range', ['--bcrypt-cost=2'], /--bcrypt-cost: expected an integer between 4 and 31/],
    ];
    for (const [name, args, want] of cases) {
      const dataDir = join(dir.path, `d-${name.replace(/\W+/g, '-')}`);
      const raw = spawnSync(process.execPath, [kiteBin, 'store', ...args, `--data-dir=${dataDir}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 20_000 });
      assert.doesNotMatch(raw.stderr, /\n\s+at /, `${name}: no stack trace`);
      const r = kite([...args, `--data-dir=${dataDir}`]);
      assert.equal(r.code, 1, `${name}: exit status (stderr: ${r.stderr})`);
      assert.match(r.stderr, want, name);
      assert.equal(existsSync(dataDir), false, `${name}: no data dir left behind`);
    }
  } finally {
    dir.remove();
  }
});
