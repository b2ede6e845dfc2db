import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, column } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Subdomain, isQualifiedName } from '../validation/names.js';

/** How long events live: kube-apiserver's --event-ttl default (1h), as a lease on the key. */
export const eventTtlSeconds = 3600;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Kubernetes' checks of an event in its core/v1 form. names says how the
 * fields are called in the request's version (reportingComponent in v1,
 * reportingController in events.k8s.io). Old-style events (no eventTime)
 * need only a namespace that agrees; new-style ones the reporting fields.
 */
export function validateEventFields(o: KubeObject, names: { reportingController: string }): StatusCause[] {
  const causes: StatusCause[] = [];
  const ns = o.metadata.namespace ?? '';
  const involved = field(o, 'involvedObject') ?? {};
  const involvedNs = str(involved.namespace);
  if (o.eventTime === undefined || o.eventTime === null) {
    if (involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs) causes.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') causes.push(fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const controller = str(o.reportingComponent);
    if (controller === '') causes.push(fieldErrors.required(names.reportingController, ''));
    for (const m of isQualifiedName(controller)) causes.push(fieldErrors.invalid(names.reportingController, controller, m));
    const instance = str(o.reportingInstance);
    if (instance === '') causes.push(fieldErrors.required('reportingInstance', ''));
    else if (instance.length > 128) causes.push(fieldErrors.invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(o.action);
    if (action === '') causes.push(fieldErrors.required('action', ''));
    else if (action.length > 128) causes.push(fieldErrors.invalid('action', '', 'can have at most 128 characters'));
    const reason = str(o.reason);
    if (reason === '') causes.push(fieldErrors.required('reason', ''));
    else if (reason.length > 128) causes.push(fieldErrors.invalid('reason', '', 'can have at most 128 characters'));
    if (str(o.message).length > 1024) causes.push(fieldErrors.invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of isDns1123Subdomain(ns)) causes.push(fieldErrors.invalid('namespace', ns, m));
  return causes;
}

/** The field selector values of events (both versions select on the core/v1 names). */
export function eventFieldValue(o: KubeObject, f: string): string | undefined {
  const involved = field(o, 'involvedObject') ?? {};
  const involvedFields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
  if (f.startsWith('involvedObject.') && involvedFields.includes(f.slice('involvedObject.'.length))) return str(involved[f.slice('involvedObject.'.length)]);
  switch (f) {
    case 'reason':
      return str(o.reason);
    case 'reportingComponent':
      return str(o.reportingComponent);
    case 'source':
      return str(field(o, 'source')?.component);
    case 'type':
      return str(o.type);
    default:
      return undefined;
  }
}

/** The table of events, in the columns both versions print. */
export function eventCells(o: KubeObject, now: Date): unknown[] {
  const involved = field(o, 'involvedObject') ?? {};
  const series = field(o, 'series');
  const last = str(field(series, 'lastObservedTime') ? series?.lastObservedTime : '') || str(o.lastTimestamp) || str(o.eventTime);
  const first = str(o.firstTimestamp) || str(o.eventTime);
  const source = field(o, 'source') ?? {};
  const sourceCell = str(source.component) !== '' ? [str(source.component), str(source.host)].filter((x) => x !== '').join(', ') : [str(o.reportingComponent), str(o.reportingInstance)].filter((x) => x !== '').join(', ');
  const count = typeof o.count === 'number' ? o.count : (field(series, 'count')?.count as number | undefined) ?? 1;
  return [
    last === '' ? '<unknown>' : age(last, now),
    str(o.type),
    str(o.reason),
    `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
    str(involved.fieldPath),
    sourceCell,
    str(o.message),
    first === '' ? '<unknown>' : age(first, now),
    count,
    o.metadata.name,
  ];
}

export const eventColumns = [
  column('Last Seen', 'When the event was last seen.'),
  column('Type', 'Normal or Warning.'),
  column('Reason', 'Why the event happened, in one word.'),
  column('Object', 'The object the event is about.'),
  column('Subobject', 'The part of the object, if any.', 1),
  column('Source', 'Who reported the event.', 1),
  column('Message', 'What happened.'),
  column('First Seen', 'When the event was first seen.', 1),
  column('Count', 'How many times it happened.', 1),
  column('Name', 'The event\'s name.', 1, 'string', 'name'),
];

/** events (v1, core): what happened to objects; stored with a one-hour lease; PUT may create. */
export const eventStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', listKind: 'EventList', namespaced: true, shortNames: ['ev'] }),
  {
    nameRule: 'pathSegment',
    allowCreateOnUpdate: true,
    defaultPropagationPolicy: 'Unsupported',
    isSpecChange: () => false,
    validate: (o) => validateEventFields(o, { reportingController: 'reportingComponent' }),
    fieldSelectorValue: eventFieldValue,
    table: { columns: eventColumns, cells: eventCells },
  },
);
