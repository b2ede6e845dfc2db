import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestInfo } from '../../api/filters/request-info.js';

test('request info as kube-apiserver resolves it: verbs, namespaces and their subresources, names from field selectors', () => {
  const cases: Array<[string, string, Record<string, string>, Partial<ReturnType<typeof requestInfo>>]> = [
    ['GET', '/api/v1/namespaces/a/pods', {}, { verb: 'list', namespace: 'a', resource: 'pods', name: '' }],
    ['GET', '/api/v1/namespaces/a/pods', { watch: 'true' }, { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/a/pods/p/log', {}, { verb: 'get', name: 'p', subresource: 'log' }],
    ['GET', '/api/v1/namespaces/a', {}, { verb: 'get', namespace: 'a', resource: 'namespaces', name: 'a' }],
    ['PUT', '/api/v1/namespaces/a/finalize', {}, { verb: 'update', namespace: 'a', resource: 'namespaces', name: 'a', subresource: 'finalize' }],
    ['PUT', '/api/v1/namespaces/a/status', {}, { verb: 'update', namespace: 'a', resource: 'namespaces', name: 'a', subresource: 'status' }],
    ['GET', '/api/v1/namespaces/a/configmaps', { fieldSelector: 'metadata.name=cm1' }, { verb: 'list', name: 'cm1' }],
    ['GET', '/api/v1/namespaces/a/configmaps', { fieldSelector: 'metadata.name==cm1', watch: '1' }, { verb: 'watch', name: 'cm1' }],
    ['GET', '/api/v1/namespaces/a/configmaps', { fieldSelector: 'metadata.name!=cm1' }, { verb: 'list', name: '' }],
    ['DELETE', '/api/v1/namespaces/a/configmaps', { fieldSelector: 'metadata.name=cm1' }, { verb: 'deletecollection', name: '' }],
    ['POST', '/apis/apps/v1/namespaces/a/deployments', {}, { verb: 'create', group: 'apps', resource: 'deployments' }],
    ['GET', '/apis/apps/v1', {}, { isResourceRequest: false, verb: 'get' }],
    ['GET', '/api/v1/watch/namespaces/a/pods', {}, { verb: 'watch', namespace: 'a', resource: 'pods', name: '' }],
    ['GET', '/apis/apps/v1/watch/namespaces/a/deployments/d', {}, { verb: 'watch', group: 'apps', resource: 'deployments', name: 'd' }],
    ['GET', '/healthz', {}, { isResourceRequest: false, verb: 'get', path: '/healthz' }],
  ];
  for (const [method, path, query, want] of cases) {
    const got = requestInfo(method, path, query, undefined);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${method} ${path} ${JSON.stringify(query)}: ${k}`);
  }
});
