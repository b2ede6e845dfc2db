import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObject, type JsonObject, type JsonValue } from '../../schemas/json.js';
import { openApiDocument, openApiDocumentJson, openApiDocumentPaths, openApiIndex, type OpenApiDocument } from '../../schemas/openapi-documents.js';

const doc = (path: string): OpenApiDocument => {
  const d = openApiDocument(path);
  assert.ok(d, `no document for ${path}`);
  return d;
};

const schema = (d: OpenApiDocument, name: string): JsonObject => {
  const s = d.components.schemas[name];
  assert.ok(s, `${name} missing`);
  return s;
};

function refs(value: JsonValue): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (!isJsonObject(value)) return [];
  const own = typeof value['$ref'] === 'string' ? [value['$ref']] : [];
  return [...own, ...Object.values(value).flatMap(refs)];
}

/** The schema a $ref or an allOf wrapper points at, or s itself. */
function deref(d: OpenApiDocument, s: JsonObject): JsonObject {
  const allOf = s['allOf'];
  const wrapped = Array.isArray(allOf) && isJsonObject(allOf[0]) ? allOf[0]['$ref'] : undefined;
  const target = wrapped ?? s['$ref'];
  return typeof target === 'string' ? schema(d, target.replace('#/components/schemas/', '')) : s;
}

/** Follows properties (through allOf wrappers and $refs) from a schema name. */
function field(d: OpenApiDocument, name: string, ...path: string[]): JsonObject {
  let current: JsonObject = schema(d, name);
  for (const key of path) {
    const props = deref(d, current)['properties'];
    assert.ok(isJsonObject(props), `no properties at ${key}`);
    const next = props[key];
    assert.ok(isJsonObject(next), `no field ${key}`);
    current = next;
  }
  return current;
}

test('the index lists every document with a stable uppercase hex hash', () => {
  const index = openApiIndex();
  assert.deepEqual(Object.keys(index.paths), ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v1']);
  for (const [path, entry] of Object.entries(index.paths)) {
    assert.match(entry.serverRelativeURL, new RegExp(`^/openapi/v3/${path}\\?hash=[0-9A-F]{128}$`));
    assert.equal(entry.serverRelativeURL.split('hash=')[1], openApiDocumentJson(path)?.hash);
  }
  assert.deepEqual(openApiIndex(), index);
  assert.equal(openApiDocument('apis/batch/v1'), undefined);
});

test('documents have the Kubernetes shape and every $ref resolves inside its document', () => {
  for (const path of openApiDocumentPaths) {
    const d = doc(path);
    assert.equal(d.openapi, '3.0.0');
    assert.equal(JSON.parse(openApiDocumentJson(path)?.body ?? 'null').openapi, '3.0.0');
    for (const ref of refs(d as unknown as JsonObject)) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(d.components.schemas[ref.slice('#/components/schemas/'.length)], `${path}: dangling ${ref}`);
    }
  }
});

test('every top-level kind carries x-kubernetes-group-version-kind', () => {
  const expected: Record<string, string[]> = {
    'api/v1': ['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Pod', 'Event'].flatMap((k) => [k, `${k}List`]),
    'apis/apps/v1': ['Deployment', 'DeploymentList'],
    'apis/autoscaling/v1': ['Scale'],
  };
  for (const [path, kinds] of Object.entries(expected)) {
    const d = doc(path);
    const [group, version] = path === 'api/v1' ? ['', 'v1'] : path.split('/').slice(1);
    for (const kind of kinds) {
      const name = `io.k8s.api.${group === '' ? 'core' : group}.${version}.${kind}`;
      assert.deepEqual(schema(d, name)['x-kubernetes-group-version-kind'], [{ group, version, kind }], name);
    }
  }
  // Shared meta types and IntOrString come along where referenced.
  for (const name of ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString']) {
    schema(doc('apis/apps/v1'), name);
  }
  schema(doc('apis/apps/v1'), 'io.k8s.api.autoscaling.v1.Scale');
});

test('list extensions for strategic merge: containers, ports, env, volumes, volumeMounts', () => {
  const d = doc('apis/apps/v1');
  const podSpec = ['spec', 'template', 'spec'];
  const containers = field(d, 'io.k8s.api.apps.v1.Deployment', ...podSpec, 'containers');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  const core = doc('api/v1');
  const keyOf = (name: string, prop: string) => (field(core, name, prop)['x-kubernetes-patch-merge-key']);
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'env'), 'name');
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'ports'), 'containerPort');
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'volumeMounts'), 'mountPath');
  assert.equal(keyOf('io.k8s.api.core.v1.PodSpec', 'volumes'), 'name');
  assert.equal(keyOf('io.k8s.api.core.v1.ServiceSpec', 'ports'), 'port');
  assert.deepEqual(field(core, 'io.k8s.api.core.v1.ServiceSpec', 'ports')['x-kubernetes-list-map-keys'], ['port', 'protocol']);
});

test('fields carry descriptions, and described $refs are allOf wrappers', () => {
  const d = doc('apis/apps/v1');
  const replicas = field(d, 'io.k8s.api.apps.v1.DeploymentSpec', 'replicas');
  assert.equal(replicas['type'], 'integer');
  assert.equal(typeof replicas['description'], 'string');
  const template = field(d, 'io.k8s.api.apps.v1.DeploymentSpec', 'template');
  assert.deepEqual(template['allOf'], [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }]);
  assert.equal(template['$ref'], undefined);
  for (const path of openApiDocumentPaths) {
    for (const [name, s] of Object.entries(doc(path).components.schemas)) {
      assert.equal(typeof s['description'], 'string', `${name} has no description`);
      for (const [prop, p] of Object.entries(isJsonObject(s['properties']) ? s['properties'] : {})) {
        assert.ok(isJsonObject(p) && typeof p['description'] === 'string', `${name}.${prop} has no description`);
      }
    }
  }
});

test('PATCH operations declare fieldValidation with the kind, as kubectl looks for it', () => {
  const patchGvks = (path: string) =>
    Object.values(doc(path).paths).flatMap((item) => {
      const patch = isJsonObject(item) ? item['patch'] : undefined;
      if (!isJsonObject(patch)) return [];
      const params = Array.isArray(patch['parameters']) ? (patch['parameters'] as JsonValue[]) : [];
      assert.ok(params.some((p) => isJsonObject(p) && p['name'] === 'fieldValidation' && p['in'] === 'query'));
      return [patch['x-kubernetes-group-version-kind']];
    });
  assert.deepEqual(patchGvks('apis/apps/v1'), [
    { group: 'apps', version: 'v1', kind: 'Deployment' },
    { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  ]);
  assert.equal(patchGvks('api/v1').length, 7);
  assert.ok(doc('api/v1').paths['/api/v1/namespaces/{name}']);
  assert.ok(doc('api/v1').paths['/api/v1/namespaces/{namespace}/configmaps/{name}']);
});

test('documents are frozen', () => {
  assert.throws(() => {
    (doc('api/v1') as { openapi: string }).openapi = '2.0';
  }, TypeError);
});
