/**
 * What kube-apiserver does to a custom resource with its CRD version's
 * structural schema (an openAPIV3Schema as JSON), before validation:
 *  - prune: drop fields the schema does not specify, unless
 *    x-kubernetes-preserve-unknown-fields keeps them (apiVersion, kind and
 *    metadata at the root and in embedded resources are always specified;
 *    metadata keeps ObjectMeta's fields only), and nulls where the schema is
 *    not nullable;
 *  - default: set each absent field whose schema has a `default`.
 * Both work in place on an object the caller owns.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** The fields of ObjectMeta a custom resource keeps in metadata. */
const objectMetaFields: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function props(schema: JsonObject): JsonObject | undefined {
  const p = schema['properties'];
  return isJsonObject(p) ? p : undefined;
}

function additional(schema: JsonObject): JsonObject | undefined {
  const a = schema['additionalProperties'];
  return isJsonObject(a) ? a : undefined;
}

const preserves = (schema: JsonObject): boolean => schema['x-kubernetes-preserve-unknown-fields'] === true;
const embedded = (schema: JsonObject): boolean => schema['x-kubernetes-embedded-resource'] === true;

const join = (parent: string, name: string): string => (parent === '' ? name : `${parent}.${name}`);

/** Drops metadata's unknown fields (reported) and nulls. */
function pruneMetadata(meta: unknown, path: string, unknown: string[]): void {
  if (!isObj(meta)) return;
  for (const key of Object.keys(meta)) {
    const v = meta[key];
    if (!objectMetaFields.has(key)) {
      unknown.push(join(path, key));
      delete meta[key];
    } else if (v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) {
      // ObjectMeta's omitempty fields: an empty list or map is not kept.
      delete meta[key];
    }
  }
}

function pruneNode(value: unknown, schema: JsonObject, path: string, unknown: string[], isRoot: boolean): void {
  if (Array.isArray(value)) {
    const items = schema['items'];
    if (isJsonObject(items)) value.forEach((item, i) => pruneNode(item, items, `${path}[${i}]`, unknown, false));
    return;
  }
  if (!isObj(value)) return;
  const p = props(schema);
  const a = additional(schema);
  const typeMeta = isRoot || embedded(schema);
  for (const key of Object.keys(value)) {
    const child = value[key];
    const childSchema = p?.[key];
    if (typeMeta && (key === 'apiVersion' || key === 'kind')) continue;
    if (typeMeta && key === 'metadata') {
      pruneMetadata(child, join(path, key), unknown);
      continue;
    }
    if (isJsonObject(childSchema)) {
      if (child === null && childSchema['nullable'] !== true) delete value[key];
      else pruneNode(child, childSchema, join(path, key), unknown, false);
    } else if (a !== undefined) {
      if (child === null && a['nullable'] !== true) delete value[key];
      else pruneNode(child, a, join(path, key), unknown, false);
    } else if (schema['additionalProperties'] === true || preserves(schema)) {
      continue;
    } else {
      unknown.push(join(path, key));
      delete value[key];
    }
  }
}

/**
 * Removes, in place, the fields schema does not specify and the nulls it does
 * not allow. Returns the paths of the unknown fields removed (for
 * fieldValidation Warn and Strict), in document order.
 */
export function pruneObject(obj: Obj, schema: JsonObject): string[] {
  const unknown: string[] = [];
  pruneNode(obj, schema, '', unknown, true);
  // Reported in path order, as kube-apiserver's pruning reports them.
  return unknown.sort();
}

function defaultNode(value: unknown, schema: JsonObject): void {
  if (Array.isArray(value)) {
    const items = schema['items'];
    if (isJsonObject(items)) for (const item of value) defaultNode(item, items);
    return;
  }
  if (!isObj(value)) return;
  const p = props(schema);
  if (p !== undefined) {
    for (const [key, childSchema] of Object.entries(p)) {
      if (!isJsonObject(childSchema)) continue;
      const d = childSchema['default'];
      const absent = !(key in value) || (value[key] === null && childSchema['nullable'] !== true);
      if (d !== undefined && absent) value[key] = structuredClone(d as JsonValue);
    }
    for (const [key, childSchema] of Object.entries(p)) if (isJsonObject(childSchema) && key in value) defaultNode(value[key], childSchema);
  }
  const a = additional(schema);
  if (a !== undefined) for (const key of Object.keys(value)) if (p?.[key] === undefined) defaultNode(value[key], a);
}

/** Sets, in place, every absent field whose schema has a default, from the root down. */
export function defaultObject(obj: Obj, schema: JsonObject): void {
  defaultNode(obj, schema);
}
