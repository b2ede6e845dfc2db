/**
 * Ownership of fields on every write, as kube-apiserver's field manager keeps
 * it: an Update (create, update, patch) gives its manager the fields it added
 * or changed and takes them from everyone else; an Apply merges the applied
 * configuration into the live object, owns exactly the applied fields,
 * removes fields its manager applied before and no manager owns any more, and
 * refuses (409) to change a field another manager owns unless forced.
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiError, type StatusCause } from '../generic/api-error.js';
import type { KubeObject } from '../generic/types.js';
import { difference, FieldSet, intersection, pathString, recursiveDifference, union, type PathElement } from './field-set.js';
import { decodeManaged, describeManager, entryId, isReset, type Managed, type ManagedEntry } from './managed-fields.js';
import type { MergeRule } from './merge-rules.js';
import { compare, merge, removeItems, toFieldSet, withNamedFieldMembers, type Comparison } from './typed-value.js';

/** What a write's ownership depends on besides the objects. */
export interface FieldContext {
  /** The root rule of the kind's objects. */
  readonly rule: MergeRule;
  /** The apiVersion the request wrote at. */
  readonly apiVersion: string;
  /** The subresource written through ('' for the main resource). */
  readonly subresource: string;
  /**
   * Fields this endpoint does not write (its strategy resets them): status on a
   * main resource with a status subresource, spec through the status subresource.
   */
  readonly ignored: FieldSet;
  /** The time entries changed now get (RFC 3339, seconds). */
  readonly now: string;
  /**
   * false where kube-apiserver 1.26 takes changed fields from their owners but
   * records no entry for the writer (a custom resource's scale subresource).
   */
  readonly recordsWriter?: boolean;
}

/** The manager existing fields are given to when an object without managedFields is first applied. */
const beforeFirstApply = 'before-first-apply';

/** Fields nobody owns: type, identity and server-set metadata. */
const stripped: FieldSet = (() => {
  const s = new FieldSet();
  for (const p of [['f:apiVersion'], ['f:kind'], ['f:metadata']]) s.insert(p);
  for (const f of ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']) s.insert(['f:metadata', `f:${f}`]);
  return s;
})();

/** The manager of a write: its fieldManager, else the User-Agent's product name (unknown without one), at most 128 bytes, as kube-apiserver names it. */
export function managerOf(options: { readonly fieldManager?: string; readonly userAgent?: string }): string {
  if (options.fieldManager !== undefined && options.fieldManager !== '') return options.fieldManager;
  const product = (options.userAgent ?? '').split('/')[0]!.slice(0, 128);
  return product === '' ? 'unknown' : product;
}

/** Fields ignored by an endpoint, from top-level field names. */
export function topLevelFields(names: readonly string[]): FieldSet {
  const s = new FieldSet();
  for (const n of names) s.insert([`f:${n}`]);
  return s;
}

/** The object as ownership sees it: no managedFields. */
function view(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function without(c: Comparison, ignored: FieldSet): Comparison {
  if (ignored.isEmpty()) return c;
  return { added: recursiveDifference(c.added, ignored), modified: recursiveDifference(c.modified, ignored), removed: recursiveDifference(c.removed, ignored) };
}

/** Takes changed fields from every entry but `except` (they were overwritten) and removed fields from all; returns what was taken. */
function release(managed: Managed, c: Comparison, except: string | undefined): Map<string, FieldSet> {
  const changed = union(c.modified, c.added);
  const taken = new Map<string, FieldSet>();
  for (const [id, e] of managed) {
    if (id === except) continue;
    const conflicts = intersection(e.fields, changed);
    if (!conflicts.isEmpty()) taken.set(id, conflicts);
    let fields = conflicts.isEmpty() ? e.fields : difference(e.fields, conflicts);
    if (!c.removed.isEmpty()) fields = difference(fields, c.removed);
    if (fields !== e.fields) {
      if (fields.isEmpty()) managed.delete(id);
      else managed.set(id, { ...e, fields });
    }
  }
  return taken;
}

function isSame(c: Comparison): boolean {
  return c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty();
}

/** Records an Update by manager from live (undefined: a create, from the kind's zero object) to next. */
function recordUpdate(ctx: FieldContext, managed: Managed, live: KubeObject, next: KubeObject, manager: string): void {
  const c = without(compare(live, next, ctx.rule), ctx.ignored);
  if (isSame(c)) return;
  release(managed, c, undefined);
  const mine = difference(difference(union(c.modified, c.added), c.removed), stripped);
  if (mine.isEmpty() || ctx.recordsWriter === false) return;
  const key = { manager, operation: 'Update' as const, apiVersion: ctx.apiVersion, subresource: ctx.subresource };
  const id = entryId(key);
  const previous = managed.get(id);
  // kube-apiserver's scale subresource records its entries without a time.
  managed.set(id, { ...key, time: ctx.subresource === 'scale' ? undefined : ctx.now, fields: previous === undefined ? mine : union(previous.fields, mine) });
}

/**
 * The managedFields after an Update (create, update, patch) from live to next:
 * the entries next carries when a client set valid ones, `[]` to reset them,
 * else the live object's; then manager's changes. undefined: the object keeps
 * none (an existing object without managedFields stays untracked until applied).
 * zero is the kind's empty object, the base of a create.
 */
export function updateManagedFields(ctx: FieldContext, live: KubeObject | undefined, next: KubeObject, zero: KubeObject, manager: string): Managed | undefined {
  const sent = next.metadata.managedFields;
  let managed: Managed;
  if (ctx.subresource !== '' && live !== undefined) managed = decodeManaged(live.metadata.managedFields) ?? new Map();
  else if (isReset(sent)) managed = new Map();
  else {
    const fromRequest = decodeManaged(sent);
    managed = fromRequest !== undefined && fromRequest.size > 0 ? fromRequest : (decodeManaged(live?.metadata.managedFields) ?? new Map());
  }
  if (managed.size === 0 && live !== undefined) return undefined;
  recordUpdate(ctx, managed, live === undefined ? zero : view(live), view(next), manager);
  return capUpdateManagers(managed);
}

/** What an Apply leaves: the merged object (without managedFields) and the new entries. */
export interface ApplyResult {
  readonly object: KubeObject;
  readonly managed: Managed;
}

/**
 * Applies config (a configuration the client owns) by manager to live
 * (undefined: the object does not exist yet; zero is the kind's empty object).
 * Throws the 409 Conflict kube-apiserver answers when config changes fields
 * other managers own and force is false.
 */
export function applyConfig(ctx: FieldContext, live: KubeObject | undefined, config: KubeObject, zero: KubeObject, manager: string, force: boolean): ApplyResult {
  const base = live === undefined ? zero : view(live);
  const managed: Managed = (live === undefined ? undefined : decodeManaged(live.metadata.managedFields)) ?? new Map();
  if (managed.size === 0 && live !== undefined) recordUpdate(ctx, managed, zero, base, beforeFirstApply);
  const applied = recursiveDifference(toFieldSet(config, ctx.rule), ctx.ignored);
  let merged = merge(base, config, ctx.rule) as KubeObject;
  const key = { manager, operation: 'Apply' as const, apiVersion: ctx.apiVersion, subresource: ctx.subresource };
  const id = entryId(key);
  const previous = managed.get(id);
  managed.set(id, { ...key, time: previous?.time, fields: applied });
  if (previous !== undefined && !previous.fields.isEmpty()) {
    let owned = new FieldSet();
    for (const e of managed.values()) owned = union(owned, e.fields);
    const prune = difference(withNamedFieldMembers(previous.fields, ctx.rule), withNamedFieldMembers(owned, ctx.rule));
    merged = removeItems(merged, prune, ctx.rule) as KubeObject;
  }
  const c = without(compare(base, merged, ctx.rule), ctx.ignored);
  const others: Managed = new Map([...managed].filter(([k]) => k !== id));
  const conflicts = new Map<string, FieldSet>();
  for (const [k, e] of others) {
    const overlap = intersection(e.fields, union(c.modified, c.added));
    if (!overlap.isEmpty()) conflicts.set(k, overlap);
  }
  if (conflicts.size > 0 && !force) throw conflictError(conflicts, managed);
  release(managed, c, id);
  const mine = managed.get(id)!;
  const fields = difference(mine.fields, stripped);
  const changed = !isDeepStrictEqual(base, merged);
  if (fields.isEmpty()) managed.delete(id);
  else managed.set(id, { ...mine, fields, time: changed ? ctx.now : mine.time });
  return { object: merged, managed: capUpdateManagers(managed) };
}

/** How many Update entries an object keeps before the oldest are merged, as kube-apiserver. */
export const MAX_UPDATE_MANAGERS = 10;
/** The manager the merged oldest Update entries are recorded under, one per apiVersion. */
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Keeps an object's Update entries to max, as kube-apiserver does after every write:
 * oldest first (by the second of their time, none counting as oldest, then by
 * manager), each entry after the first of its apiVersion is merged into that
 * version's ancient-changes entry (which the first joins), which takes the merged
 * entry's time, until max remain. Apply entries are never merged.
 */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): Managed {
  const updaters = [...managed].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= max) return managed;
  const second = (e: ManagedEntry): number => (e.time === undefined ? 0 : Math.floor(Date.parse(e.time) / 1000));
  updaters.sort(([a, ea], [b, eb]) => second(ea) - second(eb) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [id, entry] of updaters) {
    if (count <= max) break;
    const first = firstOfVersion.get(entry.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(entry.apiVersion, id);
      continue;
    }
    const bucketKey = { manager: ANCIENT_CHANGES, operation: 'Update' as const, apiVersion: entry.apiVersion, subresource: '' };
    const bucketId = entryId(bucketKey);
    let bucket = managed.get(bucketId);
    if (bucket === undefined) {
      const firstEntry = managed.get(first)!;
      managed.delete(first);
      bucket = { ...bucketKey, time: firstEntry.time, fields: firstEntry.fields };
    }
    managed.set(bucketId, { ...bucket, fields: union(entry.fields, bucket.fields), time: entry.time });
    managed.delete(id);
    count--;
  }
  return managed;
}

/** The 409 of an apply that would change fields others own, worded as kube-apiserver words it. */
function conflictError(conflicts: Map<string, FieldSet>, managed: Managed): ApiError {
  const byManager = [...conflicts]
    .map(([id, set]) => ({ id, entry: managed.get(id)!, paths: set.paths() }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const all: Array<{ entry: ManagedEntry; path: PathElement[] }> = byManager.flatMap((m) => m.paths.map((path) => ({ entry: m.entry, path })));
  const causes: StatusCause[] = all.map(({ entry, path }) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(entry)}`, field: pathString(path) }));
  let message: string;
  if (all.length === 1) message = `Apply failed with 1 conflict: conflict with ${describeManager(all[0]!.entry)}: ${pathString(all[0]!.path)}`;
  else {
    const lines = byManager.flatMap((m) => [`conflicts with ${describeManager(m.entry)}:`, ...m.paths.map((p) => `- ${pathString(p)}`)]);
    message = `Apply failed with ${all.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
