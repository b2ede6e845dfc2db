import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { ApiError } from '../../registry/generic/api-error.js';
import type { ResourceStore } from '../../registry/generic/resource-store.js';
import { KiteRegistry } from '../../registry/registry.js';
import { goQuoteList, type ServiceAccountTokens } from '../../registry/serviceaccount/service-account-tokens.js';
import { jwkOf, keyIdOf, parseSigningKey, parseVerificationKeys } from '../../registry/serviceaccount/token-keys.js';
import { embeddedStore } from './harness.js';

/**
 * ServiceAccount tokens in process, on a real registry and store: what TokenRequest
 * answers and refuses (kube-apiserver's codes and messages), the claims of an issued
 * token, every reason a token is refused, and how the checks' cache behaves when a
 * ServiceAccount or Pod is deleted. Time is injected: expiry is tested by moving the
 * clock, not by waiting.
 */

const issuer = 'https://kubernetes.default.svc.cluster.local';

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

interface Harness {
  readonly registry: KiteRegistry;
  readonly tokens: ServiceAccountTokens;
  readonly store: (resource: string) => ResourceStore;
  /** Moves the injected clock. */
  advance(seconds: number): void;
  /** POST serviceaccounts/<name>/token in namespace default. */
  request(name: string, body: unknown): Promise<{ code: number; body: Record<string, unknown> }>;
}

async function withTokens(fn: (h: Harness) => Promise<void>): Promise<void> {
  const s = await embeddedStore();
  let now = Date.parse('2026-12-05T12:00:00Z');
  const signingKey = parseSigningKey(rsaPem(), 'test');
  const registry = new KiteRegistry(s.client, {
    now: () => new Date(now),
    serviceAccountTokens: { issuers: [issuer], apiAudiences: [issuer], signingKey, verificationKeys: [signingKey] },
  });
  try {
    await registry.start();
    const store = (resource: string): ResourceStore => registry.store('', 'v1', resource)!;
    await store('serviceaccounts').create('default', { metadata: { name: 'bob' } });
    await store('serviceaccounts').create('default', { metadata: { name: 'other' } });
    await store('pods').create('default', { metadata: { name: 'p1' }, spec: { serviceAccountName: 'bob', containers: [{ name: 'c', image: 'nginx' }] } });
    await store('secrets').create('default', { metadata: { name: 's1' }, stringData: { a: 'b' } });
    await fn({
      registry,
      tokens: registry.serviceAccountTokens!,
      store,
      advance: (seconds) => (now += seconds * 1000),
      request: async (name, body) => {
        const r = await store('serviceaccounts').subresource('token')!.create!('default', name, body, {});
        return { code: r.code, body: r.body as Record<string, unknown> };
      },
    });
  } finally {
    await registry.stop();
    await s.close();
  }
}

const tokenOf = (r: { body: Record<string, unknown> }): string => (r.body.status as { token: string }).token;
const uidOf = async (h: Harness, resource: string, name: string): Promise<string> => (await h.store(resource).get('default', name)).metadata.uid!;

test('TokenRequest: the answer, and the claims as kube-apiserver 1.26 writes them (pod-bound, secret-bound, the extended 3607 s pod token)', async () => {
  await withTokens(async (h) => {
    const saUid = await uidOf(h, 'serviceaccounts', 'bob');
    const podUid = await uidOf(h, 'pods', 'p1');
    const secretUid = await uidOf(h, 'secrets', 's1');
    const plain = await h.request('bob', { spec: {} });
    assert.equal(plain.code, 201);
    const { token: _token, ...status } = plain.body.status as Record<string, unknown>;
    assert.deepEqual(
      { ...plain.body, status },
      {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          name: 'bob',
          namespace: 'default',
          creationTimestamp: '2026-12-05T12:00:00Z',
          // The request's fields, the defaulted expiry too, owned by its writer through the token subresource.
          managedFields: [{ manager: 'unknown', operation: 'Update', apiVersion: 'authentication.k8s.io/v1', time: '2026-12-05T12:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:expirationSeconds': {} } }, subresource: 'token' }],
        },
        spec: { audiences: [issuer], expirationSeconds: 3600, boundObjectRef: null },
        status: { expirationTimestamp: '2026-12-05T13:00:00Z' },
      },
    );
    const iat = Date.parse('2026-12-05T12:00:00Z') / 1000;
    const token = tokenOf(plain);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid: h.tokens.options.signingKey.kid });
    // The payload's text: kube-apiserver's claims, in its (alphabetical) order.
    const payload = Buffer.from(token.split('.')[1]!, 'base64url').toString();
    assert.equal(
      payload,
      JSON.stringify({ aud: [issuer], exp: iat + 3600, iat, iss: issuer, 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'bob', uid: saUid } }, nbf: iat, sub: 'system:serviceaccount:default:bob' }),
    );

    const pod = await h.request('bob', { spec: { audiences: ['a', 'b'], expirationSeconds: 7200, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } } });
    assert.deepEqual(decodeJwt(tokenOf(pod)), {
      aud: ['a', 'b'],
      exp: iat + 7200,
      iat,
      iss: issuer,
      'kubernetes.io': { namespace: 'default', pod: { name: 'p1', uid: podUid }, serviceaccount: { name: 'bob', uid: saUid } },
      nbf: iat,
      sub: 'system:serviceaccount:default:bob',
    });
    const secret = await h.request('bob', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's1', uid: secretUid } } });
    assert.deepEqual((decodeJwt(tokenOf(secret))['kubernetes.io'] as Record<string, unknown>).secret, { name: 's1', uid: secretUid });

    // A Pod's projected token (3607 s, the API server's audience) lives a year and says when to warn.
    const extended = await h.request('bob', { spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } } });
    const claims = decodeJwt(tokenOf(extended));
    assert.equal(claims.exp, iat + 365 * 24 * 3600);
    assert.equal((claims['kubernetes.io'] as Record<string, unknown>).warnafter, iat + 3607);
    assert.equal((extended.body.status as Record<string, unknown>).expirationTimestamp, '2026-12-05T13:00:07Z');
    // ... but not when it is for another audience, or not bound to a Pod.
    for (const spec of [{ expirationSeconds: 3607, audiences: ['x'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } }, { expirationSeconds: 3607 }]) {
      assert.equal(decodeJwt(tokenOf(await h.request('bob', { spec }))).exp, iat + 3607);
    }
  });
});

test('TokenRequest refusals: codes, reasons and messages as kube-apiserver 1.26 answers them', async () => {
  await withTokens(async (h) => {
    const cases: Array<[string, string, unknown, number, string, string]> = [
      ['too short', 'bob', { spec: { expirationSeconds: 10 } }, 422, 'Invalid', 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes'],
      ['too long', 'bob', { spec: { expirationSeconds: 5000000000 } }, 422, 'Invalid', 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 5000000000: may not specify a duration larger than 2^32 seconds'],
      ['a Node', 'bob', { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } } }, 400, 'BadRequest', 'cannot bind token to object of type /v1, Kind=Node'],
      ['another group', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'p1' } } }, 400, 'BadRequest', 'cannot bind token to object of type apps/v1, Kind=Pod'],
      ['a missing Pod', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } }, 404, 'NotFound', 'pods "nope" not found'],
      ['a stale uid', 'bob', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: 'x' } } }, 409, 'Conflict', 'Operation cannot be fulfilled on Pod "p1": the UID in the bound object reference (x) does not match the UID in record. The object might have been deleted and then recreated'],
      ['a Pod of another account', 'other', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } } }, 400, 'BadRequest', 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.'],
      ['a missing account', 'nosuch', { spec: {} }, 404, 'NotFound', 'serviceaccounts "nosuch" not found'],
      ['another namespace', 'bob', { metadata: { namespace: 'zz' }, spec: {} }, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'],
    ];
    for (const [what, name, body, code, reason, message] of cases) {
      await assert.rejects(h.request(name, body), (e: unknown) => {
        assert.ok(e instanceof ApiError, what);
        assert.deepEqual({ code: e.code, reason: e.reason, message: e.message }, { code, reason, message }, what);
        return true;
      });
    }
  });
});

test('token checks: accepted with the user kube-apiserver makes; refused when expired, forged, for another audience, or its objects are gone', async () => {
  await withTokens(async (h) => {
    const saUid = await uidOf(h, 'serviceaccounts', 'bob');
    const podUid = await uidOf(h, 'pods', 'p1');
    const token = tokenOf(await h.request('bob', { spec: { audiences: ['a', issuer], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } } }));
    assert.deepEqual(await h.tokens.check(token), {
      kind: 'authenticated',
      user: {
        name: 'system:serviceaccount:default:bob',
        uid: saUid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
        extra: { 'authentication.kubernetes.io/pod-name': ['p1'], 'authentication.kubernetes.io/pod-uid': [podUid] },
      },
      audiences: [issuer],
    });
    assert.deepEqual((await h.tokens.check(token, ['a', 'z'])).kind, 'authenticated');
    assert.deepEqual(await h.tokens.check(token, ['z']), { kind: 'failed', reason: `token audiences ${goQuoteList(['a', issuer])} is invalid for the target audiences ["z"]` });
    assert.equal(goQuoteList(['a', 'b']), '["a" "b"]');

    // Not a JWT, or another issuer's: not ours to judge.
    assert.deepEqual(await h.tokens.check('not-a-token'), { kind: 'none' });
    const key = parseSigningKey(rsaPem(), 'other');
    const foreign = await new SignJWT({ iss: 'https://elsewhere', sub: 'x' }).setProtectedHeader({ alg: 'RS256' }).sign(key.privateKey);
    assert.deepEqual(await h.tokens.check(foreign), { kind: 'none' });
    // Our issuer, another key: forged.
    const claims = decodeJwt(token);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: h.tokens.options.signingKey.kid }).sign(key.privateKey);
    assert.deepEqual(await h.tokens.check(forged), { kind: 'failed', reason: 'square/go-jose: error in cryptographic primitive' });

    // Time: 60 s of leeway on each side, as go-jose allows.
    h.advance(3600 + 59);
    assert.equal((await h.tokens.check(token)).kind, 'authenticated');
    h.advance(2);
    assert.deepEqual(await h.tokens.check(token), { kind: 'failed', reason: 'service account token has expired' });
    h.advance(-(3600 + 61) - 120);
    assert.deepEqual(await h.tokens.check(token), { kind: 'failed', reason: 'service account token is not valid yet' });
    h.advance(120);

    // The bound Pod goes: refused at once (the cache learns it from the watch, not from a timeout).
    await h.store('pods').delete('default', 'p1', { gracePeriodSeconds: 0 });
    await waitFor(async () => (await h.tokens.check(token)).kind === 'failed');
    assert.deepEqual(await h.tokens.check(token), { kind: 'failed', reason: 'service account token has been invalidated' });
    // A Pod of the same name again: another uid.
    await h.store('pods').create('default', { metadata: { name: 'p1' }, spec: { serviceAccountName: 'bob', containers: [{ name: 'c', image: 'nginx' }] } });
    const newPodUid = await uidOf(h, 'pods', 'p1');
    assert.deepEqual(await h.tokens.check(token), { kind: 'failed', reason: `pod UID (${newPodUid}) does not match service account pod ref claim (${podUid})` });

    // The ServiceAccount goes, then comes back with another uid.
    const unbound = tokenOf(await h.request('bob', { spec: {} }));
    await h.store('serviceaccounts').delete('default', 'bob');
    await waitFor(async () => (await h.tokens.check(unbound)).kind === 'failed');
    assert.deepEqual(await h.tokens.check(unbound), { kind: 'failed', reason: 'serviceaccounts "bob" not found' });
    await h.store('serviceaccounts').create('default', { metadata: { name: 'bob' } });
    const newUid = await uidOf(h, 'serviceaccounts', 'bob');
    assert.deepEqual(await h.tokens.check(unbound), { kind: 'failed', reason: `service account UID (${newUid}) does not match claim (${saUid})` });
  });
});

test('token checks are cached: one store read per object while nothing changes; a delete is seen without waiting for the cache to age', async () => {
  await withTokens(async (h) => {
    const token = tokenOf(await h.request('bob', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's1' } } }));
    const lookups = h.registry.boundObjects;
    const before = lookups.reads;
    for (let i = 0; i < 50; i++) assert.equal((await h.tokens.check(token)).kind, 'authenticated');
    assert.equal(lookups.reads - before, 2, 'the ServiceAccount and the Secret, read once each');
    // An unrelated change to another object does not drop the entries.
    await h.store('serviceaccounts').create('default', { metadata: { name: 'carol' } });
    assert.equal((await h.tokens.check(token)).kind, 'authenticated');
    assert.equal(lookups.reads - before, 2);
    // Deleting the Secret: the watch drops its entry; the clock has not moved at all.
    await h.store('secrets').delete('default', 's1');
    await waitFor(async () => (await h.tokens.check(token)).kind === 'failed');
    assert.deepEqual(await h.tokens.check(token), { kind: 'failed', reason: 'service account token has been invalidated' });
  });
});

test('keys: PEM of every kind kube-apiserver reads, key ids and JWKS entries as it computes them', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const spki = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const signing = parseSigningKey(pkcs1, 'sa.key');
  assert.equal(signing.alg, 'RS256');
  assert.equal(signing.kid, keyIdOf(rsa.publicKey));
  assert.match(signing.kid, /^[A-Za-z0-9_-]{43}$/);
  const keys = parseVerificationKeys(`${spki}\n${sec1}`, 'keys.pem');
  assert.deepEqual(keys.map((k) => k.alg), ['RS256', 'ES256']);
  assert.equal(keys[0]!.kid, signing.kid);
  assert.deepEqual(Object.keys(jwkOf(keys[0]!)), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
  assert.deepEqual(Object.keys(jwkOf(keys[1]!)), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
  assert.throws(() => parseVerificationKeys('nothing here', 'empty.pem'), /does not contain any valid RSA or ECDSA public keys/);
  assert.throws(() => parseSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'bad.key'), /failed to parse service account issuer private key from "bad.key"/);
});

/** Polls cond (2 s at most): a watch event arrives a moment after the write that caused it. */
async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail('condition not met in 2 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}
