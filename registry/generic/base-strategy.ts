import { isDeepStrictEqual } from 'node:util';
import type { Strategy } from './strategy.js';
import type { KubeObject, ResourceInfo } from './types.js';

/** The verbs of an ordinary resource. */
export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** Builds a ResourceInfo with the usual verbs and no categories unless given. */
export function resourceInfo(i: Omit<ResourceInfo, 'verbs' | 'categories' | 'subresources'> & Partial<Pick<ResourceInfo, 'verbs' | 'categories' | 'subresources'>>): ResourceInfo {
  return { verbs: standardVerbs, categories: [], subresources: [], ...i };
}

/**
 * A strategy with Kubernetes' common behaviour: nothing to default or validate,
 * spec changes bump generation (every non-metadata, non-status field for kinds
 * without spec). Kinds override what differs.
 */
export function baseStrategy(info: ResourceInfo, overrides: Partial<Strategy> = {}): Strategy {
  return {
    info,
    applyDefaults: () => undefined,
    prepareForCreate: () => undefined,
    prepareForUpdate: () => undefined,
    validate: () => [],
    validateUpdate: () => [],
    isSpecChange: (obj, old) => !isDeepStrictEqual(specOf(obj), specOf(old)),
    ...overrides,
  };
}

/** Everything but metadata and status: what counts as the spec. */
export function specOf(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** The object's field at a dotted path, as a record (created when missing). */
export function child(o: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = o[field];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  o[field] = fresh;
  return fresh;
}

/** An array field or []. */
export function arrayOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : [];
}
