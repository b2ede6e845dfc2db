import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { get, patch, post, put } from './steps.js';

/** ConfigMaps, Secrets and ServiceAccounts (core/v1). */

const configmaps: Fixture = {
  id: 'configmaps',
  collection: '/api/v1/namespaces/{ns}/configmaps',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'ConfigMap',
  content: { data: { color: 'blue' } },
};

const secrets: Fixture = {
  id: 'secrets',
  collection: '/api/v1/namespaces/{ns}/secrets',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'Secret',
  content: { type: 'Opaque', data: { password: 'czNjcmV0' } },
};

const serviceaccounts: Fixture = {
  id: 'serviceaccounts',
  collection: '/api/v1/namespaces/{ns}/serviceaccounts',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  content: {},
};

const cm = (name: string, rest: { readonly [k: string]: Json } = {}, metadata: { readonly [k: string]: Json } = {}): Json => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...metadata },
  ...rest,
});
const secret = (name: string, rest: { readonly [k: string]: Json } = {}): Json => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...rest });
const cmPath = '/api/v1/namespaces/{ns}/configmaps';
const secretPath = '/api/v1/namespaces/{ns}/secrets';

/** One invalid ConfigMap create per case: the object metadata rules every kind shares, and ConfigMap's own. */
const invalidConfigMaps: ReadonlyArray<[string, string, Json]> = [
  ['name-uppercase', 'a name with capitals and an underscore', cm('Bad_Name')],
  ['name-too-long', 'a 254-character name', cm('a'.repeat(254))],
  ['name-dot-dot', 'a name with an empty DNS label', cm('a..b')],
  ['label-key-space', 'a label key with a space', cm('a', {}, { labels: { 'bad key': 'x' } })],
  ['label-key-prefix', 'a label key whose prefix is not a DNS subdomain', cm('a', {}, { labels: { 'Bad_Prefix/key': 'x' } })],
  ['label-key-long', 'a label key whose name part is 64 characters', cm('a', {}, { labels: { ['k'.repeat(64)]: 'x' } })],
  ['label-value-long', 'a 64-character label value', cm('a', {}, { labels: { key: 'v'.repeat(64) } })],
  ['label-value-chars', 'a label value with a space and a trailing dash', cm('a', {}, { labels: { key: 'a b-' } })],
  ['annotation-key', 'an annotation key with a space', cm('a', {}, { annotations: { 'bad key': 'x' } })],
  ['annotations-too-big', 'annotations over 256 KiB in total', cm('a', {}, { annotations: { big: 'x'.repeat(262_145) } })],
  ['data-key', 'a data key with a space', cm('a', { data: { 'bad key': 'x' } })],
  ['data-key-dotdot', 'a data key that is ..', cm('a', { data: { '..': 'x' } })],
  ['data-binary-overlap', 'the same key in data and binaryData', cm('a', { data: { k: 'x' }, binaryData: { k: 'eA==' } })],
  ['too-big', 'data over 1 MiB', cm('a', { data: { big: 'x'.repeat(1_048_577) } })],
  ['finalizer', 'a finalizer that is not a qualified name', cm('a', {}, { finalizers: ['bad finalizer'] })],
  ['owner-no-uid', 'an ownerReference without uid', cm('a', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner' }] })],
  ['owner-two-controllers', 'two ownerReferences that both say controller', cm('a', {}, {
    ownerReferences: [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'o1', uid: '11111111-1111-1111-1111-111111111111', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'o2', uid: '22222222-2222-2222-2222-222222222222', controller: true },
    ],
  })],
  ['generate-name', 'a generateName that cannot start a DNS subdomain', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'Bad_' } }],
];

const invalidSecrets: ReadonlyArray<[string, string, Json]> = [
  ['tls-missing-key', 'a kubernetes.io/tls Secret without tls.key', secret('a', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } })],
  ['sa-token-no-annotation', 'a service-account-token Secret without the service-account annotation', secret('a', { type: 'kubernetes.io/service-account-token' })],
  ['dockerconfigjson-missing', 'a dockerconfigjson Secret without .dockerconfigjson', secret('a', { type: 'kubernetes.io/dockerconfigjson', data: {} })],
  ['dockerconfigjson-not-json', 'a dockerconfigjson Secret whose .dockerconfigjson is not JSON', secret('a', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'bm90IGpzb24=' } })],
  ['basic-auth-empty', 'a basic-auth Secret with neither username nor password', secret('a', { type: 'kubernetes.io/basic-auth', data: {} })],
  ['ssh-auth-missing', 'an ssh-auth Secret without ssh-privatekey', secret('a', { type: 'kubernetes.io/ssh-auth', data: {} })],
  ['data-key', 'a data key with a slash', secret('a', { data: { 'a/b': 'eA==' } })],
  ['string-data-key', 'a stringData key with a space', secret('a', { stringData: { 'a b': 'x' } })],
  ['too-big', 'data over 1 MiB', secret('a', { data: { big: Buffer.alloc(1_048_577, 120).toString('base64') } })],
];

const handWritten: DiffCase[] = [
  ...invalidConfigMaps.map(([id, title, body]): DiffCase => ({
    id: `configmaps-invalid-${id}`,
    title: `ConfigMap create is Invalid: ${title}`,
    steps: [post('create', cmPath, body), get('list', cmPath)],
  })),
  ...invalidSecrets.map(([id, title, body]): DiffCase => ({
    id: `secrets-invalid-${id}`,
    title: `Secret create is Invalid: ${title}`,
    steps: [post('create', secretPath, body)],
  })),
  {
    id: 'configmaps-binary-not-base64',
    title: 'ConfigMap binaryData that is not base64 is a decoding error',
    steps: [post('create', cmPath, cm('a', { binaryData: { k: 'not base64!' } }))],
  },
  {
    id: 'configmaps-immutable',
    title: 'an immutable ConfigMap refuses data changes and cannot become mutable again, but takes label changes',
    steps: [
      post('create', cmPath, cm('frozen', { data: { k: 'v' }, immutable: true })),
      patch('change-data', `${cmPath}/frozen`, 'merge', { data: { k: 'w' } }),
      patch('unfreeze', `${cmPath}/frozen`, 'merge', { immutable: false }),
      patch('label', `${cmPath}/frozen`, 'merge', { metadata: { labels: { ok: 'yes' } } }),
      put('put-data', `${cmPath}/frozen`, cm('frozen', { data: { k: 'x' }, immutable: true })),
    ],
  },
  {
    id: 'configmaps-update-invalid',
    title: 'an update that breaks validation is Invalid, with the same causes as on create',
    steps: [
      post('create', cmPath, cm('a', { data: { k: 'v' } })),
      put('bad-data-key', `${cmPath}/a`, cm('a', { data: { 'k k': 'v' } })),
      patch('bad-label', `${cmPath}/a`, 'merge', { metadata: { labels: { 'x y': 'z' } } }),
      patch('unknown-field-merge', `${cmPath}/a`, 'merge', { bogus: true }),
      patch('strategic-bad-label', `${cmPath}/a`, 'strategic', { metadata: { labels: { key: 'a b' } } }),
      get('get', `${cmPath}/a`),
    ],
  },
  {
    id: 'configmaps-namespace-missing',
    title: 'create in a namespace that does not exist is NotFound; get and list there answer as the reference does',
    steps: [
      post('create', '/api/v1/namespaces/{ns}-none/configmaps', cm('a')),
      get('get', '/api/v1/namespaces/{ns}-none/configmaps/a'),
      get('list', '/api/v1/namespaces/{ns}-none/configmaps'),
    ],
  },
  {
    id: 'configmaps-all-namespaces',
    title: 'a list across namespaces with a label selector, and a watch across namespaces from a resourceVersion',
    steps: [
      post('create', cmPath, cm('a', { data: { k: 'v' } }, { labels: { case: '{ns}' } })),
      get('list', '/api/v1/configmaps', { query: { labelSelector: 'case={ns}' } }),
      get('list-field-selector', '/api/v1/configmaps', { query: { fieldSelector: 'metadata.namespace={ns}' } }),
      get('list-bad-field-selector', '/api/v1/configmaps', { query: { fieldSelector: 'data.k=v' } }),
      get('list-bad-label-selector', '/api/v1/configmaps', { query: { labelSelector: 'a b c' } }),
      patch('change', `${cmPath}/a`, 'merge', { data: { k: 'w' } }),
      { kind: 'watch', id: 'watch', path: '/api/v1/configmaps', events: 1, query: { resourceVersion: '{rv:create}', labelSelector: 'case={ns}' } },
    ],
  },
  {
    id: 'configmaps-label-selector-syntax',
    title: "label selectors as apimachinery's parser reads them: each operator (gt and lt too), empty sets, the keywords as values, and the parser's and checks' errors",
    steps: [
      post('create-a', cmPath, cm('a', {}, { labels: { tier: 'front', n: '5' } })),
      post('create-b', cmPath, cm('b', {}, { labels: { tier: 'back', n: '12' } })),
      post('create-c', cmPath, cm('c', {}, { labels: { tier: '', n: 'x' } })),
      ...Object.entries({
        gt: 'n>6',
        lt: 'n < 6',
        'gt-not-integer': 'n>x',
        'gt-empty': 'n>',
        'gt-too-big': 'n>99999999999999999999',
        'in-empty': 'tier in ()',
        'in-commas': 'tier in (,front)',
        'in-keyword-value': 'tier in (in, notin)',
        notin: 'tier notin (front)',
        'not-not': '!!',
        'bad-key': 'a_',
        'bad-value': 'tier=front_',
        'bad-values': 'tier in (a_,b_)',
        unclosed: 'tier in (a',
        'in-without-parens': 'tier in a',
        'trailing-comma': 'tier=front,',
        'leading-comma': ',tier',
        'two-commas': 'tier,,n',
        'value-then-word': 'tier=front back',
        'not-with-operator': '!tier=front',
        'operator-then-symbol': 'tier=>1',
        'no-key': '=a',
        'spaces-and-exists': '  tier  =  front  , n ',
      }).map(([id, labelSelector]) => get(id, cmPath, { query: { labelSelector } })),
    ],
  },
  {
    id: 'configmaps-resource-version-match',
    title: 'list with resourceVersion and resourceVersionMatch, and a too-new resourceVersion',
    steps: [
      post('create', cmPath, cm('a')),
      get('list-exact', cmPath, { query: { resourceVersion: '{rv:create}', resourceVersionMatch: 'Exact' } }),
      get('list-not-older', cmPath, { query: { resourceVersion: '{rv:create}', resourceVersionMatch: 'NotOlderThan' } }),
      get('list-match-without-rv', cmPath, { query: { resourceVersionMatch: 'Exact' } }),
      get('list-bad-match', cmPath, { query: { resourceVersion: '1', resourceVersionMatch: 'Sometimes' } }),
      get('list-rv-zero', cmPath, { query: { resourceVersion: '0' } }),
      get('get-rv-zero', `${cmPath}/a`, { query: { resourceVersion: '0' } }),
    ],
  },
  {
    id: 'configmaps-watch-field-selector',
    title: 'a watch by metadata.name from a resourceVersion sees only that object',
    steps: [
      post('create-a', cmPath, cm('a')),
      post('create-b', cmPath, cm('b')),
      patch('change-b', `${cmPath}/b`, 'merge', { data: { x: 'y' } }),
      patch('change-a', `${cmPath}/a`, 'merge', { data: { x: 'y' } }),
      { kind: 'watch', id: 'watch', path: cmPath, events: 1, query: { resourceVersion: '{rv:create-a}', fieldSelector: 'metadata.name=a' } },
    ],
  },
  {
    id: 'secrets-string-data',
    title: 'stringData is merged into data as base64 and not stored; type defaults to Opaque; type cannot change',
    steps: [
      post('create', secretPath, secret('a', { stringData: { user: 'admin' }, data: { pass: 'cHc=' } })),
      get('get', `${secretPath}/a`),
      patch('string-data-patch', `${secretPath}/a`, 'merge', { stringData: { user: 'root' } }),
      patch('change-type', `${secretPath}/a`, 'merge', { type: 'kubernetes.io/basic-auth' }),
      get('get-metadata', `${secretPath}/a`, { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' }),
    ],
  },
  {
    id: 'secrets-data-not-base64',
    title: 'Secret data that is not base64 is a decoding error',
    steps: [post('create', secretPath, secret('a', { data: { k: '!!!' } }))],
  },
  {
    id: 'secrets-immutable',
    title: 'an immutable Secret refuses data changes',
    steps: [
      post('create', secretPath, secret('frozen', { data: { k: 'dg==' }, immutable: true })),
      patch('change-data', `${secretPath}/frozen`, 'merge', { data: { k: 'dw==' } }),
      patch('unfreeze', `${secretPath}/frozen`, 'merge', { immutable: false }),
    ],
  },
  {
    id: 'secrets-typed-valid',
    title: 'valid tls, basic-auth and dockerconfigjson Secrets',
    steps: [
      post('tls', secretPath, secret('tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } })),
      post('basic', secretPath, secret('basic', { type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } })),
      post('docker', secretPath, secret('docker', { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } })),
      post('custom-type', secretPath, secret('custom', { type: 'example.com/custom', data: {} })),
      get('list', secretPath, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
    ],
  },
  {
    id: 'serviceaccounts-fields',
    title: 'a ServiceAccount with secrets, imagePullSecrets and automount; the default one exists',
    steps: [
      post('create', '/api/v1/namespaces/{ns}/serviceaccounts', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'robot' },
        automountServiceAccountToken: false,
        imagePullSecrets: [{ name: 'pull' }],
        secrets: [{ name: 'token' }],
      }),
      get('get-default', '/api/v1/namespaces/{ns}/serviceaccounts/default'),
      get('list', '/api/v1/namespaces/{ns}/serviceaccounts', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
      post('bad-name', '/api/v1/namespaces/{ns}/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'Robot' } }),
    ],
  },
  {
    id: 'serviceaccounts-token',
    title: 'serviceaccounts/token issues a TokenRequest for an existing account, NotFound for a missing one',
    steps: [
      post('token', '/api/v1/namespaces/{ns}/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['api'], expirationSeconds: 3600 } }),
      post('token-missing', '/api/v1/namespaces/{ns}/serviceaccounts/missing/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
      post('token-short', '/api/v1/namespaces/{ns}/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 60 } }),
      post('token-default-expiry', '/api/v1/namespaces/{ns}/serviceaccounts/default/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { labels: { a: 'b' } }, spec: { audiences: ['api'] } }),
    ],
  },
];

export const coreConfigCases: readonly DiffCase[] = [...standardCases(configmaps), ...standardCases(secrets), ...standardCases(serviceaccounts), ...handWritten];
