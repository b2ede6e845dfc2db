import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { Express } from 'express';
import { createApiApp } from '../../api/app.js';
import { insecurePortAuthenticator } from '../../api/authentication/authenticator.js';
import { baseStrategy, resourceInfo } from '../../registry/generic/base-strategy.js';
import { GenericStore } from '../../registry/generic/generic-store.js';
import { KiteRegistry } from '../../registry/registry.js';
import { EmbeddedStoreClient } from '../../storage/client/embedded-client.js';
import { buildMemberConfig, resolveFlags } from '../../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../../storage/embed/run-member.js';
import { tempDir } from '../helpers/processes.js';

/**
 * The API server's HTTP rules with supertest, on the real app, registry and an
 * embedded store on a temp dir: status codes and Status bodies, content
 * negotiation, optimistic concurrency, paging, tables, watch streaming.
 */
let app: Express;
let member: RunningMember;
let registry: KiteRegistry;
let client: EmbeddedStoreClient;
const dir = tempDir('http-rules');

before(async () => {
  const { values, explicit } = resolveFlags({ 'data-dir': dir.path }, {});
  member = await runMember(buildMemberConfig(values, explicit), { serveClients: false });
  client = new EmbeddedStoreClient(member.store, member.watchable);
  registry = new KiteRegistry(client);
  await registry.start();
  // supertest speaks plain HTTP: every request is the privileged system:unsecured user.
  app = createApiApp({ registry, serverAddress: '127.0.0.1:0', authenticator: insecurePortAuthenticator });
});

after(async () => {
  await client.close();
  await member.stop();
  dir.remove();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const base = '/api/v1/namespaces/default/configmaps';

test('create, get, conflict on a stale resourceVersion, NotFound and AlreadyExists as Status', async () => {
  const created = await request(app).post(base).send(cm('one')).expect(201);
  assert.match(created.body.metadata.uid, /^[0-9a-f-]{36}$/);
  const rv = created.body.metadata.resourceVersion as string;
  assert.ok(Number(rv) > 0);
  const dup = await request(app).post(base).send(cm('one')).expect(409);
  assert.deepEqual([dup.body.kind, dup.body.reason, dup.body.code, dup.body.message], ['Status', 'AlreadyExists', 409, 'configmaps "one" already exists']);
  const ok = await request(app).put(`${base}/one`).send({ ...cm('one', { a: '2' }), metadata: { name: 'one', resourceVersion: rv } }).expect(200);
  assert.ok(Number(ok.body.metadata.resourceVersion) > Number(rv));
  const stale = await request(app).put(`${base}/one`).send({ ...cm('one', { a: '3' }), metadata: { name: 'one', resourceVersion: rv } }).expect(409);
  assert.equal(stale.body.reason, 'Conflict');
  const missing = await request(app).get(`${base}/nope`).expect(404);
  assert.deepEqual([missing.body.reason, missing.body.details.name, missing.body.details.kind], ['NotFound', 'nope', 'configmaps']);
  await request(app).post('/api/v1/namespaces/nowhere/configmaps').send(cm('x')).expect(404);
});

test('Invalid 422 with field causes, BadRequest, 405, 413, 415, unknown fields per fieldValidation', async () => {
  const bad = await request(app).post(base).send(cm('Bad_Name')).expect(422);
  assert.equal(bad.body.reason, 'Invalid');
  assert.equal(bad.body.details.causes[0].field, 'metadata.name');
  // A body Kubernetes' decoder cannot take is a BadRequest before any validation, worded as Go's decoder words it.
  const typeErr = await request(app).post('/apis/apps/v1/namespaces/default/deployments').send({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'two' } }).expect(400);
  assert.equal(typeErr.body.message, 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  await request(app).post(`${base}?fieldValidation=Strict`).send({ ...cm('strict'), bogus: 1 }).expect(400);
  const warned = await request(app).post(`${base}?fieldValidation=Warn`).send({ ...cm('warned'), bogus: 1 }).expect(201);
  assert.equal(String(warned.headers.warning), '299 - "unknown field \\"bogus\\""');
  await request(app).post(`${base}/one`).send(cm('one')).expect(405);
  await request(app).post(base).set('Content-Type', 'text/plain').send('hello').expect(415);
  await request(app).post(base).set('Content-Type', 'application/json').send('{not json').expect(400);
  const big = cm('big', { blob: 'x'.repeat(3.2 * 1024 * 1024) });
  await request(app).post(base).send(big).expect(413);
});

test('YAML bodies and YAML responses; dryRun writes nothing', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n';
  await request(app).post(base).set('Content-Type', 'application/yaml').send(yaml).expect(201);
  const got = await request(app).get(`${base}/from-yaml`).set('Accept', 'application/yaml').expect(200);
  assert.match(got.headers['content-type'] ?? '', /application\/yaml/);
  assert.match(got.text, /^ {2}k: v$/m);
  await request(app).post(`${base}?dryRun=All`).send(cm('dry')).expect(201);
  await request(app).get(`${base}/dry`).expect(404);
});

test('patches: merge, JSON and strategic; concurrent patches lose no update', async () => {
  await request(app).post(base).send(cm('counter', { n: '0' })).expect(201);
  await request(app).patch(`${base}/counter`).set('Content-Type', 'application/merge-patch+json').send({ data: { m: 'x' } }).expect(200);
  await request(app).patch(`${base}/counter`).set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/data/j', value: 'y' }]).expect(200);
  // 20 concurrent JSON patches each append one distinct key: all must land.
  await Promise.all(Array.from({ length: 20 }, (_, i) => request(app).patch(`${base}/counter`).set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: `/data/k${i}`, value: String(i) }]).expect(200)));
  const final = await request(app).get(`${base}/counter`).expect(200);
  assert.equal(Object.keys(final.body.data as object).length, 3 + 20);
  await request(app).patch(`${base}/counter`).set('Content-Type', 'application/x-unknown').send('{}').expect(415);
});

test('lists: label and field selectors, limit and continue at one revision, Table output', async () => {
  for (let i = 0; i < 5; i++) await request(app).post(base).send({ ...cm(`page-${i}`), metadata: { name: `page-${i}`, labels: { group: 'pages', idx: String(i) } } }).expect(201);
  const sel = await request(app).get(`${base}?labelSelector=${encodeURIComponent('group=pages,idx in (1,3)')}`).expect(200);
  assert.deepEqual((sel.body.items as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name), ['page-1', 'page-3']);
  const field = await request(app).get(`${base}?fieldSelector=metadata.name%3Dpage-2`).expect(200);
  assert.equal(field.body.items.length, 1);
  const page1 = await request(app).get(`${base}?labelSelector=group%3Dpages&limit=2`).expect(200);
  assert.equal(page1.body.items.length, 2);
  const token = page1.body.metadata.continue as string;
  assert.ok(token);
  await request(app).post(base).send({ ...cm('page-9'), metadata: { name: 'page-9', labels: { group: 'pages' } } }).expect(201);
  const page2 = await request(app).get(`${base}?labelSelector=group%3Dpages&limit=10&continue=${encodeURIComponent(token)}`).expect(200);
  assert.deepEqual((page2.body.items as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name), ['page-2', 'page-3', 'page-4'], 'the later page does not see page-9');
  assert.equal(page2.body.metadata.resourceVersion, page1.body.metadata.resourceVersion);
  const table = await request(app).get(`${base}?labelSelector=group%3Dpages`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json').expect(200);
  assert.equal(table.body.kind, 'Table');
  assert.deepEqual((table.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name), ['Name', 'Data', 'Age']);
  assert.equal(table.body.rows.length, 6);
});

/** The events a watch at path sends until it ends (the path sets timeoutSeconds). */
async function watchEvents(path: string): Promise<Array<{ type: string; object: { metadata: { name: string; deletionGracePeriodSeconds?: number } } }>> {
  const res = await request(app).get(path).buffer(true).parse((r, cb) => {
    let text = '';
    r.on('data', (d: Buffer) => (text += d.toString()));
    r.on('end', () => cb(null, text));
  });
  return String(res.body)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string; deletionGracePeriodSeconds?: number } } });
}

test('watch: resume from a resourceVersion replays what happened since, as NDJSON WatchEvents', async () => {
  const start = await request(app).post(base).send(cm('w1')).expect(201);
  const rv = start.body.metadata.resourceVersion as string;
  await request(app).put(`${base}/w1`).send({ ...cm('w1', { a: 'changed' }), metadata: { name: 'w1' } }).expect(200);
  await request(app).delete(`${base}/w1`).expect(200);
  const events = (await watchEvents(`${base}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`)).filter((e) => e.object.metadata.name === 'w1');
  assert.deepEqual(events.map((e) => e.type), ['MODIFIED', 'DELETED']);
});

test('discovery: /version, /api, /apis, /api/v1 with subresources, /openapi/v3', async () => {
  assert.equal((await request(app).get('/version').expect(200)).body.major, '1');
  assert.deepEqual((await request(app).get('/api').expect(200)).body.versions, ['v1']);
  const apis = await request(app).get('/apis').expect(200);
  assert.ok((apis.body.groups as Array<{ name: string }>).some((g) => g.name === 'apps'));
  const apps = await request(app).get('/apis/apps/v1').expect(200);
  const names = (apps.body.resources as Array<{ name: string }>).map((r) => r.name);
  assert.ok(names.includes('deployments') && names.includes('deployments/status') && names.includes('deployments/scale'));
  const index = await request(app).get('/openapi/v3').expect(200);
  assert.ok(index.body.paths['apis/apps/v1']);
  await request(app).get('/apis/nope/v1').expect(404);
  // Aggregated discovery, which kubectl 1.32 asks for first.
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const agg = await request(app).get('/apis').set('Accept', accept).expect(200);
  assert.match(agg.headers['content-type'] ?? '', /as=APIGroupDiscoveryList/);
  const appsGroup = (agg.body.items as Array<{ metadata: { name: string }; versions: Array<{ resources: Array<{ resource: string; scope: string; subresources?: Array<{ subresource: string }> }> }> }>).find((g) => g.metadata.name === 'apps');
  const deployments = appsGroup?.versions[0]?.resources.find((r) => r.resource === 'deployments');
  assert.equal(deployments?.scope, 'Namespaced');
  assert.deepEqual(deployments?.subresources?.map((s) => s.subresource).sort(), ['scale', 'status']);
  const core = await request(app).get('/api').set('Accept', accept).expect(200);
  assert.ok((core.body.items[0].versions[0].resources as Array<{ resource: string }>).some((r) => r.resource === 'configmaps'));
});

test('a resource added at run time is routed, discovered and described at once, and goes when removed', async () => {
  const info = resourceInfo({ group: 'example.com', version: 'v1', resource: 'notes', singular: 'note', kind: 'ConfigMap', listKind: 'ConfigMapList', namespaced: true, schema: { kind: 'io.k8s.api.core.v1.ConfigMap', list: 'io.k8s.api.core.v1.ConfigMapList' } });
  const strategy = baseStrategy(info);
  const aggAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
  const v3Before = (await request(app).get('/openapi/v3').expect(200)).body as { paths: Record<string, unknown> };
  assert.equal(v3Before.paths['apis/example.com/v1'], undefined);
  await request(app).get('/apis/example.com/v1/namespaces/default/notes').expect(404);

  registry.resourceSet.add(new GenericStore(strategy, { storage: registry.storage, admission: registry.admission, schema: undefined }));
  try {
    await request(app).post('/apis/example.com/v1/namespaces/default/notes').send({ metadata: { name: 'n1' }, data: { a: 'b' } }).expect(201);
    const listed = await request(app).get('/apis/example.com/v1/namespaces/default/notes').expect(200);
    assert.deepEqual((listed.body.items as { metadata: { name: string } }[]).map((o) => o.metadata.name), ['n1']);
    const groups = (await request(app).get('/apis').expect(200)).body.groups as { name: string; preferredVersion: { version: string } }[];
    assert.equal(groups.find((g) => g.name === 'example.com')?.preferredVersion.version, 'v1');
    const resources = (await request(app).get('/apis/example.com/v1').expect(200)).body.resources as { name: string }[];
    assert.deepEqual(resources.map((r) => r.name), ['notes']);
    const agg = (await request(app).get('/apis').set('Accept', aggAccept).expect(200)).body.items as { metadata: { name: string } }[];
    assert.ok(agg.some((g) => g.metadata.name === 'example.com'), 'aggregated discovery has the group');
    const v3 = (await request(app).get('/openapi/v3').expect(200)).body as { paths: Record<string, { serverRelativeURL: string }> };
    const doc = await request(app).get(v3.paths['apis/example.com/v1']!.serverRelativeURL).expect(200);
    assert.ok(doc.body.paths['/apis/example.com/v1/namespaces/{namespace}/notes/{name}'], 'OpenAPI v3 describes it');
    const v2 = await request(app).get('/openapi/v2').expect(200);
    assert.ok(JSON.parse(v2.text).paths['/apis/example.com/v1/namespaces/{namespace}/notes'], 'OpenAPI v2 describes it');
  } finally {
    registry.resourceSet.remove('example.com', 'v1', 'notes');
  }
  await request(app).get('/apis/example.com/v1/namespaces/default/notes').expect(404);
  await request(app).get('/apis/example.com/v1').expect(404);
  assert.ok(!((await request(app).get('/apis').expect(200)).body.groups as { name: string }[]).some((g) => g.name === 'example.com'));
  assert.equal(((await request(app).get('/openapi/v3').expect(200)).body as { paths: Record<string, unknown> }).paths['apis/example.com/v1'], undefined);
  assert.equal(JSON.parse((await request(app).get('/openapi/v2').expect(200)).text).paths['/apis/example.com/v1/namespaces/{namespace}/notes'], undefined);
});

test('health checks by name, verbose and excluded; metrics with kube-apiserver names', async () => {
  assert.equal((await request(app).get('/readyz').expect(200)).text, 'ok');
  const verbose = (await request(app).get('/readyz?verbose').expect(200)).text;
  assert.match(verbose, /^\[\+\]ping ok$/m);
  assert.match(verbose, /^readyz check passed$/m);
  assert.match((await request(app).get('/livez?verbose&exclude=ping').expect(200)).text, /^\[\+\]ping excluded: ok$/m);
  assert.equal((await request(app).get('/livez/ping').expect(200)).text, 'ok');
  await request(app).get('/livez/nope').expect(404);
  await request(app).get('/api/v1/namespaces/default/configmaps').expect(200);
  const metrics = (await request(app).get('/metrics').expect(200)).text;
  assert.match(metrics, /^apiserver_request_total\{verb="LIST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",code="200"\} \d+$/m);
  assert.match(metrics, /^apiserver_request_duration_seconds_bucket\{le="0\.005",verb="LIST"/m);
  assert.match(metrics, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m);
});

test('gzip as kube-apiserver: bodies over 128 KiB when asked, /metrics whenever asked, /openapi/v2 from a kept gzip; the unzipped body is the plain one', async () => {
  await request(app).post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gzip' } }).expect(201);
  const path = '/api/v1/namespaces/gzip/configmaps';
  for (let i = 0; i < 3; i++) await request(app).post(path).send(cm(`c${i}`, { fill: 'x'.repeat(50_000) })).expect(201);
  const plain = await request(app).get(path).set('Accept-Encoding', 'identity').expect(200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.ok(plain.text.length > 150_000 && plain.text.length < 200_000, `a list of ${plain.text.length} bytes`);
  const zipped = await request(app).get(path).set('Accept-Encoding', 'gzip').expect(200);
  assert.deepEqual([zipped.headers['content-encoding'], zipped.headers['vary']], ['gzip', 'Accept-Encoding']);
  assert.deepEqual(zipped.body, plain.body);
  for (const notAsked of ['gzip;q=1', 'GZIP', 'x-gzip', '*']) {
    assert.equal((await request(app).get(path).set('Accept-Encoding', notAsked).expect(200)).headers['content-encoding'], undefined, notAsked);
  }
  assert.equal((await request(app).get(`${path}?limit=2`).set('Accept-Encoding', 'deflate, gzip').expect(200)).headers['content-encoding'], undefined, 'two items: under 128 KiB');
  assert.equal((await request(app).get(`${path}/c0`).set('Accept-Encoding', 'gzip').expect(200)).headers['content-encoding'], undefined);

  const metrics = await request(app).get('/metrics').set('Accept-Encoding', 'gzip').expect(200);
  assert.equal(metrics.headers['content-encoding'], 'gzip');
  assert.match(metrics.text, /^apiserver_request_total\{/m);

  const v2 = (await request(app).get('/openapi/v2').set('Accept-Encoding', 'identity').expect(200)).text;
  for (let i = 0; i < 2; i++) {
    const z = await request(app).get('/openapi/v2').set('Accept-Encoding', 'gzip').buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    }).expect(200);
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(z.body, v2);
  }
});

test('fieldValidation=Strict: an unknown field from a JSON or merge patch is 422 on field patch quoting the patched object, from a create 400', async () => {
  await request(app).post(base).send(cm('strict')).expect(201);
  const created = await request(app).post(`${base}?fieldValidation=Strict`).send({ ...cm('strict2'), bogus: 1 }).expect(400);
  assert.equal(created.body.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  for (const [type, body] of [
    ['application/merge-patch+json', { bogus: 2 }],
    ['application/json-patch+json', [{ op: 'add', path: '/bogus', value: 2 }]],
  ] as const) {
    const r = await request(app).patch(`${base}/strict?fieldValidation=Strict`).set('Content-Type', type).send(body).expect(422);
    assert.equal(r.body.reason, 'Invalid', type);
    const cause = r.body.details.causes[0] as { reason: string; field: string; message: string };
    assert.deepEqual([cause.reason, cause.field, r.body.details.kind, r.body.details.name], ['FieldValueInvalid', 'patch', undefined, undefined]);
    assert.equal(r.body.message, ` "" is invalid: patch: ${cause.message}`);
    const quoted = /^Invalid value: "(.*)": strict decoding error: unknown field "bogus"$/.exec(cause.message);
    assert.ok(quoted, cause.message);
    const patched = JSON.parse(JSON.parse(`"${quoted[1]}"`) as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(patched), ['apiVersion', 'bogus', 'data', 'kind', 'metadata'], 'top-level keys sorted, as Go re-encodes the merged object');
    assert.deepEqual(patched.data, { a: '1' });
  }
  await request(app).patch(`${base}/strict?fieldValidation=Warn`).set('Content-Type', 'application/merge-patch+json').send({ bogus: 2 }).expect(200);
  assert.equal((await request(app).get(`${base}/strict`).expect(200)).body.bogus, undefined);
});

test('a DaemonSet\'s template generation: 1 on create, the same after updates that leave the template as it was, +1 when it changes; not in metadata-only views', async () => {
  const path = '/apis/apps/v1/namespaces/default/daemonsets';
  const labels = { app: 'agent' };
  const ds = (image: string, extra: Record<string, string> = {}) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', labels: extra }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image }] } } } });
  const generation = (o: { metadata: { annotations?: Record<string, string> } }) => o.metadata.annotations?.['deprecated.daemonset.template.generation'];
  assert.equal(generation((await request(app).post(path).send(ds('a:1')).expect(201)).body), '1');
  // The same template as sent at first, without the defaults the stored one has: unchanged.
  assert.equal(generation((await request(app).put(`${path}/agent`).send(ds('a:1', { step: 'relabel' })).expect(200)).body), '1');
  assert.equal(generation((await request(app).patch(`${path}/agent`).set('Content-Type', 'application/merge-patch+json').send({ metadata: { labels: { step: 'patch' } } }).expect(200)).body), '1');
  assert.equal(generation((await request(app).put(`${path}/agent`).send(ds('a:2')).expect(200)).body), '2');
  const partial = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io';
  const meta = (await request(app).get(`${path}/agent`).set('Accept', partial).expect(200)).body;
  assert.deepEqual([meta.kind, meta.metadata.annotations], ['PartialObjectMetadata', undefined]);
  const list = (await request(app).get(path).set('Accept', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io').expect(200)).body;
  assert.equal(list.items[0].metadata.annotations, undefined);
  const table = (await request(app).get(`${path}?includeObject=Metadata`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
  assert.equal(table.rows[0].object.metadata.annotations, undefined);
  assert.equal(generation((await request(app).get(`${path}/agent`).expect(200)).body), '2', 'the object itself keeps it');
});

test('deleting a pod no node runs marks it (deletionTimestamp, grace period 0), then removes it: watchers see MODIFIED, then DELETED', async () => {
  const pods = '/api/v1/namespaces/default/pods';
  // ServiceAccount admission wants the pod's account; no controller makes it here.
  await request(app).post('/api/v1/namespaces/default/serviceaccounts').send({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  const created = await request(app).post(pods).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gone' }, spec: { containers: [{ name: 'c', image: 'i' }] } }).expect(201);
  const deleted = await request(app).delete(`${pods}/gone`).expect(200);
  assert.equal(deleted.body.metadata.deletionGracePeriodSeconds, 0);
  assert.match(deleted.body.metadata.deletionTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  await request(app).get(`${pods}/gone`).expect(404);
  const events = (await watchEvents(`${pods}?watch=1&resourceVersion=${created.body.metadata.resourceVersion as string}&timeoutSeconds=1`)).filter((e) => e.object.metadata.name === 'gone');
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.deletionGracePeriodSeconds]), [['MODIFIED', 0], ['DELETED', 0]]);
});

test('request options refused before any answer as kube-apiserver refuses them: a watch selector, a Table includeObject; a negative limit is no limit', async () => {
  const bad = await request(app).get(`${base}?watch=1&labelSelector=${encodeURIComponent('!!')}`).expect(400);
  assert.equal(bad.body.reason, 'BadRequest');
  const table = await request(app).get(`${base}?includeObject=All`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(400);
  assert.equal(table.body.message, `Unable to convert to Table as requested: includeObject: Invalid value: "All": must be 'Metadata', 'Object', 'None', or empty`);
  await request(app).get(`${base}?watch=1&includeObject=All`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(400);
  const all = (await request(app).get(base).expect(200)).body.items.length as number;
  assert.equal((await request(app).get(`${base}?limit=-1`).expect(200)).body.items.length, all);
  assert.equal((await request(app).get(`${base}?limit=ten`).expect(400)).body.message, 'strconv.ParseInt: parsing "ten": invalid syntax');
});

test('subresource errors in kube-apiserver\'s words: an eviction naming another pod, the scale of a missing Deployment, a uid precondition on an events.k8s.io Event', async () => {
  const evict = await request(app).post('/api/v1/namespaces/default/pods/p/eviction').send({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } }).expect(400);
  assert.equal(evict.body.message, 'name in URL does not match name in Eviction object');
  const scale = await request(app).get('/apis/apps/v1/namespaces/default/deployments/missing/scale').expect(404);
  assert.deepEqual([scale.body.message, scale.body.details.kind], ['deployments/scale.apps "missing" not found', 'deployments/scale']);
  const events = '/apis/events.k8s.io/v1/namespaces/default/events';
  await request(app).post(events).send({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'pre' }, eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'x/y', reportingInstance: 'i', action: 'A', reason: 'R', type: 'Normal' }).expect(201);
  const uid = '00000000-0000-0000-0000-000000000000';
  const conflict = await request(app).delete(`${events}/pre`).send({ preconditions: { uid } }).expect(409);
  assert.match(conflict.body.message, /^Operation cannot be fulfilled on Event "pre": the UID in the precondition/);
  assert.equal(conflict.body.details.group, '');
});

test('the deprecated watch paths: /api/v1/watch/... watches what follows, by name too', async () => {
  const start = await request(app).post(base).send(cm('legacy-a')).expect(201);
  await request(app).post(base).send(cm('legacy-b')).expect(201);
  const read = async (path: string) => (await watchEvents(path)).map((e) => e.object.metadata.name);
  const rv = start.body.metadata.resourceVersion as string;
  assert.deepEqual(await read(`/api/v1/watch/namespaces/default/configmaps?resourceVersion=${rv}&timeoutSeconds=1`), ['legacy-b']);
  assert.deepEqual(await read(`/api/v1/watch/namespaces/default/configmaps/legacy-a?resourceVersion=0&timeoutSeconds=1`), ['legacy-a']);
  await request(app).get('/api/v1/watch/namespaces/default/configmaps/legacy-a?fieldSelector=metadata.name%3Dlegacy-b').expect(400);
});

test('a strict patch\'s 422 quotes the patched object but never a Secret\'s values', async () => {
  const secrets = '/api/v1/namespaces/default/secrets';
  await request(app).post(secrets).send({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'quiet' }, stringData: { password: 'hunter2' } }).expect(201);
  const r = await request(app).patch(`${secrets}/quiet?fieldValidation=Strict`).set('Content-Type', 'application/merge-patch+json').send({ bogus: 1, stringData: { token: 'abc' } }).expect(422);
  const text = JSON.stringify(r.body);
  for (const secret of ['hunter2', Buffer.from('hunter2').toString('base64'), 'abc']) assert.ok(!text.includes(secret), `the answer quotes ${secret}`);
  assert.match(r.body.message, /\\"data\\":\{\\"password\\":\\"<redacted>\\"\}/);
  assert.match(r.body.message, /unknown field "bogus"/);
});
