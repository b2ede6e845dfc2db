/**
 * What Kubernetes' decoder and encoder do to an object beyond parsing JSON,
 * done by walking its schema:
 *  - decoding drops null fields (unset, in Go) and fields the schema does not
 *    know (reporting their paths for fieldValidation Warn and Strict);
 *  - encoding writes the Go zero value of every always-serialized field
 *    (the schema's `default`), null for unset non-pointer times, and times and
 *    quantities in their canonical forms.
 * Both work in place on an object the caller owns.
 */
import { canonicalQuantity } from './quantity.js';
import { isPlainObject, type FieldNode, type SchemaNode } from './schema-tree.js';

/** A child path in Kubernetes' field path form: spec.containers[0].name, data[key]. */
function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Whether value is an empty object held by a map-typed node (labels: {}, data: {}). */
function isEmptyMap(value: unknown, node: SchemaNode): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0 && node.type === 'object' && node.fields.size === 0 && node.additional !== undefined;
}

/**
 * Removes null object members and unknown fields from value (a value of node),
 * in place. Returns the paths of the unknown fields, in document order.
 */
export function pruneUnknown(value: unknown, node: SchemaNode, path = ''): string[] {
  const unknown: string[] = [];
  walkPrune(value, node, path, unknown);
  return unknown;
}

function walkPrune(value: unknown, node: SchemaNode, path: string, unknown: string[]): void {
  if (node.type === 'array') {
    if (Array.isArray(value)) value.forEach((item, i) => walkPrune(item, node.items, `${path}[${i}]`, unknown));
    return;
  }
  if (node.type !== 'object' || !isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const child = value[key];
    const field = node.fields.get(key);
    if (field !== undefined) {
      const node = field.node();
      // Go leaves out null fields, and empty maps of omitempty fields (every map without a zero value).
      if (child === null || (field.zero === undefined && isEmptyMap(child, node))) delete value[key];
      else walkPrune(child, node, fieldPath(path, key), unknown);
    } else if (node.additional !== undefined) {
      if (child !== null || node.additional.type !== 'leaf') walkPrune(child, node.additional, `${path}[${key}]`, unknown);
    } else if (!node.preserveUnknown) {
      unknown.push(fieldPath(path, key));
      delete value[key];
    }
  }
}

/** Whether value is an empty list Go's encoder leaves out: one of an omitempty field (no zero value, not required, not written as null). */
const omitsEmpty = (field: FieldNode, value: unknown): boolean => Array.isArray(value) && value.length === 0 && field.zero === undefined && !field.required && !field.nullWhenUnset;

/**
 * Removes, in place, the empty lists Go's encoder leaves out: those of omitempty fields
 * (without a zero value, not required by the schema, not written as null). Validation sees
 * them first, as kube-apiserver's does ([]string{} and nil print differently), so this runs
 * after it.
 */
export function dropEmptyLists(value: unknown, node: SchemaNode): void {
  if (node.type === 'array') {
    if (Array.isArray(value)) for (const item of value) dropEmptyLists(item, node.items);
    return;
  }
  if (node.type !== 'object' || !isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child === null || typeof child !== 'object') continue;
    const field = node.fields.get(key);
    if (field === undefined) {
      if (node.additional !== undefined) dropEmptyLists(child, node.additional);
      continue;
    }
    if (omitsEmpty(field, child)) delete value[key];
    else dropEmptyLists(child, field.node());
  }
}

/**
 * Writes what Go's encoder would: zero values of always-serialized fields,
 * null for unset non-pointer times, canonical times and quantities, and
 * ResourceList values rounded up to milli units (core/v1's defaulting) unless
 * roundResourceLists is false; with omitEmptyLists, dropEmptyLists's work in the same
 * walk. In place; returns the value (replaced for leaves).
 */
export function encodeDefaults(value: unknown, node: SchemaNode, roundResourceLists = true, omitEmptyLists = false): unknown {
  switch (node.type) {
    case 'any':
      return value;
    case 'leaf':
      return canonicalLeaf(value, node.format);
    case 'array':
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = encodeDefaults(value[i], node.items, roundResourceLists, omitEmptyLists);
      return value;
    case 'object': {
      if (!isPlainObject(value)) return value;
      for (const [name, field] of node.fields) {
        const present = Object.prototype.hasOwnProperty.call(value, name);
        if (!present) {
          const node = field.zero === undefined ? undefined : field.node();
          // A time is a struct in Go: its zero value is written as null, not as the schema's {}.
          if (field.nullWhenUnset || (node?.type === 'leaf' && (node.format === 'time' || node.format === 'microtime'))) {
            value[name] = null;
            continue;
          }
          if (field.zero === undefined) continue;
          value[name] = structuredClone(field.zero);
        }
        if (omitEmptyLists && omitsEmpty(field, value[name])) delete value[name];
        else if (value[name] !== null) value[name] = encodeDefaults(value[name], field.node(), roundResourceLists, omitEmptyLists);
      }
      if (node.additional !== undefined) {
        // A map of quantities is a ResourceList, whose values core/v1's defaulting rounds up to milli units
        // (in the groups whose defaulting includes core/v1's: not node.k8s.io's RuntimeClass overhead).
        const resourceList = roundResourceLists && node.additional.type === 'leaf' && node.additional.format === 'quantity';
        for (const key of Object.keys(value)) {
          if (node.fields.has(key)) continue;
          const item = value[key];
          value[key] = resourceList && (typeof item === 'string' || typeof item === 'number') ? (canonicalQuantity(item, true) ?? item) : encodeDefaults(item, node.additional, roundResourceLists, omitEmptyLists);
        }
      }
      return value;
    }
  }
}

function canonicalLeaf(value: unknown, format: string | undefined): unknown {
  if (format === 'time' && typeof value === 'string') return canonicalTime(value, false);
  if (format === 'microtime' && typeof value === 'string') return canonicalTime(value, true);
  if (format === 'quantity' && (typeof value === 'string' || typeof value === 'number')) return canonicalQuantity(value) ?? value;
  return value;
}

/**
 * An RFC 3339 time in UTC as metav1.Time writes it (whole seconds) or as
 * metav1.MicroTime does (six fractional digits). Unparseable input is kept
 * (validation reports it).
 */
export function canonicalTime(value: string, micro: boolean): string {
  const m = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.exec(value);
  if (m === null) return value;
  const fraction = (m[3] ?? '.0').slice(1);
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return value;
  const whole = new Date(ms).toISOString().slice(0, 19);
  return micro ? `${whole}.${fraction.padEnd(6, '0').slice(0, 6)}Z` : `${whole}Z`;
}
