/**
 * Authorization: may this user do what the request asks? The request info and the
 * authenticated user make the attributes the authorizer decides on; anything but
 * allow ends the request with 403 Forbidden, worded as kube-apiserver words it.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { errors } from '../../registry/generic/api-error.js';
import { forbiddenMessage, type AuthorizationAttributes, type Authorizer } from '../authorization/authorizer.js';
import { sendError } from '../status.js';
import { userOf } from './authentication.js';
import { infoOf } from './request-info.js';

/** The attributes of the request the earlier filters described. */
export function attributesOf(req: Request, res: Response): AuthorizationAttributes | undefined {
  const user = userOf(res);
  const info = infoOf(res);
  if (user === undefined || info === undefined) return undefined;
  return {
    user,
    // Server-side apply is a patch to authorization, as in kube-apiserver.
    verb: info.verb === 'apply' ? 'patch' : info.verb,
    isResourceRequest: info.isResourceRequest,
    path: req.path,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

export function authorizationFilter(authorizer: Authorizer, log?: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const attributes = attributesOf(req, res);
    if (attributes === undefined) {
      sendError(res, errors.internal('no user or request info to authorize the request with'));
      return;
    }
    Promise.resolve(authorizer.authorize(attributes)).then(
      (r) => {
        if (r.decision === 'allow') {
          next();
          return;
        }
        log?.info({ user: attributes.user.name, verb: attributes.verb, uri: req.originalUrl, reason: r.reason }, 'forbidden');
        const message = r.reason === '' ? forbiddenMessage(attributes) : `${forbiddenMessage(attributes)}: ${r.reason}`;
        sendError(res, errors.forbiddenRequest({ group: attributes.apiGroup, resource: attributes.resource }, attributes.name, message));
      },
      (err: unknown) => sendError(res, err),
    );
  };
}
