import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import type { Json, Step } from './case.js';
import { compareViews } from './compare.js';
import { normalizeContentType, normalizeObject, stepView, warningTexts } from './normalize.js';
import { substitute, type StepResult } from './runner.js';

/**
 * The api-diff harness's pure pieces: what normalization blanks, and what it must
 * leave for the comparison to catch; placeholders; the diff lines.
 */

const get: Step = { kind: 'request', id: 's', method: 'GET', path: '/x' };

function result(json: unknown, over: Partial<StepResult> = {}, headers: IncomingHttpHeaders = { 'content-type': 'application/json' }): StepResult {
  return { step: get, sentPath: '/x', status: 200, headers, json, text: JSON.stringify(json), ...over };
}

const configMap = (over: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: {
    name: 'a',
    namespace: 'ns',
    uid: '0f1e2d3c-4b5a-4968-8776-655443322110',
    resourceVersion: '17',
    creationTimestamp: '2024-01-01T00:00:00Z',
    managedFields: [{ manager: 'curl', operation: 'Update', time: '2024-01-01T00:00:00Z' }],
    ...metadata,
  },
  data: { k: 'v' },
  ...over,
});

test('api-diff normalization blanks what varies between servers', () => {
  const a = configMap();
  const b = configMap({}, {
    uid: '99999999-8888-4777-8666-555555555555',
    resourceVersion: '4242',
    creationTimestamp: '2030-05-05T05:05:05Z',
    managedFields: [{ manager: 'curl', operation: 'Update', time: '2030-05-05T05:05:06Z' }],
  });
  assert.deepEqual(compareViews(stepView(result(a)), stepView(result(b))), []);
  assert.deepEqual(normalizeObject(a), {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: { name: 'a', namespace: 'ns', uid: '<uid>', resourceVersion: '<resourceVersion>', creationTimestamp: '<time>', managedFields: [{ manager: 'curl', operation: 'Update', time: '<time>' }] },
    data: { k: 'v' },
  });
  // managedFields are compared but for their times.
  assert.equal(compareViews(stepView(result(a)), stepView(result(configMap({}, { managedFields: [] })))).length > 0, true);
  // A name made from generateName, and its copies.
  const gen = (name: string): Record<string, unknown> => configMap({}, { name, generateName: 'web-', labels: { copy: name } });
  assert.deepEqual(compareViews(stepView(result(gen('web-abcde'))), stepView(result(gen('web-xyz12')))), []);
  // Allocated Service addresses keep their presence only.
  const svc = (ip: string, nodePort: number): Record<string, unknown> => ({ kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80, nodePort }] } });
  assert.deepEqual(compareViews(stepView(result(svc('10.96.3.4', 30001))), stepView(result(svc('10.0.0.9', 32000)))), []);
  assert.deepEqual(normalizeObject({ kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: 'None' } }), { kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: 'None' } });
  // The OpenShift carry patch's extra token-volume source is not upstream behaviour.
  const pod = (sources: unknown[]): Record<string, unknown> => ({ kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'kube-api-access-abcde', projected: { sources } }] } });
  const upstream = [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }];
  assert.deepEqual(compareViews(stepView(result(pod([...upstream, { configMap: { name: 'openshift-service-ca.crt' } }]))), stepView(result(pod(upstream)))), []);
  assert.equal(compareViews(stepView(result(pod(upstream))), stepView(result(pod(upstream.slice(0, 1))))).length > 0, true);
  // null and absent read alike; server-written times in status are blanked.
  assert.deepEqual(normalizeObject({ kind: 'X', spec: { template: { metadata: { creationTimestamp: null } } }, status: { conditions: [{ lastTransitionTime: '2024-01-01T00:00:00Z' }] } }), {
    kind: 'X',
    spec: { template: { metadata: {} } },
    status: { conditions: [{ lastTransitionTime: '<time>' }] },
  });
});

test('api-diff normalization keeps every other difference visible', () => {
  const diff = compareViews(stepView(result(configMap())), stepView(result(configMap({ data: { k: 'w' } }, { generation: 1, labels: {} }))));
  assert.deepEqual(diff, ['body.object.metadata.generation: reference <absent>, kite 1', 'body.object.metadata.labels: reference <absent>, kite {}', 'body.object.data.k: reference "v", kite "w"']);
  // Status: code, reason, causes and message all count; an empty group and no group read alike.
  const status = (reason: string, causes: unknown[], group?: string): Record<string, unknown> => ({
    kind: 'Status',
    status: 'Failure',
    code: 422,
    reason,
    message: 'm',
    details: { name: 'a', kind: 'ConfigMap', ...(group === undefined ? {} : { group }), causes },
  });
  const cause = { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'bad' };
  assert.deepEqual(compareViews(stepView(result(status('Invalid', [cause]), { status: 422 })), stepView(result(status('Invalid', [cause], ''), { status: 422 }))), []);
  assert.deepEqual(compareViews(stepView(result(status('Invalid', [cause]), { status: 422 })), stepView(result(status('Invalid', []), { status: 422 }))), [
    'body.details.causes: reference has 1 entries, kite 0',
    'body.details.causes[0]: reference {"reason":"FieldValueInvalid","field":"metadata.name","message":"bad"}, kite <absent>',
  ]);
  // A Status where an object was expected is one line.
  const lines = compareViews(stepView(result(configMap())), stepView(result(status('Invalid', []), { status: 422 })));
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^code: reference 200, kite 422$/);
  assert.match(lines[1]!, /^body: reference \{"shape":"object"/);
});

test('api-diff headers: Content-Type without charset=utf-8, Warning texts', () => {
  assert.equal(normalizeContentType('application/json; charset=utf-8'), 'application/json');
  assert.equal(normalizeContentType('application/json;as=Table;v=v1;g=meta.k8s.io'), 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(normalizeContentType('text/plain; charset=utf-8'), 'text/plain');
  assert.deepEqual(warningTexts(['299 - "unknown field \\"bogus\\""', '299 - "a", 299 - "b"']), ['unknown field "bogus"', 'a', 'b']);
  const view = (warning?: string): Json => stepView(result(configMap(), {}, { 'content-type': 'application/json', ...(warning ? { warning } : {}) }));
  assert.deepEqual(compareViews(view('299 - "x"'), view()), ['warnings: reference has 1 entries, kite 0', 'warnings[0]: reference "x", kite <absent>']);
});

test('api-diff Tables compare columns and cells, with durations and uids blanked', () => {
  const table = (age: string, selector: string, cpu: number): Record<string, unknown> => ({
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '5' },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'd1', priority: 0 },
      { name: 'Age', type: 'string', description: 'd2', priority: 0 },
      { name: 'Selector', type: 'string', description: 'd3', priority: 1 },
      { name: 'CPU', type: 'integer', description: 'd4', priority: 0 },
    ],
    rows: [{ cells: ['a', age, selector, cpu], object: configMap() }],
  });
  assert.deepEqual(compareViews(stepView(result(table('5s', 'controller-uid=0f1e2d3c-4b5a-4968-8776-655443322110', 1))), stepView(result(table('3m', 'controller-uid=99999999-8888-4777-8666-555555555555', 1)))), []);
  assert.deepEqual(compareViews(stepView(result(table('5s', 'x', 1))), stepView(result(table('5s', 'x', 2)))), ['body.rows[0].cells[3]: reference 1, kite 2']);
});

test('api-diff placeholders take values from earlier answers', () => {
  const earlier = new Map<string, StepResult>([['create', result({ metadata: { name: 'web-x1y2z', resourceVersion: '812' }, spec: { ports: [{ nodePort: 31000 }] } })]]);
  assert.equal(substitute('/api/v1/namespaces/{ns}/pods/{ref:create:metadata.name}?rv={rv:create}', 'team', earlier), '/api/v1/namespaces/team/pods/web-x1y2z?rv=812');
  assert.equal(substitute('{ref:create:spec.ports.0.nodePort}', 'team', earlier), '31000');
  assert.equal(substitute('{rv:missing}', 'team', earlier), '');
});

test('a watch of Tables: durations are blanked in later events too, which carry no columns of their own', () => {
  const watch: Step = { kind: 'watch', id: 'w', path: '/x', events: 2 };
  const table = (columns: boolean, age: string, data: string): Record<string, unknown> => ({
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '17' },
    columnDefinitions: columns ? [{ name: 'Name', type: 'string' }, { name: 'Data', type: 'string' }, { name: 'Age', type: 'string' }] : [],
    rows: [{ cells: ['a', data, age] }],
  });
  const events = (age: string, data = '1'): StepResult =>
    result(undefined, { step: watch, events: [{ type: 'ADDED', object: table(true, '1s', '1') }, { type: 'MODIFIED', object: table(false, age, data) }] });
  assert.deepEqual(compareViews(stepView(events('1s')), stepView(events('2s'))), []);
  // The other cells of a later event still count.
  assert.equal(compareViews(stepView(events('1s')), stepView(events('1s', '2'))).length > 0, true);
});

test('an object quoted in a Status message is compared as JSON: key order and what varies aside, a changed value still shows', () => {
  const quoting = (o: Record<string, unknown>): Record<string, unknown> => {
    const message = `Invalid value: ${JSON.stringify(JSON.stringify(o))}: strict decoding error: unknown field "bogus"`;
    return { kind: 'Status', status: 'Failure', code: 422, reason: 'Invalid', message: ` "" is invalid: patch: ${message}`, details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch', message }] } };
  };
  const go = configMap({ bogus: 2 });
  // The same object, nested keys in another order, another uid and resourceVersion.
  const kite = { apiVersion: 'v1', bogus: 2, data: { k: 'v' }, kind: 'ConfigMap', metadata: { ...(go.metadata as object), uid: '99999999-8888-4777-8666-555555555555', resourceVersion: '4242', name: 'a' } };
  const view = (o: Record<string, unknown>) => stepView(result(quoting(o), { status: 422 }));
  assert.deepEqual(compareViews(view(go), view(kite)), []);
  const changed = compareViews(view(go), view({ ...kite, data: { k: 'w' } }));
  assert.deepEqual(changed.map((l) => l.split(':')[0]), ['body.message', 'body.details.causes[0].message']);
});
