import type { Json, RequestStep, WaitStep, WatchStep } from '../case.js';

/** Short constructors for the corpus's steps. */

/** Options a request step may add to its method, path and body. */
export type RequestOptions = Partial<Pick<RequestStep, 'query' | 'accept' | 'acceptEncoding' | 'contentType' | 'rawBody'>>;

export const asTable = 'application/json;as=Table;v=v1;g=meta.k8s.io';
export const asPartial = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io';
export const asPartialList = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io';

/** Patch content types by their short names. */
export const patchTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export function get(id: string, path: string, opts: RequestOptions = {}): RequestStep {
  return { kind: 'request', id, method: 'GET', path, ...opts };
}

export function post(id: string, path: string, body: Json, opts: RequestOptions = {}): RequestStep {
  return { kind: 'request', id, method: 'POST', path, body, ...opts };
}

export function put(id: string, path: string, body: Json, opts: RequestOptions = {}): RequestStep {
  return { kind: 'request', id, method: 'PUT', path, body, ...opts };
}

export function patch(id: string, path: string, type: keyof typeof patchTypes, body: Json, opts: RequestOptions = {}): RequestStep {
  return { kind: 'request', id, method: 'PATCH', path, body, contentType: patchTypes[type], ...opts };
}

/** DELETE, with a DeleteOptions body when one is given. */
export function del(id: string, path: string, body?: Json, opts: RequestOptions = {}): RequestStep {
  return body === undefined ? { kind: 'request', id, method: 'DELETE', path, ...opts } : { kind: 'request', id, method: 'DELETE', path, body, ...opts };
}

/** A watch of path from the resourceVersion of step `from`'s response, collecting `events` events. */
export function watchFrom(id: string, path: string, from: string, events: number, query: Readonly<Record<string, string>> = {}): WatchStep {
  return { kind: 'watch', id, path, events, query: { resourceVersion: `{rv:${from}}`, ...query } };
}

/** Waits until the object at path is Established (a CustomResourceDefinition) or gone (404). */
export function waitUntil(id: string, path: string, until: WaitStep['until'], timeoutMs?: number): WaitStep {
  return { kind: 'wait', id, path, until, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}
