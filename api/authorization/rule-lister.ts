/**
 * The other question an authorizer may answer (kube-apiserver's RuleResolver):
 * which rules does a user hold in a namespace? SelfSubjectRulesReview and
 * `kubectl auth can-i --list` ask it of every authorizer in the chain.
 */
import type { UserInfo } from '../authentication/user-info.js';
import type { SubjectRules } from '../../registry/rbac/access.js';

export interface RuleLister {
  /** The rules the user holds in namespace, as far as this authorizer can tell. */
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}

/** Everything, on resources and non-resource URLs alike (AlwaysAllow's and system:masters' answer). */
export const everything: SubjectRules = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
  evaluationError: '',
};

/** Nothing, and nothing left out. */
export const nothing: SubjectRules = { resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: '' };
