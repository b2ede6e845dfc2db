import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObject, type JsonObject, type JsonValue } from '../../schemas/json.js';
import { servedGroupVersions } from '../../api/served-openapi.js';
import type { Registry } from '../../registry/generic/resource-store.js';
import { builtinResourceInfos } from '../../registry/registry.js';
import { OpenApiSet, type OpenApiDocument } from '../../schemas/openapi-documents.js';

/** The built-in resources as a registry view (data only: nothing here is stored). */
const builtins: Registry = {
  resources: () => builtinResourceInfos(),
  store: () => undefined,
  generation: () => 0,
};
const set = new OpenApiSet(servedGroupVersions(builtins));

const doc = (path: string): OpenApiDocument => {
  const d = set.document(path);
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

test('the index lists every served group-version with a stable uppercase hex hash', () => {
  const index = set.index();
  for (const path of ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/events.k8s.io/v1', 'apis/storage.k8s.io/v1']) {
    assert.ok(index.paths[path], `${path} in the index`);
  }
  for (const [path, entry] of Object.entries(index.paths)) {
    assert.match(entry.serverRelativeURL, new RegExp(`^/openapi/v3/${path}\\?hash=[0-9A-F]{128}$`));
    assert.equal(entry.serverRelativeURL.split('hash=')[1], set.documentJson(path)?.hash);
  }
  assert.deepEqual(new OpenApiSet(servedGroupVersions(builtins)).index(), index, 'the same resources give the same hashes');
  assert.equal(set.document('apis/nope/v1'), undefined);
});

test('documents have the Kubernetes shape and every $ref resolves inside its document', () => {
  for (const path of set.paths()) {
    const d = doc(path);
    assert.equal(d.openapi, '3.0.0');
    assert.equal(JSON.parse(set.documentJson(path)?.body ?? 'null').openapi, '3.0.0');
    for (const ref of refs(d as unknown as JsonObject)) {
      assert.match(ref, /^#\/components\/schemas\//);
      assert.ok(d.components.schemas[ref.slice('#/components/schemas/'.length)], `${path}: dangling ${ref}`);
    }
  }
});

test('the v2 document has every path and definition, with v2 references', () => {
  const v2 = JSON.parse(set.v2().body) as { swagger: string; paths: Record<string, unknown>; definitions: Record<string, JsonObject> };
  assert.equal(v2.swagger, '2.0');
  assert.ok(v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
  assert.ok(v2.paths['/api/v1/nodes/{name}/status']);
  for (const ref of refs(v2 as unknown as JsonObject)) {
    assert.match(ref, /^#\/definitions\//);
    assert.ok(v2.definitions[ref.slice('#/definitions/'.length)], `dangling ${ref}`);
  }
  const template = (v2.definitions['io.k8s.api.apps.v1.DeploymentSpec']!['properties'] as JsonObject)['template'] as JsonObject;
  assert.equal(template['$ref'], '#/definitions/io.k8s.api.core.v1.PodTemplateSpec', 'allOf wrappers become plain references in v2');
});

test('every top-level kind carries x-kubernetes-group-version-kind', () => {
  const expected: Record<string, string[]> = {
    'api/v1': ['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Pod', 'Event', 'Node', 'Endpoints', 'PersistentVolume'].flatMap((k) => [k, `${k}List`]),
    'apis/apps/v1': ['Deployment', 'DeploymentList', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'],
    'apis/autoscaling/v1': ['HorizontalPodAutoscaler', 'HorizontalPodAutoscalerList'],
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
  // 1.26 does not mark containers as a map list yet; service ports it does.
  assert.equal(containers['x-kubernetes-list-type'], undefined);
  const core = doc('api/v1');
  const keyOf = (name: string, prop: string) => (field(core, name, prop)['x-kubernetes-patch-merge-key']);
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'env'), 'name');
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'ports'), 'containerPort');
  assert.equal(keyOf('io.k8s.api.core.v1.Container', 'volumeMounts'), 'mountPath');
  assert.equal(keyOf('io.k8s.api.core.v1.PodSpec', 'volumes'), 'name');
  assert.equal(keyOf('io.k8s.api.core.v1.ServiceSpec', 'ports'), 'port');
  assert.deepEqual(field(core, 'io.k8s.api.core.v1.ServiceSpec', 'ports')['x-kubernetes-list-map-keys'], ['port', 'protocol']);
});

test("Kite's own descriptions, and no others: the reference's facts come without its prose", () => {
  const d = doc('apis/apps/v1');
  const replicas = field(d, 'io.k8s.api.apps.v1.DeploymentSpec', 'replicas');
  assert.equal(replicas['type'], 'integer');
  assert.equal(typeof replicas['description'], 'string', 'described in schemas/descriptions');
  const template = field(d, 'io.k8s.api.apps.v1.DeploymentSpec', 'template');
  assert.deepEqual(template['allOf'], [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }]);
  assert.equal(template['$ref'], undefined);
  const rs = doc('apis/apps/v1').components.schemas['io.k8s.api.apps.v1.ReplicaSetSpec']!;
  assert.equal(rs['description'], undefined, 'no description Kite did not write');
});

test('operations follow the verbs: PATCH declares fieldValidation with the kind, a create-only resource has only POST', () => {
  const patchGvks = (path: string) =>
    Object.values(doc(path).paths).flatMap((item) => {
      const patch = isJsonObject(item) ? item['patch'] : undefined;
      if (!isJsonObject(patch)) return [];
      const params = Array.isArray(patch['parameters']) ? (patch['parameters'] as JsonValue[]) : [];
      assert.ok(params.some((p) => isJsonObject(p) && p['name'] === 'fieldValidation' && p['in'] === 'query'));
      return [patch['x-kubernetes-group-version-kind']];
    });
  assert.ok(patchGvks('apis/apps/v1').some((g) => isJsonObject(g) && g['kind'] === 'Scale'));
  assert.ok(doc('api/v1').paths['/api/v1/namespaces/{name}']);
  assert.ok(doc('api/v1').paths['/api/v1/namespaces/{namespace}/configmaps/{name}']);
  const bindings = doc('api/v1').paths['/api/v1/namespaces/{namespace}/bindings'] as JsonObject;
  assert.deepEqual(Object.keys(bindings).sort(), ['parameters', 'post']);
  const eviction = doc('api/v1').paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'] as JsonObject;
  assert.equal((eviction['post'] as JsonObject)['operationId'], 'createCoreV1NamespacedPodEviction');
  const collection = doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments'] as JsonObject;
  assert.equal((collection['delete'] as JsonObject)['operationId'], 'deleteAppsV1CollectionNamespacedDeployment');
});

test('documents are frozen', () => {
  assert.throws(() => {
    (doc('api/v1') as { openapi: string }).openapi = '2.0';
  }, TypeError);
});
