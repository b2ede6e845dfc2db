import type { DiffCase } from '../case.js';
import { invalidCreateCases, makeObject, objectPath, standardCases, type Fixture } from './standard.js';
import { get, post, put } from './steps.js';

/**
 * rbac.authorization.k8s.io/v1 (Roles, ClusterRoles and their bindings) and the
 * authorization.k8s.io/v1 reviews, asked by the admin (system:masters). Decisions
 * for other users are compared in test/compat/rbac-diff.test.ts.
 */

const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
const rbacGroup = 'rbac.authorization.k8s.io';

const roles: Fixture = { id: 'rbac-roles', collection: `/apis/${rbacGroup}/v1/namespaces/{ns}/roles`, namespaced: true, apiVersion: `${rbacGroup}/v1`, kind: 'Role', content: { rules } };
const clusterroles: Fixture = { id: 'rbac-clusterroles', collection: `/apis/${rbacGroup}/v1/clusterroles`, namespaced: false, apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', content: { rules: [...rules, { nonResourceURLs: ['/healthz'], verbs: ['get'] }] } };
const rolebindings: Fixture = {
  id: 'rbac-rolebindings',
  collection: `/apis/${rbacGroup}/v1/namespaces/{ns}/rolebindings`,
  namespaced: true,
  apiVersion: `${rbacGroup}/v1`,
  kind: 'RoleBinding',
  content: { roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'default' }] },
};
const clusterrolebindings: Fixture = {
  id: 'rbac-clusterrolebindings',
  collection: `/apis/${rbacGroup}/v1/clusterrolebindings`,
  namespaced: false,
  apiVersion: `${rbacGroup}/v1`,
  kind: 'ClusterRoleBinding',
  content: { roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }] },
};

const reviews = '/apis/authorization.k8s.io/v1';

const handWritten: DiffCase[] = [
  ...invalidCreateCases(roles, [
    ['no-verbs', 'a rule without verbs', { rules: [{ apiGroups: [''], resources: ['pods'] }] }],
    ['no-groups', 'a resource rule without groups and resources', { rules: [{ verbs: ['get'] }] }],
    ['urls', 'non-resource URLs in a namespaced role', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }],
    ['slash', 'a name with a slash', {}, { name: 'a/b' }],
  ]),
  ...invalidCreateCases(clusterroles, [
    ['urls-and-resources', 'URLs and resources in one rule', { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }],
    ['no-selectors', 'an aggregationRule without selectors', { aggregationRule: { clusterRoleSelectors: [] } }],
    ['bad-selector', 'an aggregationRule with a bad selector', { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Maybe' }] }] } }],
  ]),
  ...invalidCreateCases(rolebindings, [
    ['role-kind', 'a roleRef of another kind', { roleRef: { apiGroup: rbacGroup, kind: 'Thing', name: 'x' } }],
    ['role-group', 'a roleRef in another group', { roleRef: { apiGroup: 'example.com', kind: 'Role', name: 'x' } }],
    ['no-role-name', 'a roleRef without a name', { roleRef: { apiGroup: rbacGroup, kind: 'Role', name: '' } }],
    ['subject-kind', 'a subject of an unknown kind', { subjects: [{ kind: 'Robot', name: 'r' }] }],
    ['subject-no-name', 'a subject without a name', { subjects: [{ kind: 'User', name: '' }] }],
    ['sa-group', 'a service account subject with an API group', { subjects: [{ kind: 'ServiceAccount', name: 'default', apiGroup: rbacGroup }] }],
    ['sa-name', 'a service account subject with a bad name', { subjects: [{ kind: 'ServiceAccount', name: 'Not_A_Name' }] }],
    ['user-group', 'a user subject in another group', { subjects: [{ kind: 'User', name: 'u', apiGroup: 'example.com' }] }],
  ]),
  ...invalidCreateCases(clusterrolebindings, [
    ['role-kind', 'a roleRef to a Role', { roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'x' } }],
    ['sa-namespace', 'a service account subject without a namespace', { subjects: [{ kind: 'ServiceAccount', name: 'default' }] }],
  ]),
  {
    id: 'rbac-rolebindings-roleref-immutable',
    title: "a RoleBinding's roleRef cannot change; its subjects can",
    steps: [
      post('create', rolebindings.collection, makeObject(rolebindings, 'rb')),
      put('change-role', objectPath(rolebindings, 'rb'), { ...makeObject(rolebindings, 'rb'), roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'edit' } }),
      put('change-subjects', objectPath(rolebindings, 'rb'), { ...makeObject(rolebindings, 'rb'), subjects: [{ kind: 'User', name: 'bob' }] }),
    ],
  },
  {
    id: 'rbac-bootstrap',
    title: 'bootstrap roles and bindings kube-apiserver creates at start',
    steps: [
      get('cluster-admin', `/apis/${rbacGroup}/v1/clusterroles/cluster-admin`),
      get('system-discovery', `/apis/${rbacGroup}/v1/clusterroles/system:discovery`),
      get('binding-basic-user', `/apis/${rbacGroup}/v1/clusterrolebindings/system:basic-user`),
      get('role-kube-system', `/apis/${rbacGroup}/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader`),
    ],
  },
  {
    id: 'tokenreviews-unknown-token',
    title: 'a TokenReview of a token no authenticator knows: not authenticated, with the fields the request set owned by its writer',
    steps: [
      post('review', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'not-a-token', audiences: ['https://kubernetes.default.svc'] } }),
    ],
  },
  {
    id: 'authorization-reviews',
    title: 'SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview as the admin',
    steps: [
      post('sar-admin', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'admin', groups: ['system:masters'], resourceAttributes: { namespace: '{ns}', verb: 'get', resource: 'pods' } } }),
      post('sar-nobody', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { namespace: '{ns}', verb: 'get', resource: 'pods' } } }),
      // One binding only allows /api (system:discovery), so the reason names it on both.
      post('sar-url', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'nobody', groups: ['system:authenticated'], nonResourceAttributes: { path: '/api', verb: 'get' } } }),
      post('sar-no-user', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }),
      post('sar-both', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', resourceAttributes: { verb: 'get', resource: 'pods' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }),
      post('sar-neither', `${reviews}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u' } }),
      post('lsar', `${reviews}/namespaces/{ns}/localsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { namespace: '{ns}', verb: 'list', resource: 'pods' } } }),
      post('lsar-other-namespace', `${reviews}/namespaces/{ns}/localsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } }),
      post('ssar', `${reviews}/selfsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: '{ns}', verb: 'delete', group: 'apps', resource: 'deployments' } } }),
      post('ssar-url', `${reviews}/selfsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/anything', verb: 'get' } } }),
      // A SelfSubjectRulesReview's answer lists the rules in kube-apiserver's cache order, which varies
      // from run to run: compared through kubectl auth can-i --list (which sorts) in rbac-diff.test.ts.
      post('ssrr-no-namespace', `${reviews}/selfsubjectrulesreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} }),
      get('get-is-not-allowed', `${reviews}/selfsubjectaccessreviews`),
    ],
  },
];

export const rbacCases: readonly DiffCase[] = [...[roles, clusterroles, rolebindings, clusterrolebindings].flatMap((f) => standardCases(f)), ...handWritten];
