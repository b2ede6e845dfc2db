// Copies the non-TypeScript files the built program reads at run time
// (the .proto definitions, the OpenAPI sources, the bootstrap RBAC policy) next to the compiled JavaScript in dist/.
import { cpSync, existsSync, statSync } from 'node:fs';

const assets = ['storage/proto', 'schemas/descriptions', 'schemas/reference', 'registry/rbac'];
for (const dir of assets) {
  // Only the data files: the TypeScript beside them is compiled by tsc.
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => statSync(src).isDirectory() || /\.(proto|ya?ml|json)$/.test(src) });
}
