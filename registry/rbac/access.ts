/**
 * What the registry asks of the API server's authorizer, without depending on the
 * API layer: the escalation checks (may this user `escalate` or `bind`?) and the
 * access reviews (SubjectAccessReview and friends) ask it through these narrow
 * interfaces, which the API server's authorizers satisfy (api/authorization/).
 * The composition root hands them to the registry (KiteRegistry.useAuthorizer).
 */
import type { UserInfo as AdmissionUser } from '../admission/admission.js';
import type { PolicyRule } from './policy-rule.js';

/** A user as authorization sees it (Kubernetes' user.Info). */
export interface AccessUser {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** One question to an authorizer: the same fields as api/authorization's AuthorizationAttributes. */
export interface AccessAttributes {
  readonly user: AccessUser;
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

/** An authorizer's answer. */
export interface AccessResult {
  readonly decision: 'allow' | 'deny' | 'noOpinion';
  readonly reason: string;
}

/** The rules a user holds in a namespace, as SelfSubjectRulesReview reports them. */
export interface SubjectRules {
  readonly resourceRules: readonly PolicyRule[];
  readonly nonResourceRules: readonly PolicyRule[];
  /** Some authorizer could not list its rules (they may be more than these). */
  readonly incomplete: boolean;
  /** Why not every rule could be resolved ('' when all could). */
  readonly evaluationError: string;
}

/** The API server's authorization, as the registry uses it. */
export interface AccessAuthorizer {
  authorize(attributes: AccessAttributes): AccessResult | Promise<AccessResult>;
  /** The rules every authorizer in the chain grants the user in namespace. */
  rulesFor(user: AccessUser, namespace: string): SubjectRules;
}

/** The group whose members may do anything, escalation included (kube-apiserver's system:masters). */
export const privilegedGroup = 'system:masters';

/** Admission's user as authorization's. */
export function accessUserOf(u: AdmissionUser): AccessUser {
  return { name: u.username, uid: u.uid ?? '', groups: u.groups, extra: u.extra ?? {} };
}

/** A resource question about a user: the attributes with the fields a resource request does not use left empty. */
export function resourceAttributes(
  user: AccessUser,
  a: { verb: string; apiGroup: string; resource: string; namespace: string; name: string; subresource?: string; apiVersion?: string },
): AccessAttributes {
  return { ...a, user, isResourceRequest: true, path: '', apiVersion: a.apiVersion ?? '*', subresource: a.subresource ?? '' };
}
