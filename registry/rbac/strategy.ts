/**
 * The four kinds of rbac.authorization.k8s.io/v1: Role and RoleBinding
 * (namespaced), ClusterRole and ClusterRoleBinding (cluster-scoped). Names are
 * path segments; rules, role references and subjects are validated and defaulted
 * as kube-apiserver 1.26 does, with its messages. Escalation prevention is not
 * here but in the rbac-escalation admission plugin (it needs the user).
 */
import type { StatusCause } from '../generic/api-error.js';
import { goStringSlice } from '../validation/go-values.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import { nameErrors } from '../generic/name-validation.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn, type TableConvertor } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { isDns1123Subdomain } from '../validation/names.js';

/** The API group of RBAC, which role references and user and group subjects name. */
export const rbacGroup = 'rbac.authorization.k8s.io';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

function validateRule(rule: unknown, namespaced: boolean, path: string): StatusCause[] {
  const r = isObj(rule) ? rule : {};
  const causes: StatusCause[] = [];
  if (len(r['verbs']) === 0) causes.push(fieldErrors.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (len(r['nonResourceURLs']) > 0) {
    const urls = goStringSlice(r['nonResourceURLs']);
    if (namespaced) causes.push(fieldErrors.invalidPrinted(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (len(r['apiGroups']) > 0 || len(r['resources']) > 0 || len(r['resourceNames']) > 0) {
      causes.push(fieldErrors.invalidPrinted(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return causes;
  }
  if (len(r['apiGroups']) === 0) causes.push(fieldErrors.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (len(r['resources']) === 0) causes.push(fieldErrors.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return causes;
}

const validateRules = (o: KubeObject, namespaced: boolean): StatusCause[] => list(o.rules).flatMap((r, i) => validateRule(r, namespaced, `rules[${i}]`));

function validateAggregationRule(o: KubeObject): StatusCause[] {
  if (o.aggregationRule === undefined || o.aggregationRule === null) return [];
  const rule = isObj(o.aggregationRule) ? o.aggregationRule : {};
  const selectors = list(rule['clusterRoleSelectors']);
  if (selectors.length === 0) return [fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return selectors.flatMap((s, i) => {
    const path = `aggregationRule.clusterRoleSelectors[${i}]`;
    const causes = validateLabelSelector(isObj(s) ? s : undefined, path);
    // kube-apiserver also fails to turn such a selector into a matcher, and says so (printing the nil matcher).
    return causes.length === 0 ? causes : [...causes, fieldErrors.invalid(path, 'null', 'invalid label selector.')];
  });
}

/** Subjects of kind User or Group name RBAC's group unless told otherwise; a role reference too (v1 defaulting). */
function defaultBinding(o: KubeObject): void {
  // roleRef is a struct in Go, never absent: an omitted one is defaulted too.
  if (!isObj(o.roleRef)) o.roleRef = {};
  const ref = o.roleRef as Obj;
  if (ref['apiGroup'] === undefined || ref['apiGroup'] === '') ref['apiGroup'] = rbacGroup;
  for (const s of list(o.subjects)) {
    if (isObj(s) && (s['apiGroup'] === undefined || s['apiGroup'] === '') && (s['kind'] === 'User' || s['kind'] === 'Group')) s['apiGroup'] = rbacGroup;
  }
}

const serviceAccountNameErrors = (name: string): string[] => isDns1123Subdomain(name);

function validateSubject(subject: unknown, namespaced: boolean, path: string): StatusCause[] {
  const s = isObj(subject) ? subject : {};
  const name = typeof s['name'] === 'string' ? s['name'] : '';
  const apiGroup = typeof s['apiGroup'] === 'string' ? s['apiGroup'] : '';
  const causes: StatusCause[] = [];
  if (name === '') causes.push(fieldErrors.required(`${path}.name`));
  switch (s['kind']) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of serviceAccountNameErrors(name)) causes.push(fieldErrors.invalid(`${path}.name`, name, msg));
      if (apiGroup !== '') causes.push(fieldErrors.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (typeof s['namespace'] !== 'string' || s['namespace'] === '')) causes.push(fieldErrors.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== rbacGroup) causes.push(fieldErrors.notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]));
      break;
    default:
      causes.push(fieldErrors.notSupported(`${path}.kind`, s['kind'] ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return causes;
}

function validateBinding(o: KubeObject, namespaced: boolean): StatusCause[] {
  const ref = isObj(o.roleRef) ? o.roleRef : {};
  const causes: StatusCause[] = [];
  const apiGroup = typeof ref['apiGroup'] === 'string' ? ref['apiGroup'] : '';
  if (apiGroup !== rbacGroup) causes.push(fieldErrors.notSupported('roleRef.apiGroup', apiGroup, [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref['kind'] ?? ''))) causes.push(fieldErrors.notSupported('roleRef.kind', ref['kind'] ?? '', kinds));
  const name = typeof ref['name'] === 'string' ? ref['name'] : '';
  if (name === '') causes.push(fieldErrors.required('roleRef.name'));
  else for (const msg of nameErrors('pathSegment', name)) causes.push(fieldErrors.invalid('roleRef.name', name, msg));
  list(o.subjects).forEach((s, i) => causes.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return causes;
}

/** Go's %#v of an internal rbac.RoleRef, as the "cannot change roleRef" message prints it. */
function goRoleRef(ref: unknown): string {
  const r = isObj(ref) ? ref : {};
  const s = (k: string): string => JSON.stringify(typeof r[k] === 'string' ? r[k] : '');
  return `rbac.RoleRef{APIGroup:${s('apiGroup')}, Kind:${s('kind')}, Name:${s('name')}}`;
}

function validateBindingUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const a = isObj(o.roleRef) ? o.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  const same = ['apiGroup', 'kind', 'name'].every((k) => (a[k] ?? '') === (b[k] ?? ''));
  return same ? [] : [fieldErrors.invalidPrinted('roleRef', goRoleRef(o.roleRef), 'cannot change roleRef')];
}

const createdAtColumn = column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', 0, 'date');

const roleTable: TableConvertor = {
  columns: [nameColumn, createdAtColumn],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? null],
};

function subjectStrings(o: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list(o.subjects)) {
    if (!isObj(s)) continue;
    const name = String(s['name'] ?? '');
    if (s['kind'] === 'User') users.push(name);
    else if (s['kind'] === 'Group') groups.push(name);
    else if (s['kind'] === 'ServiceAccount') sas.push(`${typeof s['namespace'] === 'string' ? s['namespace'] : ''}/${name}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingTable(what: string, roleDoc: string): TableConvertor {
  return {
    columns: [
      nameColumn,
      column('Role', roleDoc),
      ageColumn,
      column('Users', `Users in the ${what}`, 1),
      column('Groups', `Groups in the ${what}`, 1),
      column('ServiceAccounts', `ServiceAccounts in the ${what}`, 1),
    ],
    cells: (o, now) => {
      const ref = isObj(o.roleRef) ? o.roleRef : {};
      return [o.metadata.name, `${String(ref['kind'] ?? '')}/${String(ref['name'] ?? '')}`, age(o.metadata.creationTimestamp, now), ...subjectStrings(o)];
    },
  };
}

const rbacInfo = (resource: string, singular: string, kind: string, namespaced: boolean) =>
  resourceInfo({ group: rbacGroup, version: 'v1', resource, singular, kind, listKind: `${kind}List`, namespaced });

/** roles: rules within one namespace. */
export const roleStrategy: Strategy = baseStrategy(rbacInfo('roles', 'role', 'Role', true), {
  nameRule: 'pathSegment',
  allowCreateOnUpdate: true,
  validate: (o) => validateRules(o, true),
  table: roleTable,
});

/** clusterroles: rules cluster-wide or for any namespace; an aggregationRule gathers other roles' rules. */
export const clusterRoleStrategy: Strategy = baseStrategy(rbacInfo('clusterroles', 'clusterrole', 'ClusterRole', false), {
  nameRule: 'pathSegment',
  allowCreateOnUpdate: true,
  validate: (o) => [...validateRules(o, false), ...validateAggregationRule(o)],
  table: roleTable,
});

/** rolebindings: grant a Role or ClusterRole's rules within one namespace. */
export const roleBindingStrategy: Strategy = baseStrategy(rbacInfo('rolebindings', 'rolebinding', 'RoleBinding', true), {
  nameRule: 'pathSegment',
  allowCreateOnUpdate: true,
  applyDefaults: defaultBinding,
  validate: (o) => validateBinding(o, true),
  validateUpdate: validateBindingUpdate,
  table: bindingTable('roleBinding', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
});

/** clusterrolebindings: grant a ClusterRole's rules cluster-wide. */
export const clusterRoleBindingStrategy: Strategy = baseStrategy(rbacInfo('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false), {
  nameRule: 'pathSegment',
  allowCreateOnUpdate: true,
  applyDefaults: defaultBinding,
  validate: (o) => validateBinding(o, false),
  validateUpdate: validateBindingUpdate,
  table: bindingTable('clusterRoleBinding', 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
});

/** The four, in kube-apiserver's discovery order. */
export const rbacStrategies: readonly Strategy[] = [clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy];
