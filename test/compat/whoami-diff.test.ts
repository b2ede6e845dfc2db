import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { referenceAvailable, selfSubjectReviewArgs, startKubeReference, type KubeReference } from '../helpers/kube-reference.js';
import { missingTool, tempDir } from '../helpers/processes.js';

/**
 * `kubectl auth whoami` and SelfSubjectReview against `kite apiserver` and the real
 * kube-apiserver 1.26 with SelfSubjectReview on (v1alpha1 there; Kite serves v1, as 1.28
 * and later do, and kubectl asks v1 first, then falls back). Same token file on both:
 * a system:masters admin and a plain user with groups; then ServiceAccount tokens from
 * `kubectl create token`, impersonation, a refused impersonation and a bad token.
 * kubectl's table and JSON output must be equal but for what each server makes up
 * (ServiceAccount uids, the API version, the timestamp).
 */

const tokenFile = 'admin-token,admin,1,"system:masters"\nplain-token,plain,2,"dev,qa"\n';

function kubeconfig(path: string, server: string, token: string): string {
  writeFileSync(
    path,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true', 'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', 'users:', '- name: u', '  user:', `    token: ${token}`, ''].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

function kubectl(config: string, args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', config, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** One request with a bearer token; the servers' certificates are not verified (each has its own CA). */
function call(url: string, token: string, method: string, body?: unknown): Promise<{ code: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** What the servers make up themselves, replaced so the rest can be compared. */
function normalized(text: string, uids: readonly string[]): string {
  let out = text.replace(/"apiVersion": "authentication\.k8s\.io\/v1(alpha1)?"/g, '"apiVersion": "authentication.k8s.io/VERSION"');
  out = out.replace(/"creationTimestamp": "[^"]*"/g, '"creationTimestamp": "TIME"');
  for (const uid of uids) out = out.split(uid).join('UID');
  return out;
}

test('kubectl auth whoami and SelfSubjectReview: Kite as kube-apiserver (SelfSubjectReview on)', { timeout: 240_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl') || referenceAvailable();
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('whoami-diff');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, tokenFile, { mode: 0o600 });
  let reference: KubeReference | undefined;
  let kite: ApiServerProcess | undefined;
  try {
    [reference, kite] = await Promise.all([
      startKubeReference({ extraArgs: [`--token-auth-file=${tokens}`, ...selfSubjectReviewArgs] }),
      startApiServer(join(dir.path, 'kite'), undefined, [`--token-auth-file=${tokens}`, '--controllers=']),
    ]);
    const servers = [
      { name: 'reference', url: reference.url },
      { name: 'kite', url: kite.url },
    ];
    const configs = (token: string) => servers.map((s) => kubeconfig(join(dir.path, `${s.name}-${token.slice(0, 12)}.kubeconfig`), s.url, token));
    const admins = configs('admin-token');

    // ServiceAccount tokens: a ServiceAccount made on each, a token from each for its own.
    const saTokens: string[] = [];
    const saUids: string[] = [];
    for (const admin of admins) {
      const made = kubectl(admin, ['create', 'serviceaccount', 'robot', '-n', 'default']);
      assert.equal(made.code, 0, made.err);
      const uid = kubectl(admin, ['get', 'serviceaccount', 'robot', '-n', 'default', '-o', 'jsonpath={.metadata.uid}']);
      saUids.push(uid.out.trim());
      const token = kubectl(admin, ['create', 'token', 'robot', '-n', 'default']);
      assert.equal(token.code, 0, token.err);
      saTokens.push(token.out.trim());
    }
    const saConfigs = servers.map((s, i) => kubeconfig(join(dir.path, `${s.name}-sa.kubeconfig`), s.url, saTokens[i]!));

    const cases: Array<{ what: string; configs: string[]; args: string[]; code: number }> = [
      { what: 'a system:masters token-file user', configs: admins, args: [], code: 0 },
      { what: 'a plain token-file user with two groups', configs: configs('plain-token'), args: [], code: 0 },
      { what: 'a ServiceAccount token from kubectl create token', configs: saConfigs, args: [], code: 0 },
      { what: 'admin impersonating a user, groups and an extra', configs: admins, args: ['--as=alice', '--as-group=g1', '--as-group=g2', '--as-uid=u-7'], code: 0 },
      { what: 'admin impersonating a ServiceAccount', configs: admins, args: ['--as=system:serviceaccount:default:robot'], code: 0 },
      { what: 'a plain user may not impersonate', configs: configs('plain-token'), args: ['--as=alice'], code: 1 },
      { what: 'a token no one issued', configs: configs('forged-token'), args: [], code: 1 },
    ];
    let compared = 0;
    for (const c of cases) {
      for (const output of [[], ['-o', 'json'], ['-o', 'yaml']]) {
        const [ref, ours] = c.configs.map((config) => kubectl(config, ['auth', 'whoami', ...output, ...c.args]));
        assert.equal(ref!.code, c.code, `reference, ${c.what} ${output.join(' ')}: ${ref!.err}`);
        assert.equal(ours!.code, c.code, `kite, ${c.what} ${output.join(' ')}: ${ours!.err}`);
        const view = (r: { out: string; err: string }) => normalized(output[1] === 'yaml' ? r.out.replace(/apiVersion: authentication\.k8s\.io\/v1(alpha1)?/, 'apiVersion: VERSION').replace(/creationTimestamp: "[^"]*"/, 'creationTimestamp: TIME') : r.out, saUids) + r.err;
        assert.equal(view(ours!), view(ref!), `${c.what} ${output.join(' ')}`);
        compared++;
      }
    }
    t.diagnostic(`kubectl auth whoami: ${compared} runs equal to the reference's`);

    // The API itself: Kite answers v1 as the reference answers v1alpha1.
    const post = (base: string, token: string, version: string, body: unknown, method: string) => call(`${base}/apis/authentication.k8s.io/${version}/selfsubjectreviews`, token, method, method === 'POST' ? body : undefined);
    const versions = ['v1alpha1', 'v1'];
    for (const [what, body, method] of [
      ['an empty body', {}, 'POST'],
      ['a body with metadata (ignored)', { kind: 'SelfSubjectReview', metadata: { name: 'x', labels: { a: 'b' } } }, 'POST'],
      ['a body of another kind', { kind: 'TokenReview' }, 'POST'],
      ['GET', undefined, 'GET'],
    ] as Array<[string, unknown, string]>) {
      const [ref, ours] = await Promise.all(servers.map((s, i) => post(s.url, 'plain-token', versions[i]!, body, method)));
      const view = (r: { code: number; body: unknown }) => normalized(JSON.stringify(r, null, 1).replace(/"apiVersion": "authentication\.k8s\.io\/v1(alpha1)?"/g, '"apiVersion": "authentication.k8s.io/VERSION"').replace(/\\"(authentication\.k8s\.io\/)?v1(alpha1)?\\"/g, '\\"$1VERSION\\"'), []);
      assert.equal(view(ours), view(ref), what);
      if (method === 'POST' && what !== 'a body of another kind') assert.match(String(((ours.body as Record<string, Record<string, unknown>>)['metadata'] ?? {})['creationTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }

    // Kite's own kubeconfig (its admin client certificate).
    const mine = kubectl(kite.kubeconfig, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}']);
    assert.equal(mine.code, 0, mine.err);
    assert.equal(mine.out, 'kite-admin ["system:masters","system:authenticated"]');
  } catch (err) {
    if (reference !== undefined) t.diagnostic(reference.output().slice(-2000));
    if (kite !== undefined) t.diagnostic(kite.output().slice(-2000));
    throw err;
  } finally {
    await kite?.stop();
    await reference?.stop();
    dir.remove();
  }
});
