import { createHash } from 'node:crypto';
import type { Registry } from '../registry/generic/resource-store.js';
import type { ResourceInfo } from '../registry/generic/types.js';

/** The Kubernetes version Kite's API corresponds to, reported by /version. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-kite' };

function groupVersions(registry: Registry): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const r of registry.resources()) {
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return groups;
}

export function versionInfo(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'kite',
    compiler: 'kite',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** GET /api: the core group's versions. */
export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** GET /apis: every named group. */
export function apiGroupList(registry: Registry): unknown {
  const groups = [...groupVersions(registry).entries()].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b));
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map(([name, versions]) => {
      const vs = [...versions].sort().map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: vs, preferredVersion: vs[0] };
    }),
  };
}

function storageVersionHash(r: ResourceInfo): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest('base64').slice(0, 11);
}

/** GET /api/v1 or /apis/{group}/{version}: the resources of one group-version, subresources included. */
export function apiResourceList(registry: Registry, group: string, version: string): unknown | undefined {
  const resources = registry.resources().filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  const list: unknown[] = [];
  for (const r of resources) {
    list.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const sub of r.subresources) {
      list.push(
        sub === 'scale'
          ? { name: `${r.resource}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }
          : { name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] },
      );
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources: list };
}

/** The media type of aggregated discovery (apidiscovery.k8s.io/v2), as kubectl 1.32 asks for it. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the Accept header asks for aggregated discovery v2. */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => {
    const t = p.replace(/\s+/g, '').toLowerCase();
    return t.includes('g=apidiscovery.k8s.io') && t.includes('v=v2;') && t.includes('as=apigroupdiscoverylist');
  });
}

function resourceDiscovery(r: ResourceInfo): unknown {
  const kind = { group: r.group, version: r.version, kind: r.kind };
  return {
    resource: r.resource,
    responseKind: kind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    ...(r.subresources.length > 0
      ? {
          subresources: r.subresources.map((sub) => ({
            subresource: sub,
            responseKind: sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : kind,
            verbs: ['get', 'patch', 'update'],
          })),
        }
      : {}),
  };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): every group,
 * version and resource in one document; /api holds the core group, /apis the others.
 */
export function aggregatedDiscovery(registry: Registry, core: boolean): unknown {
  const groups = [...groupVersions(registry).entries()].filter(([g]) => (g === '') === core).sort(([a], [b]) => a.localeCompare(b));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(([group, versions]) => ({
      metadata: { ...(group === '' ? {} : { name: group }), creationTimestamp: null },
      versions: [...versions].sort().map((version) => ({
        version,
        resources: registry
          .resources()
          .filter((r) => r.group === group && r.version === version)
          .map(resourceDiscovery),
        freshness: 'Current',
      })),
    })),
  };
}
