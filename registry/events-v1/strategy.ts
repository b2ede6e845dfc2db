/**
 * events.k8s.io/v1 Events: the same objects as core/v1 Events (stored once,
 * in the core form), with the newer field names and stricter rules for what
 * is created through this version.
 */
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy, VersionConversion } from '../generic/strategy.js';
import type { KubeObject } from '../generic/types.js';
import { eventCells, eventColumns, eventFieldValue, validateEventFields } from '../event/strategy.js';
import { fieldErrors } from '../validation/field-errors.js';

/** events.k8s.io field name -> core/v1 field name. */
const renames: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(o: KubeObject, pairs: readonly (readonly [string, string])[]): KubeObject {
  const out: KubeObject = { ...o };
  for (const [from, to] of pairs) {
    delete out[to];
    if (Object.prototype.hasOwnProperty.call(o, from)) out[to] = o[from];
    delete out[from];
  }
  for (const [from] of pairs) if (!pairs.some(([, to]) => to === from)) delete out[from];
  return out;
}

export const eventsV1Conversion: VersionConversion = {
  storageApiVersion: 'v1',
  storageKind: 'Event',
  toStorage: (o) => {
    const out = rename(o, renames);
    if (out.reportingComponent === undefined) out.reportingComponent = '';
    if (out.reportingInstance === undefined) out.reportingInstance = '';
    return out;
  },
  fromStorage: (o) => {
    const out = rename(
      o,
      renames.map(([a, b]) => [b, a] as const),
    );
    // Empty strings are not written in this version (omitempty).
    for (const k of ['reportingController', 'reportingInstance', 'action', 'type', 'reason', 'note']) if (out[k] === '') delete out[k];
    return out;
  },
};

/** The core/v1 view of an events.k8s.io object, for the shared rules. */
const asCore = (o: KubeObject): KubeObject => eventsV1Conversion.toStorage(structuredClone(o));

export const eventsV1Strategy: Strategy = baseStrategy(
  resourceInfo({ group: 'events.k8s.io', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', listKind: 'EventList', namespaced: true, shortNames: ['ev'], storageApiVersion: 'v1' }),
  {
    // events.k8s.io Events are core Events inside kube-apiserver: its errors name no group.
    errorGroup: '',
    allowCreateOnUpdate: true,
    defaultPropagationPolicy: 'Unsupported',
    isSpecChange: () => false,
    conversion: eventsV1Conversion,
    validate: (o) => {
      const core = asCore(o);
      // kube-apiserver validates the core Event it converts to, so a long note is reported at "message".
      const causes = validateEventFields(core, { reportingController: 'reportingController' });
      if (o.eventTime === undefined || o.eventTime === null) causes.push(fieldErrors.required('eventTime', ''));
      if (o.type !== 'Normal' && o.type !== 'Warning') causes.push(fieldErrors.invalid('type', '', `has invalid value: ${typeof o.type === 'string' ? o.type : ''}`));
      for (const f of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp']) if (o[f] !== undefined && o[f] !== null) causes.push(fieldErrors.invalid(f, '', 'needs to be unset'));
      if (o.deprecatedCount !== undefined && o.deprecatedCount !== 0) causes.push(fieldErrors.invalid('deprecatedCount', '', 'needs to be unset'));
      const source = field(o, 'deprecatedSource');
      if (source !== undefined && Object.keys(source).length > 0) causes.push(fieldErrors.invalid('deprecatedSource', '', 'needs to be unset'));
      return causes;
    },
    fieldSelectorValue: (o, f) => eventFieldValue(asCore(o), f),
    table: { columns: eventColumns, cells: (o, now) => eventCells(asCore(o), now) },
  },
);
