/** How admission plugins read other objects: through the registry's stores, in process. */
import { ApiError } from '../generic/api-error.js';
import type { Registry } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';

export interface ObjectLookup {
  /**
   * The object, or undefined when it does not exist. With `recent`, the watch cache's copy
   * when it has one (shared and frozen; it may lag the store by the latest changes), as
   * kube-apiserver's admission plugins read through informers; otherwise a read of the store.
   */
  get(group: string, version: string, resource: string, namespace: string | undefined, name: string, recent?: boolean): Promise<KubeObject | undefined>;
  /** Every object of a resource in a namespace (or cluster-wide). */
  list(group: string, version: string, resource: string, namespace: string | undefined): Promise<KubeObject[]>;
}

/** A lookup over a registry (resolved when called, so plugins can be built before the stores). */
export function registryLookup(registry: () => Registry): ObjectLookup {
  const store = (group: string, version: string, resource: string) => {
    const s = registry().store(group, version, resource);
    if (s === undefined) throw new Error(`admission: no store for ${group}/${version}/${resource}`);
    return s;
  };
  return {
    get: async (group, version, resource, namespace, name, recent = false) => {
      try {
        return await store(group, version, resource).get(namespace, name, undefined, recent ? { resourceVersion: '0' } : undefined);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    },
    list: async (group, version, resource, namespace) => (await store(group, version, resource).list(namespace)).items,
  };
}
