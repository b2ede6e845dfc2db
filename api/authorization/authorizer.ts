/**
 * Authorization's seam: an authorizer decides whether a user may do what a request
 * asks (kube-apiserver's authorizer.Authorizer). Kite's are AlwaysAllow (here), and
 * RBAC, AlwaysDeny and the system:masters bypass (modes.ts builds the chain
 * --authorization-mode asks for).
 */
import type { UserInfo } from '../authentication/user-info.js';

/** What a request asks, in the terms authorization rules are written in. */
export interface AuthorizationAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource requests the lower-case HTTP method. */
  readonly verb: string;
  readonly isResourceRequest: boolean;
  /** The URL path (non-resource requests are authorized on it). */
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

/** allow ends the question; deny and noOpinion both refuse when no later authorizer allows. */
export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  readonly decision: Decision;
  /** Why, for the 403 message and the log ('' when there is nothing to add). */
  readonly reason: string;
}

export interface Authorizer {
  /** A short name for logs, e.g. AlwaysAllow, RBAC. */
  readonly name: string;
  authorize(attributes: AuthorizationAttributes): AuthorizationResult | Promise<AuthorizationResult>;
}

/** --authorization-mode=AlwaysAllow: everything is allowed to every authenticated (or anonymous) user. */
export const alwaysAllow: Authorizer = { name: 'AlwaysAllow', authorize: () => ({ decision: 'allow', reason: '' }) };

/** Asks each authorizer in order until one allows or denies (kube-apiserver's union); noOpinion when none has one. */
export function unionAuthorizer(authorizers: readonly Authorizer[]): Authorizer {
  return {
    name: authorizers.map((a) => a.name).join(','),
    authorize: async (attributes) => {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const r = await a.authorize(attributes);
        if (r.decision !== 'noOpinion') return r;
        if (r.reason !== '') reasons.push(r.reason);
      }
      return { decision: 'noOpinion', reason: reasons.join('\n') };
    },
  };
}

/**
 * The text of a refusal, as kube-apiserver words it: `User "x" cannot list resource
 * "pods" in API group "" in the namespace "y"` (or `at the cluster scope`, or
 * `cannot get path "/x"` for non-resource requests).
 */
export function forbiddenMessage(a: AuthorizationAttributes): string {
  if (!a.isResourceRequest) return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const where = a.namespace !== '' ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}
