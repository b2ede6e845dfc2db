/**
 * Discovery, derived from the registry's served resources each time they
 * change: /api and /apis (legacy APIVersions and APIGroupList), /api/v1 and
 * /apis/{group}/{version} (APIResourceList), and aggregated discovery
 * (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList).
 */
import { createHash } from 'node:crypto';
import type { Registry } from '../registry/generic/resource-store.js';
import type { ResourceInfo } from '../registry/generic/types.js';

/** The Kubernetes version Kite's API corresponds to, reported by /version. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-kite' };

/** The order kube-apiserver lists its built-in groups in (its aggregator's group priorities). */
const groupOrder = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/**
 * Kubernetes' version priority: GA before beta before alpha before anything
 * else; higher numbers first within each; other strings last, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [3, 0, 0, v];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), ''];
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] as number) - (pb[i] as number);
  return pa[3] < pb[3] ? -1 : pa[3] > pb[3] ? 1 : 0;
}

function compareGroups(a: string, b: string): number {
  const ia = groupOrder.indexOf(a);
  const ib = groupOrder.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? groupOrder.length : ia) - (ib < 0 ? groupOrder.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every served group with its versions in priority order, groups in kube-apiserver's order (core included). */
export function groupVersions(registry: Registry): [string, string[]][] {
  const groups = new Map<string, Set<string>>();
  for (const r of registry.resources()) {
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return [...groups.entries()].sort(([a], [b]) => compareGroups(a, b)).map(([g, vs]) => [g, [...vs].sort(compareVersions)]);
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

function apiGroup(name: string, versions: readonly string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** GET /apis: every named group. */
export function apiGroupList(registry: Registry): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupVersions(registry)
      .filter(([g]) => g !== '')
      .map(([name, versions]) => apiGroup(name, versions)),
  };
}

/** GET /apis/{group}: one group, or undefined when not served. */
export function apiGroupOf(registry: Registry, group: string): unknown | undefined {
  const found = groupVersions(registry).find(([g]) => g === group && g !== '');
  return found === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found[0], found[1]) };
}

/** Kubernetes' storage version hash: the first 8 bytes of sha256("group/version/kind") of the storage version, base64. */
function storageVersionHash(r: ResourceInfo): string {
  const stored = r.storageApiVersion ?? (r.group === '' ? r.version : `${r.group}/${r.version}`);
  const [group, version] = stored.includes('/') ? stored.split('/') : ['', stored];
  return createHash('sha256').update(`${group ?? ''}/${version ?? ''}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

/** GET /api/v1 or /apis/{group}/{version}: the resources of one group-version, subresources included. */
export function apiResourceList(registry: Registry, group: string, version: string): unknown | undefined {
  const resources = registry
    .resources()
    .filter((r) => r.group === group && r.version === version)
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  if (resources.length === 0) return undefined;
  const list: unknown[] = [];
  for (const r of resources) {
    list.push({
      name: r.resource,
      // 1.26's legacy discovery leaves singularName empty for built-in kinds (aggregated discovery carries it).
      singularName: r.legacySingularName ?? '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
      ...(r.verbs.includes('list') && r.stored !== false ? { storageVersionHash: storageVersionHash(r) } : {}),
    });
    for (const sub of r.subresources) {
      const otherGroup = sub.kind.group !== r.group || sub.kind.version !== r.version;
      list.push({
        name: `${r.resource}/${sub.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(otherGroup ? { group: sub.kind.group, version: sub.kind.version } : {}),
        kind: sub.kind.kind,
        verbs: sub.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources: list };
}

/** Which aggregated discovery version an Accept header asks for, if any. */
export function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const t = part.replace(/\s+/g, '').toLowerCase();
    if (!t.includes('g=apidiscovery.k8s.io') || !t.includes('as=apigroupdiscoverylist')) continue;
    if (/(^|;)v=v2(;|$)/.test(t)) return 'v2';
    if (/(^|;)v=v2beta1(;|$)/.test(t)) return 'v2beta1';
  }
  return undefined;
}

/** The media type of an aggregated discovery answer. */
export function aggregatedType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
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
    ...(r.subresources.length > 0 ? { subresources: r.subresources.map((sub) => ({ subresource: sub.name, responseKind: sub.kind, verbs: sub.verbs })) } : {}),
  };
}

/**
 * Aggregated discovery (APIGroupDiscoveryList): every group, version and
 * resource in one document; /api holds the core group, /apis the others.
 */
export function aggregatedDiscovery(registry: Registry, core: boolean, version: 'v2' | 'v2beta1'): unknown {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groupVersions(registry)
      .filter(([g]) => (g === '') === core)
      .map(([group, versions]) => ({
        metadata: { ...(group === '' ? {} : { name: group }), creationTimestamp: null },
        versions: versions.map((v) => ({
          version: v,
          resources: registry
            .resources()
            .filter((r) => r.group === group && r.version === v)
            .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))
            .map(resourceDiscovery),
          freshness: 'Current',
        })),
      })),
  };
}
