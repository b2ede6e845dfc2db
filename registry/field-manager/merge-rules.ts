/**
 * The merge rules server-side apply reads from a schema, as structured-merge-diff
 * derives them: a struct's declared fields and a map's entries merge one by one
 * unless `x-kubernetes-map-type: atomic`; a list is `x-kubernetes-list-type`
 * atomic, set or map (keyed by `x-kubernetes-list-map-keys`), and for the built-in
 * kinds without one, `x-kubernetes-patch-strategy: merge` makes it a map keyed by
 * `x-kubernetes-patch-merge-key` (a set without a key); every other list, and
 * every scalar, is atomic. Untyped values of built-in kinds (RawExtension) are
 * atomic; values a custom resource's schema keeps without describing them
 * (x-kubernetes-preserve-unknown-fields) are deduced: an object merges entry by
 * entry, anything else is atomic.
 */
import { builtinSchemaTree, type FieldNode, type SchemaNode } from '../../schemas/schema-tree.js';

/** How one value merges and is owned. */
export type MergeRule =
  /** Declared fields, each merged and owned on its own. */
  | { readonly kind: 'struct'; readonly node: Extract<SchemaNode, { type: 'object' }>; readonly isRoot: boolean }
  /** Free-form keys (labels, data), each merged and owned on its own; also objects the schema does not describe. */
  | { readonly kind: 'map'; readonly values: SchemaNode | undefined }
  /** Replaced and owned as one value. */
  | { readonly kind: 'atomic' }
  /** A list of scalars merged as a union; each value owned on its own. */
  | { readonly kind: 'set' }
  /** A list of objects merged item by item, items told apart by their key fields. */
  | { readonly kind: 'associative'; readonly keys: readonly string[]; readonly items: SchemaNode };

const objectMetaNode = (): SchemaNode => builtinSchemaTree.node('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');

/** The rule of a value described by node, reached through field when it is a declared field. */
export function ruleOf(node: SchemaNode | undefined, field?: FieldNode, value?: unknown): MergeRule {
  // Untyped values of built-in kinds (RawExtension, JSON) are atomic.
  if (node?.type === 'any') return { kind: 'atomic' };
  // Fields a schema lets in without describing them (preserve-unknown-fields) are deduced.
  if (node === undefined) return isObject(value) ? { kind: 'map', values: undefined } : { kind: 'atomic' };
  switch (node.type) {
    case 'leaf':
      return { kind: 'atomic' };
    case 'object':
      if (node.atomic) return { kind: 'atomic' };
      if (node.fields.size === 0 && node.additional !== undefined) return { kind: 'map', values: node.additional };
      if (node.fields.size === 0 && node.preserveUnknown) return { kind: 'map', values: undefined };
      return { kind: 'struct', node, isRoot: false };
    case 'array': {
      const listType = field?.listType;
      if (listType === 'atomic') return { kind: 'atomic' };
      if (listType === 'set') return { kind: 'set' };
      if (listType === 'map') return { kind: 'associative', keys: [...(field?.listMapKeys ?? [])].sort(), items: node.items };
      const strategy = (field?.patchStrategy ?? '').split(',');
      if (strategy.includes('merge')) {
        const key = field?.patchMergeKey;
        return key === undefined ? { kind: 'set' } : { kind: 'associative', keys: [key], items: node.items };
      }
      return { kind: 'atomic' };
    }
  }
}

/** The rule of an object's root (its own schema's root node), where metadata is always ObjectMeta. */
export function rootRule(root: SchemaNode): MergeRule {
  const rule = ruleOf(root);
  return rule.kind === 'struct' ? { ...rule, isRoot: true } : { kind: 'struct', node: { type: 'object', fields: new Map(), additional: undefined, preserveUnknown: true, schemaName: undefined, atomic: false }, isRoot: true };
}

/** A child of a struct or map: its schema node, its field (when declared) and whether the schema knows it. */
export interface Child {
  readonly node: SchemaNode | undefined;
  readonly field: FieldNode | undefined;
  /** A declared field of a struct (not a map entry or an unknown field). */
  readonly isDeclared: boolean;
  /** The schema neither declares it nor lets it in (not a map entry, nothing preserved). */
  readonly isUnknown: boolean;
}

const apiVersionOrKind: Child = { node: { type: 'leaf', jsonType: 'string', format: undefined }, field: undefined, isDeclared: true, isUnknown: false };

/** The child at key of a value with rule (a struct or a map). */
export function childOf(rule: MergeRule, key: string): Child {
  if (rule.kind === 'map') return { node: rule.values, field: undefined, isDeclared: false, isUnknown: false };
  if (rule.kind !== 'struct') return { node: undefined, field: undefined, isDeclared: false, isUnknown: true };
  if (rule.isRoot) {
    if (key === 'metadata') return { node: objectMetaNode(), field: undefined, isDeclared: true, isUnknown: false };
    if (key === 'apiVersion' || key === 'kind') return apiVersionOrKind;
  }
  const field = rule.node.fields.get(key);
  if (field !== undefined) return { node: field.node(), field, isDeclared: true, isUnknown: false };
  if (rule.node.additional !== undefined) return { node: rule.node.additional, field: undefined, isDeclared: false, isUnknown: false };
  return { node: undefined, field: undefined, isDeclared: false, isUnknown: !rule.node.preserveUnknown };
}

/**
 * Whether a built-in kind's struct field is always written by Go (it is required,
 * so it has no omitempty): absent, it reads as null, as in Go's zero object.
 * Custom resources are unstructured: their absent fields are absent.
 */
export function isAlwaysPresent(rule: MergeRule, key: string): boolean {
  return rule.kind === 'struct' && rule.node.schemaName !== undefined && rule.node.fields.get(key)?.required === true;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
