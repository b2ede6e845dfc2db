import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, setJsonPath } from '../../registry/customresource/json-path.js';
import { acceptNames } from '../../registry/customresourcedefinition/crd-controller.js';
import { validateStructural } from '../../registry/customresourcedefinition/structural.js';
import { ApiError } from '../../registry/generic/api-error.js';
import type { KubeObject } from '../../registry/generic/types.js';
import { KiteRegistry } from '../../registry/registry.js';
import { defaultObject, pruneObject } from '../../schemas/structural-schema.js';
import { CelRules, celCompileError } from '../../schemas/validate-cel.js';
import { compileCustomValidator, structuralCauses } from '../../schemas/validate-custom.js';
import { embeddedStore } from './harness.js';

test('structural schema rules, table-driven', () => {
  const cases: { schema: Record<string, unknown>; fields: string[] }[] = [
    { schema: { type: 'object' }, fields: [] },
    { schema: {}, fields: ['s.type'] },
    { schema: { type: 'string' }, fields: ['s.type'] },
    { schema: { type: 'object', properties: { a: {} } }, fields: ['s.properties[a].type'] },
    { schema: { type: 'object', properties: { a: { type: 'array' } } }, fields: ['s.properties[a].items'] },
    { schema: { type: 'object', properties: { a: { type: 'array', items: {} } } }, fields: ['s.properties[a].items.type'] },
    { schema: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: { type: 'string' } } } }, fields: ['s.properties[a].additionalProperties'] },
    { schema: { type: 'object', properties: { a: { type: 'integer', default: 'x' } } }, fields: ['s.properties[a].default'] },
    { schema: { type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } }, fields: [] },
    { schema: { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }, fields: ['s.properties[a].anyOf[0].type'] },
    { schema: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string' } } } } }, fields: [] },
    { schema: { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, fields: ['s.properties[metadata]'] },
    { schema: { type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { k: { type: 'string' } } } } } }, fields: ['s.properties[l].x-kubernetes-list-map-keys'] },
    { schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false }, fields: ['s.x-kubernetes-preserve-unknown-fields'] },
  ];
  for (const c of cases) {
    const got = validateStructural(c.schema as never, 's').map((e) => e.field);
    assert.deepEqual(got, c.fields, JSON.stringify(c.schema));
  }
});

test('pruning, defaulting and validation of a custom resource', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer', default: 1, maximum: 5 },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          opt: { type: 'string', nullable: true },
          plain: { type: 'string' },
        },
      },
    },
  } as const;
  const obj: Record<string, unknown> = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', bogus: 1, finalizers: [] }, spec: { extra: 1, free: { any: [1] }, opt: null, plain: null, tags: ['a', 'a'] }, top: 2 };
  assert.deepEqual(pruneObject(obj, schema), ['metadata.bogus', 'spec.extra', 'top']);
  defaultObject(obj, schema);
  assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { size: 1, free: { any: [1] }, opt: null, tags: ['a', 'a'] } });
  assert.deepEqual(structuralCauses(obj, schema).map((c) => [c.field, c.reason]), [['spec.tags[1]', 'FieldValueDuplicate']]);
  const causes = compileCustomValidator(schema).validate({ spec: { size: 9 } });
  assert.deepEqual(causes, [{ reason: 'FieldValueInvalid', field: 'spec.size', message: 'Invalid value: 9: spec.size in body should be less than or equal to 5' }]);
});

test('printer-column JSONPaths', () => {
  const o = { spec: { a: { b: 3 }, list: [{ n: 'x' }, { n: 'y' }] }, metadata: { labels: { 'app.kubernetes.io/name': 'w' } } };
  assert.equal(evaluateJsonPath(o, '.spec.a.b'), 3);
  assert.equal(evaluateJsonPath(o, '.spec.list[1].n'), 'y');
  assert.equal(evaluateJsonPath(o, '.spec.list[*].n'), 'x');
  assert.equal(evaluateJsonPath(o, ".metadata.labels['app.kubernetes.io/name']"), 'w');
  assert.equal(evaluateJsonPath(o, '.spec.missing'), undefined);
  assert.equal(evaluateJsonPath(o, 'spec.a'), undefined);
  const s: Record<string, unknown> = {};
  setJsonPath(s, '.spec.replicas', 3);
  assert.deepEqual(s, { spec: { replicas: 3 } });
});

test('names: taken plural, short names and kinds of the same group conflict, other groups do not', () => {
  const crd = (name: string, group: string, names: Record<string, unknown>, accepted?: Record<string, unknown>): KubeObject => ({
    metadata: { name },
    spec: { group, names },
    ...(accepted === undefined ? {} : { status: { acceptedNames: accepted } }),
  });
  const existing = crd('widgets.a.io', 'a.io', {}, { plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList' });
  const other = crd('gizmos.b.io', 'b.io', {}, { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' });
  const ok = acceptNames(crd('things.a.io', 'a.io', { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList', categories: ['all'] }), [existing, other]);
  assert.deepEqual(ok, { names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList', categories: ['all'] }, accepted: true, reason: 'NoConflicts', message: 'no conflicts found' });
  const short = acceptNames(crd('things.a.io', 'a.io', { plural: 'things', singular: 'thing', shortNames: ['wd'], kind: 'Thing', listKind: 'ThingList' }), [existing]);
  assert.equal(short.reason, 'ShortNamesConflict');
  assert.equal(short.names.shortNames, undefined);
  const kind = acceptNames(crd('others.a.io', 'a.io', { plural: 'others', singular: 'other', kind: 'Widget', listKind: 'WidgetList' }), [existing]);
  assert.deepEqual([kind.accepted, kind.reason, kind.message, kind.names.kind, kind.names.plural], [false, 'ListKindConflict', '"WidgetList" is already in use', undefined, 'others']);
  const elsewhere = acceptNames(crd('gizmos.a.io', 'a.io', { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' }), [other]);
  assert.equal(elsewhere.accepted, true);
});

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 1 } } } } } } }],
  },
};

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('two API servers on one store serve the same custom resources; a restart restores them; deleting the CRD deletes its objects first', { timeout: 60_000 }, async () => {
  const store = await embeddedStore();
  const a = new KiteRegistry(store.client);
  const b = new KiteRegistry(store.client);
  let c: KiteRegistry | undefined;
  try {
    await a.start();
    await b.start();
    const crds = a.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    await crds.create(undefined, structuredClone(widgetCrd) as never);
    await eventually(() => a.store('example.com', 'v1', 'widgets') !== undefined && b.store('example.com', 'v1', 'widgets') !== undefined, 'both servers to serve widgets');
    // Served first, then marked Established (as kube-apiserver's establishing controller does).
    const isEstablished = async (): Promise<boolean> => JSON.stringify((await crds.get(undefined, 'widgets.example.com')).status).includes('"type":"Established","status":"True"');
    await eventually(isEstablished, 'Established');
    const established = await crds.get(undefined, 'widgets.example.com');
    const conditions = (established.status as { conditions: { type: string; status: string }[] }).conditions.map((x) => `${x.type}=${x.status}`);
    assert.deepEqual(conditions, ['NamesAccepted=True', 'Established=True']);
    assert.equal(a.store('example.com', 'v1', 'widgets')!.info.storagePrefix, '/registry/example.com/widgets/');
    const created = await a.store('example.com', 'v1', 'widgets')!.create('default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { extra: true } });
    assert.deepEqual(created.spec, { size: 1 });
    assert.ok((await store.client.get('/registry/example.com/widgets/default/w1')) !== undefined, 'stored under /registry/<group>/<plural>/<namespace>/<name>');
    assert.equal((await b.store('example.com', 'v1', 'widgets')!.get('default', 'w1')).metadata.uid, created.metadata.uid);
    assert.equal(b.componentSchema('com.example.v1.Widget')?.['x-kubernetes-group-version-kind'] !== undefined, true, 'OpenAPI schema on the other server');

    // A server started later (a restart) serves what the store holds.
    c = new KiteRegistry(store.client);
    await c.start();
    await eventually(() => c!.store('example.com', 'v1', 'widgets') !== undefined, 'the restarted server to serve widgets');

    // Deleting the CRD: Terminating, its objects go (waiting for their finalizers; no creates meanwhile), then it goes, and no server serves it.
    await a.store('example.com', 'v1', 'widgets')!.create('default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const deleting = await b.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!.delete(undefined, 'widgets.example.com');
    assert.equal(deleting.deleted, false);
    assert.deepEqual(deleting.object.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
    const terminating = (crd: KubeObject): string | undefined => (crd.status as { conditions: { type: string; reason: string }[] }).conditions.find((x) => x.type === 'Terminating')?.reason;
    await eventually(async () => terminating(await crds.get(undefined, 'widgets.example.com')) === 'InstanceDeletionInProgress', 'the CRD to be deleting its objects');
    await eventually(async () => (await a.store('example.com', 'v1', 'widgets')!.list('default')).items.length === 1, 'w1 to go');
    // Each server refuses creates once its watch shows the CRD terminating (a create that got in first is cleaned up too).
    let attempt = 0;
    await eventually(
      async () =>
        a.store('example.com', 'v1', 'widgets')!.create('default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `late-${attempt++}` } }).then(
          () => false,
          (e: unknown) => e instanceof ApiError && e.code === 405 && e.message === 'create not allowed while custom resource definition is terminating',
        ),
      'creates to be refused',
    );
    await a.store('example.com', 'v1', 'widgets')!.patch('default', 'held', 'merge', { metadata: { finalizers: null } });
    await eventually(async () => crds.get(undefined, 'widgets.example.com').then(() => false, (e: unknown) => e instanceof ApiError && e.code === 404), 'the CRD to go');
    assert.equal(await store.client.count('/registry/example.com/widgets/'), 0);
    await eventually(() => [a, b, c!].every((r) => r.store('example.com', 'v1', 'widgets') === undefined), 'every server to stop serving widgets');
  } finally {
    await c?.stop();
    await b.stop();
    await a.stop();
    await store.close();
  }
});

test('CEL rules (x-kubernetes-validations): self typed by the schema, messages, transition rules on updates only', () => {
  const rules = new CelRules({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min above max' }, { rule: 'self.max < 10' }],
        properties: {
          min: { type: 'integer' },
          max: { type: 'integer' },
          ratio: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self < 1.0' }] },
          id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'id is immutable' }] },
        },
      },
    },
  });
  assert.deepEqual(rules.validate({ spec: { min: 1, max: 2, ratio: 0.5, id: 'a' } }), []);
  assert.deepEqual(rules.validate({ spec: { min: 13, max: 12, ratio: 2 } }), [
    { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": min above max' },
    { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": failed rule: self.max < 10' },
    { reason: 'FieldValueInvalid', field: 'spec.ratio', message: 'Invalid value: "number": failed rule: self < 1.0' },
  ]);
  assert.deepEqual(rules.validateTransition({ spec: { id: 'b' } }, { spec: { id: 'a' } }), [{ reason: 'FieldValueInvalid', field: 'spec.id', message: 'Invalid value: "string": id is immutable' }]);
  assert.deepEqual(rules.validateTransition({ spec: { id: 'b' } }, { spec: {} }), []);
  assert.equal(celCompileError('self.a == 1'), undefined);
  assert.match(celCompileError('self.a >') ?? '', /expecting/);
});
