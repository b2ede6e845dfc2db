import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';

/** leases (coordination.k8s.io/v1): leader election and node heartbeats. */
export const leaseStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', singular: 'lease', kind: 'Lease', listKind: 'LeaseList', namespaced: true }),
  {
    allowCreateOnUpdate: true,
    unconditionalUpdate: false,
    validate: (o) => {
      const s = field(o, 'spec') ?? {};
      const causes: StatusCause[] = [];
      if (s.leaseDurationSeconds !== undefined && Number(s.leaseDurationSeconds) <= 0) causes.push(fieldErrors.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
      if (s.leaseTransitions !== undefined && Number(s.leaseTransitions) < 0) causes.push(fieldErrors.invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
      return causes;
    },
    table: {
      columns: [nameColumn, column('Holder', 'Who holds the lease.'), ageColumn],
      cells: (o, now) => [o.metadata.name, String(field(o, 'spec')?.holderIdentity ?? ''), age(o.metadata.creationTimestamp, now)],
    },
  },
);
