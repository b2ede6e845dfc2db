import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { del, get, patch, post, put } from './steps.js';

/**
 * Namespaces (core/v1, cluster-scoped). No namespace controller runs beside the
 * reference, so a deleted namespace stays Terminating on it.
 */

const namespaces: Fixture = {
  id: 'namespaces',
  collection: '/api/v1/namespaces',
  namespaced: false,
  apiVersion: 'v1',
  kind: 'Namespace',
  content: {},
};

const nsPath = '/api/v1/namespaces';
const ns = (name: string, rest: { readonly [k: string]: Json } = {}): Json => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { case: '{ns}' } }, ...rest });

const invalid: ReadonlyArray<[string, string, Json]> = [
  ['name-dots', 'a name with dots (namespaces are DNS labels, not subdomains)', ns('{ns}.sub')],
  ['name-too-long', 'a 64-character name', ns('n'.repeat(64))],
  ['name-uppercase', 'a name with capitals', ns('{ns}-Upper')],
  ['finalizer-name', 'a spec.finalizers entry that is not a qualified name', ns('{ns}-fin', { spec: { finalizers: ['not a name'] } })],
];

const handWritten: DiffCase[] = [
  ...invalid.map(([id, title, body]): DiffCase => ({ id: `namespaces-invalid-${id}`, title: `Namespace create is Invalid: ${title}`, steps: [post('create', nsPath, body)] })),
  {
    id: 'namespaces-terminating',
    title: 'a deleted namespace is Terminating: creating in it is Forbidden, it still lists its objects, and deleting it again answers as the reference does',
    steps: [
      post('create', nsPath, ns('{ns}-t')),
      post('create-cm', '/api/v1/namespaces/{ns}-t/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } }),
      del('delete', `${nsPath}/{ns}-t`),
      get('get', `${nsPath}/{ns}-t`),
      post('create-in-terminating', '/api/v1/namespaces/{ns}-t/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }),
      get('list-in-terminating', '/api/v1/namespaces/{ns}-t/configmaps'),
      del('delete-again', `${nsPath}/{ns}-t`),
      patch('label-terminating', `${nsPath}/{ns}-t`, 'merge', { metadata: { labels: { still: 'editable' } } }),
    ],
  },
  {
    id: 'namespaces-finalize',
    title: 'namespaces/finalize replaces spec.finalizers; namespaces/status reads and writes status',
    steps: [
      post('create', nsPath, ns('{ns}-f')),
      put('finalize', `${nsPath}/{ns}-f/finalize`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: '{ns}-f' }, spec: { finalizers: [] } }),
      get('get', `${nsPath}/{ns}-f`),
      get('get-status', `${nsPath}/{ns}-f/status`),
      put('put-status', `${nsPath}/{ns}-f/status`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: '{ns}-f' }, status: { phase: 'Active', conditions: [] } }),
      put('finalize-bad-name', `${nsPath}/{ns}-f/finalize`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: '{ns}-f' }, spec: { finalizers: ['Not Valid'] } }),
      del('delete', `${nsPath}/{ns}-f`),
      get('get-after-delete', `${nsPath}/{ns}-f`),
    ],
  },
  {
    id: 'namespaces-system',
    title: 'the system namespaces exist and cannot be deleted; the name label is set and cannot be changed',
    steps: [
      get('get-default', `${nsPath}/default`),
      get('get-kube-system', `${nsPath}/kube-system`),
      get('get-kube-public', `${nsPath}/kube-public`),
      get('get-kube-node-lease', `${nsPath}/kube-node-lease`),
      del('delete-kube-system', `${nsPath}/kube-system`, undefined, { query: { dryRun: 'All' } }),
      del('delete-default', `${nsPath}/default`, undefined, { query: { dryRun: 'All' } }),
      post('create', nsPath, ns('{ns}-l')),
      patch('change-name-label', `${nsPath}/{ns}-l`, 'merge', { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } }),
      patch('remove-name-label', `${nsPath}/{ns}-l`, 'json', [{ op: 'remove', path: '/metadata/labels/kubernetes.io~1metadata.name' }]),
      put('put-spec', `${nsPath}/{ns}-l`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: '{ns}-l' }, spec: { finalizers: ['example.com/mine'] } }),
    ],
  },
];

export const namespaceCases: readonly DiffCase[] = [...standardCases(namespaces), ...handWritten];
