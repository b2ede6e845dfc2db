/**
 * The CEL type of a structural schema node as kube-apiserver 1.26 declares it
 * for x-kubernetes-validations rules, with the two numbers its cost estimate
 * reads: the most elements a value can have (items of a list, entries of a map,
 * bytes of a string) and the fewest bytes it takes in JSON. Where the schema
 * sets no maxItems, maxProperties or maxLength, the bound is what fits in one
 * request of 3 MiB.
 */
import { isJsonObject, type JsonObject } from './json.js';

/** The largest request body kube-apiserver takes, which bounds every list, map and string. */
export const maxRequestSizeBytes = 3 * 1024 * 1024;

/** The CEL kind of a declared type: a scalar, a list, a map (additionalProperties) or an object (properties). */
export type DeclKind = 'int' | 'double' | 'bool' | 'string' | 'bytes' | 'duration' | 'timestamp' | 'dyn' | 'list' | 'map' | 'object';

/** A schema node's CEL declaration. */
export interface DeclType {
  readonly kind: DeclKind;
  /** Items of a list, values of a map. */
  readonly elem?: DeclType;
  /** An object's fields by their CEL names (escaped: a-b is a__dash__b). */
  readonly fields?: ReadonlyMap<string, DeclType>;
  /** Most items, entries or bytes; 0 for other kinds. */
  readonly maxElements: number;
  /** Fewest bytes of the value in JSON. */
  readonly minSerializedSize: number;
}

/** A map's keys: strings with no declared length (kube-apiserver's plain string type). */
export const mapKeyType: DeclType = { kind: 'string', maxElements: 0, minSerializedSize: 2 };

const scalar = (kind: DeclKind, minSerializedSize: number, maxElements = 0): DeclType => ({ kind, maxElements, minSerializedSize });

const reserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A property name as CEL rules spell it (__dash__ for -, __dot__ for ., ...), or undefined when it has no spelling. */
export function escapeCelName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (reserved.has(name)) return `__${name}__`;
  if (/[^A-Za-z0-9_./-]/.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (m) => ({ __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[m]!);
}

const atLeastZero = (n: unknown): number | undefined => (typeof n === 'number' ? Math.max(0, n) : undefined);

/** The longest a string of this schema can be, when it sets no maxLength. */
function maxStringLength(schema: JsonObject): number {
  if (schema['x-kubernetes-int-or-string'] === true) return maxRequestSizeBytes - 2;
  switch (schema['format']) {
    case 'duration':
      return 32;
    case 'date':
      return 12;
    case 'date-time':
      return 32;
    default:
      return maxRequestSizeBytes - 2;
  }
}

function stringType(schema: JsonObject): DeclType {
  const maxLength = atLeastZero(schema['maxLength']);
  switch (schema['format']) {
    case 'byte':
      return scalar('bytes', 2, maxLength ?? maxStringLength(schema));
    case 'duration':
      return scalar('duration', 3, maxStringLength(schema));
    case 'date':
      return scalar('timestamp', 12, maxStringLength(schema));
    case 'date-time':
      return scalar('timestamp', 21, maxStringLength(schema));
    default:
      // maxLength counts characters; a character takes up to 4 bytes.
      return scalar('string', 2, maxLength !== undefined ? maxLength * 4 : maxStringLength(schema));
  }
}

/** The schema a resource root is read with: apiVersion, kind, metadata.name and metadata.generateName always there. */
function withTypeAndObjectMeta(schema: JsonObject): JsonObject {
  const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
  const str = { type: 'string' };
  return { ...schema, properties: { ...props, kind: str, apiVersion: str, metadata: { type: 'object', properties: { name: str, generateName: str } } } };
}

/**
 * The declaration of schema, or undefined where rules cannot see the value (no
 * type, or a list or map of such values). isResourceRoot for the root of a
 * custom resource or an embedded resource.
 */
export function declTypeOf(schema: JsonObject, isResourceRoot: boolean): DeclType | undefined {
  if (schema['x-kubernetes-int-or-string'] === true) return scalar('dyn', 1, maxRequestSizeBytes - 2);
  const s = isResourceRoot ? withTypeAndObjectMeta(schema) : schema;
  const child = (c: unknown): DeclType | undefined => (isJsonObject(c) ? declTypeOf(c, c['x-kubernetes-embedded-resource'] === true) : undefined);
  switch (s['type']) {
    case 'array': {
      const items = child(s['items']);
      if (items === undefined) return undefined;
      const maxItems = atLeastZero(s['maxItems']) ?? Math.floor((maxRequestSizeBytes - 2) / (items.minSerializedSize + 1));
      return { kind: 'list', elem: items, maxElements: maxItems, minSerializedSize: 2 };
    }
    case 'object': {
      if (isJsonObject(s['additionalProperties'])) {
        const values = child(s['additionalProperties']);
        if (values === undefined) return undefined;
        // Each entry takes its value, a key of at least "", a colon and a comma.
        const maxProperties = atLeastZero(s['maxProperties']) ?? Math.floor((maxRequestSizeBytes - 2) / (values.minSerializedSize + 6));
        return { kind: 'map', elem: values, maxElements: maxProperties, minSerializedSize: 2 };
      }
      const props = isJsonObject(s['properties']) ? s['properties'] : {};
      const required = new Set(Array.isArray(s['required']) ? s['required'] : []);
      const fields = new Map<string, DeclType>();
      let minSerializedSize = 2;
      for (const [name, prop] of Object.entries(props)) {
        const t = child(prop);
        if (t === undefined) continue;
        const celName = escapeCelName(name);
        if (celName !== undefined) fields.set(celName, t);
        // A required property without a default is always written: "name":value plus a comma.
        if (required.has(name) && isJsonObject(prop) && prop['default'] === undefined) minSerializedSize += name.length + t.minSerializedSize + 4;
      }
      return { kind: 'object', fields, maxElements: 0, minSerializedSize };
    }
    case 'string':
      return stringType(s);
    case 'boolean':
      return scalar('bool', 4);
    case 'number':
      return scalar('double', 1);
    case 'integer':
      return scalar('int', 1);
    default:
      return undefined;
  }
}

/**
 * How many times a value of this declaration can occur in one request when
 * nothing above it bounds that: as many as fit in 3 MiB with a comma each.
 */
export function maxCardinality(decl: DeclType): number {
  return Math.floor(maxRequestSizeBytes / (decl.minSerializedSize + 1));
}
