import { isDeepStrictEqual } from 'node:util';
import { defaultStoragePrefix } from './keys.js';
import type { Strategy } from './strategy.js';
import type { GroupVersionKind, KubeObject, ResourceInfo, SubresourceInfo } from './types.js';

/** The verbs of an ordinary resource. */
export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** The kind and verbs of each well-known subresource, as kube-apiserver lists them in discovery. */
function wellKnownSubresource(name: string, own: GroupVersionKind): SubresourceInfo {
  const readWrite = ['get', 'patch', 'update'];
  switch (name) {
    case 'status':
    case 'approval':
    case 'ephemeralcontainers':
      return { name, kind: own, verbs: readWrite };
    case 'scale':
      return { name, kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: readWrite };
    case 'finalize':
      return { name, kind: own, verbs: ['update'] };
    case 'binding':
      return { name, kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
    case 'eviction':
      return { name, kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'log':
      return { name, kind: own, verbs: ['get'] };
    case 'exec':
    case 'attach':
    case 'portforward': {
      const kind = { exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions' }[name];
      return { name, kind: { group: '', version: 'v1', kind }, verbs: ['create', 'get'] };
    }
    case 'proxy':
      return { name, kind: { group: '', version: 'v1', kind: `${own.kind}ProxyOptions` }, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'token':
      return { name, kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
    default:
      throw new Error(`unknown subresource ${name}: describe it with a SubresourceInfo`);
  }
}

type ResourceInfoInput = Omit<ResourceInfo, 'verbs' | 'categories' | 'subresources' | 'storagePrefix' | 'shortNames'> &
  Partial<Pick<ResourceInfo, 'verbs' | 'categories' | 'storagePrefix' | 'shortNames'>> & {
    readonly subresources?: readonly (string | SubresourceInfo)[];
  };

/**
 * Builds a ResourceInfo: the usual verbs, no short names or categories unless
 * given, well-known subresources by name, objects under /registry/<resource>/.
 */
export function resourceInfo(i: ResourceInfoInput): ResourceInfo {
  const own = { group: i.group, version: i.version, kind: i.kind };
  return {
    verbs: standardVerbs,
    categories: [],
    shortNames: [],
    storagePrefix: defaultStoragePrefix(i.resource),
    ...i,
    subresources: (i.subresources ?? []).map((s) => (typeof s === 'string' ? wellKnownSubresource(s, own) : s)),
  };
}

/**
 * A strategy with Kubernetes' common behaviour: nothing to default or validate,
 * no generation, spec changes are everything but metadata and status. Kinds
 * override what differs.
 */
export function baseStrategy(info: ResourceInfo, overrides: Partial<Strategy> = {}): Strategy {
  return {
    info,
    generation: false,
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

/** The object's field as a record, or undefined (never created). */
export function field(o: Record<string, unknown> | undefined, name: string): Record<string, unknown> | undefined {
  const v = o?.[name];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** An array field or []. */
export function arrayOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : [];
}
