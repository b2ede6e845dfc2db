/**
 * The keyspace and one key as the insight endpoints send them: values decoded
 * (JSON where they are JSON), Secrets redacted for users who may not get them,
 * keys the user may not see left out.
 */
import type { Registry } from '../../registry/generic/resource-store.js';
import { keyHistory, type KeyVersion } from '../../registry/insight/key-history.js';
import { buildTree, KeyOwners, type KeyPlace, type TreeResource } from '../../registry/insight/keyspace-tree.js';
import { redactSecret, type InsightAccess } from './access.js';
import type { InsightServices } from './insight-services.js';

/** The owners of keys, from the resources served now (custom resources come and go). */
export function keyOwners(registry: Registry): KeyOwners {
  return new KeyOwners(registry.resources().map((r) => ({ storagePrefix: r.storagePrefix, group: r.group, resource: r.resource, namespaced: r.namespaced })));
}

/** A stored value as the page shows it: parsed JSON, or text, or base64 for binary. */
export function renderValue(value: Buffer): { readonly encoding: 'json' | 'text' | 'base64'; readonly value: unknown } {
  const text = value.toString('utf8');
  try {
    return { encoding: 'json', value: JSON.parse(text) as unknown };
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return Buffer.from(text, 'utf8').equals(value) ? { encoding: 'text', value: text } : { encoding: 'base64', value: value.toString('base64') };
}

/** The keyspace under /registry/ the user may see, as a tree with counts. */
export async function visibleTree(s: InsightServices, registry: Registry, access: InsightAccess): Promise<{ revision: number; resources: TreeResource[] }> {
  const listed = await s.store.list('/registry/');
  const owners = keyOwners(registry);
  const items: { place: KeyPlace; modRevision: number }[] = [];
  for (const o of listed.objects) {
    const place = owners.place(o.key);
    if (await access.maySeeKey(place)) items.push({ place, modRevision: o.modRevision });
  }
  return { revision: listed.revision, resources: buildTree(items) };
}

/** One rendered version of a key. */
export interface VersionView {
  /** The revision that wrote this version. */
  readonly modRevision: number;
  /** The revision that created the key. */
  readonly createRevision: number;
  /** etcd's version of the key. */
  readonly version: number;
  /** The lease in decimal ("0": none). */
  readonly lease: string;
  /** How value is given: parsed JSON, text, or base64 of binary bytes. */
  readonly encoding: 'json' | 'text' | 'base64';
  /** The value (redacted for Secrets the user may not get). */
  readonly value: unknown;
  /** Whether this revision deleted the key. */
  readonly isDelete: boolean;
}

/** One version as the page shows it; redact, when given, hides what the viewer may not see of the value. */
export function versionView(v: KeyVersion, redact?: (value: unknown) => unknown): VersionView {
  const r = renderValue(v.value);
  return { modRevision: v.modRevision, createRevision: v.createRevision, version: v.version, lease: v.lease, encoding: r.encoding, value: redact === undefined ? r.value : redact(r.value), isDelete: v.isDelete };
}

/** A key at revision (0: now) with its retained history; undefined when the user may not see it. */
export async function keyView(s: InsightServices, registry: Registry, access: InsightAccess, key: string, revision: number, before = 0) {
  const place = keyOwners(registry).place(key);
  if (!(await access.maySeeKey(place))) return undefined;
  const isRedacted = await access.mustRedact(place);
  const h = await keyHistory(s.store, key, { revision, before });
  const view = (v: KeyVersion): VersionView => versionView(v, isRedacted ? redactSecret : undefined);
  return {
    key,
    group: place.owner?.group ?? '',
    resource: place.owner?.resource ?? '',
    namespace: place.namespace,
    name: place.name,
    revision: h.revision,
    exists: h.exists,
    isRedacted,
    versions: h.versions.map(view),
    ...(h.compactedAt === undefined ? {} : { compactedAt: h.compactedAt }),
    isTruncated: h.isTruncated,
    total: h.total,
  };
}
