import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { referenceAvailable, startKubeReference, type KubeReference } from '../helpers/kube-reference.js';
import { tempDir } from '../helpers/processes.js';

/**
 * Impersonation headers against `kite apiserver` and the real kube-apiserver 1.26 (RBAC),
 * with the same token file: a system:masters user and a plain one. What does not depend
 * on the authorizer is compared, and so are the refusals, which RBAC decides on both
 * servers. The same refusals are tested in
 * process with an authorizer that refuses (test/api/impersonation.test.ts).
 */

/** One GET with raw headers (each its own line, as Go's client sends repeated headers); TLS not verified (both use their own CA). */
function get(url: string, path: string, headers: Array<[string, string]>): Promise<{ status: number; type: string | undefined; body: unknown }> {
  const raw = ['Host', new URL(url).host, ...headers.flat()];
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { rejectUnauthorized: false, headers: raw as unknown as Record<string, string> }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('impersonation headers: what kube-apiserver 1.26 and Kite answer alike', { timeout: 180_000 }, async (t) => {
  const skip = referenceAvailable();
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('impersonation-diff');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, 'admin-token,admin,1,"system:masters"\nplain-token,plain,2\n', { mode: 0o600 });
  let reference: KubeReference | undefined;
  let kite: ApiServerProcess | undefined;
  try {
    [reference, kite] = await Promise.all([startKubeReference({ extraArgs: [`--token-auth-file=${tokens}`] }), startApiServer(join(dir.path, 'kite'), undefined, [`--token-auth-file=${tokens}`, '--controllers='])]);
    const urls = [reference.url, kite.url];
    const both = async (path: string, headers: Array<[string, string]>) => Promise.all(urls.map((u) => get(u, path, headers)));
    const admin: [string, string] = ['Authorization', 'Bearer admin-token'];
    const plain: [string, string] = ['Authorization', 'Bearer plain-token'];

    // Groups, a uid or extras without a user: the same plain-text 500.
    for (const extra of [[['Impersonate-Group', 'g1'], ['Impersonate-Group', 'g2']], [['Impersonate-Uid', 'u1']], [['Impersonate-Extra-Scopes', 'a']]] as Array<Array<[string, string]>>) {
      const [ref, ours] = await both('/api/v1/namespaces?limit=1', [admin, ...extra]);
      assert.equal(ref!.status, 500);
      assert.deepEqual(ours, ref, JSON.stringify(extra));
    }
    // system:masters may impersonate: the request runs as the impersonated user (in system:masters here, so RBAC lets it list).
    const [ref, ours] = await both('/api/v1/namespaces', [admin, ['Impersonate-User', 'alice'], ['Impersonate-Group', 'system:masters'], ['Impersonate-Extra-Scopes', 'x'], ['Impersonate-Uid', 'u-1']]);
    assert.equal(ref!.status, 200);
    assert.equal(ours!.status, 200);

    await t.test('refusals (decided by RBAC on both)', async () => {
      for (const [what, headers] of [
        ['a plain token-file user impersonating a user', [plain, ['Impersonate-User', 'alice']]],
        ['a plain token-file user impersonating a ServiceAccount', [plain, ['Impersonate-User', 'system:serviceaccount:default:default']]],
        ['system:masters impersonating a user who may not list namespaces', [admin, ['Impersonate-User', 'alice']]],
      ] as Array<[string, Array<[string, string]>]>) {
        const [r, o] = await both('/api/v1/namespaces', headers);
        assert.equal(r!.status, 403, what);
        assert.deepEqual(o, r, what);
      }
    });
  } catch (err) {
    if (reference !== undefined) t.diagnostic(reference.output().slice(-2000));
    throw err;
  } finally {
    await kite?.stop();
    await reference?.stop();
    dir.remove();
  }
});
