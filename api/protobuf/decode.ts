import { messages, rootMessages, type FieldSpec, type MessageSpec } from './messages.js';
import { ProtobufError } from './protobuf-error.js';
import { readFields, readVarint, WireType, type WireField } from './wire-reader.js';

/** The 4 bytes that open every Kubernetes protobuf body. */
export const KUBERNETES_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The media type of Kubernetes protobuf bodies. */
export const KUBERNETES_PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the JSON
 * object the same request would carry as application/json: apiVersion and kind
 * from the envelope, zero-valued non-pointer fields left out.
 */
export function decodeKubernetesProtobuf(buf: Buffer): Record<string, unknown> {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(KUBERNETES_PROTOBUF_MAGIC)) throw new ProtobufError('Malformed', 'the body does not start with the Kubernetes protobuf magic bytes k8s\\0');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  let contentEncoding = '';
  for (const field of readFields(buf.subarray(4))) {
    if (field.number === 1 && field.wireType === WireType.Bytes) {
      for (const t of readFields(field.bytes)) {
        if (t.number === 1 && t.wireType === WireType.Bytes) apiVersion = t.bytes.toString('utf8');
        else if (t.number === 2 && t.wireType === WireType.Bytes) kind = t.bytes.toString('utf8');
      }
    } else if (field.number === 2 && field.wireType === WireType.Bytes) raw = field.bytes;
    else if (field.number === 3 && field.wireType === WireType.Bytes) contentEncoding = field.bytes.toString('utf8');
  }
  const typeName = `${apiVersion}/${kind}`;
  if (contentEncoding !== '') throw new ProtobufError('Malformed', `content encoding ${JSON.stringify(contentEncoding)} is not supported`, { kind: typeName });
  const root = rootMessages[typeName];
  if (root === undefined) throw new ProtobufError('UnknownKind', `Kite does not decode protobuf bodies of ${typeName === '/' ? 'an unnamed kind' : typeName}; send application/json`, { kind: typeName });
  const object = decodeMessage(raw, root, typeName, '');
  return { apiVersion, kind, ...object };
}

/** Decodes one message by its table into a JSON object. */
function decodeMessage(buf: Buffer, name: string, kind: string, path: string): Record<string, unknown> {
  const spec: MessageSpec | undefined = messages[name];
  if (spec === undefined) throw new ProtobufError('Malformed', `no table for message ${name}`, { kind, path });
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const fs = spec[field.number];
    const at = path === '' ? (fs?.name ?? String(field.number)) : `${path}.${fs?.name ?? String(field.number)}`;
    if (fs === undefined) {
      if (isZeroOnWire(field)) continue;
      throw new ProtobufError('UnknownField', `field ${field.number} of ${name} (at ${at}) is not decoded by Kite; send application/json`, { kind, path: at });
    }
    if (fs.isMap) {
      const entry = decodeMapEntry(field, fs, kind, at);
      const prev = (out[fs.name] as Record<string, unknown> | undefined) ?? {};
      out[fs.name] = { ...prev, [entry.key]: entry.value };
    } else if (fs.isRepeated) {
      const prev = (out[fs.name] as unknown[] | undefined) ?? [];
      out[fs.name] = [...prev, ...decodeRepeated(field, fs, kind, at)];
    } else if (fs.isInline) {
      if (field.wireType !== WireType.Bytes) throw wrongWireType(field, fs, kind, at);
      Object.assign(out, decodeMessage(field.bytes, fs.type, kind, path));
    } else {
      const value = decodeValue(field, fs.type, kind, at);
      if (fs.isPointer || !isZeroValue(value)) out[fs.name] = value;
      else delete out[fs.name];
    }
  }
  return out;
}

/** One value of a singular or repeated field. */
function decodeValue(field: WireField, type: string, kind: string, path: string): unknown {
  switch (type) {
    case 'string':
      return bytesOf(field, type, kind, path).toString('utf8');
    case 'bytes':
      return bytesOf(field, type, kind, path).toString('base64');
    case 'bool':
      return varintOf(field, type, kind, path) !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, varintOf(field, type, kind, path)));
    case 'int64': {
      const v = BigInt.asIntN(64, varintOf(field, type, kind, path));
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ProtobufError('Malformed', `${path}: ${v} does not fit a JSON number exactly`, { kind, path });
      return Number(v);
    }
    case 'time':
      return decodeTime(bytesOf(field, type, kind, path), kind, path);
    case 'intOrString':
      return decodeIntOrString(bytesOf(field, type, kind, path), kind, path);
    case 'quantity':
      return decodeQuantity(bytesOf(field, type, kind, path));
    case 'rawJson':
      return decodeRawJson(bytesOf(field, type, kind, path), kind, path);
    default:
      return decodeMessage(bytesOf(field, type, kind, path), type, kind, path);
  }
}

/** A repeated field occurrence: one element, or several when a scalar list is packed. */
function decodeRepeated(field: WireField, fs: FieldSpec, kind: string, path: string): unknown[] {
  const isVarintType = fs.type === 'int32' || fs.type === 'int64' || fs.type === 'bool';
  if (isVarintType && field.wireType === WireType.Bytes) {
    const values: unknown[] = [];
    let pos = 0;
    while (pos < field.bytes.length) {
      const v = readVarint(field.bytes, pos);
      pos = v.next;
      values.push(decodeValue({ number: field.number, wireType: WireType.Varint, varint: v.value, bytes: field.bytes.subarray(0, 0) }, fs.type, kind, path));
    }
    return values;
  }
  return [decodeValue(field, fs.type, kind, path)];
}

/** A map entry message {key(1), value(2)}; a missing value is the type's zero value. */
function decodeMapEntry(field: WireField, fs: FieldSpec, kind: string, path: string): { key: string; value: unknown } {
  if (field.wireType !== WireType.Bytes) throw wrongWireType(field, fs, kind, path);
  let key = '';
  let value: unknown = fs.type === 'quantity' ? '0' : '';
  for (const part of readFields(field.bytes)) {
    if (part.number === 1) key = bytesOf(part, 'string', kind, path).toString('utf8');
    else if (part.number === 2) value = decodeValue(part, fs.type, kind, `${path}[${key}]`);
  }
  return { key, value };
}

/** meta/v1 Time {seconds(1), nanos(2)} as RFC 3339 in UTC with second precision, as Kubernetes writes it. */
function decodeTime(buf: Buffer, kind: string, path: string): string | null {
  let seconds = 0n;
  for (const part of readFields(buf)) if (part.number === 1) seconds = BigInt.asIntN(64, varintOf(part, 'int64', kind, path));
  if (buf.length === 0) return null;
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw new ProtobufError('Malformed', `${path}: time ${seconds}s is out of range`, { kind, path });
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** util/intstr IntOrString {type(1), intVal(2), strVal(3)}: a number when type is 0, else a string. */
function decodeIntOrString(buf: Buffer, kind: string, path: string): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  for (const part of readFields(buf)) {
    if (part.number === 1) type = varintOf(part, 'int64', kind, path);
    else if (part.number === 2) intVal = Number(BigInt.asIntN(32, varintOf(part, 'int32', kind, path)));
    else if (part.number === 3) strVal = bytesOf(part, 'string', kind, path).toString('utf8');
  }
  return type === 0n ? intVal : strVal;
}

/** api/resource Quantity {string(1)} as its canonical string. */
function decodeQuantity(buf: Buffer): string {
  let text = '';
  for (const part of readFields(buf)) if (part.number === 1 && part.wireType === WireType.Bytes) text = part.bytes.toString('utf8');
  return text;
}

/** meta/v1 FieldsV1 {Raw(1)}: the raw bytes are JSON. */
function decodeRawJson(buf: Buffer, kind: string, path: string): unknown {
  for (const part of readFields(buf)) {
    if (part.number !== 1 || part.wireType !== WireType.Bytes) continue;
    try {
      return JSON.parse(part.bytes.toString('utf8')) as unknown;
    } catch (err) {
      throw new ProtobufError('Malformed', `${path}: not JSON: ${err instanceof Error ? err.message : String(err)}`, { kind, path });
    }
  }
  return {};
}

/** Go's encoding/json omitempty notion of empty, for values decoded from non-pointer fields. */
function isZeroValue(value: unknown): boolean {
  if (value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Whether an unknown field carries only a zero value: Go's generated marshalers
 * write every non-pointer field, so fields newer than these tables arrive empty.
 */
function isZeroOnWire(field: WireField): boolean {
  if (field.wireType === WireType.Varint) return field.varint === 0n;
  if (field.wireType !== WireType.Bytes) return field.bytes.every((b) => b === 0);
  if (field.bytes.length === 0) return true;
  try {
    return readFields(field.bytes).every(isZeroOnWire);
  } catch (err) {
    if (err instanceof ProtobufError) return false;
    throw err;
  }
}

function bytesOf(field: WireField, type: string, kind: string, path: string): Buffer {
  if (field.wireType !== WireType.Bytes) throw new ProtobufError('Malformed', `${path}: expected a length-delimited ${type}, got wire type ${field.wireType}`, { kind, path });
  return field.bytes;
}

function varintOf(field: WireField, type: string, kind: string, path: string): bigint {
  if (field.wireType !== WireType.Varint) throw new ProtobufError('Malformed', `${path}: expected a varint ${type}, got wire type ${field.wireType}`, { kind, path });
  return field.varint;
}

function wrongWireType(field: WireField, fs: FieldSpec, kind: string, path: string): ProtobufError {
  return new ProtobufError('Malformed', `${path}: expected a length-delimited ${fs.type}, got wire type ${field.wireType}`, { kind, path });
}
