import type { DiffCase, Json } from '../case.js';
import { standardCases, type Fixture } from './standard.js';
import { asTable, get, patch, post } from './steps.js';

/** Events in core/v1 and in events.k8s.io/v1 (the same objects, two shapes). */

const coreEvent = {
  involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: '{ns}' },
  reason: 'Started',
  message: 'Started container app',
  type: 'Normal',
  count: 1,
  firstTimestamp: '2024-01-02T03:04:05Z',
  lastTimestamp: '2024-01-02T03:04:05Z',
  source: { component: 'kubelet', host: 'node-1' },
};

const events: Fixture = {
  id: 'events',
  collection: '/api/v1/namespaces/{ns}/events',
  namespaced: true,
  apiVersion: 'v1',
  kind: 'Event',
  content: coreEvent,
};

const newEvent = {
  eventTime: '2024-01-02T03:04:05.000000Z',
  reportingController: 'example.com/controller',
  reportingInstance: 'controller-1',
  action: 'Reconcile',
  reason: 'Synced',
  note: 'synced the object',
  type: 'Normal',
  regarding: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', namespace: '{ns}' },
};

const eventsV1: Fixture = {
  id: 'eventsv1',
  collection: '/apis/events.k8s.io/v1/namespaces/{ns}/events',
  namespaced: true,
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  content: newEvent,
};

const corePath = '/api/v1/namespaces/{ns}/events';
const v1Path = '/apis/events.k8s.io/v1/namespaces/{ns}/events';
type Obj = { readonly [k: string]: Json };
const ev = (name: string, over: Obj): Json => ({ apiVersion: 'v1', kind: 'Event', metadata: { name }, ...coreEvent, ...over });
const ev1 = (name: string, over: Obj): Json => ({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name }, ...newEvent, ...over });

const handWritten: DiffCase[] = [
  {
    id: 'events-invalid',
    title: 'core/v1 Events: an involvedObject in another namespace or missing and an eventTime without reportingController are Invalid; a free-form type and name are not',
    steps: [
      post('other-namespace', corePath, ev('a', { involvedObject: { kind: 'Pod', name: 'web', namespace: 'elsewhere' } })),
      post('bad-type', corePath, ev('b', { type: 'Chatty' })),
      post('no-involved-object', corePath, ev('c', { involvedObject: {} })),
      post('event-time-no-controller', corePath, ev('d', { eventTime: '2024-01-02T03:04:05.000000Z' })),
      post('bad-name', corePath, ev('Web.Started', {})),
      get('list', corePath),
    ],
  },
  {
    id: 'events-field-selectors',
    title: 'core/v1 Events are selected by involvedObject fields, reason, source and type, as controllers select them',
    steps: [
      post('create-a', corePath, ev('a', {})),
      post('create-b', corePath, ev('b', { involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'db', namespace: '{ns}', uid: '11111111-2222-3333-4444-555555555555' }, reason: 'Killing', type: 'Warning' })),
      get('by-name', corePath, { query: { fieldSelector: 'involvedObject.name=db' } }),
      get('by-kind-and-name', corePath, { query: { fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=web' } }),
      get('by-uid', corePath, { query: { fieldSelector: 'involvedObject.uid=11111111-2222-3333-4444-555555555555' } }),
      get('by-reason', corePath, { query: { fieldSelector: 'reason=Killing' } }),
      get('by-type', corePath, { query: { fieldSelector: 'type=Warning' } }),
      get('by-source', corePath, { query: { fieldSelector: 'source=kubelet' } }),
      get('by-unknown-field', corePath, { query: { fieldSelector: 'message=x' } }),
      get('table', corePath, { accept: asTable }),
    ],
  },
  {
    id: 'events-both-versions',
    title: 'an Event written through core/v1 reads through events.k8s.io/v1 and the other way round',
    steps: [
      post('create-core', corePath, ev('core', {})),
      get('read-as-v1', `${v1Path}/core`),
      post('create-v1', v1Path, ev1('new', {})),
      get('read-as-core', `${corePath}/new`),
      patch('series', `${v1Path}/new`, 'merge', { series: { count: 2, lastObservedTime: '2024-01-02T03:05:05.000000Z' } }),
    ],
  },
  {
    id: 'eventsv1-invalid',
    title: 'events.k8s.io/v1 Events: missing eventTime, reportingController, action, a note over 1 KiB, a bad type',
    steps: [
      post('no-event-time', v1Path, { ...(ev1('a', {}) as Obj), eventTime: null }),
      post('no-controller', v1Path, ev1('b', { reportingController: '' })),
      post('no-action', v1Path, ev1('c', { action: '' })),
      post('long-note', v1Path, ev1('d', { note: 'n'.repeat(1025) })),
      post('bad-type', v1Path, ev1('e', { type: 'Chatty' })),
      post('no-reason', v1Path, ev1('f', { reason: '' })),
    ],
  },
];

export const eventCases: readonly DiffCase[] = [...standardCases(events), ...standardCases(eventsV1), ...handWritten];
