import type { ResourceInfo } from './types.js';

/** The default key prefix of a resource's objects: /registry/<resource>/ (Kite's layout for built-in kinds). */
export function defaultStoragePrefix(resource: string): string {
  return `/registry/${resource}/`;
}

/** The prefix a list or watch reads: one namespace's objects, or all of the resource's objects. */
export function listPrefix(info: Pick<ResourceInfo, 'storagePrefix' | 'namespaced'>, namespace: string | undefined): string {
  return info.namespaced && namespace !== undefined && namespace !== '' ? `${info.storagePrefix}${namespace}/` : info.storagePrefix;
}

/** <prefix><namespace>/<name> for namespaced kinds, <prefix><name> otherwise. */
export function objectKey(info: Pick<ResourceInfo, 'storagePrefix' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${info.storagePrefix}${namespace ?? ''}/${name}` : `${info.storagePrefix}${name}`;
}
