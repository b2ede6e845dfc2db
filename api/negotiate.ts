import type { Request } from 'express';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { ApiError, errors } from '../registry/generic/api-error.js';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF_TYPE } from './protobuf/decode.js';
import { ProtobufError } from './protobuf/protobuf-error.js';

/** Largest request body accepted, as kube-apiserver's 3 MiB limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Deepest nesting of a request body Kite decodes (kube-apiserver's JSON decoder stops at 10,000). */
export const MAX_BODY_DEPTH = 10_000;

/** What the response should be converted to (the `as` parameter of the Accept header). */
export type Conversion = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

/** What the client asked to get back. */
export interface Wanted {
  readonly format: 'json' | 'yaml';
  /** A meta.k8s.io/v1 conversion of the object or list, when asked. */
  readonly as?: Conversion;
  /** A meta.k8s.io/v1 Table instead of the object or list (kubectl's server-side printing). */
  readonly table: boolean;
}

interface MediaRange {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      return {
        type: type.toLowerCase(),
        params: Object.fromEntries(
          params.flatMap((p) => {
            const eq = p.indexOf('=');
            return eq < 0 ? [] : [[p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()]];
          }),
        ),
      };
    })
    .filter((m) => m.type !== '');
}

/**
 * Reads the Accept header as kube-apiserver does: the first media range it
 * can serve wins (JSON or YAML; protobuf is skipped, so clients that offer it
 * first get the JSON they also offer), with an `as=Table` or
 * `as=PartialObjectMetadata[List]` conversion in group meta.k8s.io, version
 * v1. Nothing servable is 406 NotAcceptable.
 */
export function wanted(req: Request): Wanted {
  const accept = req.headers.accept ?? '';
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { format: 'json', table: false };
  for (const r of ranges) {
    const format = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*' ? 'json' : r.type === 'application/yaml' ? 'yaml' : undefined;
    if (format === undefined) continue;
    const as = r.params['as'];
    if (as === undefined) return { format, table: false };
    const isMeta = r.params['g'] === 'meta.k8s.io' && (r.params['v'] === 'v1' || r.params['v'] === 'v1beta1');
    if (isMeta && (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')) return { format, as, table: as === 'Table' };
  }
  throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
}

/** Encodes a response body in the wanted format. */
export function encodeBody(body: unknown, format: Wanted['format']): { type: string; text: string } {
  return format === 'yaml' ? { type: 'application/yaml', text: toYaml(body) } : { type: 'application/json', text: JSON.stringify(body) };
}

/** The deepest nesting of arrays and objects in a JSON text, counted without parsing it. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** The request body, decoded by its content type (JSON, YAML or Kubernetes protobuf), up to 3 MiB. */
export async function readBody(req: Request): Promise<{ body: unknown; contentType: string }> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw errors.tooLarge('Request entity too large: limit is 3145728');
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (contentType === KUBERNETES_PROTOBUF_TYPE) return { body: bytes.length === 0 ? undefined : decodeProtobuf(bytes, contentType), contentType };
  const text = bytes.toString('utf8');
  if (text.trim() === '') return { body: undefined, contentType };
  const isYaml = contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml' || contentType === 'application/x-yaml';
  const isJson = contentType === 'application/json' || contentType.endsWith('+json');
  if (!isYaml && !isJson) throw errors.unsupportedMediaType(contentType);
  if (jsonDepth(text) > MAX_BODY_DEPTH) throw errors.badRequest(`the body of the request could not be decoded: nesting is deeper than ${MAX_BODY_DEPTH} levels`);
  try {
    return { body: isYaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text), contentType };
  } catch (err) {
    if (err instanceof RangeError) throw errors.badRequest('the body of the request could not be decoded: it is nested too deeply');
    throw errors.badRequest(`the body of the request could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A Kubernetes protobuf body as the JSON object it stands for; an unknown kind is 415, a bad body 400. */
function decodeProtobuf(bytes: Buffer, contentType: string): unknown {
  try {
    return decodeKubernetesProtobuf(bytes);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    if (err.code === 'UnknownKind') throw errors.unsupportedMediaType(`${contentType} for ${err.kind ?? 'an unknown kind'}`);
    throw errors.badRequest(`the body of the request could not be decoded: ${err.message}`);
  }
}
