/**
 * ServiceAccount tokens as a token authenticator: the registry's ServiceAccountTokens
 * checks the JWT (signature, issuer, audiences, times, the objects it names) and this
 * turns its answer into the user: system:serviceaccount:<ns>:<name> in
 * system:serviceaccounts and system:serviceaccounts:<ns> (system:authenticated is
 * added by the authentication filter, as for every user).
 */
import type { ServiceAccountTokens } from '../../registry/serviceaccount/service-account-tokens.js';
import type { TokenAuthenticator } from './bearer-token.js';

export function serviceAccountTokenAuthenticator(tokens: ServiceAccountTokens): TokenAuthenticator {
  return {
    name: 'serviceaccount',
    authenticateToken: async (token, audiences) => {
      const r = await tokens.check(token, audiences);
      if (r.kind !== 'authenticated') return r;
      return { kind: 'authenticated', user: { name: r.user.name, uid: r.user.uid, groups: [...r.user.groups], extra: r.user.extra }, audiences: r.audiences };
    },
  };
}
