/**
 * The OpenAPI v3 documents Kite serves under /openapi/v3, one per group-version,
 * built once at module load from schemas/sources and the served resources.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './json.js';
import { openApiPaths } from './openapi-paths.js';
import { allSchemas, referencedNames, sourceSchemas } from './schema-sources.js';
import { servedGroupVersions, type ServedGroupVersion } from './served-resources.js';

/** A served document: `{openapi, info, paths, components: {schemas}}`. */
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

/** The schema names reachable from roots through $refs, sorted. */
function closure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    const schema = allSchemas[name];
    if (schema === undefined) throw new Error(`$ref to undefined schema ${name}`);
    seen.add(name);
    pending.push(...referencedNames(schema));
  }
  return [...seen].sort();
}

function buildDocument(gv: ServedGroupVersion): OpenApiDocument {
  const paths = openApiPaths(gv);
  const names = closure([...Object.keys(sourceSchemas(gv.source)), ...referencedNames(paths)]);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: Object.fromEntries(names.map((n) => [n, allSchemas[n] as JsonObject])) },
  };
}

/** Deep-freezes a JSON value so callers can share the built documents safely. */
function freeze<T extends JsonValue | OpenApiDocument>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) freeze(child as JsonValue);
    Object.freeze(value);
  }
  return value;
}

interface Built {
  readonly document: OpenApiDocument;
  readonly body: string;
  readonly hash: string;
}

const built: ReadonlyMap<string, Built> = new Map(
  servedGroupVersions.map((gv) => {
    const document = freeze(buildDocument(gv));
    const body = JSON.stringify(document);
    return [gv.path, { document, body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() }];
  }),
);

/** Paths of the served documents, e.g. api/v1 and apis/apps/v1. */
export const openApiDocumentPaths: readonly string[] = [...built.keys()];

/** The /openapi/v3 index: each document's URL with a stable content hash. */
export function openApiIndex(): OpenApiIndex {
  return { paths: Object.fromEntries([...built].map(([path, b]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${b.hash}` }])) };
}

/** The (frozen) document for a path like api/v1 or apis/apps/v1; undefined when not served. */
export function openApiDocument(path: string): OpenApiDocument | undefined {
  return built.get(path)?.document;
}

/** The document serialized as served, with its hash (an ETag candidate); undefined when not served. */
export function openApiDocumentJson(path: string): { readonly body: string; readonly hash: string } | undefined {
  const b = built.get(path);
  return b === undefined ? undefined : { body: b.body, hash: b.hash };
}

