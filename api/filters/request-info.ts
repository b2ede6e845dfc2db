/**
 * What a request is about, read from its method and path as kube-apiserver's
 * RequestInfo: the verb (get, list, watch, create, update, patch, delete,
 * deletecollection), and for resource requests the group, version, resource,
 * subresource, namespace and name. Filters after this one (logging, metrics,
 * authorization) read it from res.locals.
 */
import type { NextFunction, Request, Response } from 'express';

export interface RequestInfo {
  readonly isResourceRequest: boolean;
  readonly verb: string;
  readonly path: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

const namespaceSubresources = new Set(['status', 'finalize']);

/** The name a field selector requires exactly (metadata.name=x or ==x), when it is a valid path segment; '' otherwise. */
export function exactName(selector: unknown): string {
  if (typeof selector !== 'string') return '';
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m === null) continue;
    const name = m[1]!;
    return name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('%') ? '' : name;
  }
  return '';
}

function isTrue(v: unknown): boolean {
  return v === 'true' || v === '1';
}

/** Parses a request as kube-apiserver's request info resolver does. */
export function requestInfo(method: string, path: string, query: Readonly<Record<string, unknown>>, contentType: string | undefined): RequestInfo {
  const seg = path.split('/').filter((s) => s !== '');
  // Built whole, not spread from a common base: V8 takes a slow path (about 3 us) for a spread
  // whose properties are then given again, and this runs for every request.
  const nonResource: RequestInfo = { isResourceRequest: false, verb: method.toLowerCase(), path, group: '', version: '', resource: '', subresource: '', namespace: '', name: '' };
  let rest: string[];
  let group = '';
  let version: string;
  if (seg[0] === 'api' && seg.length >= 2) {
    version = seg[1]!;
    rest = seg.slice(2);
  } else if (seg[0] === 'apis' && seg.length >= 3) {
    group = seg[1]!;
    version = seg[2]!;
    rest = seg.slice(3);
  } else return nonResource;
  // The deprecated watch paths (/api/v1/watch/...) are a watch of what follows.
  const legacyWatch = rest[0] === 'watch' && (method === 'GET' || method === 'HEAD');
  if (legacyWatch) rest = rest.slice(1);
  if (rest.length === 0) return nonResource;
  let namespace = '';
  if (rest[0] === 'namespaces') {
    // namespaces/<name>/status and /finalize are the namespace's own subresources.
    if (rest.length >= 3 && namespaceSubresources.has(rest[2]!)) {
      namespace = rest[1]!;
    } else if (rest.length >= 3) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    } else if (rest.length === 2) {
      namespace = rest[1]!;
    }
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = legacyWatch ? 'watch' : name !== '' ? 'get' : isTrue(query['watch']) ? 'watch' : 'list';
      // A list or watch of one name (fieldSelector=metadata.name=x) is about that name, so rules with resourceNames apply.
      if (name === '') name = exactName(query['fieldSelector']);
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = contentType?.startsWith('application/apply-patch') === true ? 'apply' : 'patch';
      break;
    case 'DELETE':
      verb = name !== '' ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return { isResourceRequest: true, verb, path, group, version, resource, subresource, namespace, name };
}

/** The filter: puts the request's RequestInfo in res.locals.requestInfo. */
export function requestInfoFilter(req: Request, res: Response, next: NextFunction): void {
  res.locals['requestInfo'] = requestInfo(req.method, req.path, req.query as Record<string, unknown>, req.headers['content-type']);
  next();
}

/** The RequestInfo the filter put on a response. */
export function infoOf(res: Response): RequestInfo | undefined {
  return res.locals['requestInfo'] as RequestInfo | undefined;
}
