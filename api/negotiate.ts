import type { Request } from 'express';
import type { Tags } from 'yaml';
import { ApiError, errors } from '../registry/generic/api-error.js';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF_TYPE } from './protobuf/decode.js';
import { ProtobufError } from './protobuf/protobuf-error.js';
import { goJsonSyntaxError, maxJsonDepth, summarizeBody } from '../schemas/go-json-syntax.js';
import { yamlLib } from '../schemas/lazy-yaml.js';

/** Largest request body accepted, as kube-apiserver's 3 MiB limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * YAML bodies are read as kube-apiserver reads them (go-yaml v2, YAML 1.1): yes/no/on/off/y/n
 * are booleans, 0777 is octal, `<<` merges; but, as there, a timestamp stays a string and
 * 1:30 is not a base-60 number.
 */
const goYamlOptions = {
  version: '1.1',
  maxAliasCount: 100,
  customTags: (tags: Tags): Tags => tags.filter((t) => !(typeof t === 'object' && (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME'))),
} as const;

/** What the response should be converted to (the `as` parameter of the Accept header). */
export type Conversion = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';

/** What the client asked to get back. */
export interface Wanted {
  readonly format: 'json' | 'yaml';
  /** A meta.k8s.io conversion of the object or list, when asked. */
  readonly as?: Conversion;
  /** The meta.k8s.io version of that conversion. */
  readonly metaVersion: 'v1' | 'v1beta1';
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
  if (ranges.length === 0) return { format: 'json', table: false, metaVersion: 'v1' };
  for (const r of ranges) {
    const format = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*' ? 'json' : r.type === 'application/yaml' ? 'yaml' : undefined;
    if (format === undefined) continue;
    const as = r.params['as'];
    if (as === undefined) return { format, table: false, metaVersion: 'v1' };
    const v = r.params['v'];
    const isMeta = r.params['g'] === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1');
    if (isMeta && (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')) return { format, as, table: as === 'Table', metaVersion: v };
  }
  throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
}

/** Encodes a response body in the wanted format. */
export function encodeBody(body: unknown, format: Wanted['format']): { type: string; text: string } {
  return format === 'yaml' ? { type: 'application/yaml', text: yamlLib().stringify(body) } : { type: 'application/json', text: JSON.stringify(body) };
}

/**
 * A body that could not be decoded: Go's error for it (what kube-apiserver
 * reports) and a summary of the bytes. The handler words the Status, which
 * depends on the verb and the resource.
 */
export class BodyDecodeError extends Error {
  readonly goError: string;
  readonly summary: string;
  readonly isYaml: boolean;

  constructor(goError: string, summary: string, isYaml: boolean) {
    super(goError);
    this.name = 'BodyDecodeError';
    this.goError = goError;
    this.summary = summary;
    this.isYaml = isYaml;
  }
}

/** The request body, decoded by its content type (JSON, YAML or Kubernetes protobuf), up to 3 MiB. */
export async function readBody(req: Request): Promise<{ body: unknown; contentType: string; bytes: Buffer }> {
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw errors.tooLarge('Request entity too large: limit is 3145728');
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (contentType === KUBERNETES_PROTOBUF_TYPE) return { body: bytes.length === 0 ? undefined : decodeProtobuf(bytes), contentType, bytes };
  const text = bytes.toString('utf8');
  const isYaml = contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml' || contentType === 'application/x-yaml';
  const isJson = contentType === 'application/json' || contentType.endsWith('+json');
  if (!isYaml && !isJson) throw errors.unsupportedMediaType();
  if (text.trim() === '') return { body: undefined, contentType, bytes };
  if (isYaml) {
    try {
      return { body: yamlLib().parse(text, goYamlOptions), contentType, bytes };
    } catch (err) {
      const line = err instanceof Error && 'linePos' in err ? ((err as { linePos?: { line: number }[] }).linePos?.[0]?.line ?? 1) : 1;
      const what = err instanceof Error ? (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '') : String(err);
      throw new BodyDecodeError(`yaml: line ${line}: ${what}`, summarizeBody(bytes), true);
    }
  }
  const syntax = jsonDepthExceeded(text) ? goJsonSyntaxError(text) : undefined;
  if (syntax !== undefined) throw new BodyDecodeError(syntax, summarizeBody(bytes), false);
  try {
    return { body: JSON.parse(text, surrogateEscape.test(text) ? wellFormedStrings : undefined), contentType, bytes };
  } catch {
    throw new BodyDecodeError(goJsonSyntaxError(text) ?? 'unexpected end of JSON input', summarizeBody(bytes), false);
  }
}

/** A UTF-16 surrogate escaped in JSON text (\uD800 to \uDFFF), which may stand alone. */
const surrogateEscape = /\\u[dD][89a-fA-F]/;

/** A surrogate without its pair. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A JSON.parse reviver: a lone surrogate in a string becomes U+FFFD, as Go's decoder reads it. */
function wellFormedStrings(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(loneSurrogate, '\ufffd') : value;
}

/** Whether text nests arrays and objects deeper than Go's decoder allows (counted without parsing). */
function jsonDepthExceeded(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxJsonDepth) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** A Kubernetes protobuf body as the JSON object it stands for; an unknown kind is 415, a bad body 400. */
function decodeProtobuf(bytes: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(bytes);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    if (err.code === 'UnknownKind') throw errors.unsupportedMediaType();
    throw errors.badRequest(`the body of the request could not be decoded: ${err.message}`);
  }
}
