/**
 * Checks a request body against its kind's OpenAPI schema, with Kubernetes'
 * field paths, reasons and messages. The ajv schemas are added once at module
 * load; each kind's validator is compiled on first use and kept.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { StatusCause } from '../registry/generic/api-error.js';
import { fieldPath } from './field-path.js';
import { isJsonObject, type JsonValue } from './json.js';
import { kindSchemaNames, refPrefix } from './schema-sources.js';
import { validationSchemas } from './validation-schemas.js';

/** The fieldValidation query parameter: what to do with unknown fields. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** What validateBody found. */
export interface BodyValidation {
  /** Type errors, missing required fields, unsupported enum values: always an Invalid (422). */
  readonly causes: StatusCause[];
  /** With Warn: `unknown field "spec.foo"`, for Warning headers. */
  readonly warnings: string[];
  /** With Strict: the unknown field paths, for a BadRequest built with strictDecodingMessage. */
  readonly unknownFields: string[];
}

// ajv-formats is CommonJS with a default export; under NodeNext its namespace arrives.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const rootId = 'kite-openapi';
const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });
addFormats(ajv, ['date-time', 'byte', 'int32', 'int64']);
ajv.addFormat('int-or-string', true);
ajv.addSchema({ $id: rootId, components: { schemas: validationSchemas } });

const compiled = new Map<string, ValidateFunction>();

function validatorFor(schemaName: string): ValidateFunction {
  let validate = compiled.get(schemaName);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `${rootId}${refPrefix}${schemaName}` });
    compiled.set(schemaName, validate);
  }
  return validate;
}

/** True when Kite has a schema for the kind at apiVersion (e.g. `apps/v1`, `Deployment`). */
export function hasSchema(groupVersion: string, kind: string): boolean {
  return kindSchemaNames.has(`${groupVersion}/${kind}`);
}

/** Go's JSON decoder treats null as "not set": drop null object members before checking. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A value as Kubernetes prints it in messages: strings quoted, the rest as JSON. */
function printValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value as JsonValue) ?? String(value));
}

function cause(schemaName: string, error: ErrorObject): StatusCause {
  const field = fieldPath(schemaName, error.instancePath);
  const value: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { reason: 'FieldValueRequired', message: 'Required value', field: fieldPath(schemaName, error.instancePath, String(params['missingProperty'])) };
    case 'type': {
      const want = String(params['type']).split(',').join(' or ');
      const got = JSON.stringify(jsonTypeName(value));
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${got}: ${field} in body must be of type ${want}: ${got}`, field };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(printValue).join(', ');
      return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${printValue(value)}: supported values: ${allowed}`, field };
    }
    case 'format':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${printValue(value)}: ${field} in body must be of type ${String(params['format'])}: ${printValue(value)}`, field };
    case 'pattern':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${printValue(value)}: ${field} in body should match '${String(params['pattern'])}'`, field };
    default:
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${printValue(value)}: ${field} in body ${error.message ?? 'is invalid'}`, field };
  }
}

/**
 * Validates body as the kind at groupVersion (an apiVersion such as `v1` or
 * `apps/v1`). Causes are always reported; unknown fields go to unknownFields
 * (Strict), warnings (Warn) or nowhere (Ignore). Never mutates body.
 * Throws for a kind without a schema (check hasSchema first).
 */
export function validateBody(groupVersion: string, kind: string, body: unknown, fieldValidation: FieldValidation): BodyValidation {
  const schemaName = kindSchemaNames.get(`${groupVersion}/${kind}`);
  if (schemaName === undefined) throw new Error(`no schema for ${groupVersion}, Kind=${kind}`);
  const validate = validatorFor(schemaName);
  const result: BodyValidation = { causes: [], warnings: [], unknownFields: [] };
  if (validate(withoutNulls(body))) return result;
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'additionalProperties') {
      const unknown = fieldPath(schemaName, error.instancePath, String((error.params as Record<string, unknown>)['additionalProperty']));
      if (fieldValidation === 'Strict') result.unknownFields.push(unknown);
      else if (fieldValidation === 'Warn') result.warnings.push(`unknown field ${JSON.stringify(unknown)}`);
    } else {
      // One cause per field, as Kubernetes reports it (80.5 fails both type and int32).
      const c = cause(schemaName, error);
      if (!result.causes.some((seen) => seen.field === c.field)) result.causes.push(c);
    }
  }
  return result;
}

/** The message of the BadRequest Kubernetes returns for unknown fields under Strict. */
export function strictDecodingMessage(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`;
}
