import { goJsonSyntaxError } from '../../schemas/go-json-syntax.js';
import { errors } from './api-error.js';

/** What a continue token carries: the revision of the first page and the last key read, relative to the list prefix. */
export interface ContinuePosition {
  readonly resourceVersion: number;
  readonly start: string;
}

/** Encodes an opaque continue token (base64 JSON, as Kubernetes does). */
export function encodeContinue(p: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: p.resourceVersion, start: p.start })).toString('base64url');
}

const invalidToken = (why: string): Error => errors.badRequest(`invalid continue token: continue key is not valid: ${why}`);

/** Go's base64.RawURLEncoding: the bytes, or the index of the first character it cannot take. */
function rawUrlBase64(token: string): Buffer | number {
  const bad = token.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) return bad;
  if (token.length % 4 === 1) return token.length - 1;
  return Buffer.from(token, 'base64url');
}

/** The fields of a continue token, as storage.continueToken holds them. */
interface TokenFields {
  readonly v?: string;
  readonly rv?: number;
  readonly start?: string;
}

/** Go's json.Unmarshal of data into storage.continueToken ({v string, rv int64, start string}): the fields, or its error. */
function readTokenFields(data: Buffer): TokenFields | string {
  // Go reads bytes; a byte that is not ASCII shows as the code point of the same value.
  const text = data.toString('latin1');
  const syntax = goJsonSyntaxError(text);
  if (syntax !== undefined) return syntax;
  const value = JSON.parse(text) as unknown;
  if (value === null) return {};
  const kind = (x: unknown): string => (Array.isArray(x) ? 'array' : typeof x === 'boolean' ? 'bool' : typeof x);
  if (typeof value !== 'object' || Array.isArray(value)) return `json: cannot unmarshal ${kind(value)} into Go value of type storage.continueToken`;
  for (const [field, type] of [['v', 'string'], ['rv', 'int64'], ['start', 'string']] as const) {
    const x = (value as Record<string, unknown>)[field];
    if (x === undefined || x === null) continue;
    const fits = type === 'string' ? typeof x === 'string' : typeof x === 'number' && Number.isInteger(x);
    if (!fits) return `json: cannot unmarshal ${typeof x === 'number' ? `number ${String(x)}` : kind(x)} into Go struct field continueToken.${field} of type ${type}`;
  }
  return value as TokenFields;
}

/** Go's path.Clean of an absolute path: no empty or . elements, .. resolved, no trailing slash. */
function cleanPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Decodes a continue token; BadRequest worded as kube-apiserver's when it is not one of ours. */
export function decodeContinue(token: string): ContinuePosition {
  const data = rawUrlBase64(token);
  if (typeof data === 'number') throw invalidToken(`illegal base64 data at input byte ${data}`);
  const p = readTokenFields(data);
  if (typeof p === 'string') throw invalidToken(p);
  const version = p.v ?? '';
  if (version !== 'meta.k8s.io/v1') throw invalidToken(`server does not recognize this encoded version ${version}`);
  if (p.rv === undefined || p.rv <= 0) throw invalidToken('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  const start = p.start ?? '';
  if (start === '') throw invalidToken('encoded start key empty (version meta.k8s.io/v1)');
  // A start key that climbs out of the listed prefix (or is not written plainly) is refused, quoted.
  const key = start.startsWith('/') ? start : `/${start}`;
  if (cleanPath(key) !== key) throw invalidToken(start);
  return { resourceVersion: p.rv, start: key.slice(1) };
}

/** Kubernetes' message for a continue token whose revision has been compacted. */
export const expiredContinueMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
