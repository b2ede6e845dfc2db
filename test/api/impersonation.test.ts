import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../api/app.js';
import { unionAuthenticator } from '../../api/authentication/authenticator.js';
import { bearerTokenAuthenticator, staticTokens } from '../../api/authentication/bearer-token.js';
import { parseTokenFile } from '../../api/authentication/token-file.js';
import { x509Authenticator } from '../../api/authentication/x509-authenticator.js';
import type { AuthorizationAttributes, Authorizer } from '../../api/authorization/authorizer.js';
import { impersonationRequests } from '../../api/filters/impersonation.js';
import { KiteRegistry } from '../../registry/registry.js';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../../storage/embed/run-member.js';
import { tempDir } from '../helpers/processes.js';
import { TestCa, type CertFiles } from '../helpers/tls-certs.js';

/**
 * Impersonation headers through the real request chain (https listener, registry,
 * embedded store) with an authorizer built here that decides as RBAC's bootstrap policy
 * does for these users: system:masters may do anything, impersonation included; the
 * group impersonators may impersonate users and groups only; other users may do
 * anything but impersonate. Until Kite's RBAC authorizer lands
 * (`kite apiserver` is AlwaysAllow), this is where refusals are tested; the texts are
 * those the real kube-apiserver 1.26 answered for the same headers.
 */

const dir = tempDir('impersonation');
let member: RunningMember;
let client: EmbeddedStoreClient;
let server: Server;
let url: string;
let ca: TestCa;
let serving: CertFiles;
/** Every question the authorizer was asked, in order. */
const asked: AuthorizationAttributes[] = [];

const mastersMayImpersonate: Authorizer = {
  name: 'masters-may-impersonate',
  authorize: (a) => {
    asked.push(a);
    if (a.user.groups.includes('system:masters')) return { decision: 'allow', reason: '' };
    if (a.verb !== 'impersonate') return { decision: 'allow', reason: '' };
    const mayImpersonate = a.user.groups.includes('impersonators') && (a.resource === 'users' || a.resource === 'groups');
    return { decision: mayImpersonate ? 'allow' : 'noOpinion', reason: '' };
  },
};

const tokens = parseTokenFile(['tok-admin,admin,1,"system:masters"', 'tok-bob,bob,1001,"dev"', 'tok-carol,carol,1002,"impersonators"', ''].join('\n'), 'tokens.csv');

before(async () => {
  const { values, explicit } = resolveFlags({ 'data-dir': `${dir.path}/store` }, {});
  member = await runMember(buildMemberConfig(values, explicit), { serveClients: false });
  client = new EmbeddedStoreClient(member.store, member.watchable);
  const registry = new KiteRegistry(client);
  await registry.start();
  ca = await TestCa.create(dir.path, 'clients');
  serving = await ca.issue('server');
  const app = createApiApp({
    registry,
    serverAddress: '127.0.0.1:0',
    authenticator: unionAuthenticator([x509Authenticator, bearerTokenAuthenticator(staticTokens(tokens))]),
    authorizer: mastersMayImpersonate,
  });
  server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key), ca: readFileSync(ca.caFile), requestCert: true, rejectUnauthorized: false }, app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await client.close();
  await member.stop();
  dir.remove();
});

/** GET path as the token's user, each header its own line (as Go's client sends repeated headers; fetch would join them). */
async function get(token: string, path: string, headers: Array<[string, string]>): Promise<{ status: number; type: string | null; body: unknown }> {
  asked.length = 0;
  // Raw headers: Node adds no Host of its own then.
  const raw = ['Host', new URL(url).host, 'Authorization', `Bearer ${token}`, ...headers.flat()];
  const { status, type, text } = await new Promise<{ status: number; type: string | null; text: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: readFileSync(ca.caFile), headers: raw as unknown as Record<string, string> }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? null, text }));
    });
    req.on('error', reject);
    req.end();
  });
  return { status, type, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const forbidden = (message: string, details: Record<string, string>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });

test('system:masters may impersonate a user with groups, a uid and extras: each is authorized with the impersonate verb, then the request runs as that user', async () => {
  const r = await get('tok-admin', '/api/v1/namespaces/default/configmaps', [
    ['Impersonate-User', 'alice'],
    ['Impersonate-Group', 'g1'],
    ['Impersonate-Group', 'g2'],
    ['Impersonate-Uid', 'u-1'],
    ['Impersonate-Extra-Scopes', 'read'],
    ['Impersonate-Extra-acme.com%2Fproject', 'p1'],
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const questions = asked.map((a) => [a.verb, a.apiGroup, a.resource, a.subresource, a.namespace, a.name, a.user.name]);
  assert.deepEqual(questions, [
    ['impersonate', '', 'users', '', '', 'alice', 'admin'],
    ['impersonate', '', 'groups', '', '', 'g1', 'admin'],
    ['impersonate', '', 'groups', '', '', 'g2', 'admin'],
    ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', '', 'read', 'admin'],
    ['impersonate', 'authentication.k8s.io', 'userextras', 'acme.com/project', '', 'p1', 'admin'],
    ['impersonate', 'authentication.k8s.io', 'uids', '', '', 'u-1', 'admin'],
    ['list', '', 'configmaps', '', 'default', '', 'alice'],
  ]);
  assert.deepEqual(asked.at(-1)!.user, { name: 'alice', uid: 'u-1', groups: ['g1', 'g2', 'system:authenticated'], extra: { scopes: ['read'], 'acme.com/project': ['p1'] } });
});

test('impersonating a ServiceAccount: authorized on serviceaccounts in its namespace; its groups unless groups are given; system:anonymous gets system:unauthenticated', async () => {
  await get('tok-admin', '/api/v1/namespaces', [['Impersonate-User', 'system:serviceaccount:default:builder']]);
  assert.deepEqual([asked[0]!.resource, asked[0]!.namespace, asked[0]!.name], ['serviceaccounts', 'default', 'builder']);
  assert.deepEqual(asked.at(-1)!.user, { name: 'system:serviceaccount:default:builder', uid: '', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'], extra: {} });
  await get('tok-admin', '/api/v1/namespaces', [['Impersonate-User', 'system:serviceaccount:default:builder'], ['Impersonate-Group', 'ops']]);
  assert.deepEqual(asked.at(-1)!.user.groups, ['ops', 'system:authenticated']);
  // Not a valid service account name: an ordinary user.
  await get('tok-admin', '/api/v1/namespaces', [['Impersonate-User', 'system:serviceaccount:Bad_NS:x']]);
  assert.equal(asked[0]!.resource, 'users');
  await get('tok-admin', '/api/v1/namespaces', [['Impersonate-User', 'system:anonymous']]);
  assert.deepEqual(asked.at(-1)!.user.groups, ['system:unauthenticated']);
  await get('tok-admin', '/api/v1/namespaces', [['Impersonate-User', 'carol'], ['Impersonate-Group', 'system:unauthenticated']]);
  assert.deepEqual(asked.at(-1)!.user.groups, ['system:unauthenticated']);
});

test('a token-file user outside system:masters is refused with kube-apiserver 1.26\'s 403 for the first thing it may not impersonate', async () => {
  const user = await get('tok-bob', '/api/v1/namespaces', [['Impersonate-User', 'alice']]);
  assert.equal(user.status, 403);
  assert.deepEqual(user.body, forbidden('users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope', { name: 'alice', kind: 'users' }));
  assert.equal(asked.length, 1, 'refused at the first question; the request itself never authorized');
  const sa = await get('tok-bob', '/api/v1/namespaces', [['Impersonate-User', 'system:serviceaccount:default:bob']]);
  assert.deepEqual(sa.body, forbidden('serviceaccounts "bob" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"', { name: 'bob', kind: 'serviceaccounts' }));
});

test('an extra or a uid refused: the resource, subresource and group kube-apiserver 1.26 names', async () => {
  const headers: Array<[string, string]> = [['Impersonate-User', 'alice'], ['Impersonate-Group', 'g1']];
  assert.equal((await get('tok-carol', '/api/v1/namespaces', headers)).status, 200, 'carol may impersonate users and groups');
  const extra = await get('tok-carol', '/api/v1/namespaces', [...headers, ['Impersonate-Extra-Scopes', 'read']]);
  assert.deepEqual(
    extra.body,
    forbidden('userextras.authentication.k8s.io "read" is forbidden: User "carol" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope', {
      name: 'read',
      group: 'authentication.k8s.io',
      kind: 'userextras',
    }),
  );
  const uid = await get('tok-carol', '/api/v1/namespaces', [...headers, ['Impersonate-Uid', 'u-1']]);
  assert.deepEqual(
    uid.body,
    forbidden('uids.authentication.k8s.io "u-1" is forbidden: User "carol" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope', { name: 'u-1', group: 'authentication.k8s.io', kind: 'uids' }),
  );
  assert.deepEqual(
    impersonationRequests(['Impersonate-User', 'alice', 'impersonate-extra-Scopes', 'a', 'Impersonate-Uid', 'u']).map((r) => [r.kind, r.name, r.apiVersion, r.fieldPath]),
    [
      ['User', 'alice', '', ''],
      ['UserExtra', 'a', 'authentication.k8s.io/v1', 'scopes'],
      ['UID', 'u', 'authentication.k8s.io/v1', ''],
    ],
  );
});

test('groups, a uid or extras without a user: kube-apiserver\'s plain-text 500', async () => {
  const groups = await get('tok-admin', '/api/v1/namespaces?limit=1', [['Impersonate-Group', 'g1']]);
  assert.deepEqual(groups, { status: 500, type: 'text/plain; charset=utf-8', body: 'Internal Server Error: "/api/v1/namespaces?limit=1": requested [{Group  g1    }] without impersonating a user\n' });
  const uid = await get('tok-admin', '/api/v1/namespaces', [['Impersonate-Uid', 'u1']]);
  assert.equal(uid.body, 'Internal Server Error: "/api/v1/namespaces": requested [{UID  u1  authentication.k8s.io/v1  }] without impersonating a user\n');
  const extra = await get('tok-admin', '/api/v1/namespaces', [['Impersonate-Extra-Scopes', 'a']]);
  assert.equal(extra.body, 'Internal Server Error: "/api/v1/namespaces": requested [{UserExtra  a  authentication.k8s.io/v1  scopes}] without impersonating a user\n');
  assert.equal(asked.length, 0, 'nothing was authorized');
});
