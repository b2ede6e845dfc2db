import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Label } from '../validation/names.js';

/** runtimeclasses (node.k8s.io/v1, cluster-scoped): container runtime handlers. */
export const runtimeClassStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses', singular: 'runtimeclass', kind: 'RuntimeClass', listKind: 'RuntimeClassList', namespaced: false }),
  {
    allowCreateOnUpdate: true,
    unconditionalUpdate: false,
    validate: (o) => {
      const handler = typeof o.handler === 'string' ? o.handler : '';
      if (handler === '') return [fieldErrors.required('handler')];
      return isDns1123Label(handler).map((m) => fieldErrors.invalid('handler', handler, m));
    },
    validateUpdate: (o, old) => (o.handler === old.handler ? [] : [fieldErrors.immutable('handler', o.handler)]),
    table: {
      columns: [nameColumn, column('Handler', 'The runtime handler.'), ageColumn],
      cells: (o, now) => [o.metadata.name, String(o.handler ?? ''), age(o.metadata.creationTimestamp, now)],
    },
  },
);
