/**
 * Where the etcd .proto files are: this folder, in the sources and in dist/
 * alike (scripts/copy-assets.mjs copies them beside the compiled code). The
 * wire edge, the snapshot format and the client all load them from here.
 */
import { fileURLToPath } from 'node:url';

export const protoDir = fileURLToPath(new URL('./', import.meta.url));
