import type { Request } from 'express';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { errors } from '../registry/generic/api-error.js';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF_TYPE } from './protobuf/decode.js';
import { ProtobufError } from './protobuf/protobuf-error.js';

/** Largest request body accepted, as kube-apiserver's 3 MiB limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** What the client asked to get back. */
export interface Wanted {
  readonly format: 'json' | 'yaml';
  /** A meta.k8s.io/v1 Table instead of the object or list (kubectl's server-side printing). */
  readonly table: boolean;
}

/** Reads the Accept header: Table when offered as=Table;v=v1;g=meta.k8s.io, YAML when asked first. */
export function wanted(req: Request): Wanted {
  const accept = req.headers.accept ?? '';
  const parts = accept.split(',').map((p) => p.trim().toLowerCase());
  const table = parts.some((p) => p.includes('as=table') && p.includes('g=meta.k8s.io') && /v=v1(;|$)/.test(p));
  const first = parts[0] ?? '';
  return { format: first.startsWith('application/yaml') ? 'yaml' : 'json', table };
}

/** Encodes a response body in the wanted format. */
export function encodeBody(body: unknown, format: Wanted['format']): { type: string; text: string } {
  return format === 'yaml' ? { type: 'application/yaml', text: toYaml(body) } : { type: 'application/json', text: JSON.stringify(body) };
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
  try {
    return { body: isYaml ? parseYaml(text) : JSON.parse(text), contentType };
  } catch (err) {
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
