/**
 * The OpenAPI documents Kite serves: one v3 document per group-version under
 * /openapi/v3 (with the index that names them by content hash), and the one v2
 * document at /openapi/v2. An OpenApiSet is built from the resources served at
 * one moment and builds each document on first use; the API layer makes a new
 * set when the served resources change.
 */
import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { openApiPaths } from './openapi-paths.js';
import { allSchemas, referencedNames, refPrefix } from './schema-sources.js';
import type { ServedGroupVersion, ServedResource } from './served-resources.js';

/** A served v3 document: `{openapi, info, paths, components: {schemas}}`. */
export interface OpenApiDocument {
  readonly openapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: JsonObject;
  readonly components: { readonly schemas: Readonly<Record<string, JsonObject>> };
}

/** The discovery index served at /openapi/v3. */
export interface OpenApiIndex {
  readonly paths: Readonly<Record<string, { readonly serverRelativeURL: string }>>;
}

/** A document serialized as served, with its content hash. */
export interface SerializedDocument {
  readonly body: string;
  readonly hash: string;
}

/** The Kubernetes version the documents describe. */
const apiVersionTitle = { title: 'Kubernetes', version: 'v1.32.0' };

const sha512 = (body: string): string => createHash('sha512').update(body).digest('hex').toUpperCase();

/** A source of component schemas: the built-in ones, plus any a served resource brings. */
export type SchemaSource = (name: string) => JsonObject | undefined;

/** The built-in schemas only. */
export const builtinSchemaSource: SchemaSource = (name) => allSchemas[name];

/** The schema names reachable from roots through $refs, sorted. */
function closure(roots: readonly string[], source: SchemaSource): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    const schema = source(name);
    if (schema === undefined) throw new Error(`$ref to undefined schema ${name}`);
    seen.add(name);
    pending.push(...referencedNames(schema));
  }
  return [...seen].sort();
}

/** The component schemas a resource's operations read and write (a connect subresource answers a string: none). */
function schemaRoots(r: ServedResource): string[] {
  if (r.connect !== undefined) return [];
  return [r.schema, ...(r.listSchema === undefined ? [] : [r.listSchema])];
}

function buildV3(gv: ServedGroupVersion, source: SchemaSource): OpenApiDocument {
  const paths = openApiPaths(gv);
  const roots = gv.resources.flatMap(schemaRoots);
  const names = closure([...roots, ...referencedNames(paths)], source);
  return { openapi: '3.0.0', info: apiVersionTitle, paths, components: { schemas: Object.fromEntries(names.map((n) => [n, source(n)!])) } };
}

/** Freezes a built document, so callers cannot change what later requests serve. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) freeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A v3 schema in v2 form: references to #/definitions/, `allOf: [{$ref}]` wrappers unwrapped. */
function toV2Schema(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(toV2Schema);
  if (!isJsonObject(value)) return value;
  const allOf = value['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && isJsonObject(allOf[0]) && typeof allOf[0]['$ref'] === 'string') {
    const { allOf: _a, default: _d, ...rest } = value;
    return toV2Schema({ ...rest, $ref: allOf[0]['$ref'] });
  }
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(refPrefix, '#/definitions/');
    else if (k === 'properties' && isJsonObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toV2Schema(s)]));
    else out[k] = toV2Schema(v);
  }
  return out;
}

/** A v3 operation in v2 form: parameters typed directly, the request body a body parameter, responses with a schema. */
function toV2Operation(op: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(op)) {
    if (k === 'parameters' && Array.isArray(v)) out[k] = v.map(toV2Parameter);
    else if (k === 'requestBody' && isJsonObject(v)) {
      const content = isJsonObject(v['content']) ? v['content'] : {};
      const first = Object.values(content)[0];
      const params = Array.isArray(out['parameters']) ? out['parameters'] : [];
      out['parameters'] = [...params, { name: 'body', in: 'body', required: true, schema: toV2Schema(isJsonObject(first) ? (first['schema'] ?? {}) : {}) }];
      out['consumes'] = Object.keys(content);
    } else if (k === 'responses' && isJsonObject(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([code, r]) => {
          const content = isJsonObject(r) && isJsonObject(r['content']) ? r['content'] : {};
          const first = Object.values(content)[0];
          return [code, { description: isJsonObject(r) ? (r['description'] ?? '') : '', ...(isJsonObject(first) ? { schema: toV2Schema(first['schema'] ?? {}) } : {}) }];
        }),
      );
    } else out[k] = v;
  }
  return out;
}

function toV2Parameter(p: JsonValue): JsonValue {
  if (!isJsonObject(p)) return p;
  const { schema, ...rest } = p;
  return { ...rest, ...(isJsonObject(schema) ? { type: schema['type'] ?? 'string' } : {}), uniqueItems: true };
}

function buildV2(groupVersions: readonly ServedGroupVersion[], source: SchemaSource): JsonObject {
  const paths: Record<string, JsonValue> = {};
  const roots: string[] = [];
  for (const gv of groupVersions) {
    const p = openApiPaths(gv);
    for (const [path, item] of Object.entries(p)) {
      if (!isJsonObject(item)) continue;
      paths[path] = Object.fromEntries(Object.entries(item).map(([verb, op]) => [verb, verb === 'parameters' && Array.isArray(op) ? op.map(toV2Parameter) : isJsonObject(op) ? toV2Operation(op) : op]));
    }
    roots.push(...gv.resources.flatMap(schemaRoots), ...referencedNames(p));
  }
  const names = closure(roots, source);
  return { swagger: '2.0', info: apiVersionTitle, paths, definitions: Object.fromEntries(names.map((n) => [n, toV2Schema(source(n)!)])) };
}

/** The documents of one set of served group-versions, each built on first use. */
export class OpenApiSet {
  private readonly groupVersions: ReadonlyMap<string, ServedGroupVersion>;
  private readonly source: SchemaSource;
  private readonly v3 = new Map<string, { document: OpenApiDocument; serialized: SerializedDocument }>();
  private v2Doc: SerializedDocument | undefined;

  constructor(groupVersions: readonly ServedGroupVersion[], source: SchemaSource = builtinSchemaSource) {
    this.groupVersions = new Map(groupVersions.map((gv) => [gv.path, gv]));
    this.source = source;
  }

  /** Paths of the served v3 documents, e.g. api/v1 and apis/apps/v1. */
  paths(): string[] {
    return [...this.groupVersions.keys()];
  }

  private built(path: string): { document: OpenApiDocument; serialized: SerializedDocument } | undefined {
    let b = this.v3.get(path);
    if (b === undefined) {
      const gv = this.groupVersions.get(path);
      if (gv === undefined) return undefined;
      const document = freeze(buildV3(gv, this.source));
      const body = JSON.stringify(document);
      b = { document, serialized: { body, hash: sha512(body) } };
      this.v3.set(path, b);
    }
    return b;
  }

  /** The /openapi/v3 index: each document's URL with its content hash. */
  index(): OpenApiIndex {
    return { paths: Object.fromEntries(this.paths().map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${this.built(p)!.serialized.hash}` }])) };
  }

  /** The v3 document for a path like api/v1; undefined when not served. */
  document(path: string): OpenApiDocument | undefined {
    return this.built(path)?.document;
  }

  /** The v3 document serialized as served. */
  documentJson(path: string): SerializedDocument | undefined {
    return this.built(path)?.serialized;
  }

  /** The v2 document (/openapi/v2) serialized as served. */
  v2(): SerializedDocument {
    if (this.v2Doc === undefined) {
      const body = JSON.stringify(buildV2([...this.groupVersions.values()], this.source));
      this.v2Doc = { body, hash: sha512(body) };
    }
    return this.v2Doc;
  }
}
