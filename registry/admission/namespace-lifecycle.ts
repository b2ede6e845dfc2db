import { ApiError, errors } from '../generic/api-error.js';
import type { AdmissionPlugin } from './admission.js';
import type { ObjectLookup } from './lookup.js';

/** Namespaces that can never be deleted. */
export const immortalNamespaces: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/** How long after a namespace's DELETE went through this plugin its lookups go to the store (kube-apiserver: 30 s). */
export const FORCE_LIVE_LOOKUP_MS = 30_000;

/**
 * NamespaceLifecycle: nothing is created in a namespace that does not exist
 * (404) or is being deleted (403), and the system namespaces are never deleted.
 *
 * The namespace is read from the watch cache, as kube-apiserver reads it from an informer,
 * and from the store when the cache does not have it (created moments ago) or when a DELETE
 * of it passed here within FORCE_LIVE_LOOKUP_MS (so a create right after the DELETE sees the
 * namespace terminating even before the cache does).
 */
export function namespaceLifecycle(lookup: ObjectLookup, now: () => number = Date.now): AdmissionPlugin {
  const deletedAt = new Map<string, number>();
  const recentlyDeleted = (name: string): boolean => {
    const at = deletedAt.get(name);
    if (at === undefined) return false;
    if (now() - at < FORCE_LIVE_LOOKUP_MS) return true;
    deletedAt.delete(name);
    return false;
  };
  return {
    name: 'NamespaceLifecycle',
    validate: async (r) => {
      if (r.operation === 'DELETE' && r.resource.group === '' && r.resource.resource === 'namespaces') {
        if (immortalNamespaces.has(r.name)) throw errors.forbidden(r.resource, r.name, 'this namespace may not be deleted');
        if (deletedAt.size >= 256) for (const name of [...deletedAt.keys()]) recentlyDeleted(name); // drops the expired
        deletedAt.set(r.name, now());
        return;
      }
      if (r.operation !== 'CREATE' || !r.resource.namespaced || r.namespace === undefined) return;
      const live = recentlyDeleted(r.namespace);
      const ns = (live ? undefined : await lookup.get('', 'v1', 'namespaces', undefined, r.namespace, true)) ?? (await lookup.get('', 'v1', 'namespaces', undefined, r.namespace));
      if (ns === undefined) throw errors.notFound({ resource: 'namespaces', group: '' }, r.namespace);
      if (ns.metadata.deletionTimestamp !== undefined) {
        const e = errors.forbidden(r.resource, r.name, `unable to create new content in namespace ${r.namespace} because it is being terminated`);
        throw new ApiError(e.code, e.reason, e.message, {
          ...e.details,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${r.namespace} is being terminated`, field: 'metadata.namespace' }],
        });
      }
    },
  };
}
