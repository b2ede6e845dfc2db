// Copies the non-TypeScript files the built program reads at run time
// (the .proto definitions, the OpenAPI sources, the bootstrap RBAC policy, the insight page's
// static files) next to the compiled JavaScript in dist/.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const assets = ['storage/proto', 'schemas/reference', 'registry/rbac'];
for (const dir of assets) {
  // Only the data files: the TypeScript beside them is compiled by tsc.
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => statSync(src).isDirectory() || /\.(proto|ya?ml|json)$/.test(src) });
}
// The schema descriptions as JSON, so the server reads them without loading a YAML parser.
mkdirSync('dist/schemas/descriptions', { recursive: true });
for (const file of readdirSync('schemas/descriptions').filter((f) => f.endsWith('.yaml'))) {
  writeFileSync(`dist/schemas/descriptions/${file.replace(/\.yaml$/, '.json')}`, JSON.stringify(parse(readFileSync(`schemas/descriptions/${file}`, 'utf8'))));
}
// The insight page (/ui/): plain ES modules, HTML and CSS, served as they are; no bundler.
if (existsSync('ui')) cpSync('ui', 'dist/ui', { recursive: true, filter: (src) => statSync(src).isDirectory() || /\.(html|js|css|png|svg)$/.test(src) });
