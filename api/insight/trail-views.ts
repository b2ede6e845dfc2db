/**
 * The trail rows a user may see: rows about a resource the user may list in the
 * row's namespace, with only the store operations on keys the user may see;
 * the API server's own rows (watch cache, controllers) when every key in them is
 * visible. Optionally narrowed by resource, namespace, user and verb.
 */
import type { KeyOwners } from '../../registry/insight/keyspace-tree.js';
import type { StoreOp, TrailEntry } from '../../registry/insight/trail-types.js';
import type { InsightAccess } from './access.js';

export interface TrailFilter {
  /** Rows about this resource (or touching keys under /<resource>/). */
  readonly resource?: string;
  /** Rows in this namespace. */
  readonly namespace?: string;
  /** Rows of users whose name contains this. */
  readonly user?: string;
  /** Rows of this verb. */
  readonly verb?: string;
}

/** Whether entry matches the filter (each given field exactly; user and resource also by substring). */
export function matchesFilter(e: TrailEntry, f: TrailFilter): boolean {
  if (f.resource && !e.resource.includes(f.resource) && !e.ops.some((o) => keyOf(o)?.includes(`/${f.resource}/`) === true)) return false;
  if (f.namespace && e.namespace !== f.namespace) return false;
  if (f.user && !e.user.includes(f.user)) return false;
  if (f.verb && e.verb !== f.verb) return false;
  return true;
}

function keyOf(op: StoreOp): string | undefined {
  return 'key' in op ? op.key : undefined;
}

/** The entry as the user may see it, or undefined. */
export async function visibleEntry(e: TrailEntry, access: InsightAccess, owners: KeyOwners): Promise<TrailEntry | undefined> {
  const isServers = e.verb === 'internal';
  if (!isServers) {
    const allowed = e.resource === '' ? await access.may('list', '*', '*', '') : await access.may('list', e.group, e.resource, e.namespace);
    if (!allowed) return undefined;
  }
  const ops: StoreOp[] = [];
  for (const op of e.ops) {
    const key = keyOf(op);
    const visible = key === undefined ? await access.may('list', '*', '*', '') : await access.maySeeKey(owners.place(key));
    if (visible) ops.push(op);
    else if (isServers) return undefined;
  }
  return { ...e, ops };
}
