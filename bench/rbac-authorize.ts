/**
 * What one RBAC decision costs, in process: a registry on a fresh embedded store with
 * the bootstrap policy (64 ClusterRoles, 45 ClusterRoleBindings), the aggregation of
 * admin/edit/view done, and NAMESPACES namespaces with three RoleBindings each (view,
 * edit and a Role of their own, for users of their own). Then the authorizer chain
 * kite apiserver builds for --authorization-mode=RBAC decides, for a fixed number of
 * requests each: an admin in system:masters (allowed before RBAC is asked), a user
 * allowed by a RoleBinding in the request's namespace (every ClusterRoleBinding is
 * visited first), a user allowed by a ClusterRoleBinding (system:basic-user's
 * selfsubjectaccessreviews), and a user refused (every binding visited).
 *
 *   node --import tsx bench/rbac-authorize.ts [--namespaces 200] [--decisions 200000]
 */
import { parseArgs } from 'node:util';
import { buildAuthorization } from '../api/authorization/modes.js';
import type { AuthorizationAttributes } from '../api/authorization/authorizer.js';
import { startControllers } from '../registry/controllers/controllers.js';
import { KiteRegistry } from '../registry/registry.js';
import { embeddedStore } from '../test/registry/harness.js';

const { values } = parseArgs({ options: { namespaces: { type: 'string', default: '200' }, decisions: { type: 'string', default: '200000' } } });
const namespaces = Number(values.namespaces);
const decisions = Number(values.decisions);

const store = await embeddedStore();
const registry = new KiteRegistry(store.client, {});
try {
  await registry.start();
  const controllers = startControllers(registry, ['clusterrole-aggregation'], { retryMs: 100 });
  await controllers.idle();
  const ns = registry.generic({ group: '', version: 'v1', resource: 'namespaces' });
  const roles = registry.generic({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' });
  const bindings = registry.generic({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' });
  for (let i = 0; i < namespaces; i++) {
    const name = `team-${i}`;
    await ns.create(undefined, { metadata: { name } });
    await roles.create(name, { metadata: { name: 'own' }, rules: [{ verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] }] });
    const bind = (bindingName: string, kind: string, role: string, user: string) =>
      bindings.create(name, { metadata: { name: bindingName }, roleRef: { kind, name: role }, subjects: [{ kind: 'User', name: user }] });
    await bind('view', 'ClusterRole', 'view', `viewer-${i}`);
    await bind('edit', 'ClusterRole', 'edit', `editor-${i}`);
    await bind('own', 'Role', 'own', `owner-${i}`);
  }
  const resolver = await registry.startRbac();
  // The watches deliver what was just written: wait until the last binding is known.
  const { authorizer } = buildAuthorization(['RBAC'], resolver);
  const last = namespaces - 1;
  const ask = (user: string, groups: string[], verb: string, group: string, resource: string, namespace: string): AuthorizationAttributes => ({
    user: { name: user, uid: '', groups: [...groups, 'system:authenticated'], extra: {} },
    verb,
    isResourceRequest: true,
    path: '',
    apiGroup: group,
    apiVersion: 'v1',
    resource,
    subresource: '',
    namespace,
    name: '',
  });
  const probe = ask(`owner-${last}`, [], 'list', 'example.com', 'widgets', `team-${last}`);
  for (let i = 0; i < 500 && (await authorizer.authorize(probe)).decision !== 'allow'; i++) await new Promise((r) => setTimeout(r, 10));
  const mid = Math.floor(namespaces / 2);
  const cases: Array<[string, AuthorizationAttributes, string]> = [
    ['admin (system:masters)', ask('admin', ['system:masters'], 'list', '', 'pods', `team-${mid}`), 'allow'],
    ['RoleBinding to edit, in its namespace', ask(`editor-${mid}`, [], 'update', 'apps', 'deployments', `team-${mid}`), 'allow'],
    ['ClusterRoleBinding (system:basic-user)', ask(`viewer-${mid}`, [], 'create', 'authorization.k8s.io', 'selfsubjectaccessreviews', ''), 'allow'],
    ['refused (every binding visited)', ask(`viewer-${mid}`, [], 'delete', '', 'pods', `team-${mid}`), 'noOpinion'],
  ];
  console.log(`RBAC decisions in process: bootstrap policy, ${namespaces} namespaces x 3 RoleBindings, ${decisions} decisions per case`);
  for (const [what, attributes, want] of cases) {
    const got = (await authorizer.authorize(attributes)).decision;
    if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
    for (let i = 0; i < 2000; i++) await authorizer.authorize(attributes);
    const start = process.hrtime.bigint();
    for (let i = 0; i < decisions; i++) await authorizer.authorize(attributes);
    const ns = Number(process.hrtime.bigint() - start) / decisions;
    console.log(`  ${what.padEnd(42)} ${(ns / 1000).toFixed(2)} µs per decision (${Math.round(1e9 / ns).toLocaleString('en')}/s)`);
  }
  await controllers.stop();
} finally {
  await registry.stop();
  await store.close();
}
