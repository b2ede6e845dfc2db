/**
 * Validation of custom resources against their CRD version's
 * openAPIV3Schema, with the field paths, reasons and messages kube-apiserver
 * gives: the schema is compiled once (ajv) per version; x-kubernetes-list-type
 * uniqueness and x-kubernetes-embedded-resource's apiVersion and kind are
 * checked by walking the object beside it.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { StatusCause } from '../registry/generic/api-error.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

let instance: Ajv | undefined;

/**
 * The ajv instance, made (and ajv loaded: about 1.5 MiB of heap with ajv-formats) when the
 * first CRD's schema is compiled; a control plane without CRDs never loads it. Both are
 * CommonJS, so they load synchronously, where the validator is needed.
 */
function ajv(): Ajv {
  if (instance !== undefined) return instance;
  const require = createRequire(import.meta.url);
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  instance = new AjvClass({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true, logger: false, validateFormats: true });
  addFormats(instance);
  // Formats Kubernetes knows that ajv-formats does not, or knows differently.
  for (const f of ['int32', 'int64', 'float', 'double', 'password', 'byte', 'bsonobjectid', 'isbn', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'cidr', 'mac', 'datetime']) instance.addFormat(f, true);
  return instance;
}

/** Keywords that mean nothing to ajv, removed before compiling (x-kubernetes-* are ignored by ajv already). */
function forAjv(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (!isJsonObject(schema)) return schema;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'default' || k === 'example' || k === 'description' || k === 'x-kubernetes-validations') continue;
    if (k === 'properties' && isJsonObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, forAjv(s)]));
    else out[k] = forAjv(v);
  }
  if (schema['x-kubernetes-int-or-string'] === true && out['type'] === undefined) out['type'] = ['integer', 'string'];
  return out;
}

/** A compiled validator of one schema. */
export interface CustomValidator {
  /** The causes of value's violations; fields are prefix plus the path inside value. */
  validate(value: unknown, prefix?: string): StatusCause[];
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A value as Go's %v of a JSON value prints it in these messages: strings quoted, numbers bare. */
function printed(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value as JsonValue) ?? String(value));
}

/** A JSON pointer as Kubernetes' field path: /spec/tags/0 -> spec.tags[0]. */
function pointerPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

const joinPath = (prefix: string, path: string): string => (prefix === '' ? path : path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`);

/** Orders keywords as Kubernetes' validator reports them at one field. */
const keywordRank: Readonly<Record<string, number>> = { type: 0, format: 1, maxLength: 2, minLength: 3, pattern: 4, maximum: 5, exclusiveMaximum: 5, minimum: 6, exclusiveMinimum: 6, multipleOf: 7, enum: 9 };
const stringKeywords = new Set(['maxLength', 'minLength', 'pattern']);

function cause(error: ErrorObject, prefix: string): StatusCause | undefined {
  const params = error.params as Record<string, unknown>;
  const rel = pointerPath(error.instancePath);
  const field = joinPath(prefix, rel);
  const value: unknown = error.data;
  const v = printed(value);
  switch (error.keyword) {
    case 'required':
      return { reason: 'FieldValueRequired', message: 'Required value', field: joinPath(field, String(params['missingProperty'])) };
    case 'type': {
      const t = JSON.stringify(jsonType(value));
      return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${t}: ${rel} in body must be of type ${String(params['type'])}: ${t}`, field };
    }
    case 'format':
      return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${v}: ${rel} in body must be of type ${String(params['format'])}: ${v}`, field };
    case 'enum':
      return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${v}: supported values: ${(params['allowedValues'] as unknown[]).map(printed).join(', ')}`, field };
    case 'maximum':
    case 'exclusiveMaximum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body should be less than ${params['comparison'] === '<=' ? 'or equal to ' : ''}${String(params['limit'])}`, field };
    case 'minimum':
    case 'exclusiveMinimum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body should be greater than ${params['comparison'] === '>=' ? 'or equal to ' : ''}${String(params['limit'])}`, field };
    case 'multipleOf':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body should be a multiple of ${String(params['multipleOf'])}`, field };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', message: `Too long: may not be longer than ${String(params['limit'])}`, field };
    case 'minLength':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body should be at least ${String(params['limit'])} chars long`, field };
    case 'pattern':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body should match '${String(params['pattern'])}'`, field };
    case 'maxItems':
      return { reason: 'FieldValueTooMany', message: `Too many: ${Array.isArray(value) ? value.length : 0}: must have at most ${String(params['limit'])} items`, field };
    case 'minItems':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${Array.isArray(value) ? value.length : 0}: ${rel} in body should have at least ${String(params['limit'])} items`, field };
    case 'maxProperties':
      return { reason: 'FieldValueTooMany', message: `Too many: ${isJsonObject(value) ? Object.keys(value).length : 0}: must have at most ${String(params['limit'])} items`, field };
    case 'minProperties':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${isJsonObject(value) ? Object.keys(value).length : 0}: ${rel} in body should have at least ${String(params['limit'])} properties`, field };
    case 'anyOf':
      return { reason: 'FieldValueInvalid', message: `Invalid value: "": ${JSON.stringify(rel)} must validate at least one schema (anyOf)`, field: '<nil>' };
    case 'oneOf':
      return { reason: 'FieldValueInvalid', message: `Invalid value: "": ${JSON.stringify(rel)} must validate one and only one schema (oneOf)`, field: '<nil>' };
    case 'not':
      return { reason: 'FieldValueInvalid', message: `Invalid value: "": ${JSON.stringify(rel)} must not validate the schema (not)`, field: '<nil>' };
    case 'uniqueItems':
      return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${v}`, field };
    case 'additionalProperties':
      // Pruning removed unknown fields before validation; additionalProperties: false cannot be in a CRD.
      return undefined;
    default:
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${rel} in body ${error.message ?? 'is invalid'}`, field };
  }
}

/** Field paths compared as Kubernetes' validator walks: siblings by name, a field's children before the field itself. */
function comparePaths(a: string, b: string): number {
  const split = (p: string): string[] => p.split(/\.|(?=\[)/);
  const sa = split(a);
  const sb = split(b);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] === sb[i]) continue;
    return sa[i]! < sb[i]! ? -1 : 1;
  }
  return sb.length - sa.length;
}

/** Compiles schema (a CRD version's openAPIV3Schema, or a part of it) once. */
export function compileCustomValidator(schema: JsonObject): CustomValidator {
  const compiled: ValidateFunction = ajv().compile(forAjv(schema) as JsonObject);
  return {
    validate: (value, prefix = '') => {
      if (compiled(value)) return [];
      const errors = [...(compiled.errors ?? [])];
      // Kubernetes reports the first failing string rule of a field only.
      const seenString = new Set<string>();
      const kept = errors.filter((e) => {
        // Of the branches of an anyOf or oneOf that all failed, Kubernetes reports the first one's errors.
        if (/\/(anyOf|oneOf)\/[1-9]\d*\//.test(e.schemaPath)) return false;
        if (!stringKeywords.has(e.keyword)) return true;
        if (seenString.has(e.instancePath)) return false;
        seenString.add(e.instancePath);
        return true;
      });
      kept.sort((a, b) => {
        const byPath = comparePaths(pointerPath(a.instancePath), pointerPath(b.instancePath));
        if (byPath !== 0) return byPath;
        // At one field: its own rules, then the anyOf/oneOf summary, then the first branch's errors.
        const stage = (e: ErrorObject): number => (/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath) ? 2 : e.keyword === 'anyOf' || e.keyword === 'oneOf' ? 1 : 0);
        return stage(a) - stage(b) || (keywordRank[a.keyword] ?? 8) - (keywordRank[b.keyword] ?? 8);
      });
      const out: StatusCause[] = [];
      for (const e of kept) {
        const c = cause(e, prefix);
        if (c !== undefined && !out.some((o) => o.field === c.field && o.message === c.message)) out.push(c);
      }
      return out;
    },
  };
}

/** Go's %#v of a map[string]interface{} of scalars, as duplicate map-list keys print. */
function goMap(entries: readonly [string, unknown][]): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]interface {}{${sorted.map(([k, v]) => `${JSON.stringify(k)}:${printed(v)}`).join(', ')}}`;
}

/**
 * The causes Kubernetes' structural checks add beside the schema validator:
 * duplicates in x-kubernetes-list-type set and map lists, and the apiVersion
 * and kind every x-kubernetes-embedded-resource must have.
 */
export function structuralCauses(value: unknown, schema: JsonObject, path = ''): StatusCause[] {
  const out: StatusCause[] = [];
  walk(value, schema, path, out);
  return out;
}

function walk(value: unknown, schema: JsonObject, path: string, out: StatusCause[]): void {
  if (Array.isArray(value)) {
    const items = schema['items'];
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${printed(item)}`, field: `${path}[${i}]` });
        seen.add(k);
      });
    } else if (listType === 'map') {
      const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'].map(String) : [];
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (!isJsonObject(item)) return;
        const entries = keys.filter((k) => item[k] !== undefined).map((k): [string, unknown] => [k, item[k]]);
        const k = JSON.stringify(entries);
        if (seen.has(k)) out.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${goMap(entries)}`, field: `${path}[${i}]` });
        seen.add(k);
      });
    }
    if (isJsonObject(items)) value.forEach((item, i) => walk(item, items, `${path}[${i}]`, out));
    return;
  }
  if (!isJsonObject(value)) return;
  if (schema['x-kubernetes-embedded-resource'] === true) {
    for (const f of ['apiVersion', 'kind']) {
      if (typeof value[f] !== 'string' || value[f] === '') out.push({ reason: 'FieldValueRequired', message: 'Required value: must not be empty', field: `${path}.${f}` });
    }
  }
  const props = schema['properties'];
  const additional = schema['additionalProperties'];
  for (const [k, v] of Object.entries(value)) {
    const child = isJsonObject(props) ? props[k] : undefined;
    const s = isJsonObject(child) ? child : isJsonObject(additional) ? additional : undefined;
    if (s !== undefined) walk(v, s, path === '' ? k : `${path}.${k}`, out);
  }
}
