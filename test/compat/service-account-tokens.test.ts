import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SignJWT, createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { httpsFetch, type Fetch } from '../helpers/https-fetch.js';
import { referenceAvailable, startKubeReference, type KubeReference } from '../helpers/kube-reference.js';
import { missingTool, tempDir } from '../helpers/processes.js';

/**
 * ServiceAccount tokens end to end: `kubectl create token` against `kite apiserver`,
 * then kubectl and @kubernetes/client-node as that ServiceAccount; tokens that must be
 * refused (expired, forged, for another audience, of a deleted ServiceAccount or Pod)
 * answered 401 as kube-apiserver answers; the issuer's discovery documents; and a
 * differential run of TokenRequest, TokenReview and 401s against the real
 * kube-apiserver 1.26 with the same issuer.
 */

const issuer = 'https://kubernetes.default.svc';
const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

const kubectl = (kubeconfig: string, ...args: string[]) => spawnSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', timeout: 30_000 });

/** A kubeconfig for server with a bearer token, verifying the server with caFile (or not at all). */
function tokenKubeconfig(path: string, server: string, token: string, caFile?: string): string {
  const verify = caFile === undefined ? '    insecure-skip-tls-verify: true' : `    certificate-authority: ${caFile}`;
  writeFileSync(path, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${server}`, verify, 'contexts:', '- name: c', '  context: {cluster: c, user: u, namespace: default}', 'current-context: c', 'users:', '- name: u', '  user:', `    token: ${token}`, ''].join('\n'), { mode: 0o600 });
  return path;
}

/** A token with claims, signed with key (RS256, the key id given). */
const sign = (claims: JWTPayload, key: KeyObject, kid = 'test'): Promise<string> => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);

const otherKey = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** Polls cond (limitMs at most), returning how long it took; state() says what was seen last, for the failure message. */
async function within(what: string, cond: () => Promise<boolean>, state: () => string = () => '', limitMs = 5000): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > limitMs) assert.fail(`${what}: not within ${limitMs} ms ${state()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

test('kubectl create token, then kubectl and client-node as the ServiceAccount; expired, forged, wrong-audience and deleted-object tokens get 401', { timeout: 180_000 }, async (t) => {
  const skip = missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('sa-tokens');
  const dataDir = join(dir.path, 'data');
  const server = await startApiServer(dataDir);
  try {
    const admin = server.kubeconfig;
    const ca = join(dataDir, 'pki', 'ca.crt');
    const ok = (r: ReturnType<typeof kubectl>): string => {
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    ok(kubectl(admin, 'create', 'serviceaccount', 'bob'));
    ok(kubectl(admin, 'run', 'p1', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"bob"}}'));

    // The Pod got kube-apiserver 1.26's projected token volume; every namespace gets kube-root-ca.crt with the CA.
    const pod = JSON.parse(ok(kubectl(admin, 'get', 'pod', 'p1', '-o', 'json'))) as { spec: { volumes: Array<{ name: string; projected: unknown }>; containers: Array<{ volumeMounts: unknown[] }> } };
    const volume = pod.spec.volumes[0]!;
    assert.match(volume.name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(volume.projected, {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    assert.deepEqual(pod.spec.containers[0]!.volumeMounts, [{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    await within('kube-root-ca.crt in every namespace', async () => kubectl(admin, 'get', 'configmaps', '-A', '--field-selector=metadata.name=kube-root-ca.crt', '--no-headers').stdout.trim().split('\n').length === 4);
    assert.equal(ok(kubectl(admin, 'get', 'configmap', 'kube-root-ca.crt', '-n', 'kube-public', '-o', 'jsonpath={.data.ca\\.crt}')), readFileSync(ca, 'utf8'));

    // kubectl create token, then kubectl and client-node as system:serviceaccount:default:bob.
    const token = ok(kubectl(admin, 'create', 'token', 'bob')).trim();
    const asBob = tokenKubeconfig(join(dir.path, 'bob.kubeconfig'), server.url, token, ca);
    // RBAC decides what bob may do: nothing cluster-wide until he is granted view.
    const forbidden = kubectl(asBob, 'get', 'namespaces', '-o', 'name');
    assert.notEqual(forbidden.status, 0);
    assert.match(forbidden.stderr, /User "system:serviceaccount:default:bob" cannot list resource "namespaces" in API group "" at the cluster scope/);
    ok(kubectl(admin, 'create', 'clusterrolebinding', 'bob-view', '--clusterrole=view', '--serviceaccount=default:bob'));
    assert.match(ok(kubectl(asBob, 'get', 'namespaces', '-o', 'name')), /^namespace\/kube-system$/m);
    const deadline = Date.now() + 5000;
    while (!server.output().includes('"user":"system:serviceaccount:default:bob"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(server.output().includes('"user":"system:serviceaccount:default:bob"'), 'the request log names the ServiceAccount');
    assert.ok(!server.output().includes(token), 'the token is never logged');
    const kc = new KubeConfig();
    kc.loadFromFile(asBob);
    const names = (await kc.makeApiClient(CoreV1Api).listNamespacedServiceAccount({ namespace: 'default' })).items.map((s) => s.metadata?.name);
    assert.ok(names.includes('bob'), `client-node lists the ServiceAccounts as bob: ${names.join(',')}`);

    // Tokens that must be refused: 401, kube-apiserver's body; kubectl says to log in.
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    const kiteKey = createPrivateKey(readFileSync(join(dataDir, 'pki', 'sa.key')));
    const podToken = ok(kubectl(admin, 'create', 'token', 'bob', '--bound-object-kind=Pod', '--bound-object-name=p1')).trim();
    const refused: Array<[string, string]> = [
      ['expired (signed with the right key)', await sign({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, kiteKey)],
      ['forged (signed by another key)', await sign(claims, otherKey())],
      ['for another audience', ok(kubectl(admin, 'create', 'token', 'bob', '--audience=https://elsewhere.example')).trim()],
    ];
    const fetchAs = (tok: string): Promise<Response> => httpsFetch({ ca: readFileSync(ca) })(`${server.url}/api/v1/namespaces`, { headers: { authorization: `Bearer ${tok}` } });
    assert.equal((await fetchAs(podToken)).status, 200, 'the pod-bound token works while the Pod exists');
    for (const [what, tok] of refused) {
      const res = await fetchAs(tok);
      assert.deepEqual({ status: res.status, body: await res.json() }, { status: 401, body: unauthorized }, what);
      const r = kubectl(tokenKubeconfig(join(dir.path, 'refused.kubeconfig'), server.url, tok, ca), 'get', 'ns');
      assert.notEqual(r.status, 0, what);
      assert.match(r.stderr, /You must be logged in to the server \(Unauthorized\)/, what);
    }
    // The bound Pod deleted: its token is refused once the delete is seen; then the ServiceAccount.
    ok(kubectl(admin, 'delete', 'pod', 'p1', '--grace-period=0', '--force'));
    const podMs = await within('the pod-bound token refused', async () => (await fetchAs(podToken)).status === 401);
    assert.equal((await fetchAs(token)).status, 200);
    ok(kubectl(admin, 'delete', 'serviceaccount', 'bob'));
    const saMs = await within('the token of a deleted ServiceAccount refused', async () => (await fetchAs(token)).status === 401);
    t.diagnostic(`refused after the delete returned: pod-bound token ${podMs} ms, ServiceAccount token ${saMs} ms`);
    const gone = kubectl(asBob, 'get', 'ns');
    assert.match(gone.stderr, /You must be logged in to the server \(Unauthorized\)/);
    // A ServiceAccount of the same name again does not bring the old token back (another uid).
    ok(kubectl(admin, 'create', 'serviceaccount', 'bob'));
    assert.equal((await fetchAs(token)).status, 401);

    // Issuer discovery: the keys verify Kite's tokens.
    const fresh = ok(kubectl(admin, 'create', 'token', 'bob')).trim();
    const discovery = (await (await server.fetch('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    assert.deepEqual(discovery, {
      issuer: 'https://kubernetes.default.svc.cluster.local',
      jwks_uri: `${server.url}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwksRes = await server.fetch('/openid/v1/jwks');
    assert.equal(jwksRes.headers.get('content-type'), 'application/jwk-set+json');
    const { payload } = await jwtVerify(fresh, createLocalJWKSet((await jwksRes.json()) as { keys: [] }), { issuer: 'https://kubernetes.default.svc.cluster.local' });
    assert.equal(payload.sub, 'system:serviceaccount:default:bob');
  } finally {
    await server.stop();
    dir.remove();
  }
});

/** A JSON request on a server; the body parsed. */
async function call(f: Fetch, url: string, path: string, method = 'GET', body?: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await f(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/**
 * Replaces every value in swaps (uids, tokens, times) by its name; drops managedFields (their
 * times are each server's clock; the API differential suite compares them) and an empty
 * details.group (Kite's Status says "group":"" where Go leaves it out; the API differential
 * suite reads them alike too).
 */
function normalize(value: unknown, swaps: ReadonlyMap<string, string>): unknown {
  let text = JSON.stringify(value, (k, v: unknown) => (k === 'managedFields' || (k === 'group' && v === '') ? undefined : v));
  for (const [from, to] of swaps) text = text.split(from).join(to);
  return JSON.parse(text);
}

interface Side {
  readonly name: string;
  readonly url: string;
  readonly f: Fetch;
  readonly admin: string | undefined;
  readonly key: KeyObject;
  readonly swaps: Map<string, string>;
  readonly tokens: Map<string, string>;
}

test('TokenRequest, TokenReview and 401s as the real kube-apiserver 1.26 answers them (same issuer, same token file)', { timeout: 240_000 }, async (t) => {
  const skip = referenceAvailable();
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('sa-tokens-diff');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, 'admin-token,admin,1,"system:masters"\n', { mode: 0o600 });
  let reference: KubeReference | undefined;
  let kite: ApiServerProcess | undefined;
  try {
    [reference, kite] = await Promise.all([startKubeReference(), startApiServer(join(dir.path, 'kite'), undefined, [`--token-auth-file=${tokens}`, `--service-account-issuer=${issuer}`, '--controllers='])]);
    const sides: Side[] = [
      { name: 'kube-apiserver', url: reference.url, f: httpsFetch({ insecure: true }), admin: reference.token, key: createPrivateKey(readFileSync(reference.serviceAccountSigningKeyFile)), swaps: new Map(), tokens: new Map() },
      { name: 'kite', url: kite.url, f: httpsFetch({ insecure: true }), admin: 'admin-token', key: createPrivateKey(readFileSync(join(dir.path, 'kite', 'pki', 'sa.key'))), swaps: new Map(), tokens: new Map() },
    ];
    // The same objects on both; their uids are named for comparing.
    for (const s of sides) {
      const create = async (path: string, body: unknown, label: string): Promise<void> => {
        const r = await call(s.f, s.url, path, 'POST', body, s.admin);
        assert.equal(r.status, 201, `${s.name} ${path}: ${JSON.stringify(r.body)}`);
        s.swaps.set((r.body as { metadata: { uid: string } }).metadata.uid, label);
      };
      await create('/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'bob' } }, '<sa-uid>');
      await create('/api/v1/namespaces/default/pods', { metadata: { name: 'p1' }, spec: { serviceAccountName: 'bob', containers: [{ name: 'c', image: 'nginx' }] } }, '<pod-uid>');
      await create('/api/v1/namespaces/default/secrets', { metadata: { name: 's1' }, stringData: { a: 'b' } }, '<secret-uid>');
    }

    /** Answers of both sides compared, after naming tokens, uids and times. */
    const compare = (what: string, answers: ReadonlyArray<{ status: number; body: unknown }>): void => {
      const shown = answers.map((r, i) => {
        const side = sides[i]!;
        const times = new Map<string, string>();
        for (const m of JSON.stringify(r.body).matchAll(/"(creationTimestamp|expirationTimestamp)":"([^"]+)"/g)) times.set(`"${m[2]!}"`, `"<${m[1]!}>"`);
        return normalize(r, new Map([...side.swaps, ...side.tokens, ...times]));
      });
      assert.deepEqual(shown[1], shown[0], `${what}: kite (second) differs from kube-apiserver (first)`);
    };
    /** The same request on both, compared. */
    const same = async (what: string, path: string, method: string, body: (s: Side) => unknown, token?: (s: Side) => string | undefined): Promise<void> => {
      compare(what, await Promise.all(sides.map((s) => call(s.f, s.url, path, method, body(s), token === undefined ? s.admin : token(s)))));
    };

    // TokenRequests: each side keeps its own tokens, named alike.
    const requests: Array<[string, string, unknown]> = [
      ['default', 'bob', { spec: {} }],
      ['audience x', 'bob', { spec: { audiences: ['x'], expirationSeconds: 3600 } }],
      ['pod-bound', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } } }],
      ['secret-bound', 'bob', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's1' } } }],
      ['too short', 'bob', { spec: { expirationSeconds: 10 } }],
      ['a Node', 'bob', { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } } }],
      ['a missing Pod', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } }],
      ['a stale uid', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: 'x' } } }],
      ['a missing account', 'nosuch', { spec: {} }],
    ];
    for (const [label, name, body] of requests) {
      const path = `/api/v1/namespaces/default/serviceaccounts/${name}/token`;
      // The token differs per side: take it out first, then compare the rest.
      const answers = await Promise.all(sides.map((s) => call(s.f, s.url, path, 'POST', body, s.admin)));
      answers.forEach((a, i) => {
        const tok = (a.body as { status?: { token?: string } }).status?.token;
        if (tok !== undefined) sides[i]!.tokens.set(tok, `<token ${label}>`);
      });
      compare(`TokenRequest ${label}`, answers);
      // The claims match too, but for times and uids.
      const claims = answers.map((a, i) => {
        const tok = (a.body as { status?: { token?: string } }).status?.token;
        if (tok === undefined) return undefined;
        const { iat: _i, nbf: _n, exp, ...rest } = decodeJwt(tok);
        return { ...(normalize(rest, sides[i]!.swaps) as object), lifetime: Math.round(((exp ?? 0) - (_i ?? 0)) / 60) };
      });
      assert.deepEqual(claims[1], claims[0], `claims of ${label}`);
    }
    const tokenOf = (s: Side, label: string): string => [...s.tokens].find(([, l]) => l === `<token ${label}>`)![0];

    // Tokens each side signs itself: expired with its own key, forged with another.
    for (const s of sides) {
      const base = decodeJwt(tokenOf(s, 'default'));
      const now = Math.floor(Date.now() / 1000);
      s.tokens.set(await sign({ ...base, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, s.key), '<token expired>');
      s.tokens.set(await sign(base, otherKey()), '<token forged>');
    }
    const review = (label: string | undefined, audiences?: string[]) => (s: Side) => ({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: label === undefined ? 'not-a-token' : label === 'admin' ? 'admin-token' : tokenOf(s, label), ...(audiences === undefined ? {} : { audiences }) },
    });
    const reviews: Array<[string, string | undefined, string[] | undefined]> = [
      ['default', 'default', undefined],
      ['default for x', 'default', ['x']],
      ['audience x for x and y', 'audience x', ['x', 'y']],
      ['audience x for the API server', 'audience x', undefined],
      ['pod-bound', 'pod-bound', undefined],
      ['secret-bound', 'secret-bound', undefined],
      ['expired', 'expired', undefined],
      ['forged', 'forged', undefined],
      ['garbage', undefined, undefined],
      ['the token file', 'admin', undefined],
      ['the token file for x', 'admin', ['x']],
    ];
    const tokenReviews = '/apis/authentication.k8s.io/v1/tokenreviews';
    for (const [what, label, audiences] of reviews) await same(`TokenReview ${what}`, tokenReviews, 'POST', review(label, audiences));
    await same('TokenReview without a token', tokenReviews, 'POST', () => ({ spec: {} }));

    // 401 for a request with each refused token.
    for (const label of ['expired', 'forged', 'audience x']) await same(`GET as ${label}`, '/api/v1/namespaces', 'GET', () => undefined, (s) => tokenOf(s, label));

    // The bound objects and the account deleted: reviews and requests refused alike (kube-apiserver
    // once its 10 s cache of successful authentications lets go; Kite at once).
    for (const s of sides) {
      assert.equal((await call(s.f, s.url, '/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0', 'DELETE', undefined, s.admin)).status, 200);
      assert.equal((await call(s.f, s.url, '/api/v1/namespaces/default/secrets/s1', 'DELETE', undefined, s.admin)).status, 200);
    }
    let seen: unknown[] = [];
    await within(
      'both refuse the pod-bound token',
      async () => {
        const r = await Promise.all(sides.map((s) => call(s.f, s.url, '/api/v1/namespaces', 'GET', undefined, tokenOf(s, 'pod-bound'))));
        seen = r.map((x) => x.status);
        return r.every((x) => x.status === 401);
      },
      () => `(kube-apiserver, kite: ${JSON.stringify(seen)})`,
      // kube-apiserver caches a token's successful authentication for 10 s (--token-success-cache-ttl's default).
      15_000,
    );
    await same('TokenReview pod-bound, Pod deleted', tokenReviews, 'POST', review('pod-bound'));
    await same('TokenReview secret-bound, Secret deleted', tokenReviews, 'POST', review('secret-bound'));
    await same('GET as pod-bound, Pod deleted', '/api/v1/namespaces', 'GET', () => undefined, (s) => tokenOf(s, 'pod-bound'));
    for (const s of sides) assert.equal((await call(s.f, s.url, '/api/v1/namespaces/default/serviceaccounts/bob', 'DELETE', undefined, s.admin)).status, 200);
    await within(
      'both refuse the token of the deleted account',
      async () => {
        const r = await Promise.all(sides.map((s) => call(s.f, s.url, '/api/v1/namespaces', 'GET', undefined, tokenOf(s, 'default'))));
        seen = r.map((x) => x.status);
        return r.every((x) => x.status === 401);
      },
      () => `(kube-apiserver, kite: ${JSON.stringify(seen)})`,
      // kube-apiserver caches a token's successful authentication for 10 s (--token-success-cache-ttl's default).
      15_000,
    );
    await same('TokenReview, ServiceAccount deleted', tokenReviews, 'POST', review('default'));
    await same('GET, ServiceAccount deleted', '/api/v1/namespaces', 'GET', () => undefined, (s) => tokenOf(s, 'default'));

    // Issuer discovery: the same document but for where the keys are; the same kind of keys.
    const [refDoc, kiteDoc] = await Promise.all(sides.map(async (s) => (await call(s.f, s.url, '/.well-known/openid-configuration', 'GET', undefined, s.admin)).body));
    const withoutUri = (d: unknown): unknown => ({ ...(d as Record<string, unknown>), jwks_uri: String((d as Record<string, unknown>).jwks_uri).replace(/^https:\/\/[^/]+/, '<server>') });
    assert.deepEqual(withoutUri(kiteDoc), withoutUri(refDoc));
    const jwks = await Promise.all(sides.map(async (s) => (await call(s.f, s.url, '/openid/v1/jwks', 'GET', undefined, s.admin)).body as { keys: Array<Record<string, string>> }));
    assert.deepEqual(jwks.map((j) => j.keys.map((k) => Object.keys(k))), [jwks[0]!.keys.map((k) => Object.keys(k)), jwks[0]!.keys.map((k) => Object.keys(k))]);
    assert.deepEqual(jwks[1]!.keys.map((k) => [k.use, k.kty, k.alg, k.e]), jwks[0]!.keys.map((k) => [k.use, k.kty, k.alg, k.e]));
  } catch (err) {
    if (reference !== undefined) t.diagnostic(reference.output().slice(-2000));
    throw err;
  } finally {
    await kite?.stop();
    await reference?.stop();
    dir.remove();
  }
});
