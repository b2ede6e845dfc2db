/**
 * Bearer tokens from the Authorization header (`Bearer <token>`), checked by the token
 * authenticators (the token file, ServiceAccount tokens) in turn. A token no one knows
 * fails the request; the header is removed once a token is accepted, as kube-apiserver
 * does, so nothing later can pass it on.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { noCredentials, type AuthenticationResult, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user-info.js';

/** What a token authenticator says of a token. */
export type TokenResult =
  /** audiences: the ones the token is good for among those asked. */
  | { readonly kind: 'authenticated'; readonly user: UserInfo; readonly audiences: readonly string[] }
  /** A token of its kind that is not valid: reason is kube-apiserver's text (TokenReview shows it). */
  | { readonly kind: 'failed'; readonly reason: string }
  /** Not a token it knows. */
  | { readonly kind: 'none' };

/** Something that knows tokens. */
export interface TokenAuthenticator {
  readonly name: string;
  /** audiences: the ones the caller wants the token for; empty or absent: the API server's own. */
  authenticateToken(token: string, audiences?: readonly string[]): TokenResult | Promise<TokenResult>;
}

/** kube-apiserver's error for a token no authenticator knows. */
export const invalidBearerToken = 'invalid bearer token';

/**
 * Asks each token authenticator in turn; the first that authenticates wins. Otherwise the
 * error is kube-apiserver's: each authenticator's reason ('invalid bearer token' for one
 * that did not know the token), repeats dropped, several in brackets joined by ', '.
 */
export async function authenticateTokenWithAll(
  tokens: readonly TokenAuthenticator[],
  token: string,
  audiences?: readonly string[],
): Promise<(TokenResult & { kind: 'authenticated'; by: string }) | (TokenResult & { kind: 'failed' })> {
  const reasons: string[] = [];
  for (const t of tokens) {
    const r = await t.authenticateToken(token, audiences);
    if (r.kind === 'authenticated') return { ...r, by: t.name };
    const reason = r.kind === 'failed' ? r.reason : invalidBearerToken;
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  if (reasons.length === 0) reasons.push(invalidBearerToken);
  return { kind: 'failed', reason: reasons.length === 1 ? reasons[0]! : `[${reasons.join(', ')}]` };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const parts = header.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1] === '') return undefined;
  return parts[1];
}

/** Bearer tokens checked by the token authenticators, in order, for the API server's own audiences. */
export function bearerTokenAuthenticator(...tokens: readonly TokenAuthenticator[]): Authenticator {
  return {
    name: tokens.map((t) => t.name).join('+'),
    authenticate: async (req): Promise<AuthenticationResult> => {
      const token = bearerToken(req);
      if (token === undefined) return noCredentials;
      const r = await authenticateTokenWithAll(tokens, token);
      if (r.kind === 'failed') return r;
      delete req.headers.authorization;
      return { kind: 'authenticated', by: r.by, user: r.user };
    },
  };
}

/**
 * The tokens of a --token-auth-file; each lookup compares every token in constant time.
 * They know no audiences: a token is good for the API server's own (apiAudiences) only,
 * as kube-apiserver wraps audience-agnostic authenticators.
 */
export function staticTokens(users: ReadonlyMap<string, UserInfo>, apiAudiences: readonly string[] = []): TokenAuthenticator {
  const entries = [...users].map(([token, user]) => [Buffer.from(token), user] as const);
  return {
    name: 'token-file',
    authenticateToken: (token, audiences) => {
      const asked = audiences !== undefined && audiences.length > 0 ? audiences : apiAudiences;
      const matched = asked.filter((a) => apiAudiences.includes(a));
      if (apiAudiences.length > 0 && matched.length === 0) return { kind: 'none' };
      const given = Buffer.from(token);
      let found: UserInfo | undefined;
      for (const [known, user] of entries) {
        if (known.length === given.length && timingSafeEqual(known, given)) found = user;
      }
      return found === undefined ? { kind: 'none' } : { kind: 'authenticated', user: found, audiences: matched };
    },
  };
}
