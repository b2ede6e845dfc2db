/**
 * Encodes an object the way kube-apiserver stores it in etcd: the Kubernetes
 * protobuf envelope, `k8s\0` then runtime.Unknown {typeMeta(1) {apiVersion(1),
 * kind(2)}, raw(2), contentEncoding(3), contentType(4)}, raw being the kind's
 * generated.proto message. Only the kinds in storage-messages.ts; the insight
 * tour shows it next to the JSON Kite stores.
 */
import { KUBERNETES_PROTOBUF_MAGIC } from './decode.js';
import { ProtobufError } from './protobuf-error.js';
import { storageKinds, storageMessages, type EncodedField } from './storage-messages.js';
import { WireWriter } from './wire-writer.js';

type Json = Record<string, unknown>;

/** Whether encodeKubernetesProtobuf can write this apiVersion and kind. */
export function canEncode(apiVersion: string, kind: string): boolean {
  return storageKinds[`${apiVersion}/${kind}`] !== undefined;
}

/** The bytes kube-apiserver would store for object (which carries apiVersion and kind). */
export function encodeKubernetesProtobuf(object: Json): Buffer {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const root = storageKinds[`${apiVersion}/${kind}`];
  if (root === undefined) throw new ProtobufError('UnknownKind', `Kite does not encode ${apiVersion}/${kind} as protobuf`, { kind: `${apiVersion}/${kind}` });
  const typeMeta = new WireWriter().stringField(1, apiVersion).stringField(2, kind).finish();
  const unknown = new WireWriter().bytesField(1, typeMeta).bytesField(2, encodeMessage(object, root)).stringField(3, '').stringField(4, '').finish();
  return Buffer.concat([KUBERNETES_PROTOBUF_MAGIC, unknown]);
}

function encodeMessage(value: Json, name: string): Buffer {
  const fields = storageMessages[name];
  if (fields === undefined) throw new ProtobufError('Malformed', `no encoding table for ${name}`);
  const w = new WireWriter();
  for (const f of fields) {
    const v = value[f.name];
    if (f.isMap) {
      const entries = Object.entries((v ?? {}) as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, item] of entries) {
        const entry = new WireWriter().stringField(1, k);
        writeValue(entry, 2, item, f.type);
        w.bytesField(f.number, entry.finish());
      }
    } else if (f.isRepeated) {
      for (const item of (v ?? []) as unknown[]) writeValue(w, f.number, item, f.type);
    } else if (f.isPointer) {
      if (v !== undefined && v !== null) writeValue(w, f.number, v, f.type);
    } else writeValue(w, f.number, v ?? zeroOf(f), f.type);
  }
  return w.finish();
}

function zeroOf(f: EncodedField): unknown {
  switch (f.type) {
    case 'string':
    case 'bytes':
      return '';
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
    case 'time':
      return null;
    default:
      return {};
  }
}

/** Seconds from 0001-01-01 to the Unix epoch: Go's zero time, which a null Time is. */
const zeroTimeSeconds = -62135596800n;

function writeValue(w: WireWriter, number: number, v: unknown, type: string): void {
  switch (type) {
    case 'string':
      w.stringField(number, String(v));
      return;
    case 'bytes':
      w.bytesField(number, Buffer.from(String(v), 'base64'));
      return;
    case 'int32':
    case 'int64':
      w.varintField(number, BigInt(Number(v)));
      return;
    case 'bool':
      w.varintField(number, v === true ? 1 : 0);
      return;
    case 'time': {
      const seconds = v === null || v === '' ? zeroTimeSeconds : BigInt(Math.floor(Date.parse(String(v)) / 1000));
      w.bytesField(number, new WireWriter().varintField(1, seconds).varintField(2, 0).finish());
      return;
    }
    case 'fieldsV1':
      w.bytesField(number, new WireWriter().bytesField(1, Buffer.from(JSON.stringify(v))).finish());
      return;
    default:
      w.bytesField(number, encodeMessage((v ?? {}) as Json, type));
  }
}
