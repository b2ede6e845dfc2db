/**
 * The first error Kubernetes' JSON decoder (Go's encoding/json into the
 * kind's Go types) would report for a request body, worded as it words it:
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
 * Kube-apiserver answers such a body with 400 BadRequest before any
 * validation, so the registry needs the same sentence.
 */
import { quantityError, quantityErrors } from './quantity.js';
import { isPlainObject, type SchemaNode } from './schema-tree.js';

/** Go's name for a JSON value's kind in unmarshal errors. */
function jsonKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** The Go type a schema node decodes into, as Go prints it. */
function goType(node: SchemaNode, format: string | undefined): string {
  switch (node.type) {
    case 'any':
      return 'interface {}';
    case 'array':
      return `[]${goType(node.items, undefined)}`;
    case 'object':
      if (node.schemaName !== undefined) return goStructName(node.schemaName);
      return node.additional !== undefined ? `map[string]${goType(node.additional, undefined)}` : 'struct';
    case 'leaf':
      switch (node.jsonType) {
        case 'string':
          return 'string';
        case 'boolean':
          return 'bool';
        case 'integer':
          return format === 'int64' ? 'int64' : 'int32';
        case 'number':
          return 'float64';
        default:
          return 'string';
      }
  }
}

/** io.k8s.api.apps.v1.DeploymentSpec -> v1.DeploymentSpec (package name, type name). */
function goStructName(schemaName: string): string {
  const parts = schemaName.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

/** The type name alone: DeploymentSpec. */
function structName(schemaName: string | undefined): string {
  return schemaName === undefined ? '' : (schemaName.split('.').pop() ?? '');
}

interface Context {
  /** JSON field names from the root, without indices or map keys. */
  readonly path: readonly string[];
  /** The struct holding the current field. */
  readonly struct: string;
}

/** Whether value fits a leaf: Go accepts numbers for ints only when integral and in range. */
function leafMismatch(value: unknown, node: Extract<SchemaNode, { type: 'leaf' }>, format: string | undefined): string | undefined {
  if (node.format === 'quantity') {
    // Go's Quantity reads any JSON value's text: true or {} are not quantities.
    return typeof value === 'string' || typeof value === 'number' ? quantityError(value) : quantityErrors.format;
  }
  if (node.format === 'time' || node.format === 'microtime') {
    if (typeof value !== 'string') return '';
    return /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value))
      ? undefined
      : `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`;
  }
  if (node.format === 'byte') {
    if (typeof value !== 'string') return '';
    const at = base64ErrorAt(value);
    return at === undefined ? undefined : `illegal base64 data at input byte ${at}`;
  }
  if (node.format === 'int-or-string') return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? undefined : '';
  const kind = jsonKind(value);
  switch (node.jsonType) {
    case 'string':
      return kind === 'string' ? undefined : '';
    case 'boolean':
      return kind === 'bool' ? undefined : '';
    case 'integer': {
      if (kind !== 'number') return '';
      const n = value as number;
      const max = format === 'int64' ? Number.MAX_SAFE_INTEGER : 2 ** 31 - 1;
      return Number.isInteger(n) && n <= max && n >= -max - 1 ? undefined : `number ${String(n)}`;
    }
    case 'number':
      return kind === 'number' ? undefined : '';
    default:
      return undefined;
  }
}

/** Where standard base64 (with padding) first goes wrong in value, or undefined when it decodes. */
function base64ErrorAt(value: string): number | undefined {
  const alphabet = /[A-Za-z0-9+/]/;
  let i = 0;
  for (; i < value.length; i++) {
    const c = value[i]!;
    if (c === '=') break;
    if (!alphabet.test(c)) return i;
  }
  const body = i;
  const padding = value.length - body;
  if (padding > 2 || value.slice(body).replace(/=/g, '') !== '') return body;
  if ((body + padding) % 4 !== 0) return body - (body % 4);
  return undefined;
}

function walk(value: unknown, node: SchemaNode, format: string | undefined, ctx: Context): string | undefined {
  if (value === null) return undefined;
  const where = (): string => `Go struct field ${ctx.struct}.${ctx.path.join('.')}`;
  switch (node.type) {
    case 'any':
      return undefined;
    case 'leaf': {
      const mismatch = leafMismatch(value, node, format);
      if (mismatch === undefined) return undefined;
      if (mismatch !== '' && (node.format === 'quantity' || node.format === 'time' || node.format === 'microtime' || node.format === 'byte')) return mismatch;
      const what = mismatch === '' ? jsonKind(value) : mismatch;
      const type = node.format === 'int-or-string' ? 'intstr.IntOrString' : node.format === 'time' ? 'v1.Time' : node.format === 'microtime' ? 'v1.MicroTime' : goType(node, format);
      return `json: cannot unmarshal ${what} into ${where()} of type ${type}`;
    }
    case 'array': {
      if (!Array.isArray(value)) return `json: cannot unmarshal ${jsonKind(value)} into ${where()} of type ${goType(node, undefined)}`;
      for (const item of value) {
        const e = walk(item, node.items, undefined, ctx);
        if (e !== undefined) return e;
      }
      return undefined;
    }
    case 'object': {
      if (!isPlainObject(value)) return `json: cannot unmarshal ${jsonKind(value)} into ${where()} of type ${goType(node, undefined)}`;
      const struct = node.schemaName === undefined ? ctx.struct : structName(node.schemaName);
      for (const [key, child] of Object.entries(value)) {
        const field = node.fields.get(key);
        if (field !== undefined) {
          const e = walk(child, field.node(), field.format, { path: [...ctx.path, key], struct });
          if (e !== undefined) return e;
        } else if (node.additional !== undefined) {
          const e = walk(child, node.additional, undefined, ctx);
          if (e !== undefined) return e;
        }
      }
      return undefined;
    }
  }
}

/** The decoder's error for obj as the kind of root, or undefined when it decodes. */
export function goDecodeError(obj: Record<string, unknown>, root: SchemaNode): string | undefined {
  return walk(obj, root, undefined, { path: [], struct: root.type === 'object' ? structName(root.schemaName) : '' });
}
