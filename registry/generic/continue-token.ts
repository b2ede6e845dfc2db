import { errors } from './api-error.js';

/** What a continue token carries: the revision of the first page and the last key read, relative to the list prefix. */
export interface ContinuePosition {
  readonly resourceVersion: number;
  readonly start: string;
}

/** Encodes an opaque continue token (base64 JSON, as Kubernetes does). */
export function encodeContinue(p: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: p.resourceVersion, start: p.start })).toString('base64url');
}

/** Decodes a continue token; BadRequest when it is not one of ours. */
export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown } | null;
  if (p === null || typeof p !== 'object' || p.v !== 'meta.k8s.io/v1' || typeof p.rv !== 'number' || !Number.isInteger(p.rv) || p.rv <= 0 || typeof p.start !== 'string') {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (p.start.includes('..') || p.start.startsWith('/')) throw errors.badRequest('continue key is not valid: the start key is not within the listed resource');
  return { resourceVersion: p.rv, start: p.start };
}

/** Kubernetes' message for a continue token whose revision has been compacted. */
export const expiredContinueMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
