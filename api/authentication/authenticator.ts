/**
 * An authenticator reads a request's credentials (a client certificate, a bearer
 * token) and says who made it, that the credentials are bad, or that it found none
 * of its kind. The union asks each in turn, as kube-apiserver's does.
 */
import type { IncomingMessage } from 'node:http';
import { unsecuredUser, type UserInfo } from './user-info.js';

/** One authenticator's answer. */
export type AuthenticationResult =
  | { readonly kind: 'authenticated'; readonly user: UserInfo; readonly by: string }
  /** Credentials of this authenticator's kind were present and are not valid. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** No credentials of this authenticator's kind. */
  | { readonly kind: 'none' };

export interface Authenticator {
  /** A short name for logs, e.g. x509, token-file. */
  readonly name: string;
  /** Authenticates req; never throws for bad credentials (that is a 'failed' result). */
  authenticate(req: IncomingMessage): AuthenticationResult | Promise<AuthenticationResult>;
}

export const noCredentials: AuthenticationResult = { kind: 'none' };

/**
 * Asks each authenticator in order; the first that authenticates wins. When none
 * does, the failures (if any) are the answer, joined; else 'none'.
 */
export function unionAuthenticator(authenticators: readonly Authenticator[]): Authenticator {
  return {
    name: authenticators.map((a) => a.name).join('+'),
    authenticate: async (req) => {
      const failures: string[] = [];
      for (const a of authenticators) {
        const r = await a.authenticate(req);
        if (r.kind === 'authenticated') return r;
        if (r.kind === 'failed') failures.push(r.reason);
      }
      return failures.length > 0 ? { kind: 'failed', reason: failures.join('; ') } : noCredentials;
    },
  };
}

/**
 * The plain-HTTP port's "authenticator" (--insecure-plain-http, loopback only): every
 * request is system:unsecured in system:masters, as on kube-apiserver's old insecure port.
 */
export const insecurePortAuthenticator: Authenticator = {
  name: 'insecure-port',
  authenticate: () => ({ kind: 'authenticated', by: 'insecure-port', user: unsecuredUser }),
};
