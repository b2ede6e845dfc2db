// Writes schemas/reference/components.json: the component schemas of the
// reference kube-apiserver 1.26's OpenAPI v3 documents, as facts of the API
// (field names, types, formats, enums, required fields, zero-value defaults
// and the x-kubernetes-* merge and list extensions), with every description
// left out. Run by hand when the reference changes:
//   node scripts/import-reference-schemas.mjs [REFERENCE_DIR]
// The default REFERENCE_DIR is ../shared/reference/kubernetes-1.26 beside the repo.
// Kite reads only the written file at run time, never the reference.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const refDir = process.argv[2] ?? '../shared/reference/kubernetes-1.26';
const docsDir = join(refDir, 'openapi-v3');

/**
 * Drops descriptions (prose) and sorts keys, so the file diffs well. Under
 * `properties` the keys are field names, so a field called description
 * (PriorityClass has one) stays.
 */
function facts(value, keysAreFields = false) {
  if (Array.isArray(value)) return value.map((v) => facts(v));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'description' && !keysAreFields) continue;
    out[key] = facts(value[key], key === 'properties' && !keysAreFields);
  }
  return out;
}

const schemas = {};
for (const file of readdirSync(docsDir).sort()) {
  if (!/^apis?_.*\.json$/.test(file)) continue;
  const doc = JSON.parse(readFileSync(join(docsDir, file), 'utf8'));
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const f = facts(schema);
    if (schemas[name] !== undefined && JSON.stringify(schemas[name]) !== JSON.stringify(f)) throw new Error(`${name} differs between documents (${file})`);
    schemas[name] = f;
  }
}
const sorted = Object.fromEntries(Object.keys(schemas).sort().map((n) => [n, schemas[n]]));
mkdirSync('schemas/reference', { recursive: true });
writeFileSync(
  'schemas/reference/components.json',
  JSON.stringify({ source: 'kube-apiserver v1.26.4 /openapi/v3 component schemas, descriptions removed', schemas: sorted }, null, 1) + '\n',
);
console.log(`wrote ${Object.keys(sorted).length} schemas to schemas/reference/components.json`);
