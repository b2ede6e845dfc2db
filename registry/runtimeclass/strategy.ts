import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import { validateTolerations } from '../pod/pod-spec.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Label } from '../validation/names.js';
import { quantityNumber } from '../../schemas/quantity.js';

/** runtimeclasses (node.k8s.io/v1, cluster-scoped): container runtime handlers. */
export const runtimeClassStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses', singular: 'runtimeclass', kind: 'RuntimeClass', listKind: 'RuntimeClassList', namespaced: false }),
  {
    allowCreateOnUpdate: true,
    unconditionalUpdate: false,
    validate: (o) => {
      const handler = typeof o.handler === 'string' ? o.handler : '';
      // An empty handler is an Invalid label, as kube-apiserver checks it.
      const causes: StatusCause[] = isDns1123Label(handler).map((m) => fieldErrors.invalid('handler', handler, m));
      // Kubernetes names overhead quantities as resource limits, and the tolerations list twice.
      for (const [name, q] of Object.entries(field(field(o, 'overhead'), 'podFixed') ?? {})) {
        if (quantityNumber(q) < 0) causes.push(fieldErrors.invalid(`overhead.limits[${name}]`, q, 'must be greater than or equal to 0'));
      }
      causes.push(...validateTolerations(field(o, 'scheduling')?.tolerations, 'scheduling.tolerations.tolerations'));
      return causes;
    },
    validateUpdate: (o, old) => (o.handler === old.handler ? [] : [fieldErrors.immutable('handler', o.handler)]),
    table: {
      columns: [nameColumn, column('Handler', 'The runtime handler.'), ageColumn],
      cells: (o, now) => [o.metadata.name, String(o.handler ?? ''), age(o.metadata.creationTimestamp, now)],
    },
  },
);
