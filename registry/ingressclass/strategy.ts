import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Subdomain } from '../validation/names.js';

/** A domain-prefixed path (acme.io/foo), checked as kube-apiserver checks an IngressClass controller. */
function domainPrefixedPath(value: string, path: string): StatusCause[] {
  const slash = value.indexOf('/');
  const host = slash < 0 ? '' : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (host === '' || rest === '') return [fieldErrors.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const causes = isDns1123Subdomain(host).map((m) => fieldErrors.invalid(path, host, m));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) causes.push(fieldErrors.invalid(path, rest, "must be a valid path (regex used for validation is '^[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+$')"));
  return causes;
}

/** ingressclasses (networking.k8s.io/v1, cluster-scoped): which controller implements ingresses of a class. */
export const ingressClassStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', singular: 'ingressclass', kind: 'IngressClass', listKind: 'IngressClassList', namespaced: false }),
  {
    generation: true,
    validate: (o) => {
      const controller = String(field(o, 'spec')?.controller ?? '');
      const causes: StatusCause[] = [];
      if (controller === '') causes.push(fieldErrors.required('spec.controller'));
      else causes.push(...domainPrefixedPath(controller, 'spec.controller'));
      const params = field(field(o, 'spec'), 'parameters');
      if (params !== undefined) {
        if (typeof params.kind !== 'string' || params.kind === '') causes.push(fieldErrors.required('spec.parameters.kind', 'kind is required'));
        if (typeof params.name !== 'string' || params.name === '') causes.push(fieldErrors.required('spec.parameters.name', 'name is required'));
      }
      return causes;
    },
    validateUpdate: (o, old) => (field(o, 'spec')?.controller === field(old, 'spec')?.controller ? [] : [fieldErrors.immutable('spec.controller', field(o, 'spec')?.controller)]),
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [nameColumn, column('Controller', 'The controller that implements the class.'), column('Parameters', 'Where its parameters are.'), ageColumn],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        const p = field(s, 'parameters');
        const params = p === undefined ? '<none>' : `${String(p.kind ?? '')}${p.apiGroup ? `.${String(p.apiGroup)}` : ''}/${String(p.name ?? '')}`;
        return [o.metadata.name, String(s.controller ?? ''), params, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
