/**
 * Escalation prevention, as kube-apiserver's RBAC storage does it: a user may
 * create or change a Role or ClusterRole only with rules they already hold (or
 * with the `escalate` verb on it), and a RoleBinding or ClusterRoleBinding only to
 * a role whose rules they already hold (or with the `bind` verb on that role).
 * system:masters may do all of it; the API server's own in-process writes carry
 * no user and are not checked. It runs as an admission plugin because it needs
 * the user, before validation as in kube-apiserver (whose check wraps the store).
 */
import { isDeepStrictEqual } from 'node:util';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/admission.js';
import { errors } from '../generic/api-error.js';
import type { KubeObject } from '../generic/types.js';
import { accessUserOf, privilegedGroup, resourceAttributes, type AccessAuthorizer, type AccessUser } from './access.js';
import { compactRules, compactString, covers, goQuoted, rulesOf, type PolicyRule } from './policy-rule.js';
import { aggregateErrors, type RbacRuleResolver } from './rule-resolver.js';
import { rbacGroup } from './strategy.js';

/** What the check needs, known once the API server has built its authorizer. */
export interface EscalationDeps {
  readonly authorizer: AccessAuthorizer | undefined;
  readonly resolver: RbacRuleResolver | undefined;
}

const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * Refuses rules the user does not hold in namespace (kube-apiserver's
 * ConfirmNoEscalation), naming each missing one as kube-apiserver prints it.
 */
export function noEscalationError(resolver: RbacRuleResolver, user: AccessUser, namespace: string, wanted: readonly PolicyRule[]): string | undefined {
  const held = resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(held.rules, wanted);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (held.errors.length > 0) msg += `; resolution errors: [${aggregateErrors(held.errors)}]`;
  return msg;
}

/** Everything but the fields the garbage collector changes (owner references, finalizers) and bookkeeping. */
function withoutGcFields(o: KubeObject): unknown {
  const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}

const onlyGcFieldsChange = (r: AdmissionRequest): boolean => r.operation === 'UPDATE' && r.oldObject !== undefined && isDeepStrictEqual(withoutGcFields(r.object!), withoutGcFields(r.oldObject));

export function rbacEscalation(deps: () => EscalationDeps): AdmissionPlugin {
  return {
    name: 'RBACEscalationPrevention',
    admit: async (r) => {
      if (r.resource.group !== rbacGroup || (r.operation !== 'CREATE' && r.operation !== 'UPDATE') || r.object === undefined) return;
      if (r.user === undefined || r.user.groups.includes(privilegedGroup)) return;
      const { authorizer, resolver } = deps();
      if (authorizer === undefined || resolver === undefined) return;
      if (onlyGcFieldsChange(r)) return;
      const user = accessUserOf(r.user);
      const namespace = r.namespace ?? '';
      const resource = r.resource.resource;
      const name = r.name;
      const obj = r.object;
      const allowed = async (verb: string, res: string, resName: string): Promise<boolean> =>
        (await authorizer.authorize(resourceAttributes(user, { verb, apiGroup: rbacGroup, resource: res, namespace, name: resName }))).decision === 'allow';
      if (resource === 'roles' || resource === 'clusterroles') {
        if (await allowed('escalate', resource, name)) return;
        const why = noEscalationError(resolver, user, namespace, rulesOf(obj));
        if (why !== undefined) throw errors.forbidden(r.resource, name, why);
        if (resource === 'clusterroles' && obj.aggregationRule !== undefined && obj.aggregationRule !== null) {
          if (noEscalationError(resolver, user, namespace, fullAuthority) !== undefined) throw errors.forbidden(r.resource, name, 'must have cluster-admin privileges to use the aggregationRule');
        }
        return;
      }
      if (resource === 'rolebindings' || resource === 'clusterrolebindings') {
        const ref = (typeof obj.roleRef === 'object' && obj.roleRef !== null ? obj.roleRef : {}) as Record<string, unknown>;
        const kind = typeof ref['kind'] === 'string' ? ref['kind'] : '';
        const roleName = typeof ref['name'] === 'string' ? ref['name'] : '';
        if (await allowed('bind', kind === 'Role' ? 'roles' : 'clusterroles', roleName)) return;
        const rules = resolver.roleReferenceRules(kind, roleName, namespace);
        if ('error' in rules) {
          // Here kube-apiserver reads the role through its registry: a plain NotFound of roles or clusterroles.
          if (kind === 'Role' || kind === 'ClusterRole') throw errors.notFound({ group: rbacGroup, resource: kind === 'Role' ? 'roles' : 'clusterroles' }, roleName);
          throw errors.forbidden(r.resource, name, rules.error);
        }
        const why = noEscalationError(resolver, user, namespace, rules.rules);
        if (why !== undefined) throw errors.forbidden(r.resource, name, why);
      }
    },
  };
}
