// The storage encoder: kube-apiserver's etcd form of Namespaces and ConfigMaps (k8s\0 +
// runtime.Unknown). Checked against the bytes a real kube-apiserver stored for the
// namespace "default" (from the seed document's etcdctl output), and by decoding what it
// writes with Kite's own protobuf decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeKubernetesProtobuf } from '../../api/protobuf/decode.js';
import { canEncode, encodeKubernetesProtobuf } from '../../api/protobuf/encode.js';
import { readFields, type WireField } from '../../api/protobuf/wire-reader.js';

/** etcdctl get /registry/namespaces/default -w=json on a kube-apiserver's etcd: the value. */
const storedDefault =
  'azhzAAoPCgJ2MRIJTmFtZXNwYWNlErIBCpcBCgdkZWZhdWx0EgAaACIAKiQwN2ZjNjg5NS1lZDY2LTRlZDMtYWFkYS03MDRiZThmN2FjYjcyADgAQggInrvu+QUQAHoAigFPCg5rdWJlLWFwaXNlcnZlchIGVXBkYXRlGgJ2MSIICJ677vkFEAAyCEZpZWxkc1YxOh0KG3siZjpzdGF0dXMiOnsiZjpwaGFzZSI6e319fRIMCgprdWJlcm5ldGVzGggKBkFjdGl2ZRoAIgA=';

const field = (fields: readonly WireField[], n: number): WireField => {
  const f = fields.find((x) => x.number === n);
  assert.ok(f !== undefined, `field ${n}`);
  return f;
};

test("a Namespace encodes to the bytes kube-apiserver stored, but for the fields Kubernetes 1.26's types changed", () => {
  const stored = Buffer.from(storedDefault, 'base64');
  const object = decodeKubernetesProtobuf(stored);
  assert.equal(object.kind, 'Namespace');
  const mine = encodeKubernetesProtobuf(object);
  assert.deepEqual(mine.subarray(0, 4), Buffer.from('k8s\0', 'latin1'));
  const [theirs, ours] = [readFields(stored.subarray(4)), readFields(mine.subarray(4))];
  assert.deepEqual(ours.map((f) => f.number), [1, 2, 3, 4]);
  // TypeMeta, contentEncoding and contentType: identical.
  for (const n of [1, 3, 4]) assert.deepEqual(field(ours, n).bytes, field(theirs, n).bytes, `Unknown field ${n}`);
  const [rawTheirs, rawOurs] = [readFields(field(theirs, 2).bytes), readFields(field(ours, 2).bytes)];
  // spec (finalizers) and status (phase): identical.
  for (const n of [2, 3]) assert.deepEqual(field(rawOurs, n).bytes, field(rawTheirs, n).bytes, `Namespace field ${n}`);
  // ObjectMeta: every field in the same order with the same bytes, except that this
  // older kube-apiserver still wrote clusterName (15, removed in 1.25) and its
  // ManagedFieldsEntry had no subresource (8, added in 1.22, a plain string: written empty).
  const metaTheirs = readFields(field(rawTheirs, 1).bytes).filter((f) => f.number !== 15);
  const metaOurs = readFields(field(rawOurs, 1).bytes);
  assert.deepEqual(metaOurs.map((f) => f.number), metaTheirs.map((f) => f.number));
  for (const [i, f] of metaOurs.entries()) {
    const expected = f.number === 17 ? Buffer.concat([metaTheirs[i]!.bytes, Buffer.from([0x42, 0x00])]) : metaTheirs[i]!.bytes;
    assert.deepEqual(f.bytes, expected, `ObjectMeta field ${f.number}`);
  }
});

test('a ConfigMap encodes with plain fields always written, pointers only when set, map entries sorted by key; Kite decodes it back', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'game', namespace: 'team-a', uid: 'u-1', resourceVersion: '', creationTimestamp: '2024-05-06T07:08:09Z', labels: { z: '1', a: '2' } },
    data: { 'ui.properties': 'color=blue', 'game.properties': 'lives=3' },
    binaryData: { blob: Buffer.from([0, 1, 2]).toString('base64') },
    immutable: true,
  };
  const bytes = encodeKubernetesProtobuf(cm);
  const raw = readFields(field(readFields(bytes.subarray(4)), 2).bytes);
  assert.deepEqual(raw.map((f) => f.number), [1, 2, 2, 3, 4]);
  assert.deepEqual(readFields(raw[1]!.bytes).map((f) => f.bytes.toString()), ['game.properties', 'lives=3']);
  const meta = readFields(raw[0]!.bytes);
  // name, generateName, namespace, selfLink, uid, resourceVersion, generation, creationTimestamp, labels x2.
  assert.deepEqual(meta.map((f) => f.number), [1, 2, 3, 4, 5, 6, 7, 8, 11, 11]);
  assert.equal(meta[6]!.varint, 0n, 'generation 0 is written');
  const back = decodeKubernetesProtobuf(bytes);
  assert.deepEqual(back, { ...cm, metadata: { name: 'game', namespace: 'team-a', uid: 'u-1', creationTimestamp: '2024-05-06T07:08:09Z', labels: { a: '2', z: '1' } } });
  const unset = readFields(field(readFields(encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }).subarray(4)), 2).bytes);
  assert.deepEqual(unset.map((f) => f.number), [1], 'no data, no binaryData, no immutable');
});

test('only the kinds with tables are encoded', () => {
  assert.equal(canEncode('v1', 'Namespace'), true);
  assert.equal(canEncode('apps/v1', 'Deployment'), false);
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: 'apps/v1', kind: 'Deployment' }), { code: 'UnknownKind' });
});
