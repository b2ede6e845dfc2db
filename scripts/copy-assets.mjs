// Copies the non-TypeScript files the built program reads at run time
// (the .proto definitions and the OpenAPI sources) next to the compiled JavaScript in dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = ['storage/proto', 'schemas/sources'];
for (const dir of assets) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true });
}
