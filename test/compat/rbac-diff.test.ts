import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.js';
import { httpsFetch } from '../helpers/https-fetch.js';
import { missingKube, startControllerManager, type ComponentProcess } from '../helpers/kube-components.js';
import { referenceAdminToken, referenceAvailable, selfSubjectReviewArgs, startKubeReference, type KubeReference } from '../helpers/kube-reference.js';
import { missingTool, tempDir } from '../helpers/processes.js';

/**
 * RBAC, differentially: a real kube-apiserver 1.26 (--authorization-mode=RBAC, with
 * kube-controller-manager's clusterrole-aggregation controller beside it) and Kite
 * (RBAC by default, aggregation in process), with the same token-file users and the
 * same bindings created in both. Compared: the bootstrap policy as listed, a matrix of
 * decisions (SubjectAccessReviews, and real requests with each user's token: codes and
 * 403 bodies), escalation attempts (codes and Status bodies), and `kubectl auth can-i`
 * and `can-i --list` output.
 */

/** Users of the token file: name, groups (kube-apiserver adds system:authenticated). */
const users: ReadonlyArray<{ token: string; name: string; groups: readonly string[] }> = [
  { token: 'alice-token', name: 'alice', groups: ['dev'] },
  { token: 'bob-token', name: 'bob', groups: [] },
  { token: 'carol-token', name: 'carol', groups: ['qa', 'dev'] },
  { token: 'dave-token', name: 'dave', groups: ['ops-team'] },
  { token: 'erin-token', name: 'erin', groups: [] },
  { token: 'frank-token', name: 'frank', groups: ['scalers'] },
  { token: 'gina-token', name: 'gina', groups: [] },
  { token: 'builder-token', name: 'system:serviceaccount:team-a:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a'] },
  { token: 'ops-token', name: 'olga', groups: ['ops'] },
];

const tokenFile = (): string =>
  [`${referenceAdminToken},admin,1,"system:masters"`, ...users.map((u, i) => `${u.token},${u.name},${100 + i}${u.groups.length > 0 ? `,"${u.groups.join(',')}"` : ''}`)].join('\n') + '\n';

interface Target {
  readonly name: string;
  readonly url: string;
  call(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ code: number; body: unknown }>;
}

function target(name: string, url: string): Target {
  const f = httpsFetch({ insecure: true });
  return {
    name,
    url,
    call: async (token, method, path, body) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await f(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a plain-text 404): compared as text.
      }
      return { code: r.status, body: parsed };
    },
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An object without what differs between any two servers (uid, resourceVersion,
 * timestamps, managedFields), its keys sorted: field order is not compared.
 */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalized);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) {
    if (['uid', 'resourceVersion', 'creationTimestamp', 'managedFields'].includes(k)) continue;
    out[k] = normalized(v[k]);
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const admin = referenceAdminToken;
const rbac = '/apis/rbac.authorization.k8s.io/v1';

/** The bindings and roles both servers get, created by the admin. */
function setupObjects(): Array<[string, Obj]> {
  const userSubject = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
  const groupSubject = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
  const binding = (kind: string, name: string, ns: string | undefined, roleKind: string, role: string, subjects: unknown[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(ns === undefined ? {} : { namespace: ns }) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects,
  });
  return [
    ['/api/v1/namespaces', { metadata: { name: 'team-a' } }],
    ['/api/v1/namespaces', { metadata: { name: 'team-b' } }],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'alice-view', 'team-a', 'ClusterRole', 'view', [userSubject('alice')])],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'qa-edit', 'team-a', 'ClusterRole', 'edit', [groupSubject('qa')])],
    [`${rbac}/namespaces/team-b/rolebindings`, binding('RoleBinding', 'dave-admin', 'team-b', 'ClusterRole', 'admin', [userSubject('dave')])],
    [
      `${rbac}/namespaces/team-b/roles`,
      { metadata: { name: 'pod-reader', namespace: 'team-b' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }] },
    ],
    [`${rbac}/namespaces/team-b/rolebindings`, binding('RoleBinding', 'bob-pods', 'team-b', 'Role', 'pod-reader', [userSubject('bob')])],
    [
      `${rbac}/namespaces/team-a/roles`,
      { metadata: { name: 'one-configmap', namespace: 'team-a' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cm1'], verbs: ['get', 'update'] }] },
    ],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'carol-cm1', 'team-a', 'Role', 'one-configmap', [userSubject('carol')])],
    [`${rbac}/clusterrolebindings`, binding('ClusterRoleBinding', 'ops-view', undefined, 'ClusterRole', 'view', [groupSubject('ops')])],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'erin-missing', 'team-a', 'ClusterRole', 'does-not-exist', [userSubject('erin')])],
    [`${rbac}/clusterrolebindings`, binding('ClusterRoleBinding', 'erin-missing-too', undefined, 'ClusterRole', 'also-missing', [userSubject('erin')])],
    [
      `${rbac}/clusterroles`,
      {
        metadata: { name: 'scaler' },
        rules: [
          { apiGroups: ['*'], resources: ['*/scale'], verbs: ['get', 'update', 'patch'] },
          { nonResourceURLs: ['/custom/*', '/metrics'], verbs: ['get'] },
        ],
      },
    ],
    [`${rbac}/clusterrolebindings`, binding('ClusterRoleBinding', 'scalers', undefined, 'ClusterRole', 'scaler', [groupSubject('scalers')])],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'builder-edit', 'team-a', 'ClusterRole', 'edit', [{ kind: 'ServiceAccount', name: 'builder' }])],
    // Escalation fixtures: dave may escalate roles and bind view in team-b; gina may create cluster roles.
    [
      `${rbac}/clusterroles`,
      {
        metadata: { name: 'role-maker' },
        rules: [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create', 'get', 'list'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['*'] },
        ],
      },
    ],
    [`${rbac}/clusterrolebindings`, binding('ClusterRoleBinding', 'gina-role-maker', undefined, 'ClusterRole', 'role-maker', [userSubject('gina')])],
    [`${rbac}/namespaces/team-a/roles`, { metadata: { name: 'escalator', namespace: 'team-a' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'create'] }] }],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'frank-escalator', 'team-a', 'Role', 'escalator', [userSubject('frank')])],
    [
      `${rbac}/namespaces/team-a/roles`,
      { metadata: { name: 'binder', namespace: 'team-a' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] }] },
    ],
    [`${rbac}/namespaces/team-a/rolebindings`, binding('RoleBinding', 'gina-binder', 'team-a', 'Role', 'binder', [userSubject('gina')])],
  ];
}

/** The (verb, group, resource, subresource) the matrix asks about. */
const matrixResources: ReadonlyArray<{ group: string; resource: string; subresource?: string }> = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'pods', subresource: 'log' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'secrets' },
  { group: 'apps', resource: 'deployments' },
  { group: 'apps', resource: 'deployments', subresource: 'scale' },
  { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  { group: '', resource: 'nodes' },
  { group: '', resource: 'namespaces' },
];
const matrixVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const matrixNamespaces = ['team-a', 'team-b', 'default', ''];
const nonResourcePaths = ['/api', '/apis/apps', '/healthz', '/version', '/metrics', '/custom/x', '/.well-known/openid-configuration', '/openid/v1/jwks', '/foo'];

test('RBAC decisions, 403 bodies, escalation and kubectl auth can-i as kube-apiserver 1.26 with the same policy and users', { timeout: 600_000 }, async (t) => {
  const skip = referenceAvailable() || missingKube('kube-controller-manager') || missingTool('kubectl', 'kubectl');
  if (skip) {
    t.skip(skip);
    return;
  }
  const dir = tempDir('rbac-diff');
  const tokens = join(dir.path, 'tokens.csv');
  writeFileSync(tokens, tokenFile(), { mode: 0o600 });
  let reference: KubeReference | undefined;
  let kite: ApiServerProcess | undefined;
  let kcm: ComponentProcess | undefined;
  try {
    [reference, kite] = await Promise.all([
      // The reference: RBAC, no anonymous requests (Kite refuses them with 401 by default), the same
      // users, and SelfSubjectReview on (system:basic-user's rule for it is in Kite's policy).
      startKubeReference({ extraArgs: ['--anonymous-auth=false', `--token-auth-file=${tokens}`, ...selfSubjectReviewArgs] }),
      startApiServer(join(dir.path, 'kite'), undefined, [`--token-auth-file=${tokens}`]),
    ]);
    const refKubeconfig = join(dir.path, 'reference.kubeconfig');
    writeFileSync(
      refKubeconfig,
      ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${reference.url}`, '    insecure-skip-tls-verify: true', 'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', 'users:', '- name: u', '  user:', `    token: ${admin}`, ''].join('\n'),
    );
    // kube-apiserver leaves admin, edit and view empty: kube-controller-manager's aggregation fills them.
    kcm = await startControllerManager(refKubeconfig, dir.path, ['clusterrole-aggregation']);
    const targets: [Target, Target] = [target('reference', reference.url), target('kite', kite.url)];
    // Aggregation runs in steps (view into edit, edit into admin): admin is complete once it
    // holds view's read rule on namespaces, which reaches it through edit.
    for (const tg of targets) {
      await until(`${tg.name}: admin has aggregated view's rules through edit`, async () => {
        const r = await tg.call(admin, 'GET', `${rbac}/clusterroles/admin`);
        const rules = r.code === 200 && isObj(r.body) && Array.isArray(r.body['rules']) ? (r.body['rules'] as Obj[]) : [];
        return rules.some((rule) => JSON.stringify(rule['resources']) === '["namespaces"]' && JSON.stringify(rule['verbs']) === '["get","list","watch"]');
      });
    }

    // 1. The bootstrap policy, as listed (aggregated roles included).
    for (const kind of ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']) {
      const [a, b] = await Promise.all(targets.map((tg) => tg.call(admin, 'GET', `${rbac}/${kind}`)));
      const items = (r: { body: unknown }) => new Map((isObj(r.body) && Array.isArray(r.body['items']) ? (r.body['items'] as Obj[]) : []).map((o) => [JSON.stringify([(o['metadata'] as Obj)['namespace'], (o['metadata'] as Obj)['name']]), JSON.stringify(normalized(o))]));
      const [onReference, onKite] = [items(a!), items(b!)];
      const differing = [...new Set([...onReference.keys(), ...onKite.keys()])].filter((k) => onReference.get(k) !== onKite.get(k));
      assert.deepEqual(
        differing.map((k) => `${k}\n  reference: ${onReference.get(k) ?? 'absent'}\n  kite:      ${onKite.get(k) ?? 'absent'}`),
        [],
        `${kind}: the bootstrap policy`,
      );
      t.diagnostic(`bootstrap ${kind}: ${onReference.size} objects, equal`);
    }

    // 2. The same roles and bindings in both.
    for (const [path, body] of setupObjects()) {
      const results = await Promise.all(targets.map((tg) => tg.call(admin, 'POST', path, body)));
      for (const [i, r] of results.entries()) assert.equal(r.code, 201, `${targets[i]!.name} POST ${path}: ${JSON.stringify(r.body)}`);
    }
    // Both authorize from watch-fed caches: wait until the last binding counts on each.
    for (const tg of targets) {
      await until(`${tg.name}: gina's binding is in effect`, async () => {
        const r = await tg.call('gina-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { namespace: 'team-a', verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' } } });
        return isObj(r.body) && isObj(r.body['status']) && r.body['status']['allowed'] === true;
      });
    }

    // 3. The decision matrix, through SubjectAccessReviews.
    let decisions = 0;
    let allowedCount = 0;
    const differences: string[] = [];
    const review = async (spec: Obj): Promise<void> => {
      const [a, b] = await Promise.all(targets.map((tg) => tg.call(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec })));
      decisions++;
      if (isObj(a!.body) && isObj(a!.body['status']) && a!.body['status']['allowed'] === true) allowedCount++;
      const sa = isObj(a!.body) ? a!.body['status'] : undefined;
      const sb = isObj(b!.body) ? b!.body['status'] : undefined;
      if (a!.code !== b!.code || !isObj(sa) || !isObj(sb)) {
        differences.push(`${JSON.stringify(spec)}: ${a!.code} ${JSON.stringify(a!.body)} vs ${b!.code} ${JSON.stringify(b!.body)}`);
        return;
      }
      // Which binding allows is reported, but when several do, kube-apiserver names whichever its cache yields first.
      const view = (s: Obj) => ({ allowed: s['allowed'], denied: s['denied'], evaluationError: s['evaluationError'], reason: s['allowed'] === true ? String(s['reason'] ?? '').replace(/ by .*/, ' by ...') : s['reason'] });
      if (JSON.stringify(view(sa)) !== JSON.stringify(view(sb))) differences.push(`${JSON.stringify(spec)}: reference ${JSON.stringify(sa)}, kite ${JSON.stringify(sb)}`);
    };
    for (const u of users) {
      const who = { user: u.name, groups: [...u.groups, 'system:authenticated'] };
      for (const r of matrixResources) {
        for (const verb of matrixVerbs) {
          for (const namespace of matrixNamespaces) {
            await review({ ...who, resourceAttributes: { namespace, verb, group: r.group, resource: r.resource, ...(r.subresource === undefined ? {} : { subresource: r.subresource }) } });
          }
        }
      }
      // Names: one ConfigMap by name, another not.
      for (const name of ['cm1', 'cm2']) for (const verb of ['get', 'update', 'delete']) await review({ ...who, resourceAttributes: { namespace: 'team-a', verb, resource: 'configmaps', name } });
      for (const path of nonResourcePaths) for (const verb of ['get', 'post']) await review({ ...who, nonResourceAttributes: { path, verb } });
    }
    t.diagnostic(`SubjectAccessReview matrix: ${decisions} decisions (${allowedCount} allowed by the reference), ${decisions - differences.length} equal`);
    assert.deepEqual(differences, [], 'SubjectAccessReview decisions differ');
    // A matrix of all-yes or all-no would prove little.
    assert.ok(allowedCount > decisions / 10 && allowedCount < decisions - decisions / 10, `a mix of decisions: ${allowedCount} of ${decisions} allowed`);

    // 4. Real requests with each user's token: the same codes, and the same 403 bodies.
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/namespaces/team-a/pods'],
      ['GET', '/api/v1/namespaces/team-b/pods'],
      ['GET', '/api/v1/pods'],
      ['GET', '/api/v1/namespaces/team-b/pods/p1/log'],
      ['GET', '/api/v1/namespaces/team-a/secrets'],
      ['GET', '/api/v1/namespaces/team-a/configmaps/cm1'],
      ['GET', '/api/v1/namespaces/team-a/configmaps/cm2'],
      ['GET', '/api/v1/namespaces/team-a/configmaps?fieldSelector=metadata.name%3Dcm1'],
      ['GET', '/api/v1/namespaces/team-a/configmaps?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dcm2'],
      ['PUT', '/api/v1/namespaces/team-b/finalize', { metadata: { name: 'team-b' }, spec: { finalizers: ['kubernetes'] } }],
      ['GET', '/api/v1/namespaces/team-b/status'],
      ['GET', '/api/v1/nodes'],
      ['GET', '/api/v1/nodes/n1'],
      ['GET', '/apis/apps/v1/namespaces/team-a/deployments'],
      ['GET', '/apis/apps/v1/namespaces/team-b/deployments/d1/scale'],
      ['GET', `${rbac}/clusterroles`],
      ['GET', `${rbac}/namespaces/team-b/roles`],
      ['DELETE', '/api/v1/namespaces/team-a/configmaps'],
      ['POST', '/api/v1/namespaces/team-a/configmaps?dryRun=All', { metadata: { name: 'x' } }],
      ['POST', '/api/v1/namespaces?dryRun=All', { metadata: { name: 'x' } }],
      ['GET', '/healthz'],
      ['GET', '/version'],
      ['GET', '/metrics'],
      ['GET', '/custom/x'],
      ['GET', '/foo'],
      ['GET', '/apis'],
    ];
    let requestsCompared = 0;
    let forbiddenCount = 0;
    const requestDifferences: string[] = [];
    for (const u of users) {
      for (const [method, path, body] of requests) {
        const [a, b] = await Promise.all(targets.map((tg) => tg.call(u.token, method, path, body)));
        requestsCompared++;
        if (a!.code === 403) forbiddenCount++;
        const same = a!.code === b!.code && (a!.code !== 403 || JSON.stringify(a!.body) === JSON.stringify(b!.body));
        if (!same) requestDifferences.push(`${u.name} ${method} ${path}: reference ${a!.code} ${JSON.stringify(a!.body).slice(0, 300)}, kite ${b!.code} ${JSON.stringify(b!.body).slice(0, 300)}`);
      }
    }
    // No credentials: 401 from both (anonymous requests are off).
    const [anonA, anonB] = await Promise.all(targets.map((tg) => tg.call(undefined, 'GET', '/api/v1/namespaces/team-a/pods')));
    requestsCompared++;
    if (anonA!.code !== anonB!.code || JSON.stringify(anonA!.body) !== JSON.stringify(anonB!.body)) requestDifferences.push(`no credentials: ${JSON.stringify(anonA)} vs ${JSON.stringify(anonB)}`);
    t.diagnostic(`real requests: ${requestsCompared} (user, request) pairs, ${requestsCompared - requestDifferences.length} equal (codes; 403 bodies byte for byte; ${forbiddenCount} were 403)`);
    assert.deepEqual(requestDifferences, [], 'requests answered differently');

    // 5. Escalation: creating and binding roles beyond what one holds.
    const attempts: Array<[string, string, string, string, Obj]> = [
      ['dave: a role within admin', 'dave-token', 'POST', `${rbac}/namespaces/team-b/roles`, { metadata: { name: 'r-ok' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }] }],
      ['dave: a role with nodes and secrets', 'dave-token', 'POST', `${rbac}/namespaces/team-b/roles`, { metadata: { name: 'r-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes', 'secrets'], verbs: ['get', 'list'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['escalate'] }] }],
      ['dave: a role with a subresource and names', 'dave-token', 'POST', `${rbac}/namespaces/team-b/roles`, { metadata: { name: 'r-sub' }, rules: [{ apiGroups: [''], resources: ['nodes/proxy', 'pods/exec'], resourceNames: ['a', 'b'], verbs: ['create'] }] }],
      ['dave: bind cluster-admin', 'dave-token', 'POST', `${rbac}/namespaces/team-b/rolebindings`, { metadata: { name: 'rb-ca' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'dave' }] }],
      ['dave: bind view (held)', 'dave-token', 'POST', `${rbac}/namespaces/team-b/rolebindings`, { metadata: { name: 'rb-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] }],
      ['dave: bind a missing role', 'dave-token', 'POST', `${rbac}/namespaces/team-b/rolebindings`, { metadata: { name: 'rb-missing' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'nope' }, subjects: [{ kind: 'User', name: 'bob' }] }],
      ['dave: bind a missing cluster role', 'dave-token', 'POST', `${rbac}/namespaces/team-b/rolebindings`, { metadata: { name: 'rb-missing2' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nope' }, subjects: [{ kind: 'User', name: 'bob' }] }],
      ['dave: a cluster role (not allowed at all)', 'dave-token', 'POST', `${rbac}/clusterroles`, { metadata: { name: 'cr-dave' }, rules: [] }],
      ['gina: a cluster role within her rules', 'gina-token', 'POST', `${rbac}/clusterroles`, { metadata: { name: 'cr-gina' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
      ['gina: a cluster role with secrets and URLs', 'gina-token', 'POST', `${rbac}/clusterroles`, { metadata: { name: 'cr-gina2' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, { nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }] }],
      ['gina: an aggregated cluster role', 'gina-token', 'POST', `${rbac}/clusterroles`, { metadata: { name: 'cr-agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }],
      // Bound to someone else: bound to gina, it would let her bind admin in the next attempt
      // as soon as each server's RBAC cache saw it, and that attempt's answer would depend on when.
      ['gina: bind cluster-admin with bind', 'gina-token', 'POST', `${rbac}/namespaces/team-a/rolebindings`, { metadata: { name: 'rb-gina' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'ivan' }] }],
      ['gina: bind admin without bind', 'gina-token', 'POST', `${rbac}/namespaces/team-a/rolebindings`, { metadata: { name: 'rb-gina2' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'gina' }] }],
      ['frank: any role with escalate', 'frank-token', 'POST', `${rbac}/namespaces/team-a/roles`, { metadata: { name: 'r-frank' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }],
      ['carol (edit): a role', 'carol-token', 'POST', `${rbac}/namespaces/team-a/roles`, { metadata: { name: 'r-carol' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
    ];
    const escalationDifferences: string[] = [];
    let refused = 0;
    for (const [what, token, method, path, body] of attempts) {
      const [a, b] = await Promise.all(targets.map((tg) => tg.call(token, method, path, body)));
      if (a!.code === 403) refused++;
      const same = a!.code === b!.code && JSON.stringify(normalized(a!.body)) === JSON.stringify(normalized(b!.body));
      if (!same) escalationDifferences.push(`${what}: reference ${a!.code} ${JSON.stringify(normalized(a!.body))}\n   kite ${b!.code} ${JSON.stringify(normalized(b!.body))}`);
    }
    // An update that adds what dave does not hold is refused too.
    const updates = await Promise.all(
      targets.map(async (tg) => {
        const got = await tg.call('dave-token', 'GET', `${rbac}/namespaces/team-b/roles/r-ok`);
        const role = got.body as Obj;
        return tg.call('dave-token', 'PUT', `${rbac}/namespaces/team-b/roles/r-ok`, { ...role, rules: [...(role['rules'] as unknown[]), { apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] });
      }),
    );
    if (updates[0]!.code !== updates[1]!.code || JSON.stringify(updates[0]!.body) !== JSON.stringify(updates[1]!.body)) escalationDifferences.push(`dave: update adding nodes: ${JSON.stringify(updates)}`);
    t.diagnostic(`escalation: ${attempts.length + 1} attempts, ${attempts.length + 1 - escalationDifferences.length} answered alike (code and Status; ${refused} refused with 403 by the reference)`);
    assert.deepEqual(escalationDifferences, [], 'escalation attempts answered differently');

    // 6. kubectl auth can-i, one question and --list, for users bound to view, edit and admin.
    const kubeconfigFor = (tg: Target, token: string): string => {
      const path = join(dir.path, `${tg.name}-${token}.kubeconfig`);
      writeFileSync(path, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', `    server: ${tg.url}`, '    insecure-skip-tls-verify: true', 'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', 'users:', '- name: u', '  user:', `    token: ${token}`, ''].join('\n'), { mode: 0o600 });
      return path;
    };
    const canI: Array<[string, string[]]> = [
      ['alice-token', ['--list', '-n', 'team-a']],
      ['carol-token', ['--list', '-n', 'team-a']],
      ['dave-token', ['--list', '-n', 'team-b']],
      ['bob-token', ['--list', '-n', 'team-b']],
      ['builder-token', ['--list', '-n', 'team-a']],
      ['ops-token', ['--list', '-n', 'default']],
      ['frank-token', ['--list', '-n', 'default']],
      ['alice-token', ['list', 'pods', '-n', 'team-a']],
      ['alice-token', ['delete', 'pods', '-n', 'team-a']],
      ['carol-token', ['update', 'configmaps/cm1', '-n', 'team-a']],
      ['carol-token', ['get', 'configmaps/cm2', '-n', 'team-b']],
      ['dave-token', ['create', 'rolebindings', '-n', 'team-b']],
      ['frank-token', ['get', '/custom/x']],
      ['frank-token', ['update', 'deployments.apps/scale', '-n', 'default']],
    ];
    const canIDifferences: string[] = [];
    for (const [token, args] of canI) {
      const [a, b] = targets.map((tg) => spawnSync('kubectl', [`--kubeconfig=${kubeconfigFor(tg, token)}`, 'auth', 'can-i', ...args], { encoding: 'utf8', timeout: 30_000 }));
      if (a!.status !== b!.status || a!.stdout !== b!.stdout) canIDifferences.push(`${token} can-i ${args.join(' ')}:\n--- reference (${a!.status})\n${a!.stdout}${a!.stderr}--- kite (${b!.status})\n${b!.stdout}${b!.stderr}`);
    }
    t.diagnostic(`kubectl auth can-i: ${canI.length} runs, ${canI.length - canIDifferences.length} with the same output`);
    assert.deepEqual(canIDifferences, [], 'kubectl auth can-i output differs');

    // 7. kubectl auth can-i --as: the admin asks as another user, through impersonation (Impersonate-User).
    await t.test('kubectl auth can-i --as', async () => {
      const probe = await targets[1].call(admin, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'get', resource: 'nodes' } } });
      const impersonated = await httpsFetch({ insecure: true })(`${targets[1].url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'impersonate-user': 'bob', 'content-type': 'application/json' },
        body: JSON.stringify({ spec: { resourceAttributes: { verb: 'get', resource: 'nodes' } } }),
      });
      const answer = (await impersonated.json()) as Obj;
      // Bob may not get nodes: an allowed answer would mean Impersonate-User was ignored.
      assert.equal(probe.code, 201);
      assert.equal(isObj(answer['status']) && answer['status']['allowed'] === true, false, 'Impersonate-User is honoured');
      const runs: Array<string[]> = [
        ['--as=alice', 'list', 'pods', '-n', 'team-a'],
        ['--as=alice', 'delete', 'pods', '-n', 'team-a'],
        ['--as=dave', '--list', '-n', 'team-b'],
        ['--as=bob', '--as-group=qa', '--list', '-n', 'team-a'],
      ];
      for (const args of runs) {
        const [a, b] = targets.map((tg) => spawnSync('kubectl', [`--kubeconfig=${kubeconfigFor(tg, admin)}`, 'auth', 'can-i', ...args], { encoding: 'utf8', timeout: 30_000 }));
        assert.deepEqual({ status: b!.status, stdout: b!.stdout }, { status: a!.status, stdout: a!.stdout }, `can-i ${args.join(' ')}`);
      }
    });
  } finally {
    await kcm?.stop();
    await Promise.all([reference?.stop(), kite?.stop()]);
    dir.remove();
  }
});
