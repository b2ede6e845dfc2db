/**
 * URLs parsed as Go's net/url parses them (url.Parse and url.ParseRequestURI,
 * Go 1.19 as kube-apiserver 1.26 is built with), for Kubernetes' CEL url
 * library: the same URLs are accepted, with the same parts and the same error
 * texts (`parse "x": invalid URI for request`).
 *
 * Go works on bytes; this works on UTF-16 strings, reading every character at
 * or above U+0080 as Go reads the bytes of its UTF-8 encoding (never special
 * to the parser, always escaped). Percent-escapes decode to bytes and then to
 * UTF-8 text, so an escape of bytes that are not UTF-8 gives U+FFFD where Go
 * keeps the raw bytes.
 */

/** A parsed URL: the fields of Go's url.URL that the CEL library reads. */
export interface GoUrl {
  /** Lower-cased, without the colon; empty for an absolute path. */
  readonly scheme: string;
  /** What follows `scheme:` when it does not start with a slash (mailto:x). */
  readonly opaque: string;
  /** host or host:port, [v6]:port for IPv6, unescaped. */
  readonly host: string;
  /** The decoded path. */
  readonly path: string;
  /** The path as written, when its escaping differs from the default one. */
  readonly rawPath: string;
  /** The query as written, without the `?`. */
  readonly rawQuery: string;
  /** Whether the URL ends in a `?` with nothing after it. */
  readonly forceQuery: boolean;
  /** user[:password] as Go prints it, undefined without an `@`. */
  readonly userinfo: string | undefined;
  /** The decoded fragment (url.Parse only). */
  readonly fragment: string;
}

/** A URL refused, worded as Go's *url.Error: parse "<url>": <reason>. */
export class GoUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`parse ${goQuote(url)}: ${reason}`);
    this.name = 'GoUrlError';
  }
}

/** Go's strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Which part of a URL a string is escaped or unescaped for (Go's encoding modes). */
type Part = 'path' | 'pathSegment' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

const isAlnum = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Whether the byte c is written %XX in part (RFC 3986 with Go's exceptions). */
function mustEscape(c: number, part: Part): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((part === 'host' || part === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (part) {
      case 'path':
        return ch === '?';
      case 'pathSegment':
        return ch === '/' || ch === ';' || ch === ',' || ch === '?';
      case 'userPassword':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (part === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's url.escape: each byte that part does not allow as %XX (upper-case hex). */
function escape(s: string, part: Part): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (byte === 0x20 && part === 'queryComponent') out += '+';
    else if (mustEscape(byte, part)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** Go's url.unescape; throws the reason (not yet a GoUrlError) when s is not well escaped for part. */
function unescape(s: string, part: Part): string {
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      const byte = parseInt(s.slice(i + 1, i + 3), 16);
      // In a host only non-ASCII bytes may be escaped, %25 aside (RFC 6874 zones).
      if (part === 'host' && byte < 0x80 && s.slice(i, i + 3) !== '%25') throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      if (part === 'zone' && s.slice(i, i + 3) !== '%25' && byte !== 0x20 && mustEscape(byte, 'host')) throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      i += 3;
      continue;
    }
    if ((part === 'host' || part === 'zone') && c < 0x80 && mustEscape(c, part)) throw new Error(`invalid character ${goQuote(s[i]!)} in host name`);
    i++;
  }
  const plus = part === 'queryComponent' ? s.replace(/\+/g, ' ') : s;
  // A run of escapes decodes as one byte sequence, so escaped UTF-8 becomes its character.
  return plus.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** The scheme before the first colon, when the text up to it is a valid scheme; throws when the URL starts with a colon. */
function splitScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new Error('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

/** Whether port is empty or a colon followed by digits only. */
function isOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new Error("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!isOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`);
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) return unescape(host.slice(0, zone), 'host') + unescape(host.slice(zone, close), 'zone') + unescape(host.slice(close), 'host');
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !isOptionalPort(host.slice(colon))) throw new Error(`invalid port ${goQuote(host.slice(colon))} after host`);
  }
  return unescape(host, 'host');
}

const userinfoChars = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

/** The host and userinfo of an authority ([userinfo@]host[:port]). */
function parseAuthority(authority: string): { host: string; userinfo: string | undefined } {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return { host, userinfo: undefined };
  const raw = authority.slice(0, at);
  if (!userinfoChars.test(raw)) throw new Error('net/url: invalid userinfo');
  const colon = raw.indexOf(':');
  const user = escape(unescape(colon < 0 ? raw : raw.slice(0, colon), 'userPassword'), 'userPassword');
  const userinfo = colon < 0 ? user : `${user}:${escape(unescape(raw.slice(colon + 1), 'userPassword'), 'userPassword')}`;
  return { host, userinfo };
}

/** Go's url.parse of a URL without its fragment; viaRequest for ParseRequestURI. Throws the reason. */
function parseParts(raw: string, viaRequest: boolean): GoUrl {
  if ([...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) throw new Error('net/url: invalid control character in URL');
  if (raw === '' && viaRequest) throw new Error('empty url');
  const url = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', forceQuery: false, userinfo: undefined as string | undefined, fragment: '' };
  if (raw === '*') return { ...url, path: '*' };
  const split = splitScheme(raw);
  const scheme = split.scheme.toLowerCase();
  let rest = split.rest;
  let rawQuery = '';
  const question = rest.indexOf('?');
  const forceQuery = question >= 0 && question === rest.length - 1;
  if (forceQuery) rest = rest.slice(0, -1);
  else if (question >= 0) {
    rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (!rest.startsWith('/')) {
    // A scheme followed by a rootless path is opaque (mailto:someone).
    if (scheme !== '') return { ...url, scheme, opaque: rest, rawQuery, forceQuery };
    if (viaRequest) throw new Error('invalid URI for request');
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  let authority: { host: string; userinfo: string | undefined } = { host: '', userinfo: undefined };
  if ((scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    authority = parseAuthority(end < 0 ? rest.slice(2) : rest.slice(2, end));
    rest = end < 0 ? '' : rest.slice(end);
  }
  const path = unescape(rest, 'path');
  return { ...url, scheme, ...authority, path, rawPath: escape(path, 'path') === rest ? '' : rest, rawQuery, forceQuery };
}

function failing<T>(url: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof Error && !(e instanceof GoUrlError)) throw new GoUrlError(url, e.message);
    throw e;
  }
}

/** url.ParseRequestURI: an absolute URI or an absolute path, no fragment expected. Throws GoUrlError. */
export function parseRequestUri(raw: string): GoUrl {
  return failing(raw, () => parseParts(raw, true));
}

/** url.Parse: any URI reference, the fragment cut off (and checked). Throws GoUrlError. */
export function parseUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const withoutFragment = hash < 0 ? raw : raw.slice(0, hash);
  const url = failing(withoutFragment, () => parseParts(withoutFragment, false));
  if (hash < 0 || hash === raw.length - 1) return url;
  return { ...url, fragment: failing(raw, () => unescape(raw.slice(hash + 1), 'fragment')) };
}

/** Whether raw is a valid escaping of path (Go's validEncoded for paths). */
function isValidEncodedPath(raw: string): boolean {
  for (const byte of Buffer.from(raw, 'utf8')) {
    if (`!$&'()*+,;=:@[]%`.includes(String.fromCharCode(byte))) continue;
    if (mustEscape(byte, 'path')) return false;
  }
  return true;
}

/** URL.EscapedPath: the path as written when that is a valid escaping of it, else the default escaping. */
export function escapedPath(url: GoUrl): string {
  if (url.rawPath !== '' && isValidEncodedPath(url.rawPath)) {
    try {
      if (unescape(url.rawPath, 'path') === url.path) return url.rawPath;
    } catch {
      // Not a valid escaping after all: escape the path afresh.
    }
  }
  return url.path === '*' ? '*' : escape(url.path, 'path');
}

/** Go's splitHostPort: a trailing :digits is the port; brackets around the host are removed. */
function splitHostPort(hostPort: string): { host: string; port: string } {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && isOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

/** URL.Hostname: the host without its port and without IPv6 brackets. */
export function hostname(url: GoUrl): string {
  return splitHostPort(url.host).host;
}

/** URL.Port: the port digits, or empty. */
export function port(url: GoUrl): string {
  return splitHostPort(url.host).port;
}

/** URL.Query: the query's keys with their values in order; malformed pairs are left out as Go leaves them out. */
export function queryValues(url: GoUrl): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of url.rawQuery === '' ? [] : url.rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = unescape(eq < 0 ? pair : pair.slice(0, eq), 'queryComponent');
      value = unescape(eq < 0 ? '' : pair.slice(eq + 1), 'queryComponent');
    } catch {
      continue;
    }
    const list = out.get(key);
    if (list === undefined) out.set(key, [value]);
    else list.push(value);
  }
  return out;
}

/**
 * Go's strconv.ParseInt(text, 10, 64): the value, or the error Go gives
 * (strconv.ParseInt: parsing "x": invalid syntax | value out of range).
 */
export function goParseInt64(text: string): bigint | Error {
  if (!/^[+-]?[0-9]+$/.test(text)) return new Error(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
  const n = BigInt(text);
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return new Error(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
  return n;
}
