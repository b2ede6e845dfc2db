import { ApiError, errors } from '../generic/api-error.js';
import type { AdmissionPlugin } from './admission.js';
import type { ObjectLookup } from './lookup.js';

/** Namespaces that can never be deleted. */
export const immortalNamespaces: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/**
 * NamespaceLifecycle: nothing is created in a namespace that does not exist
 * (404) or is being deleted (403), and the system namespaces are never deleted.
 */
export function namespaceLifecycle(lookup: ObjectLookup): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    validate: async (r) => {
      if (r.operation === 'DELETE' && r.resource.group === '' && r.resource.resource === 'namespaces' && immortalNamespaces.has(r.name)) {
        throw errors.forbidden(r.resource, r.name, 'this namespace may not be deleted');
      }
      if (r.operation !== 'CREATE' || !r.resource.namespaced || r.namespace === undefined) return;
      const ns = await lookup.get('', 'v1', 'namespaces', undefined, r.namespace);
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
