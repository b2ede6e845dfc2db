import type { ResourceInfo } from './types.js';

/** The etcd prefix of every object of a resource: /registry/<resource>/ (Kubernetes' layout). */
export function resourcePrefix(info: Pick<ResourceInfo, 'resource'>): string {
  return `/registry/${info.resource}/`;
}

/** The prefix a list or watch reads: one namespace's objects, or all of the resource's objects. */
export function listPrefix(info: Pick<ResourceInfo, 'resource' | 'namespaced'>, namespace: string | undefined): string {
  return info.namespaced && namespace !== undefined && namespace !== '' ? `${resourcePrefix(info)}${namespace}/` : resourcePrefix(info);
}

/** /registry/<resource>/<namespace>/<name> for namespaced kinds, /registry/<resource>/<name> otherwise. */
export function objectKey(info: Pick<ResourceInfo, 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace ?? ''}/${name}` : `${resourcePrefix(info)}${name}`;
}
