/**
 * --authorization-mode=RBAC: allows a request when a rule bound to its user (by a
 * ClusterRoleBinding, or a RoleBinding in the request's namespace) allows it;
 * otherwise no opinion, with the bindings whose roles are missing as the reason.
 * Rules come from the registry's RbacRuleResolver, kept in memory by watches: no
 * store reads per request.
 */
import type { RbacRuleResolver } from '../../registry/rbac/rule-resolver.js';
import { aggregateErrors, describeSource } from '../../registry/rbac/rule-resolver.js';
import { ruleAllows } from '../../registry/rbac/policy-rule.js';
import type { Authorizer } from './authorizer.js';
import type { RuleLister } from './rule-lister.js';

export function rbacAuthorizer(resolver: RbacRuleResolver): Authorizer & RuleLister {
  return {
    name: 'RBAC',
    authorize: (a) => {
      let reason = '';
      let allowed = false;
      const failures: string[] = [];
      resolver.visitRulesFor(a.user, a.namespace, (source, rule, error) => {
        if (source !== undefined && rule !== undefined && ruleAllows(rule, a)) {
          allowed = true;
          reason = `RBAC: allowed by ${describeSource(source)}`;
          return false;
        }
        if (error !== undefined) failures.push(error);
        return true;
      });
      if (allowed) return { decision: 'allow', reason };
      return { decision: 'noOpinion', reason: failures.length === 0 ? '' : `RBAC: ${aggregateErrors(failures)}` };
    },
    rulesFor: (user, namespace) => {
      const { rules, errors } = resolver.rulesFor(user, namespace);
      return {
        resourceRules: rules.filter((r) => (r.resources ?? []).length > 0),
        nonResourceRules: rules.filter((r) => (r.nonResourceURLs ?? []).length > 0).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] })),
        incomplete: false,
        evaluationError: errors.length === 0 ? '' : aggregateErrors(errors),
      };
    },
  };
}
