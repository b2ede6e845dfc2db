import type { DiffCase, Json } from '../case.js';
import { asPartialList, asTable, del, get, post, put } from './steps.js';

/**
 * The API machinery every resource shares, shown on ConfigMaps: unknown paths,
 * methods and media types, bodies that do not parse, Table options, watch
 * variants, deletecollection and list options.
 */

const cmPath = '/api/v1/namespaces/{ns}/configmaps';
const cm = (name: string, labels: Readonly<Record<string, string>> = {}): Json => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { k: 'v' },
});
/** A ConfigMap whose JSON is over 128 KiB: kube-apiserver gzips it for a client that asks. */
const bigCm = (name: string, fill: string): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { big: fill.repeat(140_000) } });

export const apiMachineryCases: readonly DiffCase[] = [
  {
    id: 'componentstatuses-verbs',
    title: "componentstatuses: read-only (a write is 405), a missing part is 404, each answer carries the deprecation Warning (the parts' health depends on what runs beside each server, so it is not compared)",
    steps: [
      get('get-missing', '/api/v1/componentstatuses/no-such-part'),
      del('delete', '/api/v1/componentstatuses/scheduler'),
      post('create', '/api/v1/componentstatuses', { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'mine' } }),
      put('update', '/api/v1/componentstatuses/etcd-0', { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'etcd-0' } }),
      get('get-etcd', '/api/v1/componentstatuses/etcd-0'),
    ],
  },
  {
    id: 'api-unknown-paths',
    title: 'unknown resources, groups, versions and subresources are NotFound, and a DELETE of one leaves the namespace alone',
    steps: [
      get('unknown-resource', '/api/v1/namespaces/{ns}/widgets'),
      get('unknown-resource-object', '/api/v1/namespaces/{ns}/widgets/w'),
      get('unknown-group', '/apis/example.com/v1/namespaces/{ns}/widgets'),
      get('unknown-version', '/apis/apps/v7/namespaces/{ns}/deployments'),
      get('unknown-subresource', `${cmPath}/a/status`),
      get('cluster-scoped-under-namespace', '/api/v1/namespaces/{ns}/nodes'),
      get('namespaced-kind-at-root', '/api/v1/configmaps/a'),
      get('not-an-api-path', '/apis-nope'),
      // A DELETE under a namespace of a resource no one serves must not touch the namespace.
      del('delete-unknown-resource', '/api/v1/namespaces/{ns}/widgets'),
      get('namespace-still-there', '/api/v1/namespaces/{ns}'),
    ],
  },
  {
    id: 'api-methods-media-types',
    title: 'a method a path does not allow, an Accept type no one serves, a body type no one reads',
    steps: [
      post('create', cmPath, cm('a')),
      { kind: 'request', id: 'put-collection', method: 'PUT', path: cmPath, body: cm('a') },
      { kind: 'request', id: 'post-object', method: 'POST', path: `${cmPath}/a`, body: cm('a') },
      get('accept-xml', `${cmPath}/a`, { accept: 'application/xml' }),
      get('accept-any', `${cmPath}/a`, { accept: '*/*' }),
      get('accept-yaml-or-json', `${cmPath}/a`, { accept: 'application/foo, application/json;q=0.9' }),
      { kind: 'request', id: 'post-text', method: 'POST', path: cmPath, contentType: 'text/plain', rawBody: 'name=b' },
      { kind: 'request', id: 'post-yaml', method: 'POST', path: cmPath, contentType: 'application/yaml', rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n' },
      { kind: 'request', id: 'post-yaml-broken', method: 'POST', path: cmPath, contentType: 'application/yaml', rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n' },
      { kind: 'request', id: 'post-empty', method: 'POST', path: cmPath, rawBody: '' },
      { kind: 'request', id: 'post-deep', method: 'POST', path: cmPath, rawBody: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}` },
      // Within Go's depth limit, but deeper than a recursive JavaScript copy survives.
      { kind: 'request', id: 'post-deep-in-typed-field', method: 'POST', path: cmPath, rawBody: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'{"a":'.repeat(9_000)}1${'}'.repeat(9_000)}}` },
      { kind: 'request', id: 'post-deep-in-unknown-field', method: 'POST', path: cmPath, rawBody: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"bogus":${'['.repeat(9_000)}${']'.repeat(9_000)}}` },
      { kind: 'request', id: 'post-not-utf8-json', method: 'POST', path: cmPath, rawBody: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"\\ud800"}}' },
    ],
  },
  {
    id: 'api-table-options',
    title: 'Tables with includeObject None, Object and Metadata, paged Tables, and a Table of an empty list',
    steps: [
      post('create-a', cmPath, cm('a')),
      post('create-b', cmPath, cm('b')),
      get('include-none', cmPath, { accept: asTable, query: { includeObject: 'None' } }),
      get('include-object', cmPath, { accept: asTable, query: { includeObject: 'Object' } }),
      get('include-bad', cmPath, { accept: asTable, query: { includeObject: 'All' } }),
      get('paged', cmPath, { accept: asTable, query: { limit: '1' } }),
      get('empty', cmPath, { accept: asTable, query: { labelSelector: 'none=here' } }),
      get('table-v1beta1', cmPath, { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' }),
      get('table-or-json', cmPath, { accept: `${asTable}, application/json` }),
      get('metadata-list-paged', cmPath, { accept: asPartialList, query: { limit: '1' } }),
    ],
  },
  {
    id: 'api-watch-variants',
    title: 'a watch of one object, the legacy /watch/ path, a watch that times out, a watch with a bad selector, and a metadata-only watch',
    steps: [
      post('create-a', cmPath, cm('a')),
      post('create-b', cmPath, cm('b')),
      { kind: 'request', id: 'change-a', method: 'PATCH', path: `${cmPath}/a`, contentType: 'application/merge-patch+json', body: { data: { k: 'w' } } },
      { kind: 'request', id: 'delete-b', method: 'DELETE', path: `${cmPath}/b` },
      { kind: 'watch', id: 'watch-one', path: cmPath, events: 1, query: { resourceVersion: '{rv:create-a}', fieldSelector: 'metadata.name=a' } },
      { kind: 'watch', id: 'watch-legacy-path', path: '/api/v1/watch/namespaces/{ns}/configmaps', events: 2, query: { resourceVersion: '{rv:create-b}' } },
      { kind: 'watch', id: 'watch-legacy-path-name', path: '/api/v1/watch/namespaces/{ns}/configmaps/a', events: 1, query: { resourceVersion: '{rv:create-b}' } },
      { kind: 'watch', id: 'watch-legacy-path-other-name', path: '/api/v1/watch/namespaces/{ns}/configmaps/a', events: 1, query: { resourceVersion: '{rv:create-b}', fieldSelector: 'metadata.name=b' } },
      { kind: 'watch', id: 'watch-timeout', path: cmPath, events: 2, timeoutMs: 4000, query: { resourceVersion: '{rv:change-a}', timeoutSeconds: '1' } },
      { kind: 'watch', id: 'watch-bad-selector', path: cmPath, events: 1, query: { labelSelector: '!!' } },
      { kind: 'watch', id: 'watch-metadata', path: cmPath, events: 2, accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io', query: { resourceVersion: '{rv:create-b}' } },
      { kind: 'watch', id: 'watch-table', path: cmPath, events: 2, accept: asTable, query: { resourceVersion: '{rv:create-b}' } },
    ],
  },
  {
    id: 'api-delete-collection-options',
    title: 'deletecollection with dryRun, with a field selector, and of a whole namespace',
    steps: [
      post('create-a', cmPath, cm('a', { tier: 'web' })),
      post('create-b', cmPath, cm('b', { tier: 'db' })),
      post('create-c', cmPath, cm('c', { tier: 'db' })),
      del('dry-run', cmPath, undefined, { query: { dryRun: 'All' } }),
      get('after-dry-run', cmPath),
      del('by-field', cmPath, undefined, { query: { fieldSelector: 'metadata.name=a' } }),
      del('by-label-with-options', cmPath, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' }, { query: { labelSelector: 'tier=db' } }),
      get('after', cmPath),
      del('empty', cmPath),
    ],
  },
  {
    id: 'api-list-options',
    title: 'list options: limit 0 and negative, a continue token from nowhere, selectors with set operators, and limit with a label selector',
    steps: [
      post('create-a', cmPath, cm('a', { tier: 'web', env: 'prod' })),
      post('create-b', cmPath, cm('b', { tier: 'db', env: 'prod' })),
      post('create-c', cmPath, cm('c', { tier: 'db' })),
      get('limit-zero', cmPath, { query: { limit: '0' } }),
      get('limit-negative', cmPath, { query: { limit: '-1' } }),
      get('limit-not-a-number', cmPath, { query: { limit: 'ten' } }),
      get('continue-garbage', cmPath, { query: { continue: 'not-a-token' } }),
      // Tokens that are not base64, or not one of the server's: each refusal as kube-apiserver words it.
      ...Object.entries({
        'continue-not-base64': 'a+b/c',
        'continue-padded': Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"a"}').toString('base64'),
        'continue-other-version': Buffer.from('{"v":"meta.k8s.io/v2","rv":1,"start":"a"}').toString('base64url'),
        'continue-zero-revision': Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'),
        'continue-outside-prefix': Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/"}').toString('base64url'),
        'continue-not-object': Buffer.from('[1,2]').toString('base64url'),
      }).map(([id, token]) => get(id, cmPath, { query: { continue: token } })),
      get('set-in', cmPath, { query: { labelSelector: 'tier in (db,cache)' } }),
      get('set-notin-exists', cmPath, { query: { labelSelector: 'tier notin (web),env' } }),
      get('not-exists', cmPath, { query: { labelSelector: '!env' } }),
      get('limit-with-selector', cmPath, { query: { labelSelector: 'tier=db', limit: '1' } }),
      get('limit-with-selector-next', cmPath, { query: { labelSelector: 'tier=db', limit: '1', continue: '{ref:limit-with-selector:metadata.continue}' } }),
      get('field-not-equal', cmPath, { query: { fieldSelector: 'metadata.name!=a' } }),
    ],
  },
  {
    id: 'api-gzip',
    title: 'a body over 128 KiB is gzipped when Accept-Encoding names gzip; a smaller one, another encoding, a watch are not',
    steps: [
      post('create-big', cmPath, bigCm('big', 'a'), { acceptEncoding: 'gzip' }),
      post('create-small', cmPath, cm('small'), { acceptEncoding: 'gzip' }),
      get('get-big', `${cmPath}/big`, { acceptEncoding: 'gzip, deflate' }),
      get('get-big-identity-then-gzip', `${cmPath}/big`, { acceptEncoding: 'identity, gzip' }),
      get('get-big-no-encoding', `${cmPath}/big`),
      get('get-big-identity', `${cmPath}/big`, { acceptEncoding: 'identity' }),
      get('get-big-quality', `${cmPath}/big`, { acceptEncoding: 'gzip;q=1' }),
      get('get-big-upper-case', `${cmPath}/big`, { acceptEncoding: 'GZIP' }),
      get('get-big-any', `${cmPath}/big`, { acceptEncoding: '*' }),
      get('get-small', `${cmPath}/small`, { acceptEncoding: 'gzip' }),
      get('list', cmPath, { acceptEncoding: 'gzip' }),
      get('list-first-page', cmPath, { query: { limit: '1' }, acceptEncoding: 'gzip' }),
      get('list-second-page', cmPath, { query: { limit: '1', continue: '{ref:list-first-page:metadata.continue}' }, acceptEncoding: 'gzip' }),
      get('table', cmPath, { accept: asTable, acceptEncoding: 'gzip' }),
      get('metadata-only', cmPath, { accept: asPartialList, acceptEncoding: 'gzip' }),
      put('update-big', `${cmPath}/big`, bigCm('big', 'b'), { acceptEncoding: 'gzip' }),
      { kind: 'watch', id: 'watch', path: cmPath, query: { resourceVersion: '{rv:create-big}' }, events: 2, acceptEncoding: 'gzip' },
      del('delete-big', `${cmPath}/big`, undefined, { acceptEncoding: 'gzip' }),
    ],
  },
];
