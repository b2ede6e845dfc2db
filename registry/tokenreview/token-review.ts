/**
 * tokenreviews (authentication.k8s.io/v1): "who is this token?", answered by the API
 * server's own token authenticators (the token file, ServiceAccount tokens) for the
 * audiences asked (the API server's by default). POST only; nothing is stored. The
 * answer is the review with its status filled in, as kube-apiserver answers it.
 */
import { errors } from '../generic/api-error.js';
import { resourceInfo } from '../generic/base-strategy.js';
import { CreateOnlyStore } from '../generic/create-only-store.js';
import type { KubeObject, ResourceInfo } from '../generic/types.js';

/** authentication.k8s.io/v1 UserInfo. */
export interface ReviewedUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** What the authenticators said of a token. */
export type TokenReviewResult =
  | { readonly kind: 'authenticated'; readonly user: ReviewedUser; readonly audiences: readonly string[] }
  | { readonly kind: 'failed'; readonly error: string };

/** Reviews a token for audiences (empty: the API server's own). */
export type TokenReviewer = (token: string, audiences: readonly string[]) => Promise<TokenReviewResult>;

export const tokenReviewsInfo: ResourceInfo = resourceInfo({
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'tokenreviews',
  singular: 'tokenreview',
  kind: 'TokenReview',
  listKind: 'TokenReviewList',
  namespaced: false,
  verbs: ['create'],
});

const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** user as a review's status shows it (TokenReview, SelfSubjectReview): empty fields left out, as Go's omitempty does. */
export function userStatus(user: ReviewedUser): Record<string, unknown> {
  return {
    username: user.username,
    ...(user.uid === '' ? {} : { uid: user.uid }),
    ...(user.groups.length === 0 ? {} : { groups: user.groups }),
    ...(Object.keys(user.extra).length === 0 ? {} : { extra: user.extra }),
  };
}

/** The answer to one TokenReview body. */
export async function reviewToken(reviewer: TokenReviewer, body: KubeObject): Promise<{ code: number; body: unknown }> {
  const spec = asObject(body.spec);
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (token === '') throw errors.badRequest('token is required for TokenReview in authentication');
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const result = await reviewer(token, audiences);
  const status = result.kind === 'authenticated' ? { authenticated: true, user: userStatus(result.user), audiences: result.audiences } : { user: {}, error: result.error };
  return {
    code: 201,
    body: {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...body.metadata, creationTimestamp: null },
      spec: { token, ...(audiences.length === 0 ? {} : { audiences }) },
      status,
    },
  };
}

/** The tokenreviews resource; reviewer is asked when a review comes (the API layer supplies it). */
export function tokenReviewStore(reviewer: () => TokenReviewer | undefined): CreateOnlyStore {
  return new CreateOnlyStore(tokenReviewsInfo, async (_namespace, body) => {
    const r = reviewer();
    if (r === undefined) throw errors.internal('no token authenticator is configured to review tokens with');
    return reviewToken(r, body);
  });
}
