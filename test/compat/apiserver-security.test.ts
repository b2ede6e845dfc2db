import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '../helpers/apiserver.js';
import { httpsFetch, type ClientTls } from '../helpers/https-fetch.js';
import { referenceAvailable, selfSubjectReviewArgs, startKubeReference } from '../helpers/kube-reference.js';
import { freePort, kiteBin, missingTool, tempDir } from '../helpers/processes.js';
import { TestCa } from '../helpers/tls-certs.js';

/**
 * `kite apiserver`'s front door with the real kubectl, @kubernetes/client-node and
 * kube-apiserver 1.26: the generated CA, certificates and kubeconfig (verified TLS),
 * reused across restarts; a token from --token-auth-file; a certificate from another CA
 * refused; no credentials answered as kube-apiserver answers them; plain HTTP only when
 * asked and only on loopback; the operator's own certificates.
 */

const kubectl = (kubeconfig: string, ...args: string[]) => spawnSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', timeout: 30_000 });

/** A kubeconfig for server with the given CA file and either a client certificate or a token. */
function writeKubeconfig(path: string, server: string, ca: string, user: { cert?: string; key?: string; token?: string }): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${server}`, `    certificate-authority: ${ca}`, 'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', 'users:', '- name: u', '  user:'];
  if (user.token !== undefined) lines.push(`    token: ${user.token}`);
  if (user.cert !== undefined) lines.push(`    client-certificate: ${user.cert}`, `    client-key: ${user.key}`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/** Waits (5 s at most) until the server's output has text: its request log arrives while the test was blocked in spawnSync. */
async function logged(server: { output(): string }, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!server.output().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(server.output().includes(text), `${text} in the request log:\n${server.output().slice(-3000)}`);
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test('kubectl and client-node with the generated kubeconfig over verified TLS; the CA and certificates survive restarts', { timeout: 120_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('apiserver-tls');
  const dataDir = join(dir.path, 'data');
  const pki = join(dataDir, 'pki');
  const port = await freePort();
  let server = await startApiServer(dataDir, port);
  try {
    assert.equal(server.url, `https://127.0.0.1:${port}`);
    const kubeconfig = readFileSync(server.kubeconfig, 'utf8');
    assert.match(kubeconfig, /certificate-authority-data: /);
    assert.match(kubeconfig, /client-certificate-data: /);
    assert.match(kubeconfig, /client-key-data: /);
    assert.doesNotMatch(kubeconfig, /insecure-skip-tls-verify/);
    assert.equal(mode(pki), '700');
    for (const key of ['ca.key', 'apiserver.key', 'admin.key']) assert.equal(mode(join(pki, key)), '600', key);
    assert.equal(mode(server.kubeconfig), '600');
    const subject = spawnSync('openssl', ['x509', '-noout', '-subject', '-in', join(pki, 'admin.crt')], { encoding: 'utf8' });
    if (subject.status === 0) assert.match(subject.stdout, /O ?= ?system:masters, CN ?= ?kite-admin/);

    const got = kubectl(server.kubeconfig, 'get', 'namespaces', '-o', 'name');
    assert.equal(got.status, 0, got.stderr);
    assert.match(got.stdout, /^namespace\/kube-system$/m);
    await logged(server, '"user":"kite-admin"');
    // Every name in the serving certificate verifies.
    for (const host of ['localhost', '127.0.0.1']) {
      const r = kubectl(server.kubeconfig, `--server=https://${host}:${port}`, 'get', 'ns', 'default', '-o', 'name');
      assert.equal(r.status, 0, `${host}: ${r.stderr}`);
    }
    // The server's certificate is verified: another CA does not vouch for it.
    const stranger = await TestCa.create(dir.path, 'stranger');
    const unverified = kubectl(server.kubeconfig, `--certificate-authority=${stranger.caFile}`, 'get', 'ns');
    assert.notEqual(unverified.status, 0);
    assert.match(unverified.stderr, /certificate signed by unknown authority/);

    // @kubernetes/client-node with the same kubeconfig.
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const names = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    assert.deepEqual([...names].sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);

    // A restart reuses everything: the same files, and a kubeconfig kept from before still works.
    const kept = join(dir.path, 'kept.kubeconfig');
    copyFileSync(server.kubeconfig, kept);
    const files = ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key'];
    const before = new Map(files.map((f) => [f, readFileSync(join(pki, f), 'utf8')]));
    assert.equal(await server.stop(), 0);
    server = await startApiServer(dataDir, port);
    for (const f of files) assert.equal(readFileSync(join(pki, f), 'utf8'), before.get(f), `${f} is reused`);
    assert.equal(readFileSync(server.kubeconfig, 'utf8'), readFileSync(kept, 'utf8'));
    const again = kubectl(kept, 'get', 'ns', 'default', '-o', 'name');
    assert.equal(again.status, 0, again.stderr);

    // A new --tls-san: the same CA signs a new serving certificate with the name; old kubeconfigs keep working.
    assert.equal(await server.stop(), 0);
    server = await startApiServer(dataDir, port, ['--tls-san=kite.example,10.9.8.7']);
    for (const f of ['ca.crt', 'ca.key', 'admin.crt', 'admin.key']) assert.equal(readFileSync(join(pki, f), 'utf8'), before.get(f), `${f} is reused`);
    assert.notEqual(readFileSync(join(pki, 'apiserver.crt'), 'utf8'), before.get('apiserver.crt'));
    const text = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', join(pki, 'apiserver.crt')], { encoding: 'utf8' });
    if (text.status === 0) {
      for (const name of ['DNS:localhost', 'DNS:kite.example', 'IP Address:127.0.0.1', 'IP Address:10.9.8.7', 'IP Address:0:0:0:0:0:0:0:1']) assert.ok(text.stdout.includes(name), `${name} in ${text.stdout}`);
    }
    const afterSan = kubectl(kept, 'get', 'ns', 'default', '-o', 'name');
    assert.equal(afterSan.status, 0, afterSan.stderr);
  } finally {
    await server.stop();
    dir.remove();
  }
});

test('kubectl with a token from --token-auth-file; an unknown token and a certificate from another CA get 401', { timeout: 60_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('apiserver-token');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, 'tok-alice-0123456789,alice,2001,"devs,system:masters"\n', { mode: 0o600 });
  const server = await startApiServer(join(dir.path, 'data'), undefined, [`--token-auth-file=${tokens}`]);
  try {
    const ca = join(dir.path, 'data', 'pki', 'ca.crt');
    const withToken = writeKubeconfig(join(dir.path, 'token.kubeconfig'), server.url, ca, { token: 'tok-alice-0123456789' });
    const ok = kubectl(withToken, 'get', 'ns', 'kube-system', '-o', 'name');
    assert.equal(ok.status, 0, ok.stderr);
    await logged(server, '"user":"alice"');
    assert.ok(!server.output().includes('tok-alice-0123456789'), 'the token is never logged');

    const badToken = writeKubeconfig(join(dir.path, 'bad.kubeconfig'), server.url, ca, { token: 'tok-wrong' });
    const refused = kubectl(badToken, 'get', 'ns');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /You must be logged in to the server \(Unauthorized\)/);

    const other = await TestCa.create(dir.path, 'other');
    const mallory = await other.issue('mallory', { organizations: ['system:masters'] });
    const foreign = writeKubeconfig(join(dir.path, 'foreign.kubeconfig'), server.url, ca, { cert: mallory.cert, key: mallory.key });
    const denied = kubectl(foreign, 'get', 'ns');
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /You must be logged in to the server \(Unauthorized\)/);
    const raw = await httpsFetch({ ca: readFileSync(ca), cert: readFileSync(mallory.cert), key: readFileSync(mallory.key) })(`${server.url}/api/v1/namespaces`);
    assert.equal(raw.status, 401);
    assert.deepEqual(await raw.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  } finally {
    await server.stop();
    dir.remove();
  }
});

test('no credentials, an unknown token, a certificate from another CA: the same 401 as kube-apiserver 1.26 with --anonymous-auth=false; kubectl auth whoami as a certificate user alike', { timeout: 180_000 }, async (t) => {
  const skip = referenceAvailable();
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('apiserver-401');
  const clients = await TestCa.create(dir.path, 'clients');
  const other = await TestCa.create(dir.path, 'other');
  const mallory = await other.issue('mallory', { organizations: ['system:masters'] });
  // Both verify client certificates against the same client CA; neither lets anonymous requests in.
  const [reference, kite] = await Promise.all([
    startKubeReference({ extraArgs: ['--anonymous-auth=false', `--client-ca-file=${clients.caFile}`, ...selfSubjectReviewArgs] }),
    startApiServer(join(dir.path, 'kite'), undefined, [`--client-ca-file=${clients.caFile}`]),
  ]);
  try {
    const credentials: Array<[string, ClientTls, Record<string, string>]> = [
      ['no credentials', { insecure: true }, {}],
      ['an unknown token', { insecure: true }, { authorization: 'Bearer not-a-token' }],
      ['a certificate from another CA', { insecure: true, cert: readFileSync(mallory.cert), key: readFileSync(mallory.key) }, {}],
    ];
    const paths = ['/livez', '/readyz', '/healthz', '/version', '/api', '/apis', '/api/v1/namespaces', '/apis/apps/v1/namespaces/default/deployments', '/openapi/v2', '/metrics', '/no/such/path'];
    let compared = 0;
    for (const path of paths) {
      for (const [what, tls, headers] of credentials) {
        const answers = await Promise.all(
          [reference.url, kite.url].map(async (url) => {
            const res = await httpsFetch(tls)(`${url}${path}`, { headers });
            return { code: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
          }),
        );
        assert.deepEqual(answers[1], answers[0], `${what} on ${path}: kite (second) differs from kube-apiserver (first)`);
        compared++;
      }
    }
    assert.equal(compared, paths.length * credentials.length);

    // kubectl auth whoami as a client-certificate user (CN the user, O its groups): the same
    // answer (the reference serves SelfSubjectReview with its gate on; Kite as 1.28+ does).
    if (!missingTool('kubectl', 'kubectl')) {
      const user = await clients.issue('whoami-user', { organizations: ['team-a', 'team-b'] });
      const onKite = writeKubeconfig(join(dir.path, 'kite.kubeconfig'), kite.url, join(dir.path, 'kite', 'pki', 'ca.crt'), { cert: user.cert, key: user.key });
      const onReference = join(dir.path, 'reference.kubeconfig');
      // The reference's serving certificate is self-signed in its temp dir: this one kubeconfig skips verifying it.
      writeFileSync(
        onReference,
        ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${reference.url}`, '    insecure-skip-tls-verify: true', 'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', 'users:', '- name: u', '  user:', `    client-certificate: ${user.cert}`, `    client-key: ${user.key}`, ''].join('\n'),
      );
      const [ref, ours] = [kubectl(onReference, 'auth', 'whoami'), kubectl(onKite, 'auth', 'whoami')];
      assert.equal(ref.status, 0, ref.stderr);
      assert.match(ref.stdout, /Username\s+whoami-user\n.*Groups\s+\[team-a team-b system:authenticated\]/s);
      assert.deepEqual({ status: ours.status, stdout: ours.stdout, stderr: ours.stderr }, { status: ref.status, stdout: ref.stdout, stderr: ref.stderr });
    }
  } finally {
    await Promise.all([reference.stop(), kite.stop()]);
    dir.remove();
  }
});

test("the operator's own serving certificate and client CA: no generated admin credentials, the operator's clients get in", { timeout: 60_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('apiserver-own-certs');
  const ca = await TestCa.create(dir.path, 'ops');
  const serving = await ca.issue('apiserver', { hosts: ['127.0.0.1', 'localhost'] });
  const operator = await ca.issue('ops-admin', { organizations: ['system:masters'] });
  const dataDir = join(dir.path, 'data');
  // The ServiceAccount token keys too: without them Kite would generate a signing key in <data-dir>/pki.
  const saKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = join(dir.path, 'sa.key');
  const saPub = join(dir.path, 'sa.pub');
  writeFileSync(saKey, saKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(saPub, saKeys.publicKey.export({ type: 'spki', format: 'pem' }));
  const server = await startApiServer(dataDir, undefined, [
    `--tls-cert-file=${serving.cert}`,
    `--tls-private-key-file=${serving.key}`,
    `--client-ca-file=${ca.caFile}`,
    `--service-account-signing-key-file=${saKey}`,
    `--service-account-key-file=${saPub}`,
  ]);
  try {
    assert.ok(!existsSync(join(dataDir, 'pki')), 'nothing generated when the operator brings every certificate and key');
    const written = readFileSync(server.kubeconfig, 'utf8');
    assert.doesNotMatch(written, /client-certificate-data|certificate-authority-data|insecure-skip-tls-verify/);
    const own = writeKubeconfig(join(dir.path, 'ops.kubeconfig'), server.url, ca.caFile, { cert: operator.cert, key: operator.key });
    const r = kubectl(own, 'get', 'ns', 'default', '-o', 'name');
    assert.equal(r.status, 0, r.stderr);
    await logged(server, '"user":"ops-admin"');
  } finally {
    await server.stop();
    dir.remove();
  }
  // Half a key pair is a configuration error.
  const half = spawnSync(process.execPath, [kiteBin, 'apiserver', `--data-dir=${join(dir.path, 'half')}`, '--port=0', '--embedded-store-url=none', '--tls-cert-file=/nonexistent.crt'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(half.status, 1);
  assert.match(half.stderr, /--tls-cert-file and --tls-private-key-file must be given together/);
});

test('plain HTTP only with --insecure-plain-http and only on loopback; unusable security flags refused at start', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('apiserver-plain');
  try {
    const refused: Array<[string[], RegExp]> = [
      ...['0.0.0.0', '::', '10.1.2.3'].map((address): [string[], RegExp] => [
        [`--bind-address=${address}`, '--insecure-plain-http'],
        new RegExp(`only on a loopback --bind-address \\(127.0.0.1 or ::1\\); refusing to serve it on ${address.replace(/\./g, '\\.')}`),
      ]),
      [['--insecure-plain-http', '--token-auth-file=/etc/tokens.csv'], /--insecure-plain-http serves no TLS and authenticates no one: it cannot be combined with/],
      [[`--token-auth-file=${join(dir.path, 'missing.csv')}`], /--token-auth-file: cannot read .*missing\.csv: ENOENT/],
    ];
    writeFileSync(join(dir.path, 'short.csv'), 'tok,alice\n');
    refused.push([[`--token-auth-file=${join(dir.path, 'short.csv')}`], /token file '.*short\.csv' must have at least 3 columns \(token, user name, user uid\), found 2/]);
    for (const [args, message] of refused) {
      const child = spawn(process.execPath, [kiteBin, 'apiserver', `--data-dir=${join(dir.path, 'refused')}`, '--port=0', '--embedded-store-url=none', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      assert.equal(code, 1, `${args.join(' ')}: ${err}`);
      assert.match(err, message);
    }
    assert.ok(!existsSync(join(dir.path, 'refused', 'store')), 'refused before opening a store');

    const server = await startApiServer(join(dir.path, 'data'), undefined, ['--insecure-plain-http']);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:/);
      const res = await fetch(`${server.url}/api/v1/namespaces`);
      assert.equal(res.status, 200, 'no credentials needed on the plain-HTTP port');
      await res.arrayBuffer();
      await logged(server, '"user":"system:unsecured"');
      // Only the ServiceAccount token signing key (TokenRequest works on the plain port too): no CA, no certificates.
      const pki = join(dir.path, 'data', 'pki');
      assert.deepEqual(existsSync(pki) ? readdirSync(pki).sort() : [], ['sa.key', 'sa.pub'], 'no certificates made for plain HTTP');
      const written = readFileSync(server.kubeconfig, 'utf8');
      assert.doesNotMatch(written, /insecure-skip-tls-verify|certificate-authority/);
      if (!missingTool('kubectl', 'kubectl')) {
        const r = kubectl(server.kubeconfig, 'get', 'ns', 'default', '-o', 'name');
        assert.equal(r.status, 0, r.stderr);
      } else t.diagnostic('kubectl missing: the plain-HTTP kubeconfig was not tried with it');
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
});
