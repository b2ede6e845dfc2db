/**
 * The TokenReview answer (tokenreviews, authentication.k8s.io/v1): the same token
 * authenticators requests are authenticated with, for the audiences the review asks
 * (the API server's own when it names none); the user as a request would see it,
 * system:authenticated included.
 */
import type { TokenReviewer } from '../../registry/tokenreview/token-review.js';
import { authenticateTokenWithAll, type TokenAuthenticator } from './bearer-token.js';
import { withAuthenticatedGroup } from './user-info.js';

export function tokenReviewer(tokens: readonly TokenAuthenticator[]): TokenReviewer {
  return async (token, audiences) => {
    const r = await authenticateTokenWithAll(tokens, token, audiences);
    if (r.kind === 'failed') return { kind: 'failed', error: r.reason };
    const user = withAuthenticatedGroup(r.user);
    return { kind: 'authenticated', user: { username: user.name, uid: user.uid, groups: user.groups, extra: user.extra }, audiences: r.audiences };
  };
}
