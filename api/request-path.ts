import type { Registry, ResourceStore } from '../registry/generic/resource-store.js';
import { hasSubresource } from '../registry/generic/types.js';

/** A request path resolved to a resource: /api/v1/namespaces/ns/configmaps/name/status and the like. */
export interface ResourcePath {
  readonly store: ResourceStore;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
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

/**
 * Resolves a Kubernetes REST path against the registry:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * /api/v1/namespaces/{name}[/{subresource}] is the namespace itself. Returns
 * undefined for paths that name no served resource, subresource or scope (a
 * namespaced kind by name without a namespace, a cluster-scoped kind under one).
 */
export function resolvePath(registry: Registry, path: string): ResourcePath | undefined {
  const seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
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
      return { store, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const store = registry.store(group, version, rest[0]!);
  if (store === undefined || rest.length > 3 || !served(store, rest[2])) return undefined;
  // A namespaced kind is listed across namespaces at its root, but never read by name there.
  if (store.info.namespaced && rest.length > 1) return undefined;
  return { store, namespace: undefined, name: rest[1], subresource: rest[2] };
}
