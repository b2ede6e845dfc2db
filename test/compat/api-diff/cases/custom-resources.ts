import type { DiffCase, Json, Step } from '../case.js';
import { asTable, del, get, patch, post, put, waitUntil, watchFrom } from './steps.js';

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) and the custom resources
 * they serve. Each case defines its own API group, {ns}.example.com, so cases
 * never share a CRD; the CRD is cluster-scoped and outlives the case's namespace.
 */

const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const group = '{ns}.example.com';

type Obj = { readonly [k: string]: Json };

/** The schema most cases use: spec.size, spec.color, status.ready, status.replicas. */
const widgetSchema: Obj = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' }, replicas: { type: 'integer' } } },
    status: { type: 'object', properties: { ready: { type: 'boolean' }, replicas: { type: 'integer' }, selector: { type: 'string' } } },
  },
};

interface CrdOptions {
  readonly plural?: string;
  readonly singular?: string;
  readonly kind?: string;
  readonly listKind?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly scope?: string;
  readonly schema?: Obj;
  readonly versions?: readonly Obj[];
  readonly version?: Obj;
  readonly spec?: Obj;
  readonly metadata?: Obj;
  readonly name?: string;
  readonly group?: string;
}

/** A CRD body: widgets.{ns}.example.com, namespaced, one version v1 with widgetSchema, unless options say otherwise. */
function crd(o: CrdOptions = {}): Json {
  const plural = o.plural ?? 'widgets';
  const g = o.group ?? group;
  const names: Record<string, Json> = { plural, singular: o.singular ?? 'widget', kind: o.kind ?? 'Widget' };
  if (o.listKind !== undefined) names.listKind = o.listKind;
  if (o.shortNames !== undefined) names.shortNames = o.shortNames;
  if (o.categories !== undefined) names.categories = o.categories;
  const versions = o.versions ?? [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: o.schema ?? widgetSchema }, ...o.version }];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: o.name ?? `${plural}.${g}`, ...o.metadata },
    spec: { group: g, names, scope: o.scope ?? 'Namespaced', versions, ...o.spec },
  };
}

/** A custom resource body. */
function cr(name: string, rest: Obj = {}, version = 'v1', kind = 'Widget', metadata: Obj = {}): Json {
  return { apiVersion: `${group}/${version}`, kind, metadata: { name, ...metadata }, ...rest };
}

/** Creates the CRD (compared), waits until it is Established and its collection is served, then reads it back. */
function define(body: Json, plural = 'widgets', version = 'v1', collection = `/apis/${group}/${version}/namespaces/{ns}/${plural}`): Step[] {
  return [
    post('create-crd', crds, body),
    waitUntil('established', `${crds}/${plural}.${group}`, 'established'),
    waitUntil('served', collection, 'served'),
    get('get-crd', `${crds}/${plural}.${group}`),
  ];
}

const widgets = `/apis/${group}/v1/namespaces/{ns}/widgets`;

/** A CRD create that must fail: one step. */
function invalidCrd(id: string, title: string, body: Json): DiffCase {
  return { id, title, steps: [post('create', crds, body)] };
}

const validCrdCases: DiffCase[] = [
  {
    id: 'crd-deprecated-versions',
    title: "a deprecated version's requests carry its Warning: the CRD's own text, or kube-apiserver's default one",
    steps: [
      ...define(
        crd({
          versions: [
            { name: 'v1', served: true, storage: true, deprecated: true, schema: { openAPIV3Schema: widgetSchema } },
            { name: 'v2', served: true, storage: false, deprecated: true, deprecationWarning: 'widgets v2 is going away; use v3', schema: { openAPIV3Schema: widgetSchema } },
          ],
        }),
      ),
      waitUntil('served-v2', `/apis/${group}/v2/namespaces/{ns}/widgets`, 'served'),
      post('create-v1', widgets, cr('a', { spec: { size: 1 } })),
      get('list-v2', `/apis/${group}/v2/namespaces/{ns}/widgets`),
      del('delete-v1', `${widgets}/a`),
    ],
  },
  {
    id: 'crd-basic',
    title: 'a namespaced CRD: create, Established with accepted names, then CR create, get, list, update, delete',
    steps: [
      ...define(crd()),
      post('create', widgets, cr('w1', { spec: { size: 3, color: 'red' } })),
      get('get', `${widgets}/w1`),
      get('list', widgets),
      put('update', `${widgets}/w1`, cr('w1', { spec: { size: 4, color: 'red' } }, 'v1', 'Widget', { resourceVersion: '{rv:create}' })),
      put('update-stale', `${widgets}/w1`, cr('w1', { spec: { size: 5 } }, 'v1', 'Widget', { resourceVersion: '{rv:create}' })),
      post('create-again', widgets, cr('w1', { spec: { size: 3 } })),
      del('delete', `${widgets}/w1`),
      get('get-deleted', `${widgets}/w1`),
      get('list-all-namespaces', `/apis/${group}/v1/widgets`),
    ],
  },
  {
    id: 'crd-cluster-scoped',
    title: 'a cluster-scoped CRD: CRs without a namespace; a namespaced path is not found',
    steps: [
      ...define(crd({ plural: 'gadgets', singular: 'gadget', kind: 'Gadget', scope: 'Cluster' }), 'gadgets', 'v1', `/apis/${group}/v1/gadgets`),
      post('create', `/apis/${group}/v1/gadgets`, cr('g-{ns}', { spec: { size: 1 } }, 'v1', 'Gadget')),
      get('get', `/apis/${group}/v1/gadgets/g-{ns}`),
      get('namespaced-path', `/apis/${group}/v1/namespaces/{ns}/gadgets`),
      del('delete', `/apis/${group}/v1/gadgets/g-{ns}`),
    ],
  },
  {
    id: 'crd-discovery',
    title: 'discovery of a CRD group: the group, its version and resources with short names and categories',
    steps: [
      ...define(crd({ shortNames: ['wd'], categories: ['all', 'toys'], version: { subresources: { status: {} } } })),
      waitUntil('discovered', `/apis/${group}/v1`, 'served'),
      get('group-version', `/apis/${group}/v1`),
      get('group', `/apis/${group}`),
    ],
  },
  {
    id: 'crd-list-paging',
    title: 'list paging of custom resources: limit, continue, remainingItemCount',
    steps: [
      ...define(crd()),
      post('c1', widgets, cr('a1')),
      post('c2', widgets, cr('a2')),
      post('c3', widgets, cr('a3')),
      get('page1', widgets, { query: { limit: '2' } }),
      get('page2', widgets, { query: { limit: '2', continue: '{ref:page1:metadata.continue}' } }),
    ],
  },
  {
    id: 'crd-selectors',
    title: 'label and field selectors on custom resources; only metadata.name and metadata.namespace are field selectors',
    steps: [
      ...define(crd()),
      post('c1', widgets, cr('s1', {}, 'v1', 'Widget', { labels: { tier: 'front' } })),
      post('c2', widgets, cr('s2', {}, 'v1', 'Widget', { labels: { tier: 'back' } })),
      get('by-label', widgets, { query: { labelSelector: 'tier=front' } }),
      get('by-label-notin', widgets, { query: { labelSelector: 'tier notin (front)' } }),
      get('by-name', widgets, { query: { fieldSelector: 'metadata.name=s2' } }),
      get('by-namespace', `/apis/${group}/v1/widgets`, { query: { fieldSelector: 'metadata.namespace={ns}' } }),
      get('by-spec', widgets, { query: { fieldSelector: 'spec.size=1' } }),
    ],
  },
  {
    id: 'crd-watch',
    title: 'watch of custom resources: added, modified, deleted',
    steps: [
      ...define(crd()),
      get('list', widgets),
      post('create', widgets, cr('w1', { spec: { size: 1 } })),
      patch('patch', `${widgets}/w1`, 'merge', { spec: { size: 2 } }),
      del('delete', `${widgets}/w1`),
      watchFrom('watch', widgets, 'list', 3),
    ],
  },
  {
    id: 'crd-deletecollection',
    title: 'deletecollection of custom resources with a label selector',
    steps: [
      ...define(crd()),
      post('c1', widgets, cr('d1', {}, 'v1', 'Widget', { labels: { gone: 'yes' } })),
      post('c2', widgets, cr('d2', {}, 'v1', 'Widget', { labels: { gone: 'yes' } })),
      post('c3', widgets, cr('d3')),
      del('delete-collection', widgets, undefined, { query: { labelSelector: 'gone=yes' } }),
      get('list', widgets),
    ],
  },
  {
    id: 'crd-dry-run',
    title: 'dryRun on custom resources and on a CRD: answered, nothing stored',
    steps: [
      post('create-crd-dry', crds, crd(), { query: { dryRun: 'All' } }),
      get('get-crd-dry', `${crds}/widgets.${group}`),
      ...define(crd()),
      post('create-dry', widgets, cr('w1', { spec: { size: 1 } }), { query: { dryRun: 'All' } }),
      get('get-dry', `${widgets}/w1`),
      post('create', widgets, cr('w1', { spec: { size: 1 } })),
      patch('patch-dry', `${widgets}/w1`, 'merge', { spec: { size: 9 } }, { query: { dryRun: 'All' } }),
      del('delete-dry', `${widgets}/w1`, undefined, { query: { dryRun: 'All' } }),
      get('get', `${widgets}/w1`),
    ],
  },
  {
    id: 'crd-patch-types',
    title: 'merge and JSON patches of a custom resource; a strategic merge patch is not supported',
    steps: [
      ...define(crd()),
      post('create', widgets, cr('w1', { spec: { size: 1, color: 'red' } })),
      patch('merge', `${widgets}/w1`, 'merge', { spec: { size: 2, color: null } }),
      patch('json', `${widgets}/w1`, 'json', [{ op: 'replace', path: '/spec/size', value: 3 }]),
      patch('json-bad-type', `${widgets}/w1`, 'json', [{ op: 'replace', path: '/spec/size', value: 'three' }]),
      patch('strategic', `${widgets}/w1`, 'strategic', { spec: { size: 4 } }),
      patch('missing', `${widgets}/nope`, 'merge', { spec: { size: 4 } }),
    ],
  },
  {
    id: 'crd-field-validation',
    title: 'unknown fields of a custom resource: pruned silently, warned, or refused under Strict',
    steps: [
      ...define(crd()),
      post('ignore', widgets, cr('w1', { spec: { size: 1, bogus: true } }), { query: { fieldValidation: 'Ignore' } }),
      post('warn', widgets, cr('w2', { spec: { size: 1, bogus: true }, extra: 1 }), { query: { fieldValidation: 'Warn' } }),
      post('strict', widgets, cr('w3', { spec: { size: 1, bogus: true } }), { query: { fieldValidation: 'Strict' } }),
      post('strict-metadata', widgets, cr('w4', {}, 'v1', 'Widget', { bogus: 'x' }), { query: { fieldValidation: 'Strict' } }),
    ],
  },
  {
    id: 'crd-wrong-kind',
    title: 'a custom resource body with another kind or version is refused',
    steps: [
      ...define(crd()),
      post('other-kind', widgets, { apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name: 'x' } }),
      post('other-version', widgets, { apiVersion: `${group}/v9`, kind: 'Widget', metadata: { name: 'x' } }),
      post('no-type', widgets, { metadata: { name: 'x' } }),
      post('bad-name', widgets, cr('Bad_Name')),
    ],
  },
];

const schemaCases: DiffCase[] = [
  {
    id: 'crd-defaulting',
    title: 'defaults from the schema are applied on create and on read, nested and in arrays',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                default: {},
                properties: {
                  size: { type: 'integer', default: 5 },
                  color: { type: 'string', default: 'blue' },
                  ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } } },
                  nested: { type: 'object', properties: { deep: { type: 'string', default: 'd' } } },
                },
              },
            },
          },
        }),
      ),
      post('empty', widgets, cr('w1')),
      post('partial', widgets, cr('w2', { spec: { size: 1, ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }], nested: {} } })),
      patch('remove-color', `${widgets}/w2`, 'json', [{ op: 'remove', path: '/spec/color' }]),
      get('get', `${widgets}/w2`),
    ],
  },
  {
    id: 'crd-pruning',
    title: 'unknown fields are pruned unless x-kubernetes-preserve-unknown-fields keeps them',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  known: { type: 'string' },
                  free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  mixed: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { typed: { type: 'object', properties: { a: { type: 'string' } } } } },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
            },
          },
        }),
      ),
      post('create', widgets, cr('w1', { spec: { known: 'k', unknown: 'u', free: { any: { thing: [1, 2] } }, mixed: { other: 1, typed: { a: 'x', b: 'pruned' } }, labels: { x: 'y' } }, top: 'level' })),
      get('get', `${widgets}/w1`),
      put('update', `${widgets}/w1`, cr('w1', { spec: { known: 'k2', unknown2: 'u' } })),
    ],
  },
  {
    id: 'crd-preserve-root',
    title: 'x-kubernetes-preserve-unknown-fields at the root keeps every field',
    steps: [
      ...define(crd({ schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } })),
      post('create', widgets, cr('w1', { spec: { anything: [1, { a: 'b' }] }, data: 'x' })),
      get('get', `${widgets}/w1`),
    ],
  },
  {
    id: 'crd-yaml-1-1-scalars',
    title: 'a YAML body is read as YAML 1.1, as go-yaml reads it: yes/on/y booleans, octal, binary, underscores, a bool key; timestamps and 1:30 stay strings',
    steps: [
      ...define(crd({ schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } })),
      {
        kind: 'request',
        id: 'post-yaml',
        method: 'POST',
        path: widgets,
        contentType: 'application/yaml',
        rawBody: `apiVersion: {ns}.example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  a: yes\n  b: On\n  c: 0777\n  d: 2001-12-14\n  e: 1:30\n  f: ~\n  g: NO\n  h: y\n  i: 0x1F\n  j: 1_000\n  k: .5\n  l: 0b101\n  m: +12\n  n: 1e3\n  o: "yes"\n  p: 2001-12-14t21:59:43.10-05:00\n  base: &base {x: 1}\n  merged:\n    <<: *base\n    y: 2\n`,
      },
      get('get', `${widgets}/w1`),
      {
        kind: 'request',
        id: 'post-yaml-label-yes',
        method: 'POST',
        path: '/api/v1/namespaces/{ns}/configmaps',
        contentType: 'application/yaml',
        rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    enabled: yes\ndata:\n  k: v\n',
      },
    ],
  },
  {
    id: 'crd-validation-errors',
    title: 'schema violations of a custom resource: types, enums, required, bounds, patterns, lengths, item counts',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 10 },
                  color: { type: 'string', enum: ['red', 'green'] },
                  code: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
                  tags: { type: 'array', maxItems: 2, items: { type: 'string', minLength: 2 } },
                  ratio: { type: 'number', multipleOf: 0.5 },
                  created: { type: 'string', format: 'date-time' },
                },
              },
            },
          },
        }),
      ),
      post('no-spec', widgets, cr('w1')),
      post('no-size', widgets, cr('w2', { spec: { color: 'red' } })),
      // One field per step: kube-apiserver orders the causes of several fields in Go's map order, which varies.
      post('wrong-types', widgets, cr('w3', { spec: { size: 1, color: 3 } })),
      post('wrong-type-array', widgets, cr('w3', { spec: { size: 1, tags: 'a' } })),
      post('bounds', widgets, cr('w4', { spec: { size: 11 } })),
      post('enum', widgets, cr('w5', { spec: { size: 1, color: 'blue' } })),
      post('pattern-length', widgets, cr('w6', { spec: { size: 1, code: 'ABCDEFG' } })),
      post('items', widgets, cr('w7', { spec: { size: 1, tags: ['a', 'bb', 'cc'] } })),
      post('multiple-of', widgets, cr('w8', { spec: { size: 1, ratio: 0.3 } })),
      post('format', widgets, cr('w9', { spec: { size: 1, created: 'yesterday' } })),
      post('valid', widgets, cr('w10', { spec: { size: 2, color: 'green', code: 'abc', tags: ['xx'], ratio: 1.5, created: '2024-01-01T00:00:00Z' } })),
      patch('patch-invalid', `${widgets}/w10`, 'merge', { spec: { size: 0 } }),
    ],
  },
  {
    id: 'crd-int-or-string',
    title: 'x-kubernetes-int-or-string takes integers and strings, nothing else',
    steps: [
      ...define(crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } } } } })),
      post('int', widgets, cr('w1', { spec: { port: 80 } })),
      post('string', widgets, cr('w2', { spec: { port: 'http' } })),
      post('bool', widgets, cr('w3', { spec: { port: true } })),
    ],
  },
  {
    id: 'crd-embedded-resource',
    title: 'x-kubernetes-embedded-resource: apiVersion and kind are required, metadata is checked and pruned',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
        }),
      ),
      post('ok', widgets, cr('w1', { spec: { template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', bogus: 1 }, data: { a: 'b' } } } })),
      post('no-kind', widgets, cr('w2', { spec: { template: { apiVersion: 'v1', metadata: { name: 'c' } } } })),
      post('bad-name', widgets, cr('w3', { spec: { template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } } } })),
    ],
  },
  {
    id: 'crd-list-types',
    title: 'x-kubernetes-list-type set and map: duplicates are refused',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                  ports: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['port', 'protocol'],
                    items: { type: 'object', required: ['port', 'protocol'], properties: { port: { type: 'integer' }, protocol: { type: 'string' }, name: { type: 'string' } } },
                  },
                  any: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } },
                },
              },
            },
          },
        }),
      ),
      post('ok', widgets, cr('w1', { spec: { tags: ['a', 'b'], ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }], any: ['x', 'x'] } })),
      post('set-duplicate', widgets, cr('w2', { spec: { tags: ['a', 'b', 'a'] } })),
      post('map-duplicate', widgets, cr('w3', { spec: { ports: [{ port: 80, protocol: 'TCP', name: 'a' }, { port: 80, protocol: 'TCP', name: 'b' }] } })),
    ],
  },
  {
    id: 'crd-metadata-schema',
    title: 'a schema may constrain metadata.name only; the CR name is still a DNS subdomain',
    steps: [
      ...define(crd({ schema: { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } }, spec: { type: 'object' } } } })),
      post('short', widgets, cr('abc')),
      post('long', widgets, cr('abcdefgh')),
    ],
  },
  {
    id: 'crd-nullable',
    title: 'null values: refused unless nullable, and nullable ones are kept',
    steps: [
      ...define(crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string', nullable: true }, b: { type: 'string' } } } } } })),
      post('nullable', widgets, cr('w1', { spec: { a: null } })),
      post('not-nullable', widgets, cr('w2', { spec: { b: null } })),
    ],
  },
];

const celCases: DiffCase[] = [
  {
    id: 'crd-cel-kubernetes-libraries',
    title: "x-kubernetes-validations using Kubernetes' lists and regex libraries: isSorted, sum, min, max, indexOf, lastIndexOf, find, findAll",
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  ports: {
                    type: 'array',
                    maxItems: 10,
                    items: { type: 'integer' },
                    'x-kubernetes-validations': [
                      { rule: 'self.isSorted()', message: 'ports must be sorted' },
                      { rule: 'self.sum() <= 1000', message: 'ports add up to more than 1000' },
                      { rule: 'self.min() >= 1' },
                      { rule: 'self.max() < 900' },
                    ],
                  },
                  names: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 20 }, 'x-kubernetes-validations': [{ rule: "self.indexOf('main') == 0", message: 'main comes first' }, { rule: "self.lastIndexOf('main') == 0" }] },
                  version: { type: 'string', maxLength: 20, 'x-kubernetes-validations': [{ rule: "self.find('[0-9]+') != ''", message: 'needs a number' }, { rule: "self.findAll('[0-9]+').size() <= 3" }, { rule: "self.findAll('[a-z]', 1) == ['v']" }] },
                },
              },
            },
          },
        }),
      ),
      post('valid', widgets, cr('w1', { spec: { ports: [80, 443, 444], names: ['main', 'side'], version: 'v1.2.3' } })),
      post('unsorted-and-too-big', widgets, cr('w2', { spec: { ports: [800, 443] } })),
      post('empty-list-min', widgets, cr('w3', { spec: { ports: [] } })),
      post('zero-port', widgets, cr('w4', { spec: { ports: [0, 10] } })),
      post('main-not-first', widgets, cr('w5', { spec: { names: ['side', 'main', 'main'] } })),
      post('version-without-number', widgets, cr('w6', { spec: { version: 'vx.y' } })),
      post('version-too-many-numbers', widgets, cr('w7', { spec: { version: 'v1.2.3.4' } })),
      post('version-wrong-first-letter', widgets, cr('w8', { spec: { version: 'x1' } })),
    ],
  },
  {
    id: 'crd-cel-rules',
    title: 'x-kubernetes-validations (CEL): rules on objects, strings and lists, with and without messages; a transition rule',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                'x-kubernetes-validations': [
                  { rule: 'self.minReplicas <= self.replicas', message: 'minReplicas must not exceed replicas' },
                  { rule: "!has(self.mode) || self.mode != 'off' || self.replicas == 0" },
                ],
                properties: {
                  replicas: { type: 'integer' },
                  minReplicas: { type: 'integer' },
                  mode: { type: 'string' },
                  name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.startsWith('w-')", message: 'must start with w-' }] },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.all(t, size(t) <= 3)' }] },
                  fixed: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'fixed is immutable' }] },
                },
              },
            },
          },
        }),
      ),
      post('valid', widgets, cr('w1', { spec: { replicas: 2, minReplicas: 1, name: 'w-1', tags: ['a'], fixed: 'x' } })),
      post('min-above', widgets, cr('w2', { spec: { replicas: 1, minReplicas: 2 } })),
      post('mode-off', widgets, cr('w3', { spec: { replicas: 1, minReplicas: 0, mode: 'off' } })),
      // One failing property per request: kube-apiserver walks an object's properties in Go's map order, so two causes come in either order.
      post('bad-name', widgets, cr('w4', { spec: { replicas: 1, minReplicas: 0, name: 'x', tags: ['abc'] } })),
      post('bad-tags', widgets, cr('w4', { spec: { replicas: 1, minReplicas: 0, name: 'w-x', tags: ['abcd'] } })),
      patch('change-fixed', `${widgets}/w1`, 'merge', { spec: { fixed: 'y' } }),
      patch('keep-fixed', `${widgets}/w1`, 'merge', { spec: { replicas: 3 } }),
    ],
  },
  {
    id: 'crd-cel-url-library',
    title: "x-kubernetes-validations using Kubernetes' url library (1.26): isURL, url, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery; a URL that does not parse",
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  endpoint: {
                    type: 'string',
                    maxLength: 200,
                    'x-kubernetes-validations': [
                      { rule: 'isURL(self)', message: 'must be a URL' },
                      { rule: "!isURL(self) || url(self).getScheme() == 'https'", message: 'must be https' },
                    ],
                  },
                  webhook: {
                    type: 'string',
                    maxLength: 200,
                    'x-kubernetes-validations': [
                      { rule: "url(self).getHost() == 'example.com:8443' && url(self).getHostname() == 'example.com' && url(self).getPort() == '8443'" },
                      { rule: "url(self).getEscapedPath().startsWith('/hooks/')", message: 'path must be under /hooks/' },
                    ],
                  },
                  ipv6: { type: 'string', maxLength: 100, 'x-kubernetes-validations': [{ rule: "url(self).getHostname() == '::1' && url(self).getHost() == '[::1]:80'" }] },
                  query: { type: 'string', maxLength: 200, 'x-kubernetes-validations': [{ rule: "url(self).getQuery()['k'] == ['1', '2'] && size(url(self).getQuery()) == 1" }] },
                  spaced: { type: 'string', maxLength: 200, 'x-kubernetes-validations': [{ rule: "url(self).getEscapedPath() == '/a%20b/c'" }] },
                },
              },
            },
          },
        }),
      ),
      post('valid', widgets, cr('w1', { spec: { endpoint: 'https://example.com/x', webhook: 'https://example.com:8443/hooks/a', ipv6: 'http://[::1]:80/', query: '/p?k=1&k=2', spaced: 'https://example.com/a b/c' } })),
      // One failing property per request: kube-apiserver walks an object's properties in Go's map order.
      post('not-a-url', widgets, cr('w2', { spec: { endpoint: '../relative' } })),
      post('not-https', widgets, cr('w3', { spec: { endpoint: 'http://example.com/' } })),
      post('wrong-port', widgets, cr('w4', { spec: { webhook: 'https://example.com:9443/hooks/a' } })),
      post('wrong-path', widgets, cr('w5', { spec: { webhook: 'https://example.com:8443/other' } })),
      post('parse-error', widgets, cr('w6', { spec: { ipv6: 'https://a:b:c/' } })),
      post('parse-error-with-message', widgets, cr('w7', { spec: { webhook: 'http://exa mple.com/' } })),
      post('query-mismatch', widgets, cr('w8', { spec: { query: '/p?k=1&j=2' } })),
      post('relative-reference', widgets, cr('w9', { spec: { spaced: 'a b/c' } })),
    ],
  },
  invalidCrd(
    'crd-cel-cost-unbounded',
    'a rule over a list of strings with neither maxItems nor maxLength: its estimated cost is over the per-rule limit and the total, more than 100x',
    crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: "self.exists(s, s.contains('b'))" }] } } } } } }),
  ),
  invalidCrd(
    'crd-cel-cost-factor',
    'a rule over an unbounded list of integers building a second list: over the per-rule limit by a printed factor (2.4x), under the total',
    crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { ports: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.filter(x, x > 1).size() > 0' }] } } } } } }),
  ),
  invalidCrd(
    'crd-cel-cost-total',
    'eleven rules each under the per-rule limit, together over the schema total: the four most expensive are named, then the total (1.042250x)',
    crd({
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: Object.fromEntries(
              Array.from({ length: 11 }, (_, i) => [`l${i}`, { type: 'array', maxItems: 1_900_000 - i * 1000, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, x > 0)' }] }]),
            ),
          },
        },
      },
    }),
  ),
  invalidCrd(
    'crd-cel-cost-second-version',
    'a second version whose schema has a rule over an unbounded string list: refused at spec.versions[1].schema, the first version untouched',
    crd({
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
        {
          name: 'v2',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { names: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: "self.all(n, n.matches('^[a-z]+$'))" }] } } } } } },
        },
      ],
    }),
  ),
  {
    id: 'crd-cel-cost-bounded',
    title: 'the same costly rules with maxItems and maxLength are accepted, and evaluated',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  tags: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 63 }, 'x-kubernetes-validations': [{ rule: "self.exists(s, s.contains('b'))", message: 'one tag must contain b' }] },
                  ports: { type: 'array', maxItems: 100, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.filter(x, x > 1000).size() == 0', message: 'ports must be at most 1000' }] },
                },
              },
            },
          },
        }),
      ),
      post('valid', widgets, cr('w1', { spec: { tags: ['abc', 'x'], ports: [80, 443] } })),
      post('no-b', widgets, cr('w2', { spec: { tags: ['x', 'y'] } })),
      post('port-too-high', widgets, cr('w3', { spec: { ports: [80, 8080] } })),
    ],
  },
  {
    id: 'crd-cel-cost-runtime-call-limit',
    title: "a rule within the estimated limits (maxItems 1000) whose evaluation on 1000 ports costs over 1,000,000: cel-go's cancellation, and no further rule runs",
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  ports: { type: 'array', maxItems: 1000, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.exists(y, y == x))' }, { rule: 'self.size() < 5', message: 'at most 4 ports' }] },
                },
              },
            },
          },
        }),
      ),
      post('few', widgets, cr('w1', { spec: { ports: [1, 2, 3] } })),
      post('ten', widgets, cr('w2', { spec: { ports: Array.from({ length: 10 }, (_, i) => i) } })),
      post('thousand', widgets, cr('w3', { spec: { ports: Array.from({ length: 1000 }, (_, i) => i) } })),
    ],
  },
  {
    id: 'crd-cel-cost-runtime-budget',
    title: 'five regex rules on 100 long strings: each evaluation within the per-call limit, together over the 10,000,000 budget of one write, stopped at the item where it runs out',
    steps: [
      ...define(
        crd({
          schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  lines: {
                    type: 'array',
                    maxItems: 100,
                    items: {
                      type: 'string',
                      maxLength: 2400,
                      'x-kubernetes-validations': [1, 2, 3, 4, 5].map((n) => ({ rule: `self.matches('^${'[a-z]'.repeat(78)}[a-z]*$') || ${n} == 0` })),
                    },
                  },
                },
              },
            },
          },
        }),
      ),
      post('short', widgets, cr('w1', { spec: { lines: ['a'.repeat(2400), 'b'.repeat(2400)] } })),
      post('too-costly', widgets, cr('w2', { spec: { lines: Array.from({ length: 100 }, () => 'c'.repeat(2400)) } })),
    ],
  },
  invalidCrd('crd-cel-bad-rule', 'a CEL rule that does not compile', crd({ schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.replicas >' }] } } } })),
  // One refused rule a case: kube-apiserver visits properties in Go's map order, so the order of several causes varies.
  invalidCrd(
    'crd-cel-oldself-set-list',
    'a transition rule under a set list cannot be correlated with the old object',
    crd({
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } },
          },
        },
      },
    }),
  ),
  invalidCrd(
    'crd-cel-oldself-atomic-in-map-list',
    'a transition rule under an atomic list inside a map list: the map list correlates, the atomic one does not',
    crd({
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              ports: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name'],
                items: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'name is immutable' }] },
                    hosts: { type: 'array', items: { type: 'object', properties: { host: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'oldSelf.size() <= self.size()' }] } } } },
                  },
                },
              },
            },
          },
        },
      },
    }),
  ),
];

const subresourceCases: DiffCase[] = [
  {
    id: 'crd-status-subresource',
    title: 'the status subresource: status is dropped on create and on main-resource updates; generation follows spec',
    steps: [
      ...define(crd({ version: { subresources: { status: {} } } })),
      post('create', widgets, cr('w1', { spec: { size: 1 }, status: { ready: true } })),
      put('put-status', `${widgets}/w1/status`, cr('w1', { spec: { size: 99 }, status: { ready: true } })),
      patch('patch-status', `${widgets}/w1/status`, 'merge', { status: { replicas: 2 } }),
      get('get-status', `${widgets}/w1/status`),
      patch('main-with-status', `${widgets}/w1`, 'merge', { spec: { size: 2 }, status: { ready: false } }),
      patch('metadata-only', `${widgets}/w1`, 'merge', { metadata: { labels: { a: 'b' } } }),
      patch('status-invalid', `${widgets}/w1/status`, 'merge', { status: { replicas: 'two' } }),
      get('scale-not-served', `${widgets}/w1/scale`),
    ],
  },
  {
    id: 'crd-no-status-subresource',
    title: 'without a status subresource, status is written like any field and generation follows every change',
    steps: [
      ...define(crd()),
      post('create', widgets, cr('w1', { spec: { size: 1 }, status: { ready: true } })),
      patch('patch', `${widgets}/w1`, 'merge', { status: { ready: false } }),
      get('status-path', `${widgets}/w1/status`),
    ],
  },
  {
    id: 'crd-scale-subresource',
    title: 'the scale subresource: read, replaced and patched as autoscaling/v1 Scale',
    steps: [
      ...define(
        crd({
          version: {
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          },
        }),
      ),
      post('create', widgets, cr('w1', { spec: { replicas: 2 } })),
      patch('status', `${widgets}/w1/status`, 'merge', { status: { replicas: 2, selector: 'app=w' } }),
      get('get-scale', `${widgets}/w1/scale`),
      put('put-scale', `${widgets}/w1/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: 5 } }),
      patch('patch-scale', `${widgets}/w1/scale`, 'merge', { spec: { replicas: 7 } }),
      put('put-scale-negative', `${widgets}/w1/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: -1 } }),
      get('get', `${widgets}/w1`),
      get('scale-missing', `${widgets}/nope/scale`),
    ],
  },
  {
    id: 'crd-apply-through-scale',
    title: 'apply of an autoscaling/v1 Scale to a custom resource\'s scale subresource (kube-apiserver 1.26 fails it with a 500)',
    steps: [
      ...define(crd({ version: { subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } } })),
      post('create', widgets, cr('w1', { spec: { replicas: 2 } }), { query: { fieldManager: 'creator' } }),
      patch('apply-scale-conflict', `${widgets}/w1/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: 9 } }, { query: { fieldManager: 'scaler' } }),
      patch('apply-scale-force', `${widgets}/w1/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w1' }, spec: { replicas: 9 } }, { query: { fieldManager: 'scaler', force: 'true' } }),
      get('get-after-apply', `${widgets}/w1`),
      patch('apply-scale-missing', `${widgets}/nope/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'nope' }, spec: { replicas: 1 } }, { query: { fieldManager: 'scaler' } }),
    ],
  },
  {
    id: 'crd-printer-columns',
    title: 'additionalPrinterColumns in Tables: JSONPath cells, types, priorities, absent values',
    steps: [
      ...define(
        crd({
          version: {
            additionalPrinterColumns: [
              { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
              { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'the color' },
              { name: 'Ready', type: 'boolean', jsonPath: '.status.ready', priority: 1 },
              { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
              { name: 'First-Tag', type: 'string', jsonPath: '.spec.tags[0]' },
            ],
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } }, status: { type: 'object', properties: { ready: { type: 'boolean' } } } },
              },
            },
          },
        }),
      ),
      post('c1', widgets, cr('w1', { spec: { size: 3, color: 'red', tags: ['t1', 't2'] }, status: { ready: true } })),
      post('c2', widgets, cr('w2', {})),
      get('table-list', widgets, { accept: asTable }),
      get('table-one', `${widgets}/w1`, { accept: asTable }),
      get('table-metadata', widgets, { accept: asTable, query: { includeObject: 'Metadata' } }),
      get('table-none', widgets, { accept: asTable, query: { includeObject: 'None' } }),
    ],
  },
  {
    id: 'crd-default-columns',
    title: 'a CRD without printer columns prints NAME and AGE',
    steps: [...define(crd()), post('c1', widgets, cr('w1')), get('table-list', widgets, { accept: asTable })],
  },
  {
    id: 'crd-crd-table',
    title: 'kubectl get crd: the CRD Table',
    steps: [...define(crd()), get('table', `${crds}/widgets.${group}`, { accept: asTable })],
  },
];

const versionCases: DiffCase[] = [
  {
    id: 'crd-multi-version',
    title: 'two served versions with conversion None: objects read in either version with apiVersion rewritten',
    steps: [
      ...define(
        crd({
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
            { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema } },
          ],
        }),
      ),
      waitUntil('v2-served', `/apis/${group}/v2/namespaces/{ns}/widgets`, 'served'),
      post('create-v2', `/apis/${group}/v2/namespaces/{ns}/widgets`, cr('w1', { spec: { size: 1 } }, 'v2')),
      get('get-v1', `${widgets}/w1`),
      get('list-v2', `/apis/${group}/v2/namespaces/{ns}/widgets`),
      put('update-v1', `${widgets}/w1`, cr('w1', { spec: { size: 2 } })),
      get('get-v2', `/apis/${group}/v2/namespaces/{ns}/widgets/w1`),
      post('create-v1-to-v2', `/apis/${group}/v2/namespaces/{ns}/widgets`, cr('w2', { spec: { size: 1 } })),
      get('group', `/apis/${group}`),
    ],
  },
  {
    id: 'crd-version-not-served',
    title: 'a version with served: false is not served',
    steps: [
      ...define(
        crd({
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
            { name: 'v1beta1', served: false, storage: false, schema: { openAPIV3Schema: widgetSchema } },
          ],
        }),
      ),
      get('list-unserved', `/apis/${group}/v1beta1/namespaces/{ns}/widgets`),
      get('group', `/apis/${group}`),
    ],
  },
  {
    id: 'crd-update-versions',
    title: 'updating a CRD: a new version, storedVersions, generation; scope and storage rules',
    steps: [
      ...define(crd()),
      put(
        'add-v2',
        `${crds}/widgets.${group}`,
        crd({
          metadata: { resourceVersion: '{rv:get-crd}' },
          versions: [
            { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema } },
            { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
          ],
        }),
      ),
      patch('change-scope', `${crds}/widgets.${group}`, 'merge', { spec: { scope: 'Cluster' } }),
      patch('drop-stored-version', `${crds}/widgets.${group}`, 'json', [{ op: 'remove', path: '/spec/versions/0' }]),
      patch('change-group', `${crds}/widgets.${group}`, 'merge', { spec: { group: 'other.example.com' } }),
    ],
  },
  {
    id: 'crd-delete',
    title: 'deleting a CRD marks it Terminating, deletes its custom resources, then the CRD goes',
    steps: [
      ...define(crd()),
      post('c1', widgets, cr('w1')),
      post('c2', widgets, cr('w2', {}, 'v1', 'Widget', { finalizers: [] })),
      del('delete-crd', `${crds}/widgets.${group}`),
      waitUntil('crd-gone', `${crds}/widgets.${group}`, 'gone'),
      get('get-crd-after', `${crds}/widgets.${group}`),
      get('list-crs', widgets),
      get('group', `/apis/${group}`),
    ],
  },
  {
    id: 'crd-delete-dry-run',
    title: 'a dry-run delete of a CRD leaves it and its custom resources',
    steps: [...define(crd()), post('c1', widgets, cr('w1')), del('delete-dry', `${crds}/widgets.${group}`, undefined, { query: { dryRun: 'All' } }), get('get-cr', `${widgets}/w1`)],
  },
  {
    id: 'crd-names-conflict',
    title: 'a second CRD whose plural another CRD of the group accepted: NamesAccepted False, never Established',
    steps: [
      ...define(crd({ shortNames: ['wd'] })),
      post('conflicting', crds, crd({ name: `others.${group}`, plural: 'others', singular: 'other', kind: 'Widget' })),
      waitUntil('wait', `${crds}/others.${group}`, 'established', 3000),
      get('get-conflicting', `${crds}/others.${group}`),
      post('short-name-conflict', crds, crd({ name: `things.${group}`, plural: 'things', singular: 'thing', kind: 'Thing', shortNames: ['wd'] })),
      waitUntil('wait-things', `${crds}/things.${group}`, 'established', 3000),
      get('get-things', `${crds}/things.${group}`),
    ],
  },
  {
    id: 'crd-list-crds',
    title: 'listing CRDs by field selector, and reading its status subresource',
    steps: [
      ...define(crd()),
      get('by-name', crds, { query: { fieldSelector: `metadata.name=widgets.${group}` } }),
      get('status', `${crds}/widgets.${group}/status`),
      get('missing', `${crds}/nothing.${group}`),
    ],
  },
];

const invalidCases: DiffCase[] = [
  invalidCrd('crd-invalid-name-mismatch', 'metadata.name must be <plural>.<group>', crd({ name: `gizmos.${group}` })),
  invalidCrd('crd-invalid-group', 'the group must be a DNS subdomain with at least one dot', crd({ group: 'nodots', name: 'widgets.nodots' })),
  invalidCrd('crd-invalid-names', 'plural, singular and kind with bad values; listKind equal to kind', crd({ plural: 'Widgets', singular: 'Widget', kind: 'widget', listKind: 'widget', name: `Widgets.${group}` })),
  invalidCrd('crd-invalid-missing-names', 'plural, kind and singular are required', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `.${group}` }, spec: { group, names: {}, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } }),
  invalidCrd('crd-invalid-short-names', 'short names and categories must be DNS labels', crd({ shortNames: ['Bad Name', 'ok'], categories: ['Bad_Cat'] })),
  invalidCrd('crd-invalid-scope', 'scope is Namespaced or Cluster', crd({ scope: 'Global' })),
  invalidCrd('crd-invalid-no-versions', 'at least one version', crd({ versions: [] })),
  invalidCrd('crd-invalid-no-storage', 'exactly one storage version: none', crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema } }] })),
  invalidCrd(
    'crd-invalid-two-storage',
    'exactly one storage version: two',
    crd({
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
        { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
      ],
    }),
  ),
  invalidCrd(
    'crd-invalid-versions',
    'version names must be DNS labels and unique; one must be served',
    crd({
      versions: [
        { name: 'V1', served: false, storage: true, schema: { openAPIV3Schema: widgetSchema } },
        { name: 'v2', served: false, storage: false, schema: { openAPIV3Schema: widgetSchema } },
        { name: 'v2', served: false, storage: false, schema: { openAPIV3Schema: widgetSchema } },
      ],
    }),
  ),
  invalidCrd('crd-invalid-webhook-conversion', 'Webhook conversion without its configuration', crd({ spec: { conversion: { strategy: 'Webhook' } } })),
  invalidCrd('crd-invalid-conversion-strategy', 'an unknown conversion strategy', crd({ spec: { conversion: { strategy: 'Magic' } } })),
  invalidCrd('crd-invalid-no-schema', 'a version without a schema', crd({ versions: [{ name: 'v1', served: true, storage: true }] })),
  invalidCrd('crd-structural-no-root-type', 'structural: the root has no type', crd({ schema: { properties: { spec: { type: 'object' } } } })),
  invalidCrd('crd-structural-missing-types', 'structural: properties without a type', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: {}, b: { description: 'x' } } } } } })),
  invalidCrd('crd-structural-array-items', 'structural: an array needs items', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { list: { type: 'array' } } } } } })),
  invalidCrd(
    'crd-structural-properties-and-additional',
    'structural: properties and additionalProperties together',
    crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } } }),
  ),
  invalidCrd('crd-structural-metadata', 'structural: metadata may only restrict name and generateName', crd({ schema: { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } } })),
  invalidCrd(
    'crd-structural-value-validation',
    'structural: value validations may not carry types or descriptions',
    crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string', description: 'no' }] } } } } } }),
  ),
  invalidCrd('crd-invalid-default', 'a default that does not match its schema', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 'big' } } } } } })),
  invalidCrd('crd-invalid-list-map-keys', 'list-type map needs map keys and object items', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'string' } } } } } } })),
  invalidCrd('crd-invalid-printer-column', 'a printer column with an unknown type and a bad JSONPath', crd({ version: { additionalPrinterColumns: [{ name: 'X', type: 'float', jsonPath: 'spec.x' }] } })),
  invalidCrd(
    'crd-invalid-scale-paths',
    'scale subresource paths must be under .spec and .status',
    crd({ version: { subresources: { scale: { specReplicasPath: '.metadata.replicas', statusReplicasPath: 'status.replicas' } } } }),
  ),
  invalidCrd('crd-invalid-protected-group', 'a *.k8s.io group needs the api-approved.kubernetes.io annotation', crd({ group: 'widgets-{ns}.k8s.io', name: 'widgets.widgets-{ns}.k8s.io' })),
  invalidCrd('crd-invalid-preserve-false', 'x-kubernetes-preserve-unknown-fields may only be true', crd({ schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } })),
  invalidCrd('crd-invalid-int-or-string-type', 'x-kubernetes-int-or-string with a type', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { p: { type: 'string', 'x-kubernetes-int-or-string': true } } } } } })),
  invalidCrd('crd-invalid-embedded-not-object', 'x-kubernetes-embedded-resource on a non-object', crd({ schema: { type: 'object', properties: { spec: { type: 'object', properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true } } } } } })),
  invalidCrd('crd-invalid-ref', '$ref is not allowed', crd({ schema: { type: 'object', properties: { spec: { $ref: '#/definitions/x' } } } })),
  invalidCrd('crd-invalid-status-not-object', 'the status subresource needs status to be an object if typed', crd({ schema: { type: 'object', properties: { status: { type: 'string' } } }, version: { subresources: { status: {} } } })),
];

/** Every CRD and custom resource case. */
export const customResourceCases: readonly DiffCase[] = [...validCrdCases, ...schemaCases, ...celCases, ...subresourceCases, ...versionCases, ...invalidCases];
