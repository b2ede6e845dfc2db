import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { validateLabelSelector } from '../validation/label-selector.js';
import { nonNegativeStatus } from '../validation/status.js';
import { goIntOrString } from '../validation/int-or-percent.js';

function intOrPercent(value: unknown, path: string): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return value >= 0 ? [] : [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')];
  const m = /^(\d+)%$/.exec(String(value));
  // A string is printed as the IntOrString kube-apiserver holds it in.
  if (m === null) return [fieldErrors.invalidPrinted(path, goIntOrString(value), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  return Number(m[1]) > 100 ? [fieldErrors.invalidPrinted(path, goIntOrString(value), 'must not be greater than 100%')] : [];
}

/** poddisruptionbudgets (policy/v1): how many pods evictions may take down. */
export const podDisruptionBudgetStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', singular: 'poddisruptionbudget', kind: 'PodDisruptionBudget', listKind: 'PodDisruptionBudgetList', namespaced: true, shortNames: ['pdb'], subresources: ['status'] }),
  {
    validateStatusUpdate: (o) => nonNegativeStatus(o, ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']),
    unconditionalUpdate: false,
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validate: (o) => {
      const s = field(o, 'spec') ?? {};
      const causes: StatusCause[] = [];
      if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) causes.push(fieldErrors.invalid('spec', s, 'minAvailable and maxUnavailable cannot be both set'));
      causes.push(...intOrPercent(s.minAvailable, 'spec.minAvailable'), ...intOrPercent(s.maxUnavailable, 'spec.maxUnavailable'));
      causes.push(...validateLabelSelector(field(s, 'selector'), 'spec.selector'));
      return causes;
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [nameColumn, column('Min Available', 'Pods that must stay available.'), column('Max Unavailable', 'Pods that may be unavailable.'), column('Allowed Disruptions', 'Evictions allowed now.', 0, 'integer'), ageColumn],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        return [o.metadata.name, s.minAvailable === undefined ? 'N/A' : String(s.minAvailable), s.maxUnavailable === undefined ? 'N/A' : String(s.maxUnavailable), Number(field(o, 'status')?.disruptionsAllowed ?? 0), age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
