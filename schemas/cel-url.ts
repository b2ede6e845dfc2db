/**
 * Kubernetes' CEL url library as kube-apiserver 1.26 gives it to
 * x-kubernetes-validations rules: `url(string)` (an error for a string that is
 * not an absolute URI or absolute path), `isURL(string)`, and on a URL
 * `getScheme()`, `getHost()`, `getHostname()`, `getPort()`, `getEscapedPath()`
 * and `getQuery()` (a map of each key to its values, unescaped). Parsing
 * follows Go's net/url (schemas/go-url.ts).
 *
 * A URL is a value of the message type `kubernetes.URL`, declared here, so
 * `type(url(x))` names it and two URLs are equal when their parts are.
 */
import { create, createFileRegistry, type DescMessage, type FileRegistry, type Message } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { celFunc, celList, celMap, celMethod, CelScalar, mapType, listType, objectType, type CelFunc, type CelMap } from '@bufbuild/cel';
import { escapedPath, hostname, parseRequestUri, parseUrl, port, queryValues, type GoUrl } from './go-url.js';

const { STRING, BOOL } = CelScalar;

/** The stored parts of a URL, one string field each (forceQuery as "?" or ""). */
const parts = ['scheme', 'opaque', 'userinfo', 'host', 'path', 'raw_path', 'force_query', 'raw_query', 'fragment'] as const;

/** The registry declaring kubernetes.URL, for celEnv({ registry }). */
export const urlRegistry: FileRegistry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'kite/kubernetes_url.proto',
    package: 'kubernetes',
    syntax: 'proto3',
    messageType: [
      {
        name: 'URL',
        field: parts.map((name, i) => ({ name, number: i + 1, type: FieldDescriptorProto_Type.STRING, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: name })),
      },
    ],
  }),
  () => undefined,
);

const urlDesc: DescMessage = urlRegistry.getMessage('kubernetes.URL')!;
const URL = objectType(urlDesc);

/** A URL's parts as the message stores them (field names in protobuf-es' camelCase, as GoUrl's). */
type UrlMessage = Pick<GoUrl, 'scheme' | 'opaque' | 'host' | 'path' | 'rawPath' | 'rawQuery'>;

function toMessage(url: GoUrl): Message {
  return create(urlDesc, {
    scheme: url.scheme,
    opaque: url.opaque,
    userinfo: url.userinfo === undefined ? '' : `${url.userinfo}@`,
    host: url.host,
    path: url.path,
    rawPath: url.rawPath,
    forceQuery: url.forceQuery ? '?' : '',
    rawQuery: url.rawQuery,
    fragment: url.fragment,
  });
}

/** The GoUrl behind a kubernetes.URL value (the receiver of a method: a reflected message). */
function fromValue(value: unknown): GoUrl {
  const m = (value as { message: UrlMessage }).message;
  return { scheme: m.scheme, opaque: m.opaque, host: m.host, path: m.path, rawPath: m.rawPath, rawQuery: m.rawQuery, forceQuery: false, userinfo: undefined, fragment: '' };
}

function url(text: string): Message {
  let parsed: GoUrl;
  try {
    // ParseRequestURI decides what is a URL; Parse then takes the fragment off properly.
    parseRequestUri(text);
    parsed = parseUrl(text);
  } catch (e) {
    throw new Error(`URL parse error during conversion from string: ${e instanceof Error ? e.message : String(e)}`);
  }
  return toMessage(parsed);
}

function isUrl(text: string): boolean {
  try {
    parseRequestUri(text);
    return true;
  } catch {
    return false;
  }
}

function getQuery(this: unknown): CelMap {
  const out = new Map<string, ReturnType<typeof celList>>();
  for (const [k, v] of queryValues(fromValue(this))) out.set(k, celList(v));
  return celMap(out);
}

/** The functions, for celEnv({ funcs }). */
export const urlCelFunctions: readonly CelFunc[] = [
  celFunc('url', [STRING], URL, url),
  celFunc('isURL', [STRING], BOOL, isUrl),
  celMethod('getScheme', URL, [], STRING, function (this: unknown) {
    return fromValue(this).scheme;
  }),
  celMethod('getHost', URL, [], STRING, function (this: unknown) {
    return fromValue(this).host;
  }),
  celMethod('getHostname', URL, [], STRING, function (this: unknown) {
    return hostname(fromValue(this));
  }),
  celMethod('getPort', URL, [], STRING, function (this: unknown) {
    return port(fromValue(this));
  }),
  celMethod('getEscapedPath', URL, [], STRING, function (this: unknown) {
    return escapedPath(fromValue(this));
  }),
  celMethod('getQuery', URL, [], mapType(STRING, listType(STRING)), getQuery),
];
