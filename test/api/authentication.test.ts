import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../api/app.js';
import { unionAuthenticator } from '../../api/authentication/authenticator.js';
import { bearerTokenAuthenticator, staticTokens } from '../../api/authentication/bearer-token.js';
import { parseTokenFile } from '../../api/authentication/token-file.js';
import type { UserInfo } from '../../api/authentication/user-info.js';
import { x509Authenticator } from '../../api/authentication/x509-authenticator.js';
import type { AuthorizationAttributes, Authorizer } from '../../api/authorization/authorizer.js';
import { KiteRegistry } from '../../registry/registry.js';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../../storage/embed/run-member.js';
import { httpsFetch, type ClientTls } from '../helpers/https-fetch.js';
import { tempDir } from '../helpers/processes.js';
import { TestCa, type CertFiles } from '../helpers/tls-certs.js';

/**
 * The request chain's authentication and authorization filters, in process, on a real
 * https listener, registry and embedded store: who each kind of credential makes the
 * request's user (what an authorizer is asked about), what fails with 401, and how a
 * refusal from an authorizer is worded (403).
 */

const dir = tempDir('authn');
let member: RunningMember;
let client: EmbeddedStoreClient;
const servers: Server[] = [];
let ca: TestCa;
let other: TestCa;
let serving: CertFiles;
let alice: CertFiles;
let mallory: CertFiles;
let noName: CertFiles;
let registry: KiteRegistry;

const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

const tokens = parseTokenFile(['tok-bob,bob,1001,"dev,ops"', 'tok-carol,carol,1002', ''].join('\n'), 'tokens.csv');

before(async () => {
  const { values, explicit } = resolveFlags({ 'data-dir': `${dir.path}/store` }, {});
  member = await runMember(buildMemberConfig(values, explicit), { serveClients: false });
  client = new EmbeddedStoreClient(member.store, member.watchable);
  registry = new KiteRegistry(client);
  await registry.start();
  ca = await TestCa.create(dir.path, 'clients');
  other = await TestCa.create(dir.path, 'other');
  serving = await ca.issue('server');
  alice = await ca.issue('alice', { organizations: ['devs', 'admins'] });
  mallory = await other.issue('mallory', { organizations: ['system:masters'] });
  noName = await ca.issue('', { file: 'no-name' });
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await client.close();
  await member.stop();
  dir.remove();
});

/** An https server with the filters, recording what its authorizer is asked; returns its URL. */
async function serve(o: { anonymous: boolean; authorizer?: Authorizer }): Promise<{ url: string; asked: AuthorizationAttributes[] }> {
  const asked: AuthorizationAttributes[] = [];
  const recording: Authorizer = o.authorizer ?? {
    name: 'recording',
    authorize: (a) => {
      asked.push(a);
      return { decision: 'allow', reason: '' };
    },
  };
  const app = createApiApp({
    registry,
    serverAddress: '127.0.0.1:0',
    authenticator: unionAuthenticator([x509Authenticator, bearerTokenAuthenticator(staticTokens(tokens))]),
    anonymous: o.anonymous,
    authorizer: recording,
  });
  const server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key), ca: readFileSync(ca.caFile), requestCert: true, rejectUnauthorized: false }, app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

function tlsOf(files?: CertFiles): ClientTls {
  return { ca: readFileSync(ca.caFile), ...(files === undefined ? {} : { cert: readFileSync(files.cert), key: readFileSync(files.key) }) };
}

async function get(url: string, tls: ClientTls, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await httpsFetch(tls)(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const userOf = (asked: readonly AuthorizationAttributes[]): UserInfo => {
  assert.equal(asked.length, 1, 'the authorizer was asked once');
  return asked[0]!.user;
};

test('a client certificate from the client CA: CN is the user, O the groups, plus system:authenticated', async () => {
  const s = await serve({ anonymous: false });
  const r = await get(`${s.url}/api/v1/namespaces/default/configmaps`, tlsOf(alice));
  assert.equal(r.status, 200);
  assert.deepEqual(userOf(s.asked), { name: 'alice', uid: '', groups: ['devs', 'admins', 'system:authenticated'], extra: {} });
  const a = s.asked[0]!;
  assert.deepEqual(
    { verb: a.verb, isResourceRequest: a.isResourceRequest, apiGroup: a.apiGroup, apiVersion: a.apiVersion, resource: a.resource, namespace: a.namespace, name: a.name },
    { verb: 'list', isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'configmaps', namespace: 'default', name: '' },
  );
});

test('a bearer token from the token file: user, uid and groups of its record', async () => {
  const s = await serve({ anonymous: false });
  assert.equal((await get(`${s.url}/version`, tlsOf(), { authorization: 'Bearer tok-bob' })).status, 200);
  assert.deepEqual(userOf(s.asked), { name: 'bob', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'], extra: {} });
  s.asked.length = 0;
  assert.equal((await get(`${s.url}/version`, tlsOf(), { authorization: 'bearer tok-carol' })).status, 200);
  assert.deepEqual(userOf(s.asked), { name: 'carol', uid: '1002', groups: ['system:authenticated'], extra: {} });
});

test('refused with 401 and the Unauthorized Status: no credentials, an unknown token, a certificate from another CA', async () => {
  const s = await serve({ anonymous: false });
  const cases: Array<[string, ClientTls, Record<string, string>]> = [
    ['no credentials', tlsOf(), {}],
    ['an unknown token', tlsOf(), { authorization: 'Bearer nope' }],
    ['a certificate from another CA', tlsOf(mallory), {}],
    ['a certificate from another CA and an unknown token', tlsOf(mallory), { authorization: 'Bearer nope' }],
  ];
  for (const path of ['/livez', '/readyz', '/healthz', '/version', '/api', '/api/v1/namespaces', '/metrics', '/openapi/v2', '/no/such/path']) {
    for (const [what, tls, headers] of cases) {
      const r = await get(`${s.url}${path}`, tls, headers);
      assert.equal(r.status, 401, `${what} on ${path}`);
      assert.deepEqual(r.body, unauthorized, `${what} on ${path}`);
    }
  }
  assert.equal(s.asked.length, 0, 'nothing unauthenticated reached the authorizer');
});

test('a valid certificate wins over a bad token, as in kube-apiserver (the first authenticator that succeeds)', async () => {
  const s = await serve({ anonymous: false });
  assert.equal((await get(`${s.url}/version`, tlsOf(alice), { authorization: 'Bearer nope' })).status, 200);
  assert.equal(userOf(s.asked).name, 'alice');
});

test('a certificate without a common name names no user: like no credentials', async () => {
  const refusing = await serve({ anonymous: false });
  assert.equal((await get(`${refusing.url}/version`, tlsOf(noName))).status, 401);
  const anonymous = await serve({ anonymous: true });
  assert.equal((await get(`${anonymous.url}/version`, tlsOf(noName))).status, 200);
  assert.equal(userOf(anonymous.asked).name, 'system:anonymous');
});

test('--anonymous-auth: no credentials is system:anonymous in system:unauthenticated; bad credentials still 401', async () => {
  const s = await serve({ anonymous: true });
  assert.equal((await get(`${s.url}/api/v1/namespaces`, tlsOf())).status, 200);
  assert.deepEqual(userOf(s.asked), { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} });
  assert.deepEqual((await get(`${s.url}/api/v1/namespaces`, tlsOf(), { authorization: 'Bearer nope' })).body, unauthorized);
  assert.deepEqual((await get(`${s.url}/api/v1/namespaces`, tlsOf(mallory))).body, unauthorized);
});

test("an authorizer's refusal is 403 Forbidden, worded as kube-apiserver words it", async () => {
  const deny: Authorizer = { name: 'deny', authorize: () => ({ decision: 'noOpinion', reason: '' }) };
  const s = await serve({ anonymous: false, authorizer: deny });
  const forbidden = (message: string, details: Record<string, string>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
  assert.deepEqual(
    (await get(`${s.url}/api/v1/namespaces/team-a/pods`, tlsOf(alice))).body,
    forbidden('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-a"', { kind: 'pods' }),
  );
  assert.deepEqual(
    (await get(`${s.url}/apis/apps/v1/deployments`, tlsOf(alice))).body,
    forbidden('deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" at the cluster scope', { group: 'apps', kind: 'deployments' }),
  );
  assert.deepEqual(
    (await get(`${s.url}/api/v1/namespaces/team-a/pods/web/log`, tlsOf(alice))).body,
    forbidden('pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "team-a"', { name: 'web', kind: 'pods' }),
  );
  assert.deepEqual((await get(`${s.url}/healthz`, tlsOf(alice))).body, forbidden('forbidden: User "alice" cannot get path "/healthz"', {}));
  const withReason: Authorizer = { name: 'deny', authorize: () => ({ decision: 'deny', reason: 'not today' }) };
  const t = await serve({ anonymous: false, authorizer: withReason });
  assert.equal(
    ((await get(`${t.url}/api/v1/namespaces`, tlsOf(alice))).body as { message: string }).message,
    'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope: not today',
  );
});
