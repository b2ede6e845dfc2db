import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { formatLabelSelector, validateLabelSelector } from '../validation/label-selector.js';

const policyTypes = ['Ingress', 'Egress'];

/** networkpolicies (networking.k8s.io/v1): which traffic pods accept. */
export const networkPolicyStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', namespaced: true, shortNames: ['netpol'], subresources: ['status'] }),
  {
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    applyDefaults: (o) => {
      const s = child(o, 'spec');
      if (s.policyTypes === undefined) s.policyTypes = arrayOf(s.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      for (const rule of [...arrayOf(s.ingress), ...arrayOf(s.egress)]) for (const p of arrayOf(rule.ports)) p.protocol ??= 'TCP';
    },
    validate: (o) => {
      const s = field(o, 'spec') ?? {};
      const causes: StatusCause[] = [...validateLabelSelector(field(s, 'podSelector'), 'spec.podSelector')];
      const types = Array.isArray(s.policyTypes) ? s.policyTypes : [];
      types.forEach((t, i) => {
        if (!policyTypes.includes(String(t))) causes.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, policyTypes));
      });
      return causes;
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [nameColumn, column('Pod-Selector', 'The pods the policy applies to.'), ageColumn],
      cells: (o, now) => {
        const sel = formatLabelSelector(field(field(o, 'spec'), 'podSelector'));
        return [o.metadata.name, sel === '' ? '<none>' : sel, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
