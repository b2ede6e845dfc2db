import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, column } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  source?: { component?: string };
}

const fields = (o: KubeObject): EventFields => o as unknown as EventFields;

/** events (v1, core): LAST SEEN TYPE REASON OBJECT MESSAGE. */
export const eventStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', listKind: 'EventList', namespaced: true, shortNames: ['ev'] }),
  {
    isSpecChange: () => false,
    applyDefaults: (o) => {
      o.type ??= 'Normal';
    },
    fieldSelectorValue: (o, f) => {
      const e = fields(o);
      switch (f) {
        case 'involvedObject.kind':
          return e.involvedObject?.kind ?? '';
        case 'involvedObject.name':
          return e.involvedObject?.name ?? '';
        case 'involvedObject.namespace':
          return e.involvedObject?.namespace ?? '';
        // kubectl describe selects an object's events by these too.
        case 'involvedObject.uid':
          return e.involvedObject?.uid ?? '';
        case 'involvedObject.apiVersion':
          return e.involvedObject?.apiVersion ?? '';
        case 'involvedObject.resourceVersion':
          return e.involvedObject?.resourceVersion ?? '';
        case 'involvedObject.fieldPath':
          return e.involvedObject?.fieldPath ?? '';
        case 'reason':
          return e.reason ?? '';
        case 'type':
          return e.type ?? '';
        case 'source':
          return e.source?.component ?? '';
        default:
          return undefined;
      }
    },
    table: {
      columns: [
        column('Last Seen', 'The time the event was last observed'),
        column('Type', 'The type of the event'),
        column('Reason', 'Why the event happened'),
        column('Object', 'The object the event is about'),
        column('Message', 'A human-readable description'),
      ],
      cells: (o, now) => {
        const e = fields(o);
        const kind = (e.involvedObject?.kind ?? '').toLowerCase();
        return [age(e.lastTimestamp ?? e.eventTime ?? o.metadata.creationTimestamp, now), e.type ?? '', e.reason ?? '', `${kind}/${e.involvedObject?.name ?? ''}`, e.message ?? ''];
      },
    },
  },
);
