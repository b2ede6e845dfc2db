/**
 * Resource names (cpu, requests.memory, example.com/gpu) as kube-apiserver checks
 * them in quotas, limit ranges and container resources.
 */
import type { StatusCause } from '../generic/api-error.js';
import { fieldErrors } from './field-errors.js';
import { isQualifiedName } from './names.js';

/** The resources quota tracks, by name (kube-apiserver's standard quota resources). */
export const quotaResources: ReadonlySet<string> = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
/** The resources the system knows by name: the quota ones and storage. */
const standardResources: ReadonlySet<string> = new Set([...quotaResources, 'storage']);
/** What a container may ask for without a domain. */
const containerResources: ReadonlySet<string> = new Set(['cpu', 'memory', 'ephemeral-storage']);

export const isHugePages = (name: string): boolean => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');

/** validateResourceName: a qualified name, and without a domain one the system knows. */
export function resourceNameErrors(name: string, at: string): StatusCause[] {
  const causes = isQualifiedName(name).map((m) => fieldErrors.invalid(at, name, m));
  if (causes.length === 0 && !name.includes('/') && !standardResources.has(name) && !isHugePages(name)) causes.push(fieldErrors.invalid(at, name, 'must be a standard resource type or fully qualified'));
  return causes;
}

/**
 * validateContainerResourceName: a resource name that, without a domain, a container may ask
 * for, and with one is native (kubernetes.io/) or an extended resource.
 */
export function containerResourceNameErrors(name: string, at: string): StatusCause[] {
  const causes = resourceNameErrors(name, at);
  if (!name.includes('/')) {
    if (!containerResources.has(name) && !name.startsWith('hugepages-')) causes.push(fieldErrors.invalid(at, name, 'must be a standard resource for containers'));
  } else if (!name.includes('kubernetes.io/') && (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)) {
    causes.push(fieldErrors.invalid(at, name, "doesn't have a container resource in the name"));
  }
  return causes;
}
