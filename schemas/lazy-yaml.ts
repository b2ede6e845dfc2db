/**
 * The yaml library, loaded on first use (about 1.3 MiB of heap once loaded). Most clients
 * send and ask for JSON only; YAML comes with kubectl's server-side apply and with a server
 * asked for application/yaml. The built program reads its schema descriptions as JSON (the
 * build converts them), so an API server that is never sent YAML never loads it.
 */
import { createRequire } from 'node:module';

type YamlLib = typeof import('yaml');

let lib: YamlLib | undefined;

export function yamlLib(): YamlLib {
  lib ??= createRequire(import.meta.url)('yaml') as YamlLib;
  return lib;
}
