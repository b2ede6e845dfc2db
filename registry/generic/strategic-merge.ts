/**
 * Strategic merge patch for the built-in kinds, driven by their schemas:
 * lists whose x-kubernetes-patch-strategy is merge are merged by their
 * x-kubernetes-patch-merge-key (or, for lists of scalars, as a union); other
 * lists are replaced; maps merge recursively and null deletes a field. The
 * directives: `$patch: replace | delete | merge`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
 */
import type { FieldNode, SchemaNode } from '../../schemas/schema-tree.js';
import { errors } from './api-error.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const deletePrefix = '$deleteFromPrimitiveList/';
const orderPrefix = '$setElementOrder/';

/** A patch value without directives, as it is stored when nothing merges it. */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((e) => !(isObject(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function childNode(node: SchemaNode | undefined, key: string): { field: FieldNode | undefined; node: SchemaNode | undefined } {
  if (node?.type !== 'object') return { field: undefined, node: undefined };
  const field = node.fields.get(key);
  if (field !== undefined) return { field, node: field.node() };
  return { field: undefined, node: node.additional };
}

function itemsNode(node: SchemaNode | undefined): SchemaNode | undefined {
  return node?.type === 'array' ? node.items : undefined;
}

function mergeList(original: Json, patch: Json[], field: FieldNode | undefined, node: SchemaNode | undefined, order: Json): Json {
  const strategy = field?.patchStrategy ?? '';
  if (!strategy.split(',').includes('merge')) return stripDirectives(patch);
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) return stripDirectives(patch.filter((e) => !(isObject(e) && e.$patch === 'replace')));
  const key = field?.patchMergeKey;
  const result: Json[] = Array.isArray(original) ? structuredClone(original) : [];
  if (key === undefined) {
    // A list of scalars: a union that keeps the original's order.
    for (const v of patch) if (!result.some((r) => r === v)) result.push(v);
    return reorder(result, order, undefined);
  }
  const items = itemsNode(node);
  for (const item of patch) {
    if (!isObject(item)) throw errors.badRequest(`unable to find api field in struct ${field?.name ?? ''} for the json field "${String(item)}"`);
    if (item[key] === undefined) throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const at = result.findIndex((e) => isObject(e) && e[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = mergeMap(result[at], item, items);
    else result.push(stripDirectives(item));
  }
  if (Array.isArray(order)) return reorder(result, order, key);
  return patchOrder(result, patch, Array.isArray(original) ? original : [], key);
}

/**
 * The order kube-apiserver gives a merged list of maps when the patch sets none: the patch's
 * elements in the patch's order, the others in the original's, interleaved by where each
 * stood in the original; an element new to the list comes before the original ones still to
 * place (so one a patch adds lands first, not last).
 */
function patchOrder(merged: Json[], patch: Json[], original: Json[], key: string): Json[] {
  const idOf = (e: Json): Json | undefined => (isObject(e) ? e[key] : undefined);
  const patchIds = patch.filter((e) => !(isObject(e) && e.$patch === 'delete')).map(idOf);
  const originalIds = original.map(idOf);
  const fromPatch = patchIds.flatMap((id) => merged.filter((e) => idOf(e) === id));
  const serverOnly = merged.filter((e) => !patchIds.includes(idOf(e)));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) out.push(serverOnly[i++]!);
    else if (i >= serverOnly.length) out.push(fromPatch[j++]!);
    else {
      const left = originalIds.indexOf(idOf(serverOnly[i]!));
      const right = originalIds.indexOf(idOf(fromPatch[j]!));
      if (left >= 0 && right >= 0 && left < right) out.push(serverOnly[i++]!);
      else out.push(fromPatch[j++]!);
    }
  }
  return out;
}

/**
 * Orders a merged list as $setElementOrder says: the listed elements in that
 * order, each other element kept after the listed one it followed.
 */
function reorder(list: Json[], order: Json, key: string | undefined): Json[] {
  if (!Array.isArray(order)) return list;
  const idOf = (e: Json): Json => (key === undefined ? e : isObject(e) ? e[key] : undefined);
  const orderIds = order.map((o) => (key === undefined ? o : isObject(o) ? o[key] : undefined));
  const listed = orderIds.flatMap((id) => list.filter((e) => idOf(e) === id));
  const rest = list.filter((e) => !orderIds.includes(idOf(e)));
  return [...listed, ...rest];
}

function mergeMap(original: Json, patch: JsonObject, node: SchemaNode | undefined): Json {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: JsonObject = isObject(original) ? structuredClone(original) : {};
  const retain = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(deletePrefix)) {
      const target = k.slice(deletePrefix.length);
      const remove = Array.isArray(v) ? v : [];
      if (Array.isArray(result[target])) result[target] = (result[target] as Json[]).filter((x) => !remove.includes(x));
      continue;
    }
    if (k.startsWith('$')) continue;
    const { field, node: child } = childNode(node, k);
    if (v === null) {
      delete result[k];
    } else if (Array.isArray(v)) {
      result[k] = mergeList(result[k], v, field, child, patch[`${orderPrefix}${k}`]);
    } else if (isObject(v)) {
      const merged = child?.type === 'any' ? stripDirectives(v) : mergeMap(result[k], v, child);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else {
      result[k] = v;
    }
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

/** Applies a strategic merge patch to original (not mutated) for an object of the schema node, and returns the result. */
export function strategicMergePatch(original: JsonObject, patch: JsonObject, node: SchemaNode | undefined): JsonObject {
  const out = mergeMap(original, patch, node);
  return isObject(out) ? out : {};
}
