import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuthorization } from '../../api/authorization/modes.js';
import { startControllers } from '../../registry/controllers/controllers.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { bootstrapPolicy } from '../../registry/rbac/bootstrap-policy.js';
import { compactRules, compactString, covers, ruleAllows, type PolicyRule, type RuleRequest } from '../../registry/rbac/policy-rule.js';
import { KiteRegistry } from '../../registry/registry.js';
import { embeddedStore } from './harness.js';

const request = (q: Partial<RuleRequest>): RuleRequest => ({ isResourceRequest: true, verb: 'get', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '', ...q });

test('rules: which requests a rule allows (verbs, groups, resources, subresources, names, URLs)', () => {
  const cases: Array<[string, PolicyRule, Partial<RuleRequest>, boolean]> = [
    ['exact', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, {}, true],
    ['other verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verb: 'list' }, false],
    ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, { verb: 'deletecollection' }, true],
    ['other group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, {}, false],
    ['group *', { verbs: ['get'], apiGroups: ['*'], resources: ['pods'] }, { apiGroup: 'apps' }, true],
    ['subresource needs its own entry', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { subresource: 'log' }, false],
    ['pods/log', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, { subresource: 'log' }, true],
    ['*/scale', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }, true],
    ['*/scale is not scale of nothing', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, { resource: 'scale' }, false],
    ['resource *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { subresource: 'exec' }, true],
    ['named', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { name: 'a' }, true],
    ['another name', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { name: 'b' }, false],
    ['names do not allow lists', { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { verb: 'list' }, false],
    ['URL exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, { isResourceRequest: false, path: '/healthz' }, true],
    ['URL prefix', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, { isResourceRequest: false, path: '/healthz/etcd' }, true],
    ['URL prefix is not the bare path', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, { isResourceRequest: false, path: '/healthz' }, false],
    ['URL rules do not allow resources', { verbs: ['*'], nonResourceURLs: ['*'] }, {}, false],
    ['resource rules do not allow URLs', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { isResourceRequest: false, path: '/api' }, false],
  ];
  for (const [what, rule, q, want] of cases) assert.equal(ruleAllows(rule, request(q)), want, what);
});

test('rules: covering (escalation) and how missing rules are printed', () => {
  const admin: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] }, { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }];
  assert.equal(covers(admin, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered, true);
  assert.equal(covers(admin, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered, true);
  assert.equal(covers(admin, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }]).covered, true);
  assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered, false);
  assert.equal(covers([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/a'] }]).covered, true);
  const { missing } = covers(admin, [{ verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.deepEqual(compactRules(missing).map(compactString).sort(), ['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "watch"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "watch"]}']);
  assert.equal(compactString({ verbs: ['get'], nonResourceURLs: ['/a'] }), '{NonResourceURLs:["/a"], Verbs:["get"]}');
  assert.equal(compactString({ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'] }), '{APIGroups:[""], Resources:["pods"], ResourceNames:["a" "b"], Verbs:["get"]}');
});

async function withRegistry(fn: (r: KiteRegistry) => Promise<void>): Promise<void> {
  const store = await embeddedStore();
  const registry = new KiteRegistry(store.client);
  try {
    await registry.start();
    await fn(registry);
  } finally {
    await registry.stop();
    await store.close();
  }
}

const rbac = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });
const invalid = (e: unknown): ApiError => {
  assert.ok(e instanceof ApiError && e.reason === 'Invalid', String(e));
  return e;
};

test('RBAC kinds: validation and defaulting as kube-apiserver words them', async () => {
  await withRegistry(async (registry) => {
    const roles = registry.generic(rbac('roles'));
    const clusterRoles = registry.generic(rbac('clusterroles'));
    const bindings = registry.generic(rbac('rolebindings'));
    const clusterBindings = registry.generic(rbac('clusterrolebindings'));
    let e = invalid(await roles.create('default', { metadata: { name: 'a/b' }, rules: [{ apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'] }] }).catch((x: unknown) => x));
    assert.deepEqual(
      e.details?.causes?.map((c) => `${c.field}: ${c.message}`),
      [
        "metadata.name: Invalid value: \"a/b\": may not contain '/'",
        'rules[0].verbs: Required value: verbs must contain at least one value',
        'rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
        'rules[2].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[2].resources: Required value: resource rules must supply at least one resource',
      ],
    );
    e = invalid(await clusterRoles.create(undefined, { metadata: { name: 'x' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }], aggregationRule: { clusterRoleSelectors: [] } }).catch((x: unknown) => x));
    assert.deepEqual(
      e.details?.causes?.map((c) => c.field),
      ['rules[0].nonResourceURLs', 'aggregationRule.clusterRoleSelectors'],
    );
    e = invalid(await bindings.create('default', { metadata: { name: 'b' }, roleRef: { apiGroup: 'x', kind: 'Thing', name: '' }, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'rbac.authorization.k8s.io' }] }).catch((x: unknown) => x));
    assert.deepEqual(
      e.details?.causes?.map((c) => c.field),
      ['roleRef.apiGroup', 'roleRef.kind', 'roleRef.name', 'subjects[0].kind', 'subjects[1].name', 'subjects[1].apiGroup'],
    );
    e = invalid(await clusterBindings.create(undefined, { metadata: { name: 'c' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }).catch((x: unknown) => x));
    assert.deepEqual(e.details?.causes?.map((c) => `${c.field}: ${c.message}`), ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value']);
    // Defaults: RBAC's group on the role reference and on User and Group subjects.
    const b = await bindings.create('default', { metadata: { name: 'ok' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 'default' }] });
    assert.deepEqual(b.roleRef, { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' });
    assert.deepEqual(b.subjects, [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default' }]);
    e = invalid(await bindings.update('default', 'ok', { ...b, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' } }).catch((x: unknown) => x));
    assert.equal(e.details?.causes?.[0]?.message, 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef');
  });
});

test('the bootstrap policy is created at start and reconciled at the next: missing rules and subjects come back, autoupdate=false is left alone', async () => {
  const store = await embeddedStore();
  try {
    const first = new KiteRegistry(store.client);
    await first.start();
    const clusterRoles = first.generic(rbac('clusterroles'));
    const policy = bootstrapPolicy();
    assert.equal((await clusterRoles.list(undefined)).items.length, policy.clusterRoles.length);
    assert.equal((await first.generic(rbac('clusterrolebindings')).list(undefined)).items.length, policy.clusterRoleBindings.length);
    assert.equal((await first.generic(rbac('roles')).list(undefined)).items.length, policy.roles.length);
    // Damage: basic-user loses its rules, the discovery binding its subject; view is protected and emptied.
    await clusterRoles.guaranteedUpdate(undefined, 'system:basic-user', (o) => ({ ...o, rules: [] }));
    await first.generic(rbac('clusterrolebindings')).guaranteedUpdate(undefined, 'system:discovery', (o) => ({ ...o, subjects: [] }));
    await clusterRoles.guaranteedUpdate(undefined, 'system:public-info-viewer', (o) => ({
      ...o,
      metadata: { ...o.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } },
      rules: [],
    }));
    await first.stop();
    const second = new KiteRegistry(store.client);
    await second.start();
    const basic = await second.generic(rbac('clusterroles')).get(undefined, 'system:basic-user');
    const want = policy.clusterRoles.find((r) => r.metadata.name === 'system:basic-user')!;
    // Restored as broken-down rules (one verb, group and resource each), as kube-apiserver reconciles.
    assert.equal(covers(basic.rules as PolicyRule[], want.rules as PolicyRule[]).covered, true);
    const discovery = await second.generic(rbac('clusterrolebindings')).get(undefined, 'system:discovery');
    assert.deepEqual(discovery.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }]);
    const kept = await second.generic(rbac('clusterroles')).get(undefined, 'system:public-info-viewer');
    assert.deepEqual(kept.rules, []);
    await second.stop();
  } finally {
    await store.close();
  }
});

test('clusterrole-aggregation: a labelled ClusterRole adds to view, edit and admin; removing the label takes it away', async () => {
  await withRegistry(async (registry) => {
    const controllers = startControllers(registry, ['clusterrole-aggregation'], { retryMs: 50 });
    try {
      const clusterRoles = registry.generic(rbac('clusterroles'));
      const rulesOf = async (name: string) => ((await clusterRoles.get(undefined, name)).rules as PolicyRule[] | undefined) ?? [];
      await controllers.idle();
      assert.ok((await rulesOf('view')).length > 0, 'view gathered system:aggregate-to-view');
      const extra: PolicyRule = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };
      await clusterRoles.create(undefined, { metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [extra] });
      let view: PolicyRule[] = [];
      let admin: PolicyRule[] = [];
      const has = (rules: PolicyRule[]) => rules.some((r) => r.apiGroups?.[0] === 'example.com');
      for (let i = 0; i < 200 && !(has(view) && has(admin)); i++) {
        await new Promise((r) => setTimeout(r, 20));
        [view, admin] = [await rulesOf('view'), await rulesOf('admin')];
      }
      // view aggregates to edit, edit to admin.
      assert.ok(has(view) && has(admin), 'widgets reached view and, through edit, admin');
      await clusterRoles.guaranteedUpdate(undefined, 'widgets-view', (o): KubeObject => ({ ...o, metadata: { ...o.metadata, labels: {} } }));
      for (let i = 0; i < 200 && has(view); i++) {
        await new Promise((r) => setTimeout(r, 20));
        view = await rulesOf('view');
      }
      assert.ok(!has(view), 'gone from view');
    } finally {
      await controllers.stop();
    }
  });
});

test('the RBAC authorizer follows bindings as they change; escalation is refused unless held, escalate or bind', async () => {
  await withRegistry(async (registry) => {
    const { authorizer, access } = buildAuthorization(['RBAC'], await registry.startRbac());
    registry.useAuthorizer(access);
    const alice = { name: 'alice', uid: '', groups: ['dev', 'system:authenticated'], extra: {} };
    const ask = async (verb: string, resource: string, namespace: string) =>
      (await authorizer.authorize({ user: alice, verb, isResourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace, name: '' })).decision;
    assert.equal(await ask('list', 'pods', 'default'), 'noOpinion');
    const bindings = registry.generic(rbac('rolebindings'));
    await bindings.create('default', { metadata: { name: 'dev-edit' }, roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'Group', name: 'dev' }] });
    // admin is aggregated: without the controller, it has no rules yet; give alice explicit ones too.
    await registry.generic(rbac('roles')).create('default', { metadata: { name: 'pods' }, rules: [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }, { verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] }] });
    await bindings.create('default', { metadata: { name: 'alice-pods' }, roleRef: { kind: 'Role', name: 'pods' }, subjects: [{ kind: 'User', name: 'alice' }] });
    // The authorizer reads what its watches delivered: wait for the binding to arrive.
    let decision = await ask('list', 'pods', 'default');
    for (let i = 0; i < 400 && decision !== 'allow'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      decision = await ask('list', 'pods', 'default');
    }
    assert.equal(decision, 'allow');
    assert.equal(await ask('list', 'pods', 'other'), 'noOpinion');
    const asAlice = { user: { username: 'alice', groups: alice.groups } };
    const roles = registry.generic(rbac('roles'));
    await roles.create('default', { metadata: { name: 'ok' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }, asAlice);
    const refused = await roles.create('default', { metadata: { name: 'no' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }, asAlice).catch((e: unknown) => e);
    assert.ok(refused instanceof ApiError && refused.code === 403, String(refused));
    assert.equal(refused.message, 'roles.rbac.authorization.k8s.io "no" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
    const bindRefused = await bindings.create('default', { metadata: { name: 'ca' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'alice' }] }, asAlice).catch((e: unknown) => e);
    assert.ok(bindRefused instanceof ApiError && bindRefused.code === 403);
    // system:masters and in-process writes (no user) are not checked.
    await roles.create('default', { metadata: { name: 'by-master' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }, { user: { username: 'root', groups: ['system:masters'] } });
    // With escalate on roles, anything goes.
    await roles.create('default', { metadata: { name: 'escalate' }, rules: [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }] });
    await bindings.create('default', { metadata: { name: 'alice-escalate' }, roleRef: { kind: 'Role', name: 'escalate' }, subjects: [{ kind: 'User', name: 'alice' }] });
    for (let i = 0; i < 200; i++) {
      const r = await roles.create('default', { metadata: { name: 'secrets' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }, asAlice).catch((e: unknown) => e);
      if (!(r instanceof ApiError)) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.ok((await roles.get('default', 'secrets')).rules);
  });
});
