import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { etcdctl, onEtcdAndKite, tempDir, type StoreProcess } from '../helpers/processes.js';
import { normalize } from '../helpers/normalize.js';
import { TestCa, type CertFiles } from '../helpers/tls-certs.js';

/**
 * etcdctl 3.4 against a real etcd and a `kite store` started with the same flags and ports,
 * both serving TLS: one member with a server certificate only (password auth), one with
 * --client-cert-auth (a certificate's CN is the user). The scripts go through etcd's auth
 * commands, access with and without credentials and the denied cases; outputs must be equal
 * after blanking what differs by design (sizes, version, lease ids, the raft index base).
 */
interface Step {
  readonly args: readonly string[];
  readonly input?: string;
  /** Takes a value from this step's output for later steps' $NAME. */
  readonly capture?: { readonly name: string; readonly re: RegExp };
}

const ROOT = '--user=root:rootpw';
const ALICE = '--user=alice:alicepw';
const txn = (user: string, compares: string[], success: string[], failure: string[]): Step => ({
  args: [user, 'txn', '-w', 'json'],
  input: `${compares.join('\n')}\n\n${success.join('\n')}\n\n${failure.join('\n')}\n\n`,
});

/** TLS on the client URL, password auth. */
const passwordScript: Step[] = [
  // The seed documents' commands over TLS.
  { args: ['put', '/registry/namespaces/default', 'ns'] },
  { args: ['get', '/registry/namespaces/default', '-w=json'] },
  { args: ['get', '/registry/namespaces/', '--prefix', '-w=json'] },
  { args: ['member', 'list'] },
  { args: ['endpoint', 'status', '-w', 'json'] },
  { args: ['endpoint', 'status', '-w', 'table'] },
  { args: ['endpoint', 'health'] },
  // Setting auth up, etcd's way (auth enable adds the root role itself).
  { args: ['auth', 'enable'] },
  { args: ['user', 'add', 'root:rootpw'] },
  { args: ['user', 'add', 'root:again'] },
  { args: ['auth', 'enable'] },
  { args: ['auth', 'enable'] },
  { args: ['get', '/registry/namespaces/default'] },
  { args: ['endpoint', 'health'] },
  { args: [ROOT, 'get', '/registry/namespaces/default'] },
  { args: ['--user=root:wrong', 'get', '/a'] },
  { args: ['--user=nobody:x', 'get', '/a'] },
  { args: [ROOT, 'put', '/a', '1'] },
  { args: [ROOT, 'role', 'add', 'r1'] },
  { args: [ROOT, 'role', 'add', 'r1'] },
  { args: [ROOT, 'role', 'add', ''] },
  { args: [ROOT, 'role', 'grant-permission', 'r1', 'readwrite', '/foo/', '--prefix'] },
  { args: [ROOT, 'role', 'grant-permission', 'r1', 'read', '/bar'] },
  { args: [ROOT, 'role', 'grant-permission', 'r1', 'write', '/w', '/x'] },
  { args: [ROOT, 'role', 'grant-permission', 'r1', 'read', '/fk', '--from-key'] },
  { args: [ROOT, 'role', 'grant-permission', 'nope', 'read', '/z'] },
  { args: [ROOT, 'role', 'get', 'r1'] },
  { args: [ROOT, 'role', 'get', 'r1', '-w', 'json'] },
  { args: [ROOT, 'role', 'get', 'root'] },
  { args: [ROOT, 'role', 'list'] },
  { args: [ROOT, 'user', 'add', 'alice:alicepw'] },
  { args: [ROOT, 'user', 'grant-role', 'alice', 'r1'] },
  { args: [ROOT, 'user', 'grant-role', 'alice', 'r1'] },
  { args: [ROOT, 'user', 'grant-role', 'alice', 'nope'] },
  { args: [ROOT, 'user', 'grant-role', 'nope', 'r1'] },
  { args: [ROOT, 'user', 'get', 'alice'] },
  { args: [ROOT, 'user', 'get', 'alice', '--detail'] },
  { args: [ROOT, 'user', 'get', 'alice', '-w', 'json'] },
  { args: [ROOT, 'user', 'get', 'nope'] },
  { args: [ROOT, 'user', 'list'] },
  { args: [ROOT, 'user', 'list', '-w', 'json'] },
  // Alice within and outside her permissions.
  { args: [ALICE, 'put', '/foo/x', '1'] },
  { args: [ALICE, 'get', '/foo/x'] },
  { args: [ALICE, 'get', '/foo/', '--prefix', '-w', 'json'] },
  { args: [ALICE, 'get', '/bar'] },
  { args: [ALICE, 'put', '/bar', 'v'] },
  { args: [ALICE, 'put', '/w1', 'v'] },
  { args: [ALICE, 'get', '/w1'] },
  { args: [ALICE, 'get', '/fk/anything'] },
  { args: [ALICE, 'get', '/a'] },
  { args: [ALICE, 'get', '/', '--prefix'] },
  { args: [ALICE, 'put', '/foo/p', 'v', '--prev-kv'] },
  { args: [ALICE, 'del', '/foo/x'] },
  { args: [ALICE, 'del', '/w', '/x'] },
  { args: [ALICE, 'del', '/w', '/x', '--prev-kv'] },
  txn(ALICE, ['value("/foo/p") = "v"'], ['put /foo/t 1'], ['put /foo/t 2']),
  txn(ALICE, ['value("/a") = "1"'], ['put /foo/t 1'], []),
  txn(ALICE, [], ['put /foo/t 1', 'put /a 2'], []),
  txn(ALICE, [], ['get /a'], []),
  { args: [ALICE, 'watch', '/a'] },
  { args: ['watch', '/a'] },
  { args: [ALICE, 'user', 'list'] },
  { args: [ALICE, 'user', 'get', 'alice'] },
  { args: [ALICE, 'user', 'get', 'root'] },
  { args: [ALICE, 'role', 'get', 'r1'] },
  { args: [ALICE, 'role', 'get', 'root'] },
  { args: [ALICE, 'user', 'passwd', 'alice', '--interactive=false'], input: 'other\n' },
  { args: [ALICE, 'role', 'add', 'r2'] },
  { args: [ALICE, 'auth', 'disable'] },
  // Leases: anyone may grant; attaching or revoking needs write permission on the lease's keys.
  { args: [ROOT, 'lease', 'grant', '100'], capture: { name: 'LEASE', re: /lease ([0-9a-f]+) granted/ } },
  { args: [ROOT, 'put', '/a', 'leased', '--lease=$LEASE'] },
  { args: [ALICE, 'lease', 'timetolive', '$LEASE', '--keys'] },
  { args: [ALICE, 'lease', 'keep-alive', '--once', '$LEASE'] },
  { args: [ALICE, 'put', '/foo/l', 'v', '--lease=$LEASE'] },
  { args: [ALICE, 'lease', 'revoke', '$LEASE'] },
  { args: [ROOT, 'lease', 'revoke', '$LEASE'] },
  { args: [ALICE, 'lease', 'grant', '100'] },
  // Maintenance and membership: root only; Status and alarms for everyone.
  { args: [ALICE, 'endpoint', 'status'] },
  { args: [ALICE, 'endpoint', 'health'] },
  { args: [ALICE, 'endpoint', 'hashkv'] },
  { args: [ALICE, 'defrag'] },
  { args: [ALICE, 'alarm', 'list'] },
  { args: [ALICE, 'member', 'list'] },
  { args: [ALICE, 'member', 'add', 'x', '--peer-urls=http://127.0.0.1:1'] },
  { args: [ALICE, 'member', 'remove', '1234'] },
  { args: [ALICE, 'compaction', '2'] },
  { args: [ROOT, 'defrag'] },
  // Changing users and roles.
  { args: [ROOT, 'user', 'passwd', 'alice', '--interactive=false'], input: 'newpw\n' },
  { args: [ALICE, 'get', '/foo/p'] },
  { args: ['--user=alice:newpw', 'get', '/foo/p'] },
  { args: [ROOT, 'role', 'revoke-permission', 'r1', '/nope'] },
  { args: [ROOT, 'role', 'revoke-permission', 'r1', '/foo/', '--prefix'] },
  { args: [ROOT, 'role', 'revoke-permission', 'nope', '/x'] },
  { args: ['--user=alice:newpw', 'get', '/foo/p'] },
  { args: [ROOT, 'user', 'revoke-role', 'alice', 'nope'] },
  { args: [ROOT, 'user', 'revoke-role', 'alice', 'r1'] },
  { args: [ROOT, 'user', 'get', 'alice'] },
  { args: [ROOT, 'user', 'delete', 'root'] },
  { args: [ROOT, 'role', 'delete', 'root'] },
  { args: [ROOT, 'user', 'revoke-role', 'root', 'root'] },
  { args: [ROOT, 'role', 'delete', 'r1'] },
  { args: [ROOT, 'role', 'delete', 'r1'] },
  { args: [ROOT, 'user', 'delete', 'alice'] },
  { args: [ROOT, 'user', 'delete', 'alice'] },
  { args: [ROOT, 'user', 'list'] },
  { args: [ROOT, 'auth', 'disable'] },
  { args: ['get', '/a'] },
  { args: ['--user=root:rootpw', 'get', '/a'] },
  { args: ['user', 'list'] },
  { args: ['role', 'list'] },
  { args: ['endpoint', 'status', '-w', 'json'] },
];

/** --client-cert-auth: certificates instead of passwords; the CN names the user. */
const certScript: Step[] = [
  { args: ['@root', 'put', '/registry/namespaces/default', 'ns'] },
  { args: ['@root', 'get', '/registry/namespaces/default', '-w=json'] },
  { args: ['@root', 'member', 'list'] },
  { args: ['@root', 'endpoint', 'status'] },
  { args: ['@root', 'endpoint', 'health'] },
  { args: ['get', '/registry/namespaces/default'] },
  { args: ['@other', 'get', '/registry/namespaces/default'] },
  { args: ['@root', 'user', 'add', 'root:rootpw'] },
  { args: ['@root', 'user', 'add', 'alice', '--no-password'] },
  { args: ['@root', 'role', 'add', 'reader'] },
  { args: ['@root', 'role', 'grant-permission', 'reader', 'read', '/registry/', '--prefix'] },
  { args: ['@root', 'user', 'grant-role', 'alice', 'reader'] },
  { args: ['@root', 'auth', 'enable'] },
  { args: ['@root', 'get', '/registry/namespaces/default'] },
  { args: ['@root', 'put', '/x', '1'] },
  { args: ['@alice', 'get', '/registry/namespaces/default'] },
  { args: ['@alice', 'put', '/registry/namespaces/default', 'x'] },
  { args: ['@alice', 'get', '/x'] },
  { args: ['@alice', '--user=alice:x', 'get', '/x'] },
  { args: ['@nobody', 'get', '/registry/namespaces/default'] },
  { args: ['@alice', 'user', 'get', 'alice'] },
  { args: ['@nobody', 'endpoint', 'health'] },
  { args: ['@root', 'auth', 'disable'] },
  { args: ['@alice', 'put', '/x', '2'] },
  { args: ['@root', 'endpoint', 'status', '-w', 'json'] },
];

interface Certs {
  readonly ca: string;
  readonly server: CertFiles;
  readonly clients: Record<string, CertFiles>;
}

/** etcdctl's TLS flags for a step: @name picks a client certificate; the rest go on. */
function tlsArgs(certs: Certs, args: readonly string[]): string[] {
  const out = ['--cacert', certs.ca];
  for (const a of args) {
    if (a.startsWith('@')) {
      const c = certs.clients[a.slice(1)]!;
      out.push('--cert', c.cert, '--key', c.key);
    } else {
      out.push(a);
    }
  }
  return out;
}

async function runScript(proc: StoreProcess, certs: Certs, script: readonly Step[]): Promise<string[]> {
  const outputs: string[] = [];
  const vars = new Map<string, string>();
  let baseIndex: number | undefined;
  for (const step of script) {
    const args = tlsArgs(certs, step.args).map((a) => a.replace(/\$([A-Z]+)/g, (_m, v: string) => vars.get(v) ?? `$${v}`));
    const r = etcdctl(proc.endpoint, args, step.input);
    if (step.capture !== undefined) {
      const m = step.capture.re.exec(r.stdout);
      if (m?.[1] !== undefined) vars.set(step.capture.name, m[1]);
    }
    let text = normalize(`$ etcdctl ${step.args.join(' ')}\nexit ${r.code}\n${r.stdout}${r.stderr}`)
      // Lease ids are the server's own choice; the time left moves on while the script runs.
      .replace(/lease [0-9a-f]+/g, 'lease <lease>')
      .replace(/remaining\(\d+s\)/g, 'remaining(<ttl>s)')
      .replace(/, 3\.4\.\d+, [\d.]+ [kMG]?B, /g, ', <version>, <size>, ');
    // The raft index at the start depends on how often /health was polled (each poll is a
    // log entry in etcd 3.4), so compare how it advances instead.
    const first = /"raftIndex":(\d+)/.exec(text) ?? /, (\d+), \d+, \n/.exec(text);
    if (first && baseIndex === undefined) baseIndex = Number(first[1]);
    if (baseIndex !== undefined) {
      const base = baseIndex;
      text = text
        .replace(/"raft(Applied)?Index":(\d+)/g, (_m, applied: string | undefined, n: string) => `"raft${applied ?? ''}Index":+${Number(n) - base}`)
        .replace(/, (\d+), (\d+), \n/g, (_m, a: string, b: string) => `, +${Number(a) - base}, +${Number(b) - base}, \n`)
        .replace(/\|\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\|)/g, (_m, a: string, b: string) => `| +${Number(a) - base} | +${Number(b) - base} |        |`);
    }
    outputs.push(text);
  }
  return outputs;
}

/** A JSON gateway request with a client certificate, as curl would send it. */
function gatewayPost(proc: StoreProcess, certs: Certs, client: string, path: string, body: unknown): Promise<string> {
  const c = certs.clients[client]!;
  return new Promise((resolve, reject) => {
    const req = request(`${proc.clientUrl}${path}`, { method: 'POST', ca: readFileSync(certs.ca), cert: readFileSync(c.cert), key: readFileSync(c.key) });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${text}`));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function makeCerts(dir: string): Promise<Certs> {
  const ca = await TestCa.create(dir);
  const other = await TestCa.create(dir, 'other');
  const clients: Record<string, CertFiles> = {};
  for (const cn of ['root', 'alice', 'nobody']) clients[cn] = await ca.issue(cn);
  clients.other = await other.issue('root', { file: 'other-root' });
  return { ca: ca.caFile, server: await ca.issue('server', { file: 'server' }), clients };
}

function compare(etcd: string[], kite: string[], script: readonly Step[]): void {
  for (let i = 0; i < script.length; i++) assert.equal(kite[i], etcd[i], `step ${i}: etcdctl ${script[i]!.args.join(' ')}`);
}

test('etcdctl 3.4 over TLS with password auth: the same output from etcd and kite store', { timeout: 400_000 }, async (t) => {
  const dir = tempDir('sec-diff');
  try {
    const certs = await makeCerts(dir.path);
    const tls = ['--cert-file', certs.server.cert, '--key-file', certs.server.key];
    const both = await onEtcdAndKite(t, 'secdiff', (p) => runScript(p, certs, passwordScript), [['etcdctl', 'etcd-client']], { clientTls: { ca: certs.ca }, extraArgs: tls });
    if (both === undefined) return;
    // Sanity: the script really hit auth (so equality means something).
    const all = both.etcd.join('\n');
    assert.match(all, /etcdserver: permission denied/);
    assert.match(all, /etcdserver: user name is empty/);
    assert.match(all, /auth: permission denied/);
    assert.match(all, /"cluster_id"/);
    compare(both.etcd, both.kite, passwordScript);
  } finally {
    dir.remove();
  }
});

test('etcdctl 3.4 with --client-cert-auth, the CN as user: the same output from etcd and kite store', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('sec-diff-cn');
  try {
    const certs = await makeCerts(dir.path);
    const tls = ['--cert-file', certs.server.cert, '--key-file', certs.server.key, '--trusted-ca-file', certs.ca, '--client-cert-auth'];
    const run = async (p: StoreProcess): Promise<string[]> => {
      const out = await runScript(p, certs, certScript);
      // The gateway never takes a certificate's CN as the user: etcd refuses such requests
      // while auth is on.
      await runScript(p, certs, [{ args: ['@root', 'auth', 'enable'] }]);
      out.push(await gatewayPost(p, certs, 'alice', '/v3/kv/range', { key: Buffer.from('/x').toString('base64') }));
      return out;
    };
    const both = await onEtcdAndKite(t, 'secdiffcn', run, [['etcdctl', 'etcd-client']], {
      clientTls: { ca: certs.ca, cert: certs.clients.root!.cert, key: certs.clients.root!.key },
      extraArgs: tls,
    });
    if (both === undefined) return;
    const all = both.etcd.join('\n');
    assert.match(all, /etcdserver: permission denied/);
    assert.match(all, /context deadline exceeded/, 'a client without a certificate is refused');
    compare(both.etcd, both.kite, [...certScript, { args: ['gateway /v3/kv/range with a CN'] }]);
  } finally {
    dir.remove();
  }
});
