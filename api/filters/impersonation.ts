/**
 * Impersonation (kube-apiserver's WithImpersonation), between authentication and
 * authorization: a request with Impersonate-User (and optionally Impersonate-Group,
 * Impersonate-Uid, Impersonate-Extra-<key>) acts as that user, once the authorizer has
 * allowed the authenticated user the `impersonate` verb on each thing asked for:
 * users (or serviceaccounts, for a system:serviceaccount:<ns>:<name> user), groups,
 * uids (authentication.k8s.io) and userextras/<key> (authentication.k8s.io). The
 * first refusal ends the request with kube-apiserver's 403; groups, a uid or extras
 * without a user are its plain-text 500. The headers are removed before going on.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { errors } from '../../registry/generic/api-error.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../../registry/generic/name-validation.js';
import { serviceAccountGroupNames, serviceAccountUsername, serviceAccountUsernamePrefix } from '../../registry/serviceaccount/service-account-tokens.js';
import { forbiddenMessage, type AuthorizationAttributes, type Authorizer } from '../authorization/authorizer.js';
import { sendError } from '../status.js';
import { userOf } from './authentication.js';
import type { UserInfo } from '../authentication/user-info.js';
import { wellKnownGroups, wellKnownUsers } from '../authentication/user-info.js';

export const impersonationHeaders = { user: 'impersonate-user', group: 'impersonate-group', uid: 'impersonate-uid', extraPrefix: 'impersonate-extra-' } as const;

/** One thing to impersonate, as kube-apiserver's ObjectReference describes it. */
export interface ImpersonationRequest {
  readonly kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  readonly namespace: string;
  readonly name: string;
  readonly apiVersion: string;
  /** The extra's key (UserExtra only). */
  readonly fieldPath: string;
}

const authenticationV1 = 'authentication.k8s.io/v1';

/** namespace and name of a system:serviceaccount:<ns>:<name> user name, when it is a valid one. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountUsernamePrefix)) return undefined;
  const parts = username.slice(serviceAccountUsernamePrefix.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts as [string, string];
  if (dns1123LabelErrors(namespace).length > 0 || dns1123SubdomainErrors(name).length > 0) return undefined;
  return { namespace, name };
}

/** Go's %v of an ObjectReference: its seven fields, space-separated, in braces. */
const goReference = (r: ImpersonationRequest): string => `{${[r.kind, r.namespace, r.name, '', r.apiVersion, '', r.fieldPath].join(' ')}}`;

/** Header values as Node gives them (a repeated header is an array, or for most, joined). */
const valuesOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Thrown for impersonation headers that make no sense (kube-apiserver answers these with a plain 500). */
export class ImpersonationHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImpersonationHeaderError';
  }
}

/**
 * What the headers ask to impersonate, in kube-apiserver's order: the user (or service
 * account), each group, each extra value, the uid. rawHeaders keeps repeated headers apart.
 */
export function impersonationRequests(rawHeaders: readonly string[]): ImpersonationRequest[] {
  const requests: ImpersonationRequest[] = [];
  const byName = new Map<string, string[]>();
  const extras: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name.startsWith(impersonationHeaders.extraPrefix)) {
      const encoded = name.slice(impersonationHeaders.extraPrefix.length);
      let key = encoded;
      try {
        key = decodeURIComponent(encoded);
      } catch {
        // A malformed escape is kept as written, as kube-apiserver keeps it.
      }
      extras.push([key, value]);
    } else byName.set(name, [...(byName.get(name) ?? []), value]);
  }
  const user = byName.get(impersonationHeaders.user)?.[0] ?? '';
  if (user !== '') {
    const sa = splitServiceAccountUsername(user);
    requests.push(sa === undefined ? { kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' } : { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name, apiVersion: '', fieldPath: '' });
  }
  const groups = byName.get(impersonationHeaders.group) ?? [];
  for (const g of groups) requests.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  for (const [key, value] of extras) requests.push({ kind: 'UserExtra', namespace: '', name: value, apiVersion: authenticationV1, fieldPath: key });
  const uid = byName.get(impersonationHeaders.uid)?.[0] ?? '';
  if (uid !== '') requests.push({ kind: 'UID', namespace: '', name: uid, apiVersion: authenticationV1, fieldPath: '' });
  if (user === '' && requests.length > 0) throw new ImpersonationHeaderError(`requested [${requests.map(goReference).join(' ')}] without impersonating a user`);
  return requests;
}

/** The authorization question for one impersonation request. */
export function impersonationAttributes(requestor: UserInfo, r: ImpersonationRequest): AuthorizationAttributes {
  const [apiGroup, apiVersion] = r.apiVersion === '' ? ['', ''] : (r.apiVersion.split('/') as [string, string]);
  const resource = { User: 'users', ServiceAccount: 'serviceaccounts', Group: 'groups', UserExtra: 'userextras', UID: 'uids' }[r.kind];
  return {
    user: requestor,
    verb: 'impersonate',
    isResourceRequest: true,
    path: '',
    apiGroup,
    apiVersion,
    resource,
    subresource: r.kind === 'UserExtra' ? r.fieldPath : '',
    namespace: r.namespace,
    name: r.name,
  };
}

/** The user the requests make, with system:authenticated (or, for system:anonymous, system:unauthenticated) as kube-apiserver adds them. */
export function impersonatedUser(requests: readonly ImpersonationRequest[], groupsSpecified: boolean): UserInfo {
  let name = '';
  let uid = '';
  const groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    switch (r.kind) {
      case 'ServiceAccount':
        name = serviceAccountUsername(r.namespace, r.name);
        if (!groupsSpecified) groups.push(...serviceAccountGroupNames(r.namespace));
        break;
      case 'User':
        name = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
  }
  if (name !== wellKnownUsers.anonymous) {
    if (!groups.includes(wellKnownGroups.authenticated) && !groups.includes(wellKnownGroups.unauthenticated)) groups.push(wellKnownGroups.authenticated);
  } else if (!groups.includes(wellKnownGroups.unauthenticated)) groups.push(wellKnownGroups.unauthenticated);
  return { name, uid, groups, extra };
}

/** kube-apiserver's plain-text 500 (http.Error with the URI quoted and HTML-escaped). */
function internalErrorText(uri: string, message: string): string {
  return `Internal Server Error: ${JSON.stringify(uri)}: ${message}`.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function impersonationFilter(authorizer: Authorizer, log?: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let requests: ImpersonationRequest[];
    try {
      requests = impersonationRequests(req.rawHeaders);
    } catch (err) {
      if (!(err instanceof ImpersonationHeaderError)) throw err;
      res.status(500).setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.send(`${internalErrorText(req.originalUrl, err.message)}\n`);
      return;
    }
    if (requests.length === 0) {
      next();
      return;
    }
    const requestor = userOf(res);
    if (requestor === undefined) {
      sendError(res, errors.internal('no user found for request'));
      return;
    }
    const decide = async (): Promise<void> => {
      for (const r of requests) {
        const attributes = impersonationAttributes(requestor, r);
        const decision = await authorizer.authorize(attributes);
        if (decision.decision !== 'allow') {
          log?.info({ user: requestor.name, uri: req.originalUrl, reason: decision.reason }, 'impersonation forbidden');
          const message = decision.reason === '' ? forbiddenMessage(attributes) : `${forbiddenMessage(attributes)}: ${decision.reason}`;
          sendError(res, errors.forbiddenRequest({ group: attributes.apiGroup, resource: attributes.resource }, attributes.name, message));
          return;
        }
      }
      const user = impersonatedUser(requests, valuesOf(req.headers[impersonationHeaders.group]).length > 0);
      res.locals['user'] = user;
      res.locals['impersonatedBy'] = requestor.name;
      for (const h of Object.keys(req.headers)) {
        if (h === impersonationHeaders.user || h === impersonationHeaders.group || h === impersonationHeaders.uid || h.startsWith(impersonationHeaders.extraPrefix)) delete req.headers[h];
      }
      next();
    };
    decide().catch((err: unknown) => sendError(res, err));
  };
}
