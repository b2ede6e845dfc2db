/**
 * --authorization-mode: which authorizers decide, in order, as kube-apiserver
 * chains them. system:masters is allowed everything before any of them is asked
 * (kube-apiserver's privileged-group authorizer). Kite has AlwaysAllow,
 * AlwaysDeny and RBAC. Node is accepted but not implemented: it has no opinion,
 * so kubelets get only what RBAC grants them (it never allows more than
 * kube-apiserver would). ABAC and Webhook are refused: they need policy files
 * and webhook configurations Kite does not read.
 */
import type { AccessAuthorizer, SubjectRules } from '../../registry/rbac/access.js';
import { privilegedGroup } from '../../registry/rbac/access.js';
import type { RbacRuleResolver } from '../../registry/rbac/rule-resolver.js';
import type { UserInfo } from '../authentication/user-info.js';
import { alwaysAllow, unionAuthorizer, type Authorizer } from './authorizer.js';
import { rbacAuthorizer } from './rbac-authorizer.js';
import { everything, nothing, type RuleLister } from './rule-lister.js';

/** Every mode kube-apiserver knows, in its order. */
export const knownModes = ['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'Webhook', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof knownModes)[number];

/** A bad --authorization-mode. */
export class AuthorizationModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationModeError';
  }
}

/** Parses --authorization-mode's comma-separated list, refusing what kube-apiserver refuses and what Kite lacks. */
export function parseAuthorizationModes(value: string): AuthorizationMode[] {
  const modes = value.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (modes.length === 0) throw new AuthorizationModeError('at least one authorization-mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(knownModes as readonly string[]).includes(m)) throw new AuthorizationModeError(`authorization-mode ${JSON.stringify(m)} is not a valid mode`);
    if (seen.has(m)) throw new AuthorizationModeError(`"authorization-mode" has mode specified more than once: ${m}`);
    seen.add(m);
    if (m === 'ABAC' || m === 'Webhook') throw new AuthorizationModeError(`authorization-mode ${m} is not supported by Kite (supported: AlwaysAllow, AlwaysDeny, RBAC; Node is accepted without effect)`);
  }
  return modes as AuthorizationMode[];
}

/**
 * system:masters may do anything (kube-apiserver's privileged-group authorizer). Like
 * kube-apiserver's, it lists no rules: a master's SelfSubjectRulesReview shows what RBAC
 * grants (cluster-admin, through its bootstrap binding).
 */
export const privilegedGroupAuthorizer: Authorizer & RuleLister = {
  name: 'system:masters',
  authorize: (a) => (a.user.groups.includes(privilegedGroup) ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' }),
  rulesFor: () => nothing,
};

/** --authorization-mode=AlwaysDeny: no to everything (no opinion, so a later mode may still allow). */
export const alwaysDeny: Authorizer & RuleLister = { name: 'AlwaysDeny', authorize: () => ({ decision: 'noOpinion', reason: 'Everything is forbidden.' }), rulesFor: () => nothing };

const alwaysAllowRules: Authorizer & RuleLister = { ...alwaysAllow, rulesFor: () => everything };

/** Node: accepted, not implemented (no opinion, no rules). */
const nodeNoOpinion: Authorizer & RuleLister = { name: 'Node', authorize: () => ({ decision: 'noOpinion', reason: '' }), rulesFor: () => nothing };

/** The authorization a list of modes makes: the authorizer of requests, which the registry's reviews also use. */
export interface Authorization {
  readonly authorizer: Authorizer;
  /** The same chain as the registry's access reviews and escalation checks ask it. */
  readonly access: AccessAuthorizer;
  readonly modes: readonly AuthorizationMode[];
}

function unionRules(listers: readonly RuleLister[], user: UserInfo, namespace: string): SubjectRules {
  const parts = listers.map((l) => l.rulesFor(user, namespace));
  const errors = parts.map((p) => p.evaluationError).filter((e) => e !== '');
  return {
    resourceRules: parts.flatMap((p) => p.resourceRules),
    nonResourceRules: parts.flatMap((p) => p.nonResourceRules),
    incomplete: parts.some((p) => p.incomplete),
    evaluationError: errors.length <= 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`,
  };
}

/** Builds the chain: system:masters first, then each mode in the order given. */
export function buildAuthorization(modes: readonly AuthorizationMode[], resolver: RbacRuleResolver): Authorization {
  const chain: (Authorizer & RuleLister)[] = [privilegedGroupAuthorizer];
  for (const m of modes) {
    if (m === 'AlwaysAllow') chain.push(alwaysAllowRules);
    else if (m === 'AlwaysDeny') chain.push(alwaysDeny);
    else if (m === 'RBAC') chain.push(rbacAuthorizer(resolver));
    else if (m === 'Node') chain.push(nodeNoOpinion);
  }
  const authorizer = unionAuthorizer(chain);
  return {
    modes,
    authorizer,
    access: { authorize: (a) => authorizer.authorize(a), rulesFor: (user, namespace) => unionRules(chain, user, namespace) },
  };
}
