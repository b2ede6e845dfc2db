import type { Registry, ResourceStore } from '../registry/generic/resource-store.js';
import { hasSubresource } from '../registry/generic/types.js';

/** A request path resolved to a resource: /api/v1/namespaces/ns/configmaps/name/status and the like. */
export interface ResourcePath {
  readonly store: ResourceStore;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** What follows a proxy subresource (pods/p/proxy/a/b: "/a/b"); '' when nothing does. */
  readonly subpath: string;
}

/**
 * The path without the segment `watch` after the version, for the deprecated watch paths
 * kube-apiserver still serves (/api/v1/watch/namespaces/ns/pods[/name]); undefined for any
 * other path.
 */
export function legacyWatchPath(path: string): string | undefined {
  const m = /^(\/api\/[^/]+|\/apis\/[^/]+\/[^/]+)\/watch(\/.+)$/.exec(path);
  return m === null ? undefined : `${m[1]!}${m[2]!}`;
}

/** Where a proxy subresource is among a path's segments when more follows it; undefined when it is not. */
function proxyIndex(seg: readonly string[]): number | undefined {
  const base = seg[0] === 'api' ? 2 : seg[0] === 'apis' ? 3 : undefined;
  if (base === undefined) return undefined;
  const at = seg[base] === 'namespaces' ? base + 4 : base + 2;
  return seg[at] === 'proxy' && seg.length > at + 1 ? at : undefined;
}

/** The raw path after its first n non-empty segments, from the slash before the next one. */
function afterSegments(path: string, n: number): string {
  let i = 0;
  for (let seen = 0; seen < n; seen++) {
    while (path[i] === '/') i++;
    while (i < path.length && path[i] !== '/') i++;
  }
  return path.slice(i);
}

/**
 * Resolves a Kubernetes REST path against the registry:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * /api/v1/namespaces/{name}[/{subresource}] is the namespace itself. A proxy subresource
 * may be followed by a path of its own (pods/{name}/proxy/{path}). Returns
 * undefined for paths that name no served resource, subresource or scope (a
 * namespaced kind by name without a namespace, a cluster-scoped kind under one).
 */
export function resolvePath(registry: Registry, path: string): ResourcePath | undefined {
  let seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  // A proxy subresource takes the rest of the path as its own: .../{name}/proxy/{path}.
  const at = proxyIndex(seg);
  const subpath = at === undefined ? '' : afterSegments(path, at + 1);
  if (at !== undefined) seg = seg.slice(0, at + 1);
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api' && seg.length >= 2) {
    group = '';
    version = seg[1]!;
    rest = seg.slice(2);
  } else if (seg[0] === 'apis' && seg.length >= 3) {
    group = seg[1]!;
    version = seg[2]!;
    rest = seg.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return undefined;
  // A custom resource's unknown subresource is its object's NotFound, as kube-apiserver's CRD handler answers.
  const served = (store: ResourceStore | undefined, sub: string | undefined): store is ResourceStore =>
    store !== undefined && (sub === undefined || hasSubresource(store.info, sub) || (store.info.custom === true && !hasSubresource(store.info, sub)));
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const store = registry.store(group, version, rest[2]!);
    if (store !== undefined) {
      if (!store.info.namespaced || rest.length > 5 || !served(store, rest[4])) return undefined;
      if (subpath !== '' && rest[4] !== 'proxy') return undefined;
      return { store, namespace: rest[1], name: rest[3], subresource: rest[4], subpath };
    }
  }
  const store = registry.store(group, version, rest[0]!);
  if (store === undefined || rest.length > 3 || !served(store, rest[2])) return undefined;
  // A namespaced kind is listed across namespaces at its root, but never read by name there.
  if (store.info.namespaced && rest.length > 1) return undefined;
  if (subpath !== '' && rest[2] !== 'proxy') return undefined;
  return { store, namespace: undefined, name: rest[1], subresource: rest[2], subpath };
}
