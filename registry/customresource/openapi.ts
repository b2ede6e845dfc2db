/**
 * The OpenAPI component schemas of a custom resource version, as
 * kube-apiserver publishes them (so `kubectl explain` works on it): the
 * kind's schema is the CRD version's openAPIV3Schema with apiVersion, kind
 * and metadata (a reference to ObjectMeta) filled in, and its list kind
 * holds items of it.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../schemas/json.js';
import { refPrefix } from '../../schemas/schema-sources.js';
import type { ResourceInfo } from '../generic/types.js';

const apiVersionField: JsonObject = {
  type: 'string',
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
};
const kindField: JsonObject = {
  type: 'string',
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

/** The schema without what OpenAPI clients do not need to see (the CRD-only extensions stay: kubectl reads them). */
function published(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(published);
  if (!isJsonObject(schema)) return schema;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' && isJsonObject(v) ? Object.fromEntries(Object.entries(v).map(([n, s]) => [n, published(s)])) : published(v);
  return out;
}

/** The kind's and list kind's component schemas, keyed by info.schema's names. */
export function customResourceSchemas(info: ResourceInfo, schema: JsonObject): Record<string, JsonObject> {
  if (info.schema === undefined) return {};
  const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
  const { metadata: _metadata, apiVersion: _a, kind: _k, ...rest } = props;
  const kindSchema: JsonObject = {
    ...(published(schema) as JsonObject),
    type: 'object',
    properties: {
      apiVersion: apiVersionField,
      kind: kindField,
      metadata: { description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", allOf: [{ $ref: `${refPrefix}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` }] },
      ...(published(rest) as JsonObject),
    },
    'x-kubernetes-group-version-kind': [{ group: info.group, kind: info.kind, version: info.version }],
  };
  const listSchema: JsonObject = {
    description: `${info.kind}List is a list of ${info.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: apiVersionField,
      items: { description: `List of ${info.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: `${refPrefix}${info.schema.kind}` } },
      kind: kindField,
      metadata: { description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds', allOf: [{ $ref: `${refPrefix}io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta` }] },
    },
    'x-kubernetes-group-version-kind': [{ group: info.group, kind: info.listKind, version: info.version }],
  };
  return { [info.schema.kind]: kindSchema, [info.schema.list]: listSchema };
}
