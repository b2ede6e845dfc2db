import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinObjectSchema } from '../../schemas/object-schema.js';
import { SchemaTree } from '../../schemas/schema-tree.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { difference, fromFieldsV1, intersection, pathString, toFieldsV1, union } from '../../registry/field-manager/field-set.js';
import { applyConfig, capUpdateManagers, topLevelFields, updateManagedFields, type FieldContext } from '../../registry/field-manager/field-manager.js';
import { toParentManaged, toScaleManaged } from '../../registry/field-manager/scale-fields.js';
import { decodeManaged, encodeManaged } from '../../registry/field-manager/managed-fields.js';
import { rootRule } from '../../registry/field-manager/merge-rules.js';
import { compare, merge, mergeListOrder, toFieldSet, TypedValueError } from '../../registry/field-manager/typed-value.js';

const configMapRule = rootRule(builtinObjectSchema('v1', 'ConfigMap')!.root);
const deploymentSchema = builtinObjectSchema('apps/v1', 'Deployment')!;
const deploymentRule = rootRule(deploymentSchema.root);

test('FieldsV1: decode and encode round-trip, "." where a path is a member with children', () => {
  const cases: Array<Record<string, unknown>> = [
    { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } },
    { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } } } },
    { 'f:metadata': { 'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} } } },
    { 'f:data': {} },
  ];
  for (const fields of cases) {
    const set = fromFieldsV1(fields);
    assert.ok(set !== undefined);
    assert.deepEqual(toFieldsV1(set), fields);
  }
  assert.equal(fromFieldsV1({ 'x:bad': {} }), undefined);
  assert.equal(fromFieldsV1([]), undefined);
});

test('field sets: union, difference and intersection by path', () => {
  const a = fromFieldsV1({ 'f:data': { 'f:a': {}, 'f:b': {} } })!;
  const b = fromFieldsV1({ 'f:data': { 'f:b': {}, 'f:c': {} } })!;
  assert.deepEqual(toFieldsV1(union(a, b)), { 'f:data': { 'f:a': {}, 'f:b': {}, 'f:c': {} } });
  assert.deepEqual(toFieldsV1(difference(a, b)), { 'f:data': { 'f:a': {} } });
  assert.deepEqual(toFieldsV1(intersection(a, b)), { 'f:data': { 'f:b': {} } });
  assert.ok(difference(a, a).isEmpty());
});

test('paths print as structured-merge-diff prints them in conflicts', () => {
  const table: Array<[string[], string]> = [
    [['f:data', 'f:x'], '.data.x'],
    [['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image'], '.spec.containers[name="c"].image'],
    [['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], '.spec.ports[containerPort=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', 'v:"a"'], '.metadata.finalizers[="a"]'],
  ];
  for (const [path, text] of table) assert.equal(pathString(path), text);
});

test('toFieldSet: leaves, map entries, keyed list items with defaulted keys, atomic structs, unknown fields', () => {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { a: 'b' } }, spec: { selector: { matchLabels: { app: 'x' } }, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } } } };
  assert.deepEqual(toFieldsV1(toFieldSet(d, deploymentRule)), {
    'f:apiVersion': {},
    'f:kind': {},
    'f:metadata': { 'f:labels': { 'f:a': {} }, 'f:name': {} },
    'f:spec': {
      'f:selector': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
    },
  });
  assert.throws(() => toFieldSet({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, bogus: 1 }, configMapRule), (e: unknown) => e instanceof TypedValueError && e.message === '.bogus: field not declared in schema');
});

test('compare: added subtrees count every path, atomic values are modified, absent required fields of Go structs read as null', () => {
  const zero = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: null } };
  const c = compare(zero, { ...zero, data: { a: '1' } }, configMapRule);
  assert.deepEqual(toFieldsV1(c.added), { 'f:data': { '.': {}, 'f:a': {} } });
  assert.ok(c.modified.isEmpty() && c.removed.isEmpty());
  const m = compare({ ...zero, data: { a: '1', b: '2' } }, { ...zero, data: { a: '2' } }, configMapRule);
  assert.deepEqual(toFieldsV1(m.modified), { 'f:data': { 'f:a': {} } });
  assert.deepEqual(toFieldsV1(m.removed), { 'f:data': { 'f:b': {} } });
  // containers is required in PodSpec: Go's empty object has it as null, so only its items are added.
  const base = { spec: { template: { spec: {} } } };
  const next = { spec: { template: { spec: { containers: [{ name: 'c' }] } } } };
  assert.deepEqual(toFieldsV1(compare(base, next, deploymentRule).added), { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {} } } } } } });
});

test('merge: keyed lists merge by key in structured-merge-diff order, atomic values are replaced', () => {
  const table: Array<[string[], string[], string[]]> = [
    [['a', 'b'], ['b', 'c'], ['a', 'b', 'c']],
    // A live-only item stays where it was among the shared ones.
    [['a', 'b', 'c'], ['c', 'a'], ['b', 'c', 'a']],
    [['x', 'a', 'y', 'b'], ['b', 'a'], ['x', 'y', 'b', 'a']],
    [[], ['a'], ['a']],
  ];
  for (const [lhs, rhs, want] of table) assert.deepEqual(mergeListOrder(lhs, rhs), want, `${lhs} + ${rhs}`);
  const live = { spec: { selector: { matchLabels: { a: '1' } }, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } };
  const config = { spec: { selector: { matchLabels: { b: '2' } }, template: { spec: { containers: [{ name: 'b', image: 'z' }] } } } };
  assert.deepEqual(merge(live, config, deploymentRule), {
    spec: { selector: { matchLabels: { b: '2' } }, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }] } } },
  });
});

const ctx = (rule = configMapRule, ignored: string[] = []): FieldContext => ({ rule, apiVersion: 'v1', subresource: '', ignored: topLevelFields(ignored), now: '2026-01-01T00:00:00Z' });
const cm = (data: Record<string, string>, managedFields?: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...(managedFields === undefined ? {} : { managedFields }) }, data });
const zeroCm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: null } };

test('updates: a create owns what it set, a later update takes changed fields, managedFields: [] stops tracking', () => {
  const created = updateManagedFields(ctx(), undefined, cm({ a: '1' }), zeroCm, 'creator')!;
  const live = cm({ a: '1' }, encodeManaged(created));
  assert.deepEqual(live.metadata.managedFields, [{ manager: 'creator', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }]);
  const updated = updateManagedFields(ctx(), live, cm({ a: '2', b: '3' }), zeroCm, 'updater')!;
  assert.deepEqual(
    encodeManaged(updated).map((e) => [e.manager, e.fieldsV1]),
    [
      ['creator', { 'f:data': {} }],
      ['updater', { 'f:data': { 'f:a': {}, 'f:b': {} } }],
    ],
  );
  assert.equal(updateManagedFields(ctx(), live, cm({ a: '5' }, []), zeroCm, 'resetter'), undefined);
});

test('apply: owns applied fields, prunes what it stops applying, refuses conflicts with 409 unless forced', () => {
  const first = applyConfig(ctx(), undefined, cm({ a: '1', b: '2' }), zeroCm, 'alice', false);
  assert.deepEqual(first.object.data, { a: '1', b: '2' });
  const live = { ...first.object, metadata: { ...first.object.metadata, managedFields: encodeManaged(first.managed) } };
  const pruned = applyConfig(ctx(), live, cm({ a: '1' }), zeroCm, 'alice', false);
  assert.deepEqual(pruned.object.data, { a: '1' });
  assert.throws(
    () => applyConfig(ctx(), live, cm({ a: 'x' }), zeroCm, 'bob', false),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 409 &&
      e.message === 'Apply failed with 1 conflict: conflict with "alice": .data.a' &&
      e.details?.causes?.[0]?.reason === 'FieldManagerConflict' &&
      e.details.causes[0].field === '.data.a',
  );
  const forced = applyConfig(ctx(), live, cm({ a: 'x' }), zeroCm, 'bob', true);
  assert.deepEqual(forced.object.data, { a: 'x', b: '2' });
  assert.deepEqual(
    encodeManaged(forced.managed).map((e) => [e.manager, e.fieldsV1]),
    [
      ['alice', { 'f:data': { 'f:b': {} } }],
      ['bob', { 'f:data': { 'f:a': {} } }],
    ],
  );
});

test('custom resources: rules from a structural schema (list-type map, set, atomic map)', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { app: { type: 'string' } } },
        },
      },
    },
  };
  const rule = rootRule(new SchemaTree(() => undefined).build(schema));
  const obj = { apiVersion: 'g/v1', kind: 'G', metadata: { name: 'x' }, spec: { ports: [{ name: 'http', port: 80 }], tags: ['a'], selector: { app: 'w' } } };
  assert.deepEqual(toFieldsV1(toFieldSet(obj, rule))['f:spec'], {
    'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
    'f:selector': {},
    'f:tags': { 'v:"a"': {} },
  });
  assert.deepEqual(merge(obj, { spec: { ports: [{ name: 'm', port: 9 }], tags: ['b'] } }, rule), {
    ...obj,
    spec: { ports: [{ name: 'http', port: 80 }, { name: 'm', port: 9 }], tags: ['a', 'b'], selector: { app: 'w' } },
  });
});

test('decodeManaged refuses entries that are not FieldsV1 with a known operation', () => {
  assert.equal(decodeManaged([{ manager: 'm', operation: 'Bogus', fieldsType: 'FieldsV1', fieldsV1: {} }]), undefined);
  assert.equal(decodeManaged([{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV2' }]), undefined);
  assert.equal(decodeManaged(undefined)?.size, 0);
});

const entry = (manager: string, operation: 'Apply' | 'Update', apiVersion: string, time: string | undefined, fieldsV1: Record<string, unknown>, subresource?: string) => ({
  manager,
  operation,
  apiVersion,
  ...(time === undefined ? {} : { time }),
  fieldsType: 'FieldsV1',
  fieldsV1,
  ...(subresource === undefined ? {} : { subresource }),
});

test('managedFields: past ten Update entries the oldest merge into one ancient-changes entry per apiVersion; Apply entries are not counted', () => {
  const entries = [entry('applier', 'Apply', 'v1', '2026-01-01T00:00:00Z', { 'f:data': { 'f:applied': {} } })];
  // Twelve updaters, one second apart, alternating two apiVersions (as a kind served at two would).
  for (let i = 0; i < 12; i++) entries.push(entry(`m-${String(i).padStart(2, '0')}`, 'Update', i % 2 === 0 ? 'v1' : 'v2', `2026-01-01T00:00:${String(10 + i)}Z`, { 'f:data': { [`f:k${i}`]: {} } }));
  const managed = capUpdateManagers(decodeManaged(entries)!);
  const out = encodeManaged(managed).map((e) => [e.manager, e.operation, e.apiVersion, Object.keys((e.fieldsV1 as { 'f:data': object })['f:data']).join(',')]);
  // m-00 (v1) and m-01 (v2) start their versions' buckets; m-02 and m-03 are merged into them.
  assert.deepEqual(out, [
    ['applier', 'Apply', 'v1', 'f:applied'],
    ['ancient-changes', 'Update', 'v1', 'f:k0,f:k2'],
    ['ancient-changes', 'Update', 'v2', 'f:k1,f:k3'],
    ...Array.from({ length: 8 }, (_, j) => [`m-${String(j + 4).padStart(2, '0')}`, 'Update', (j + 4) % 2 === 0 ? 'v1' : 'v2', `f:k${j + 4}`]),
  ]);
  // A bucket takes the time of the newest entry merged into it.
  assert.equal(encodeManaged(managed)[1]!.time, '2026-01-01T00:00:12Z');
  // At ten, nothing changes.
  assert.equal(capUpdateManagers(decodeManaged(entries.slice(0, 11))!).size, 11);
});

test('managedFields: two entries of one identity decode to the later one, as kube-apiserver decodes them', () => {
  const managed = decodeManaged([entry('c', 'Update', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }), entry('c', 'Update', 'apps/v1', '2026-01-01T00:00:00Z', { 'f:spec': { 'f:paused': {} } })])!;
  assert.equal(managed.size, 1);
  assert.deepEqual(encodeManaged(managed)[0]!.fieldsV1, { 'f:spec': { 'f:paused': {} } });
});

test('scale subresource: the parent\'s replicas owners are shown to the Scale at autoscaling/v1, and a write to the Scale comes back to the parent', () => {
  const replicas = ['f:spec', 'f:replicas'];
  const parent = decodeManaged([
    entry('creator', 'Update', 'apps/v1', '2026-01-01T00:00:00Z', { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } }),
    entry('other', 'Update', 'apps/v1', '2026-01-01T00:00:01Z', { 'f:spec': { 'f:minReadySeconds': {} } }),
  ])!;
  const view = toScaleManaged(parent, replicas);
  assert.deepEqual(encodeManaged(view), [entry('creator', 'Update', 'autoscaling/v1', '2026-01-01T00:00:00Z', { 'f:spec': { 'f:replicas': {} } })]);
  // A forced apply took replicas from creator: creator keeps the rest, the applier owns replicas at the parent's version, with no time.
  const after = decodeManaged([entry('scaler', 'Apply', 'autoscaling/v1', '2026-01-01T00:00:05Z', { 'f:spec': { 'f:replicas': {} } }, 'scale')])!;
  assert.deepEqual(encodeManaged(toParentManaged(parent, after, replicas, 'apps/v1')), [
    entry('scaler', 'Apply', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }, 'scale'),
    entry('creator', 'Update', 'apps/v1', '2026-01-01T00:00:00Z', { 'f:spec': { 'f:paused': {} } }),
    entry('other', 'Update', 'apps/v1', '2026-01-01T00:00:01Z', { 'f:spec': { 'f:minReadySeconds': {} } }),
  ]);
});
