import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasSchema, strictDecodingMessage, validateBody } from '../../schemas/validate-body.js';

const meta = { name: 'demo', namespace: 'default', labels: { 'app.kubernetes.io/name': 'demo' }, annotations: { note: 'x' } };
// Fields the server writes, which clients send back (kubectl get -o yaml | kubectl apply).
const serverMeta = {
  ...meta,
  uid: '6f1c2d4e-0000-4000-8000-000000000001',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-05-01T10:00:00Z',
  managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }],
  finalizers: ['example.com/cleanup'],
};

const podSpec = {
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      command: ['nginx'],
      args: ['-g', 'daemon off;'],
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } },
      ],
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25, memory: '1e6' } },
      volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
    },
  ],
  volumes: [{ name: 'config', configMap: { name: 'demo' } }, { name: 'scratch', emptyDir: {} }],
  restartPolicy: 'Always',
  nodeName: 'node-1',
};

const valid: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
  ['v1', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, status: { phase: 'Active' } }],
  ['v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: serverMeta, data: { 'app.properties': 'a=b' }, binaryData: { blob: 'AAEC' }, immutable: false }],
  ['v1', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', data: { password: 'aHVudGVyMg==' }, stringData: { user: 'admin' } }],
  ['v1', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta, imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: false }],
  [
    'v1',
    'Service',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: { type: 'NodePort', selector: { app: 'demo' }, clusterIP: '10.0.0.10', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
    },
  ],
  ['v1', 'Pod', { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: podSpec, status: { phase: 'Running', podIP: '10.1.0.5', conditions: [{ type: 'Ready', status: 'True' }] } }],
  [
    'v1',
    'Event',
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'demo.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'demo', uid: 'u', apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'assigned to node-1',
      type: 'Normal',
      count: 2,
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:01:00Z',
      source: { component: 'default-scheduler' },
    },
  ],
  [
    'apps/v1',
    'Deployment',
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...meta, creationTimestamp: null },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'demo' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
        template: { metadata: { labels: { app: 'demo', tier: 'web' } }, spec: podSpec },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
        minReadySeconds: 5,
        revisionHistoryLimit: 10,
        paused: false,
        progressDeadlineSeconds: 600,
      },
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-05-01T10:00:00Z' }] },
    },
  ],
  ['autoscaling/v1', 'Scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta, spec: { replicas: 5 }, status: { replicas: 3, selector: 'app=demo' } }],
  ['v1', 'ConfigMapList', { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items: [{ metadata: meta, data: { a: 'b' } }] }],
];

for (const [gv, kind, body] of valid) {
  test(`a valid ${gv} ${kind} passes under Strict`, () => {
    assert.ok(hasSchema(gv, kind));
    assert.deepEqual(validateBody(gv, kind, body, 'Strict'), { causes: [], warnings: [], unknownFields: [] });
  });
}

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, ...spec },
});

const invalid: ReadonlyArray<{ name: string; gv: string; kind: string; body: unknown; reason: string; field: string; message?: string }> = [
  {
    name: 'string replicas',
    ...{ gv: 'apps/v1', kind: 'Deployment' },
    body: deployment({ replicas: 'three' }),
    reason: 'FieldValueInvalid',
    field: 'spec.replicas',
    message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
  },
  {
    name: 'numeric image deep in the template',
    ...{ gv: 'apps/v1', kind: 'Deployment' },
    body: deployment({ template: { spec: { containers: [{ name: 'c', image: 5 }] } } }),
    reason: 'FieldValueInvalid',
    field: 'spec.template.spec.containers[0].image',
    message: 'Invalid value: "integer": spec.template.spec.containers[0].image in body must be of type string: "integer"',
  },
  { name: 'missing selector', gv: 'apps/v1', kind: 'Deployment', body: { spec: { template: {} } }, reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' },
  { name: 'container without name', gv: 'v1', kind: 'Pod', body: { spec: { containers: [{ image: 'i' }] } }, reason: 'FieldValueRequired', field: 'spec.containers[0].name' },
  { name: 'pod without containers', gv: 'v1', kind: 'Pod', body: { spec: {} }, reason: 'FieldValueRequired', field: 'spec.containers' },
  { name: 'env var without name', gv: 'v1', kind: 'Pod', body: { spec: { containers: [{ name: 'c', env: [{ value: 'v' }] }] } }, reason: 'FieldValueRequired', field: 'spec.containers[0].env[0].name' },
  {
    name: 'boolean targetPort',
    ...{ gv: 'v1', kind: 'Service' },
    body: { spec: { ports: [{ port: 80, targetPort: true }] } },
    reason: 'FieldValueInvalid',
    field: 'spec.ports[0].targetPort',
    message: 'Invalid value: "boolean": spec.ports[0].targetPort in body must be of type integer or string: "boolean"',
  },
  { name: 'service port without port', gv: 'v1', kind: 'Service', body: { spec: { ports: [{ name: 'http' }] } }, reason: 'FieldValueRequired', field: 'spec.ports[0].port' },
  {
    name: 'unsupported service type',
    ...{ gv: 'v1', kind: 'Service' },
    body: { spec: { type: 'Magic' } },
    reason: 'FieldValueNotSupported',
    field: 'spec.type',
    message: 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  },
  { name: 'fractional port', gv: 'v1', kind: 'Service', body: { spec: { ports: [{ port: 80.5 }] } }, reason: 'FieldValueInvalid', field: 'spec.ports[0].port' },
  { name: 'port beyond int32', gv: 'v1', kind: 'Service', body: { spec: { ports: [{ port: 2 ** 31 }] } }, reason: 'FieldValueInvalid', field: 'spec.ports[0].port' },
  { name: 'bad quantity', gv: 'v1', kind: 'Pod', body: { spec: { containers: [{ name: 'c', resources: { limits: { memory: 'lots' } } }] } }, reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.limits[memory]' },
  {
    name: 'secret data that is not base64',
    ...{ gv: 'v1', kind: 'Secret' },
    body: { data: { 'tls.crt': 'not base64!' } },
    reason: 'FieldValueInvalid',
    field: 'data[tls.crt]',
    message: 'Invalid value: "not base64!": data[tls.crt] in body must be of type byte: "not base64!"',
  },
  { name: 'numeric label value', gv: 'v1', kind: 'ConfigMap', body: { metadata: { labels: { 'app.kubernetes.io/version': 2 } } }, reason: 'FieldValueInvalid', field: 'metadata.labels[app.kubernetes.io/version]' },
  { name: 'configmap data as a list', gv: 'v1', kind: 'ConfigMap', body: { data: ['a'] }, reason: 'FieldValueInvalid', field: 'data' },
  { name: 'bad timestamp', gv: 'v1', kind: 'Event', body: { metadata: {}, involvedObject: {}, lastTimestamp: 'yesterday' }, reason: 'FieldValueInvalid', field: 'lastTimestamp' },
  { name: 'event without involvedObject', gv: 'v1', kind: 'Event', body: { metadata: {} }, reason: 'FieldValueRequired', field: 'involvedObject' },
  { name: 'string scale replicas', gv: 'autoscaling/v1', kind: 'Scale', body: { spec: { replicas: '2' } }, reason: 'FieldValueInvalid', field: 'spec.replicas' },
];

for (const c of invalid) {
  test(`invalid: ${c.name} -> ${c.reason} at ${c.field}`, () => {
    const { causes } = validateBody(c.gv, c.kind, c.body, 'Ignore');
    assert.equal(causes.length, 1, JSON.stringify(causes));
    assert.equal(causes[0]?.reason, c.reason);
    assert.equal(causes[0]?.field, c.field);
    if (c.message !== undefined) assert.equal(causes[0]?.message, c.message);
  });
}

const withUnknown = deployment({ foo: 1, template: { spec: { containers: [{ name: 'c', imagePullPolicyy: 'Always' }] } } });
const unknownPaths = ['spec.foo', 'spec.template.spec.containers[0].imagePullPolicyy'];

test('Strict reports unknown fields separately, for a BadRequest', () => {
  const r = validateBody('apps/v1', 'Deployment', withUnknown, 'Strict');
  assert.deepEqual(r, { causes: [], warnings: [], unknownFields: unknownPaths });
  assert.equal(strictDecodingMessage(r.unknownFields), 'strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
});

test('Warn turns unknown fields into warnings', () => {
  assert.deepEqual(validateBody('apps/v1', 'Deployment', withUnknown, 'Warn'), { causes: [], warnings: unknownPaths.map((p) => `unknown field "${p}"`), unknownFields: [] });
});

test('Ignore drops unknown fields but still reports causes', () => {
  const r = validateBody('apps/v1', 'Deployment', { ...withUnknown, spec: { ...withUnknown.spec, replicas: 'x' } }, 'Ignore');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.unknownFields, []);
  assert.deepEqual(r.causes.map((c) => c.field), ['spec.replicas']);
});

test('an unknown top-level field and unknown metadata field are caught; null means unset', () => {
  const r = validateBody('v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', nmae: 'b', labels: null }, dat: {}, data: null }, 'Strict');
  assert.deepEqual(r, { causes: [], warnings: [], unknownFields: ['dat', 'metadata.nmae'] });
});

test('errors of several kinds are all reported, and the body is not changed', () => {
  const body = deployment({ replicas: 'x', paused: 'yes', selector: undefined });
  const copy = structuredClone(body);
  const r = validateBody('apps/v1', 'Deployment', body, 'Strict');
  assert.deepEqual(r.causes.map((c) => [c.field, c.reason]).sort(), [
    ['spec.paused', 'FieldValueInvalid'],
    ['spec.replicas', 'FieldValueInvalid'],
    ['spec.selector', 'FieldValueRequired'],
  ]);
  assert.deepEqual(body, copy);
});

test('kinds without a schema are refused', () => {
  assert.equal(hasSchema('example.com/v1', 'Widget'), false);
  assert.equal(hasSchema('apps/v1', 'Pod'), false);
  assert.throws(() => validateBody('example.com/v1', 'Widget', {}, 'Strict'), /no schema/);
});
