/**
 * Component schemas resolved into a tree of nodes that code can walk: objects
 * with their fields, arrays, maps, and leaves with the formats Kubernetes
 * treats specially (Time, MicroTime, Quantity, IntOrString). Nodes are built
 * lazily and shared, so recursive schemas (JSONSchemaProps) are fine.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { allSchemas, refPrefix } from './schema-sources.js';

/** A leaf's special format, when it has one. */
export type LeafFormat = 'time' | 'microtime' | 'quantity' | 'int-or-string' | 'byte' | undefined;

/** One field of an object node. */
export interface FieldNode {
  readonly name: string;
  /** The field's Go zero value when it is always serialized (the schema's default). */
  readonly zero?: JsonValue;
  /** A field Go writes as null when unset: a non-pointer metav1.Time, a slice without omitempty. */
  readonly nullWhenUnset: boolean;
  /** The schema's format of a leaf field (int32, int64, byte, ...). */
  readonly format?: string;
  /** x-kubernetes-patch-strategy: how a strategic merge patch treats it (merge, retainKeys, merge,retainKeys). */
  readonly patchStrategy?: string;
  /** x-kubernetes-patch-merge-key: the key of a list merged by strategic merge patch. */
  readonly patchMergeKey?: string;
  /** x-kubernetes-list-type: atomic, set or map. */
  readonly listType?: string;
  /** x-kubernetes-list-map-keys of a map list. */
  readonly listMapKeys?: readonly string[];
  /** Listed in its object's `required`: Go always writes it (null when unset), so it is never absent from a typed object. */
  readonly required: boolean;
  node(): SchemaNode;
}

export type SchemaNode =
  | {
      readonly type: 'object';
      readonly fields: ReadonlyMap<string, FieldNode>;
      readonly additional: SchemaNode | undefined;
      readonly preserveUnknown: boolean;
      readonly schemaName: string | undefined;
      /** x-kubernetes-map-type: atomic (server-side apply replaces it whole and owns it as one field). */
      readonly atomic: boolean;
    }
  | { readonly type: 'array'; readonly items: SchemaNode }
  | { readonly type: 'leaf'; readonly jsonType: string | undefined; readonly format: LeafFormat }
  /** Anything goes and nothing is pruned (RawExtension, preserve-unknown-fields without properties). */
  | { readonly type: 'any' };

const anyNode: SchemaNode = { type: 'any' };

/**
 * Slices Kubernetes' Go types write as null when unset (they have no
 * omitempty): facts of the API, by schema and field name. (Unset non-pointer
 * times are written as null too; the schemas mark those with a `{}` default.)
 */
const nullWhenUnsetFields: ReadonlySet<string> = new Set([
  'io.k8s.api.storage.v1.CSINodeDriver.topologyKeys',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.currentMetrics',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus.conditions',
]);

const specialRefs: Readonly<Record<string, () => SchemaNode>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': () => ({ type: 'leaf', jsonType: 'string', format: 'time' }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': () => ({ type: 'leaf', jsonType: 'string', format: 'microtime' }),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': () => ({ type: 'leaf', jsonType: undefined, format: 'quantity' }),
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': () => ({ type: 'leaf', jsonType: undefined, format: 'int-or-string' }),
  'io.k8s.apimachinery.pkg.runtime.RawExtension': () => anyNode,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': () => anyNode,
};

/** A source of component schemas by name. */
export type SchemaLookup = (name: string) => JsonObject | undefined;

/** Builds and caches the nodes of one set of component schemas. */
export class SchemaTree {
  private readonly lookup: SchemaLookup;
  private readonly named = new Map<string, SchemaNode>();
  /**
   * Whether x-kubernetes-preserve-unknown-fields without properties makes an object
   * node that keeps everything (server-side apply merges it key by key) rather than
   * an `any` node (which it treats as one atomic value).
   */
  private readonly preservedAsObjects: boolean;

  constructor(lookup: SchemaLookup, options: { readonly preservedAsObjects?: boolean } = {}) {
    this.lookup = lookup;
    this.preservedAsObjects = options.preservedAsObjects === true;
  }

  /** The node of a named component schema; throws when there is none. */
  node(name: string): SchemaNode {
    let n = this.named.get(name);
    if (n === undefined) {
      const special = specialRefs[name];
      if (special !== undefined) n = special();
      else {
        const schema = this.lookup(name);
        if (schema === undefined) throw new Error(`no schema ${name}`);
        n = this.build(schema, name);
      }
      this.named.set(name, n);
    }
    return n;
  }

  /** The node of an inline schema (a field's, or a CRD version's root). */
  build(schema: JsonObject, name?: string): SchemaNode {
    const ref = refOf(schema);
    if (ref !== undefined) return this.node(ref);
    if (schema['x-kubernetes-int-or-string'] === true) return { type: 'leaf', jsonType: undefined, format: 'int-or-string' };
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    const type = schema['type'];
    const props = schema['properties'];
    if (type === 'array') {
      const items = schema['items'];
      return { type: 'array', items: isJsonObject(items) ? this.build(items) : anyNode };
    }
    if (type === 'object' || isJsonObject(props) || schema['additionalProperties'] !== undefined || preserve) {
      const additional = schema['additionalProperties'];
      if (!isJsonObject(props) && additional === undefined) {
        if (preserve && this.preservedAsObjects) return { type: 'object', fields: new Map(), additional: undefined, preserveUnknown: true, schemaName: name, atomic: schema['x-kubernetes-map-type'] === 'atomic' };
        return anyNode;
      }
      const fields = new Map<string, FieldNode>();
      const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
      for (const [fieldName, fieldSchema] of Object.entries(isJsonObject(props) ? props : {})) {
        if (!isJsonObject(fieldSchema)) continue;
        let built: SchemaNode | undefined;
        // A RawExtension (a ControllerRevision's data) has no zero object in Go: unset is none, not {}.
        const zero = refOf(fieldSchema) === 'io.k8s.apimachinery.pkg.runtime.RawExtension' ? undefined : fieldSchema['default'];
        const strategy = fieldSchema['x-kubernetes-patch-strategy'];
        const mergeKey = fieldSchema['x-kubernetes-patch-merge-key'];
        const listType = fieldSchema['x-kubernetes-list-type'];
        const format = fieldSchema['format'];
        const mapKeys = fieldSchema['x-kubernetes-list-map-keys'];
        fields.set(fieldName, {
          name: fieldName,
          ...(zero === undefined ? {} : { zero }),
          ...(typeof format === 'string' ? { format } : {}),
          ...(typeof strategy === 'string' ? { patchStrategy: strategy } : {}),
          ...(typeof mergeKey === 'string' ? { patchMergeKey: mergeKey } : {}),
          ...(typeof listType === 'string' ? { listType } : {}),
          ...(Array.isArray(mapKeys) ? { listMapKeys: mapKeys.map(String) } : {}),
          required: required.has(fieldName),
          nullWhenUnset: name !== undefined && nullWhenUnsetFields.has(`${name}.${fieldName}`),
          node: () => (built ??= this.build(fieldSchema)),
        });
      }
      const additionalNode = isJsonObject(additional) ? this.build(additional) : additional === true ? anyNode : undefined;
      return { type: 'object', fields, additional: additionalNode, preserveUnknown: preserve, schemaName: name, atomic: schema['x-kubernetes-map-type'] === 'atomic' };
    }
    const format = schema['format'];
    return { type: 'leaf', jsonType: typeof type === 'string' ? type : undefined, format: format === 'byte' ? 'byte' : undefined };
  }
}

/** The component schema a schema refers to, directly or through an allOf wrapper. */
export function refOf(schema: JsonObject): string | undefined {
  const direct = schema['$ref'];
  if (typeof direct === 'string' && direct.startsWith(refPrefix)) return direct.slice(refPrefix.length);
  const allOf = schema['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && isJsonObject(allOf[0])) return refOf(allOf[0]);
  return undefined;
}

/** True when value is a JSON object node value (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The nodes of the built-in kinds' schemas. */
export const builtinSchemaTree = new SchemaTree((name) => allSchemas[name]);
