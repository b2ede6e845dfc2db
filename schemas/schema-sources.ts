/**
 * The component schemas of every built-in kind, keyed by Kubernetes' schema
 * names (io.k8s.api.apps.v1.Deployment), read once at module load.
 *
 * The facts (fields, types, formats, enums, required fields, zero-value
 * defaults, x-kubernetes-* list and merge extensions) come from
 * schemas/reference/components.json, imported from the reference
 * kube-apiserver's OpenAPI v3 documents without their prose
 * (scripts/import-reference-schemas.mjs). Kite's own descriptions, written
 * for kubectl explain, are laid over them from schemas/descriptions/*.yaml.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { yamlLib } from './lazy-yaml.js';

/** Prefix of every local reference to a component schema. */
export const refPrefix = '#/components/schemas/';

function dataDirectory(name: string): string {
  // Next to this module when run from source; the compiled module in dist/schemas
  // falls back to the source tree until the build copies the data.
  for (const candidate of [`./${name}/`, `../../schemas/${name}/`]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error(`schemas/${name} not found next to ${fileURLToPath(import.meta.url)}`);
}

function readReference(): Record<string, JsonObject> {
  const parsed: unknown = JSON.parse(readFileSync(`${dataDirectory('reference')}components.json`, 'utf8'));
  const schemas = isJsonObject(parsed) ? parsed['schemas'] : undefined;
  if (!isJsonObject(schemas)) throw new Error('schemas/reference/components.json: no schemas map');
  return { ...(schemas as Record<string, JsonObject>) };
}

/** Copies the descriptions of overlay onto schema, field by field, where the field exists. */
function withDescriptions(schema: JsonObject, overlay: JsonValue): JsonObject {
  if (!isJsonObject(overlay)) return schema;
  const out: Record<string, JsonValue> = { ...schema };
  if (typeof overlay['description'] === 'string') out['description'] = overlay['description'];
  const props = schema['properties'];
  const overlayProps = overlay['properties'];
  if (isJsonObject(props) && isJsonObject(overlayProps)) {
    out['properties'] = Object.fromEntries(
      Object.entries(props).map(([name, field]) => [name, isJsonObject(field) ? withDescriptions(field, overlayProps[name] ?? null) : field]),
    );
  }
  return out;
}

function readDescriptions(schemas: Record<string, JsonObject>): void {
  const dir = dataDirectory('descriptions');
  // YAML in the source tree; the build writes each as JSON (scripts/copy-assets.mjs).
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.json')).sort()) {
    const text = readFileSync(`${dir}${file}`, 'utf8');
    const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : yamlLib().parse(text);
    const overlay = isJsonObject(parsed) ? parsed['schemas'] : undefined;
    if (!isJsonObject(overlay)) throw new Error(`schemas/descriptions/${file}: no schemas map`);
    for (const [name, described] of Object.entries(overlay)) {
      const schema = schemas[name];
      if (schema === undefined) throw new Error(`schemas/descriptions/${file}: ${name} is not a reference schema`);
      schemas[name] = withDescriptions(schema, described);
    }
  }
}

function readAll(): Readonly<Record<string, JsonObject>> {
  const schemas = readReference();
  readDescriptions(schemas);
  return schemas;
}

/** Every built-in component schema, by name. */
export const allSchemas: Readonly<Record<string, JsonObject>> = readAll();

/** The names every `$ref` inside value points at. */
export function referencedNames(value: JsonValue): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedNames);
  if (!isJsonObject(value)) return [];
  const own = typeof value['$ref'] === 'string' && value['$ref'].startsWith(refPrefix) ? [value['$ref'].slice(refPrefix.length)] : [];
  return [...own, ...Object.values(value).flatMap(referencedNames)];
}

/** The component schema name of each kind, keyed by `apiVersion/kind` (e.g. `apps/v1/Deployment`, `v1/Pod`). */
export const kindSchemaNames: ReadonlyMap<string, string> = new Map(
  Object.entries(allSchemas).flatMap(([name, schema]) => {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) return [];
    return gvks.flatMap((gvk: JsonValue) => {
      if (!isJsonObject(gvk)) return [];
      const { group, version, kind } = gvk;
      return [[`${group === '' ? '' : `${String(group)}/`}${String(version)}/${String(kind)}`, name] as const];
    });
  }),
);
