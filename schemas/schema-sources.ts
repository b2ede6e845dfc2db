/**
 * Reads the hand-written OpenAPI sources (schemas/sources/*.yaml) once, at module
 * load, into one table of component schemas keyed by Kubernetes' schema names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** The source files, one per group-version plus the shared apimachinery types. */
export const sourceFiles = ['meta-v1', 'core-v1', 'apps-v1', 'autoscaling-v1'] as const;

/** Name of one source file, without directory or extension. */
export type SourceFile = (typeof sourceFiles)[number];

/** Prefix of every local reference to a component schema. */
export const refPrefix = '#/components/schemas/';

function sourcesDirectory(): string {
  // Next to this module when run from source; the compiled module in dist/schemas
  // falls back to the source tree until the build copies schemas/sources.
  for (const candidate of ['./sources/', '../../schemas/sources/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error(`schemas/sources not found next to ${fileURLToPath(import.meta.url)}`);
}

/**
 * OpenAPI 3.0 ignores the siblings of a $ref, so a reference that carries a
 * description or default becomes `allOf: [{$ref}]` beside them, as Kubernetes
 * serves it (kubectl explain reads the description from the wrapper).
 */
function wrapReferences(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(wrapReferences);
  if (!isJsonObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key !== '$ref') out[key] = wrapReferences(child);
  }
  const ref = value['$ref'];
  if (typeof ref !== 'string') return out;
  if (Object.keys(out).length === 0) return { $ref: ref };
  return { allOf: [{ $ref: ref }], ...out };
}

function readSource(dir: string, file: SourceFile): Readonly<Record<string, JsonObject>> {
  const parsed: unknown = parse(readFileSync(`${dir}${file}.yaml`, 'utf8'));
  const schemas = isJsonObject(parsed) ? parsed['schemas'] : undefined;
  if (!isJsonObject(schemas)) throw new Error(`schemas/sources/${file}.yaml: no schemas map`);
  const out: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const wrapped = wrapReferences(schema);
    if (!isJsonObject(wrapped)) throw new Error(`schemas/sources/${file}.yaml: ${name} is not an object`);
    out[name] = wrapped;
  }
  return out;
}

function readAll(): ReadonlyMap<SourceFile, Readonly<Record<string, JsonObject>>> {
  const dir = sourcesDirectory();
  return new Map(sourceFiles.map((file) => [file, readSource(dir, file)]));
}

const sources = readAll();

/** The schemas one source file defines, by name. */
export function sourceSchemas(file: SourceFile): Readonly<Record<string, JsonObject>> {
  const schemas = sources.get(file);
  if (schemas === undefined) throw new Error(`unknown schema source ${file}`);
  return schemas;
}

/** Every component schema of every source, by name. */
export const allSchemas: Readonly<Record<string, JsonObject>> = Object.assign({}, ...sourceFiles.map(sourceSchemas)) as Record<string, JsonObject>;

/** The names every `$ref` inside value points at. */
export function referencedNames(value: JsonValue): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedNames);
  if (!isJsonObject(value)) return [];
  const own = typeof value['$ref'] === 'string' && value['$ref'].startsWith(refPrefix) ? [value['$ref'].slice(refPrefix.length)] : [];
  return [...own, ...Object.values(value).flatMap(referencedNames)];
}
