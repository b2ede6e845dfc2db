/**
 * Whether a CRD version's openAPIV3Schema is structural, and the rules of its
 * x-kubernetes-* extensions, with kube-apiserver's field paths and messages
 * (path is where the schema sits, e.g. spec.validation.openAPIV3Schema).
 * Defaults are checked against their own schema.
 */
import { isJsonObject, type JsonObject } from '../../schemas/json.js';
import { addCost, costExceedsMessage, staticEstimatedCostLimit, staticEstimatedCrdCostLimit } from '../../schemas/cel-cost-model.js';
import { celEngine, hasCelRules } from '../../schemas/cel-engine.js';
import { compileCustomValidator } from '../../schemas/validate-custom.js';
import type { StatusCause } from '../generic/api-error.js';
import { fieldErrors } from '../validation/field-errors.js';

const valueValidationKeys = ['allOf', 'anyOf', 'oneOf', 'not'] as const;

/** Fields a schema under allOf/anyOf/oneOf/not may not set (structural schemas keep them in the tree itself). */
const forbiddenInValueValidation = ['description', 'type', 'default', 'additionalProperties', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string'];

/** The structural and extension errors of a version's schema at path. */
export function validateStructural(schema: JsonObject, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const type = schema['type'];
  if (type === undefined || type === '') {
    if (schema['x-kubernetes-int-or-string'] !== true && schema['x-kubernetes-preserve-unknown-fields'] !== true) out.push(fieldErrors.required(`${path}.type`, 'must not be empty at the root'));
  } else if (type !== 'object') {
    out.push(fieldErrors.invalid(`${path}.type`, type, 'must be object at the root'));
  }
  const props = schema['properties'];
  if (isJsonObject(props)) {
    const meta = props['metadata'];
    if (isJsonObject(meta)) {
      const metaProps = meta['properties'];
      const allowed = Object.keys(meta).every((k) => k === 'type' || k === 'properties') && (!isJsonObject(metaProps) || Object.keys(metaProps).every((k) => k === 'name' || k === 'generateName'));
      if (!allowed || (meta['type'] !== undefined && meta['type'] !== 'object')) {
        out.push(fieldErrors.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
    }
  }
  walkNode(schema, path, 'root', out);
  // Rules are compiled and weighed only in a schema that is otherwise sound, as kube-apiserver does.
  if (out.length > 0) return out;
  return celErrors(schema, path);
}

/**
 * The rules' errors, after the schema's own: for each rule (those of a
 * node's children before its own) an estimated cost over the per-rule limit,
 * then a compile error; last, when the costs add up to more than the
 * schema's limit, the (up to four) rules costing at least 1% of it, most
 * expensive first, and the total.
 */
function celErrors(schema: JsonObject, path: string): StatusCause[] {
  if (!hasCelRules(schema)) return [];
  const { ruleCosts, celCompileError } = celEngine();
  const out: StatusCause[] = [];
  const costs = ruleCosts(schema, path);
  for (const c of costs) {
    if (c.totalCost > staticEstimatedCostLimit) out.push(fieldErrors.forbidden(c.path, costExceedsMessage('estimated rule cost', c.totalCost, staticEstimatedCostLimit)));
    const r = (c.schema['x-kubernetes-validations'] as unknown[])[c.index];
    const rule = isJsonObject(r) && typeof r['rule'] === 'string' ? r['rule'] : '';
    if (rule.trim() === '') continue;
    const error = celCompileError(rule);
    const message = isJsonObject(r) && typeof r['message'] === 'string' ? r['message'] : '';
    // The parser's own words follow "compilation failed: " (@bufbuild/cel's, not cel-go's).
    if (error !== undefined) out.push(fieldErrors.invalidPrinted(c.path, `apiextensions.ValidationRule{Rule:${JSON.stringify(rule)}, Message:${JSON.stringify(message)}}`, `compilation failed: ERROR: ${error}`));
    else if (c.uncorrelatable !== undefined && /\boldSelf\b/.test(rule)) {
      out.push(fieldErrors.invalid(c.path, rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${c.uncorrelatable}`));
    }
  }
  const total = costs.reduce((sum, c) => addCost(sum, c.totalCost), 0);
  if (total > staticEstimatedCrdCostLimit) {
    const expensive = costs.filter((c) => c.totalCost >= staticEstimatedCrdCostLimit / 100).sort((a, b) => b.totalCost - a.totalCost);
    for (const c of expensive.slice(0, 4)) out.push(fieldErrors.forbidden(c.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    out.push(fieldErrors.forbidden(path, costExceedsMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', total, staticEstimatedCrdCostLimit)));
  }
  return out;
}

type Position = 'root' | 'property' | 'items' | 'additional';

function walkNode(schema: JsonObject, path: string, position: Position, out: StatusCause[]): void {
  if (typeof schema['$ref'] === 'string') out.push(fieldErrors.forbidden(`${path}.$ref`, '$ref is not supported'));
  const type = schema['type'];
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'];
  if (preserve === false) out.push(fieldErrors.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if ((type === undefined || type === '') && !intOrString && preserve !== true && typeof schema['$ref'] !== 'string') {
    if (position === 'property') out.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
    else if (position === 'items') out.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified array items'));
    else if (position === 'additional') out.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
  }
  const props = schema['properties'];
  const additional = schema['additionalProperties'];
  if (isJsonObject(props) && Object.keys(props).length > 0 && additional !== undefined && additional !== false) {
    out.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (type === 'array' && !isJsonObject(schema['items'])) out.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (schema['x-kubernetes-embedded-resource'] === true) {
    if (!isJsonObject(props) && preserve !== true) out.push(fieldErrors.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
    if (type !== 'object') out.push(fieldErrors.invalid(`${path}.type`, type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (type !== 'array') out.push(fieldErrors.invalid(`${path}.x-kubernetes-list-type`, listType, 'must only be used if type is array'));
    else if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') out.push(fieldErrors.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  }
  const mapKeys = schema['x-kubernetes-list-map-keys'];
  if (listType === 'map') {
    const items = schema['items'];
    if (!Array.isArray(mapKeys) || mapKeys.length === 0) out.push(fieldErrors.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (isJsonObject(items) && items['type'] !== 'object') out.push(fieldErrors.invalid(`${path}.items.type`, items['type'] ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    else if (isJsonObject(items) && Array.isArray(mapKeys)) {
      const itemProps = isJsonObject(items['properties']) ? items['properties'] : {};
      mapKeys.forEach((k, i) => {
        if (!isJsonObject(itemProps[String(k)])) out.push(fieldErrors.invalid(`${path}.x-kubernetes-list-map-keys[${i}]`, k, 'entries must all be names of item properties'));
      });
    }
  } else if (mapKeys !== undefined && listType !== undefined) {
    out.push(fieldErrors.forbidden(`${path}.x-kubernetes-list-map-keys`, 'must only be used if x-kubernetes-list-type is map'));
  }
  for (const key of valueValidationKeys) {
    const v = schema[key];
    const list = key === 'not' ? (isJsonObject(v) ? [v] : []) : Array.isArray(v) ? v.filter(isJsonObject) : [];
    list.forEach((sub, i) => {
      const subPath = key === 'not' ? `${path}.not` : `${path}.${key}[${i}]`;
      for (const f of forbiddenInValueValidation) {
        // int-or-string fields spell out their two types in anyOf.
        if (f === 'type' && schema['x-kubernetes-int-or-string'] === true) continue;
        if (sub[f] !== undefined) out.push(fieldErrors.forbidden(`${subPath}.${f}`, 'must be empty to be structural'));
      }
    });
  }
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    rules.forEach((r, i) => {
      if (isJsonObject(r) && (typeof r['rule'] !== 'string' || r['rule'].trim() === '')) out.push(fieldErrors.required(`${path}.x-kubernetes-validations[${i}].rule`));
    });
  }
  if (schema['default'] !== undefined) {
    const { default: d, ...withoutDefault } = schema;
    const causes = compileCustomValidator(withoutDefault).validate(d);
    for (const c of causes) out.push({ ...c, field: `${path}.default` });
  }
  if (isJsonObject(props)) {
    for (const name of Object.keys(props).sort()) {
      const child = props[name];
      if (isJsonObject(child)) walkNode(child, `${path}.properties[${name}]`, 'property', out);
    }
  }
  const items = schema['items'];
  if (isJsonObject(items)) walkNode(items, `${path}.items`, 'items', out);
  if (isJsonObject(additional)) walkNode(additional, `${path}.additionalProperties`, 'additional', out);
}
