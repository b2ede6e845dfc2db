/**
 * Bearer tokens from the Authorization header (`Bearer <token>`), checked by a token
 * authenticator (today the token file; ServiceAccount tokens come later). A token no
 * one knows fails the request; the header is removed once a token is accepted, as
 * kube-apiserver does, so nothing later can pass it on.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { noCredentials, type AuthenticationResult, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user-info.js';

/** Something that knows tokens: answers the user of one, or undefined. */
export interface TokenAuthenticator {
  readonly name: string;
  authenticateToken(token: string): UserInfo | undefined | Promise<UserInfo | undefined>;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const parts = header.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1] === '') return undefined;
  return parts[1];
}

export function bearerTokenAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    name: tokens.name,
    authenticate: async (req): Promise<AuthenticationResult> => {
      const token = bearerToken(req);
      if (token === undefined) return noCredentials;
      const user = await tokens.authenticateToken(token);
      if (user === undefined) return { kind: 'failed', reason: 'invalid bearer token' };
      delete req.headers.authorization;
      return { kind: 'authenticated', by: tokens.name, user };
    },
  };
}

/** The tokens of a --token-auth-file; each lookup compares every token in constant time. */
export function staticTokens(users: ReadonlyMap<string, UserInfo>): TokenAuthenticator {
  const entries = [...users].map(([token, user]) => [Buffer.from(token), user] as const);
  return {
    name: 'token-file',
    authenticateToken: (token) => {
      const given = Buffer.from(token);
      let found: UserInfo | undefined;
      for (const [known, user] of entries) {
        if (known.length === given.length && timingSafeEqual(known, given)) found = user;
      }
      return found;
    },
  };
}
