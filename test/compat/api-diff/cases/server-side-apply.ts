import type { DiffCase, Json } from '../case.js';
import { get, patch, post, put, waitUntil } from './steps.js';

/**
 * Server-side apply and managedFields: applies that create and re-apply,
 * conflicts between managers and forced applies, merges of keyed lists,
 * managedFields after creates, updates and patches (and their reset), apply
 * through the status subresource, and applies of custom resources. Every
 * object's managedFields are compared (times blanked).
 */

const configMaps = '/api/v1/namespaces/{ns}/configmaps';
const deployments = '/apis/apps/v1/namespaces/{ns}/deployments';
const as = (manager: string, extra: Readonly<Record<string, string>> = {}) => ({ query: { fieldManager: manager, ...extra } });

function configMap(name: string, data: Readonly<Record<string, string>>, labels?: Readonly<Record<string, string>>): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels === undefined ? {} : { labels }) }, data };
}

function deployment(name: string, spec: Json): Json {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec };
}

const template = (containers: Json): Json => ({ metadata: { labels: { app: 'web' } }, spec: { containers } });

const configMapCases: DiffCase[] = [
  {
    id: 'ssa-configmap-apply',
    title: 'apply creates a ConfigMap (201), re-applies unchanged, drops a key it stops applying, and a second manager adds its own',
    steps: [
      patch('apply-create', `${configMaps}/cm`, 'apply', configMap('cm', { a: '1', b: '2' }, { app: 'x' }), as('alice')),
      patch('apply-again', `${configMaps}/cm`, 'apply', configMap('cm', { a: '1', b: '2' }, { app: 'x' }), as('alice')),
      patch('apply-drop-b', `${configMaps}/cm`, 'apply', configMap('cm', { a: '1' }), as('alice')),
      patch('apply-other-manager', `${configMaps}/cm`, 'apply', configMap('cm', { c: '3' }), as('bob')),
      patch('apply-same-value-shared', `${configMaps}/cm`, 'apply', configMap('cm', { a: '1', c: '3' }), as('bob')),
      patch('alice-drops-a', `${configMaps}/cm`, 'apply', configMap('cm', {}), as('alice')),
      get('get', `${configMaps}/cm`),
    ],
  },
  {
    id: 'ssa-configmap-conflict',
    title: 'an apply that changes a field another manager set is a 409 with one cause per field; force takes it over',
    steps: [
      post('create', configMaps, { metadata: { name: 'cm', labels: { team: 'a' } }, data: { a: '1', b: '2' } }, as('creator')),
      patch('apply-conflict-one', `${configMaps}/cm`, 'apply', configMap('cm', { a: 'changed' }), as('applier')),
      patch('apply-conflict-two', `${configMaps}/cm`, 'apply', configMap('cm', { a: 'changed', b: 'changed' }, { team: 'b' }), as('applier')),
      patch('apply-no-conflict-same-value', `${configMaps}/cm`, 'apply', configMap('cm', { a: '1' }), as('applier')),
      patch('apply-force', `${configMaps}/cm`, 'apply', configMap('cm', { a: 'changed', b: 'changed' }), as('applier', { force: 'true' })),
      get('get', `${configMaps}/cm`),
      patch('creator-updates', `${configMaps}/cm`, 'merge', { data: { a: 'back' } }, as('creator')),
      patch('apply-conflict-update-manager', `${configMaps}/cm`, 'apply', configMap('cm', { a: 'again', b: 'changed' }), as('applier')),
    ],
  },
  {
    id: 'ssa-configmap-bad-requests',
    title: 'apply without fieldManager (422), with a body that is not an object, another apiVersion or kind, managedFields, another name, or an unknown field',
    steps: [
      post('create', configMaps, { metadata: { name: 'cm' }, data: { a: '1' } }, as('creator')),
      patch('no-field-manager', `${configMaps}/cm`, 'apply', configMap('cm', { a: '2' })),
      patch('no-field-manager-missing-object', `${configMaps}/other`, 'apply', configMap('other', { a: '2' })),
      patch('array-body', `${configMaps}/cm`, 'apply', [1, 2], as('m')),
      patch('wrong-api-version', `${configMaps}/cm`, 'apply', { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, as('m')),
      patch('missing-api-version', `${configMaps}/cm`, 'apply', { kind: 'ConfigMap', metadata: { name: 'cm' } }, as('m')),
      patch('wrong-kind', `${configMaps}/cm`, 'apply', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cm' } }, as('m')),
      patch('managed-fields-set', `${configMaps}/cm`, 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', managedFields: [] } }, as('m')),
      patch('other-name', `${configMaps}/cm`, 'apply', configMap('other', { a: '2' }), as('m')),
      patch('unknown-field', `${configMaps}/cm`, 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, bogus: { x: 1 } }, as('m')),
      patch('yaml-body', `${configMaps}/cm`, 'apply', null, { ...as('m'), rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  fromYaml: "yes"\n' }),
      get('get', `${configMaps}/cm`),
    ],
  },
  {
    id: 'ssa-force-on-non-apply-patches',
    title: 'force on merge, strategic and JSON patches is a 422 on PatchOptions (true or false), alone and with other bad options; apply takes it',
    steps: [
      post('create', configMaps, { metadata: { name: 'cm' }, data: { a: '1' } }, as('creator')),
      patch('merge-force-true', `${configMaps}/cm`, 'merge', { data: { b: '2' } }, as('m', { force: 'true' })),
      patch('merge-force-false', `${configMaps}/cm`, 'merge', { data: { b: '2' } }, as('m', { force: 'false' })),
      patch('strategic-force', `${configMaps}/cm`, 'strategic', { data: { b: '2' } }, as('m', { force: 'true' })),
      patch('json-force', `${configMaps}/cm`, 'json', [{ op: 'add', path: '/data/b', value: '2' }], as('m', { force: 'true' })),
      patch('force-and-bad-dry-run', `${configMaps}/cm`, 'merge', { data: { b: '2' } }, as('m', { force: 'true', dryRun: 'Some', fieldValidation: 'Loud' })),
      patch('apply-no-manager-bad-dry-run', `${configMaps}/cm`, 'apply', configMap('cm', { b: '2' }), { query: { dryRun: 'Some' } }),
      patch('apply-force-false', `${configMaps}/cm`, 'apply', configMap('cm', { b: '2' }), as('m', { force: 'false' })),
      get('get', `${configMaps}/cm`),
    ],
  },
  {
    id: 'ssa-update-managers-capped',
    title: 'thirteen managers patch one ConfigMap each: past ten Update entries the oldest merge into ancient-changes; an apply entry is not counted',
    steps: [
      post('create', configMaps, { metadata: { name: 'cm' }, data: { base: '0' } }, as('creator')),
      patch('apply', `${configMaps}/cm`, 'apply', configMap('cm', { applied: 'yes' }), as('applier')),
      ...Array.from({ length: 13 }, (_, i) => {
        const n = String(i).padStart(2, '0');
        return patch(`manager-${n}`, `${configMaps}/cm`, 'merge', { data: { [`f${n}`]: n } }, as(`mgr-${n}`));
      }),
      get('get', `${configMaps}/cm`),
      put('update-by-an-old-manager', `${configMaps}/cm`, { metadata: { name: 'cm' }, data: { base: '1', applied: 'yes', f05: '05', f12: '12' } }, as('mgr-05')),
    ],
  },
  {
    id: 'ssa-managed-fields-updates',
    title: 'managedFields after a create, an update, merge and strategic patches by several managers, a subresource-free reset with managedFields: [], and the apply after it',
    steps: [
      post('create', configMaps, { metadata: { name: 'cm', labels: { a: '1' }, annotations: { note: 'x' } }, data: { k1: 'v1' } }, as('creator')),
      put('update', `${configMaps}/cm`, { metadata: { name: 'cm', labels: { a: '1', b: '2' } }, data: { k1: 'v1', k2: 'v2' } }, as('updater')),
      patch('merge-patch', `${configMaps}/cm`, 'merge', { data: { k1: 'changed', k3: 'v3' } }, as('patcher')),
      patch('strategic-patch', `${configMaps}/cm`, 'strategic', { metadata: { labels: { b: null, c: '3' } } }, as('patcher')),
      patch('json-patch', `${configMaps}/cm`, 'json', [{ op: 'remove', path: '/data/k2' }], as('json-patcher')),
      patch('no-change', `${configMaps}/cm`, 'merge', { data: { k1: 'changed' } }, as('idle')),
      get('get', `${configMaps}/cm`),
      patch('reset', `${configMaps}/cm`, 'merge', { metadata: { managedFields: [] } }, as('resetter')),
      patch('untracked-after-reset', `${configMaps}/cm`, 'merge', { data: { k4: 'v4' } }, as('later')),
      patch('apply-after-reset', `${configMaps}/cm`, 'apply', configMap('cm', { k5: 'v5' }), as('applier')),
      get('get-end', `${configMaps}/cm`),
    ],
  },
];

const container = (name: string, image: string, ports?: Json): Json => ({ name, image, ...(ports === undefined ? {} : { ports }) });

const deploymentCases: DiffCase[] = [
  {
    id: 'ssa-deployment-containers',
    title: 'Deployments: a create records defaulted fields; applies merge containers by name and ports by containerPort and protocol',
    steps: [
      post('create', deployments, deployment('created', { selector: { matchLabels: { app: 'web' } }, template: template([container('c', 'nginx', [{ containerPort: 80 }])]) }), as('creator')),
      patch(
        'apply-create',
        `${deployments}/applied`,
        'apply',
        deployment('applied', { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template([container('web', 'nginx', [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }])]) }),
        as('owner'),
      ),
      patch('sidecar-conflict', `${deployments}/applied`, 'apply', deployment('applied', { template: { spec: { containers: [container('web', 'nginx:2'), container('side', 'busybox')] } } }), as('sidecar')),
      patch('sidecar-only', `${deployments}/applied`, 'apply', deployment('applied', { template: { spec: { containers: [container('side', 'busybox', [{ containerPort: 9000 }])] } } }), as('sidecar')),
      patch('owner-adds-port', `${deployments}/applied`, 'apply', deployment('applied', { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template([container('web', 'nginx', [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }, { containerPort: 443 }])]) }), as('owner')),
      patch('sidecar-force', `${deployments}/applied`, 'apply', deployment('applied', { replicas: 3, template: { spec: { containers: [container('side', 'busybox:2'), container('web', 'nginx:2')] } } }), as('sidecar', { force: 'true' })),
      patch('scale', `${deployments}/applied/scale`, 'merge', { spec: { replicas: 4 } }, as('scaler')),
      get('get', `${deployments}/applied`),
    ],
  },
  {
    id: 'ssa-apply-through-scale',
    title: 'apply of an autoscaling/v1 Scale to deployments/scale: a conflict with the replicas owner, force, a second applier, re-apply, bad bodies, a missing Deployment; the Deployment keeps the owners',
    steps: [
      post('create', deployments, deployment('web', { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template([container('c', 'nginx')]) }), as('creator')),
      patch('apply-conflict', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 } }, as('scaler')),
      patch('apply-same-value', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1 } }, as('scaler')),
      get('after-same-value', `${deployments}/web`),
      patch('apply-force', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 } }, as('scaler', { force: 'true' })),
      get('after-force', `${deployments}/web`),
      patch('other-conflict', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 5 } }, as('autoscaler')),
      patch('reapply', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 4 } }, as('scaler')),
      patch('deployment-apply-conflict', `${deployments}/web`, 'apply', deployment('web', { replicas: 2 }), as('creator')),
      patch('deployment-body', `${deployments}/web/scale`, 'apply', deployment('web', { replicas: 2 }), as('scaler')),
      patch('scale-kind-other-version', `${deployments}/web/scale`, 'apply', { apiVersion: 'apps/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 2 } }, as('scaler')),
      patch('negative', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: -1 } }, as('scaler')),
      patch('other-name', `${deployments}/web/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'other' }, spec: { replicas: 2 } }, as('scaler')),
      patch('missing', `${deployments}/missing/scale`, 'apply', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'missing' }, spec: { replicas: 2 } }, as('scaler')),
      get('get', `${deployments}/web`),
    ],
  },
];

const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const group = '{ns}.example.com';
const gadgets = `/apis/${group}/v1/namespaces/{ns}/gadgets`;

const gadgetSchema: Json = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        size: { type: 'integer' },
        color: { type: 'string' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { app: { type: 'string' }, tier: { type: 'string' } } },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' }, phase: { type: 'string' } } },
  },
};

const gadgetCrd: Json = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: gadgetSchema }, subresources: { status: {} } }],
  },
};

const gadget = (name: string, spec: Json, status?: Json): Json => ({ apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name }, spec, ...(status === undefined ? {} : { status }) });

const customResourceCases: DiffCase[] = [
  {
    id: 'ssa-custom-resource',
    title: 'custom resources: apply creates, list-type map and set merges, atomic lists and maps, conflicts, force, and apply through the status subresource',
    steps: [
      post('create-crd', crds, gadgetCrd),
      waitUntil('established', `${crds}/gadgets.${group}`, 'established'),
      waitUntil('served', gadgets, 'served'),
      patch(
        'apply-create',
        `${gadgets}/g`,
        'apply',
        gadget('g', { size: 1, ports: [{ name: 'http', port: 80 }], tags: ['a', 'b'], args: ['x'], selector: { app: 'web' } }, { ready: true }),
        as('owner'),
      ),
      patch('second-manager', `${gadgets}/g`, 'apply', gadget('g', { color: 'red', ports: [{ name: 'metrics', port: 9090 }], tags: ['c'] }), as('other')),
      patch('conflict-atomic', `${gadgets}/g`, 'apply', gadget('g', { args: ['y'], selector: { app: 'web', tier: 'front' }, ports: [{ name: 'http', port: 8080 }] }), as('other')),
      patch('force', `${gadgets}/g`, 'apply', gadget('g', { color: 'red', args: ['y'], ports: [{ name: 'metrics', port: 9090 }], tags: ['c'] }), as('other', { force: 'true' })),
      patch('owner-reapplies-less', `${gadgets}/g`, 'apply', gadget('g', { size: 2, tags: ['a'] }), as('owner')),
      patch('status-apply', `${gadgets}/g/status`, 'apply', gadget('g', { size: 99 }, { ready: true, phase: 'Up' }), as('status-writer')),
      patch('status-conflict', `${gadgets}/g/status`, 'apply', gadget('g', {}, { phase: 'Down' }), as('status-writer-2')),
      put('status-update', `${gadgets}/g/status`, { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g', resourceVersion: '{rv:status-apply}' }, spec: {}, status: { ready: false, phase: 'Up' } }, as('status-putter')),
      get('get', `${gadgets}/g`),
      patch('merge-patch', `${gadgets}/g`, 'merge', { spec: { color: 'blue', size: 3 } }, as('patcher')),
      get('get-end', `${gadgets}/g`),
    ],
  },
];

export const serverSideApplyCases: readonly DiffCase[] = [...configMapCases, ...deploymentCases, ...customResourceCases];
