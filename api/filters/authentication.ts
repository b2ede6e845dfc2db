/**
 * Authentication: who is asking. The authenticator (a union of client certificates
 * and bearer tokens) names the user, which goes on res.locals for the filters and
 * handlers after this one (authorization, the request log). Bad credentials, or none
 * when anonymous requests are off, end the request with 401 Unauthorized; with
 * --anonymous-auth a request without credentials is system:anonymous. Every
 * authenticated user is also in system:authenticated.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { errors } from '../../registry/generic/api-error.js';
import type { Authenticator } from '../authentication/authenticator.js';
import { anonymousUser, withAuthenticatedGroup, type UserInfo } from '../authentication/user-info.js';
import { sendError } from '../status.js';

export interface AuthenticationOptions {
  readonly authenticator: Authenticator;
  /** Treat requests without credentials as system:anonymous instead of refusing them. */
  readonly anonymous: boolean;
  /** Where failed authentications are logged (never the credentials themselves). */
  readonly log?: Logger;
}

export function authenticationFilter(o: AuthenticationOptions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve(o.authenticator.authenticate(req)).then(
      (result) => {
        let user: UserInfo;
        if (result.kind === 'authenticated') user = withAuthenticatedGroup(result.user);
        else if (result.kind === 'none' && o.anonymous) user = anonymousUser;
        else {
          if (result.kind === 'failed') o.log?.warn({ uri: req.originalUrl, reason: result.reason }, 'unable to authenticate the request');
          sendError(res, errors.unauthorized());
          return;
        }
        res.locals['user'] = user;
        next();
      },
      (err: unknown) => sendError(res, err),
    );
  };
}

/** The user the filter authenticated. */
export function userOf(res: Response): UserInfo | undefined {
  return res.locals['user'] as UserInfo | undefined;
}
