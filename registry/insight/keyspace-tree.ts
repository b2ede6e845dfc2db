/**
 * The keyspace under /registry as a tree, resource -> namespace -> name, with
 * counts: built from one keys-and-values read of the prefix. Which segments
 * are namespaces comes from the resources' storage prefixes (namespaced or not);
 * keys no resource owns (allocator bitmaps, the health key) are listed as they are.
 */

/** Where a resource's objects live in the store. */
export interface KeyOwner {
  /** e.g. /registry/deployments/ */
  readonly storagePrefix: string;
  /** The API group ('' for core). */
  readonly group: string;
  /** The resource (plural), as RBAC names it. */
  readonly resource: string;
  /** Whether keys carry a namespace segment. */
  readonly namespaced: boolean;
}

/** What a key is, by the resource that owns it. */
export interface KeyPlace {
  /** The key itself. */
  readonly key: string;
  /** The owner, undefined for keys no resource owns. */
  readonly owner: KeyOwner | undefined;
  /** The namespace segment ('' for cluster-scoped or unowned keys). */
  readonly namespace: string;
  /** The object's name (or the rest of an unowned key). */
  readonly name: string;
}

/** Finds owners of keys by their longest storage prefix. */
export class KeyOwners {
  private readonly owners: readonly KeyOwner[];

  constructor(owners: readonly KeyOwner[]) {
    // Longest prefix first, and one owner per prefix (a resource served in several versions shares it).
    const seen = new Set<string>();
    this.owners = [...owners].sort((a, b) => b.storagePrefix.length - a.storagePrefix.length).filter((o) => !seen.has(o.storagePrefix) && seen.add(o.storagePrefix) !== undefined);
  }

  place(key: string): KeyPlace {
    const owner = this.owners.find((o) => key.startsWith(o.storagePrefix));
    if (owner === undefined) return { key, owner: undefined, namespace: '', name: key.replace(/^\/registry\//, '') };
    const rest = key.slice(owner.storagePrefix.length);
    if (!owner.namespaced) return { key, owner, namespace: '', name: rest };
    const slash = rest.indexOf('/');
    return slash < 0 ? { key, owner, namespace: '', name: rest } : { key, owner, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  }
}

export interface TreeNamespace {
  /** The namespace ('' for cluster-scoped resources). */
  readonly namespace: string;
  /** Its keys: the object's name, the key, and its mod_revision. */
  readonly keys: { readonly name: string; readonly key: string; readonly modRevision: number }[];
}

export interface TreeResource {
  /** The storage prefix, e.g. /registry/configmaps/ (or the key itself for unowned keys). */
  readonly prefix: string;
  /** The owner's API group. */
  readonly group: string;
  /** The owner's resource (or the key's second segment). */
  readonly resource: string;
  /** Keys under the prefix. */
  readonly count: number;
  /** One element with namespace '' for cluster-scoped resources. */
  readonly namespaces: readonly TreeNamespace[];
}

/** Groups places (with their mod revisions) into the tree, resources and namespaces sorted. */
export function buildTree(items: readonly { readonly place: KeyPlace; readonly modRevision: number }[]): TreeResource[] {
  const byPrefix = new Map<string, { group: string; resource: string; namespaces: Map<string, TreeNamespace> }>();
  for (const { place, modRevision } of items) {
    const prefix = place.owner?.storagePrefix ?? `/registry/${place.name.split('/')[0] ?? ''}/`;
    let r = byPrefix.get(prefix);
    if (r === undefined) {
      r = { group: place.owner?.group ?? '', resource: place.owner?.resource ?? prefix.split('/')[2] ?? '', namespaces: new Map() };
      byPrefix.set(prefix, r);
    }
    let ns = r.namespaces.get(place.namespace);
    if (ns === undefined) {
      ns = { namespace: place.namespace, keys: [] };
      r.namespaces.set(place.namespace, ns);
    }
    ns.keys.push({ name: place.owner === undefined ? place.key.slice(prefix.length) || place.key : place.name, key: place.key, modRevision });
  }
  return [...byPrefix.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([prefix, r]) => {
      const namespaces = [...r.namespaces.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
      return { prefix, group: r.group, resource: r.resource, count: namespaces.reduce((n, ns) => n + ns.keys.length, 0), namespaces };
    });
}
