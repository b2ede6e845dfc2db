/**
 * The component schemas rewritten for validating request bodies with ajv:
 * extensions and descriptions dropped, IntOrString and Quantity widened to what
 * Kubernetes' decoder accepts, and objects closed so unknown fields show up as
 * additionalProperties errors.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { allSchemas } from './schema-sources.js';


/** A Kubernetes resource.Quantity in string form: a decimal with an optional suffix. */
export const quantityPattern = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$';

const overrides: Readonly<Record<string, JsonObject>> = {
  // Either a number or a string (a named port, a percentage).
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: ['integer', 'string'] },
  // Written as a string; the decoder also takes a bare JSON number.
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: ['string', 'number'], pattern: quantityPattern },
};

const dropped = new Set(['description', 'default']);

function rewrite(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(rewrite);
  if (!isJsonObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (dropped.has(key) || key.startsWith('x-')) continue;
    // properties holds field names, not schema keywords: rewrite each value only.
    out[key] = key === 'properties' && isJsonObject(child) ? Object.fromEntries(Object.entries(child).map(([k, v]) => [k, rewrite(v)])) : rewrite(child);
  }
  if (out['type'] === 'object' && out['properties'] !== undefined && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

/** Every component schema, by name, in its validation form. */
export const validationSchemas: Readonly<Record<string, JsonObject>> = Object.fromEntries(
  Object.entries(allSchemas).map(([name, schema]) => [name, overrides[name] ?? (rewrite(schema) as JsonObject)]),
);
