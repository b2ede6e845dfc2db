import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Subdomain, isIPv4, isIPv6 } from '../validation/names.js';
import { loadBalancerStatus } from '../validation/status.js';

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: Record<string, unknown> | undefined, path: string): StatusCause[] {
  if (b === undefined) return [];
  const service = field(b, 'service');
  const resource = field(b, 'resource');
  if (service !== undefined && resource !== undefined) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (service === undefined && resource === undefined) return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
  if (service === undefined) return [];
  const causes: StatusCause[] = [];
  if (typeof service.name !== 'string' || service.name === '') causes.push(fieldErrors.required(`${path}.service.name`));
  const port = field(service, 'port');
  if (port === undefined) causes.push(fieldErrors.required(`${path}.service.port`));
  else if (port.name !== undefined && port.number !== undefined) causes.push(fieldErrors.invalid(`${path}.service.port`, '', 'cannot set both port name & port number'));
  return causes;
}

function validateIngress(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const rules = arrayOf(s.rules);
  if (rules.length === 0 && s.defaultBackend === undefined) causes.push(fieldErrors.invalid('spec', '', 'either `defaultBackend` or `rules` must be specified'));
  causes.push(...validateBackend(field(s, 'defaultBackend'), 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const host = typeof r.host === 'string' ? r.host : '';
    if (host !== '' && (isIPv4(host) || isIPv6(host))) causes.push(fieldErrors.invalid(`spec.rules[${i}].host`, host, 'must be a DNS name, not an IP address'));
    else if (host !== '') for (const m of isDns1123Subdomain(host.replace(/^\*\./, ''))) causes.push(fieldErrors.invalid(`spec.rules[${i}].host`, host, m));
    const http = field(r, 'http');
    if (http === undefined) return;
    arrayOf(http.paths).forEach((p, j) => {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      if (p.pathType === undefined) causes.push(fieldErrors.required(`${at}.pathType`, 'pathType must be specified'));
      else if (!pathTypes.includes(String(p.pathType))) causes.push(fieldErrors.notSupported(`${at}.pathType`, p.pathType, pathTypes));
      const path = typeof p.path === 'string' ? p.path : '';
      if ((p.pathType === 'Prefix' || p.pathType === 'Exact') && !path.startsWith('/')) causes.push(fieldErrors.invalid(`${at}.path`, path, 'must be an absolute path'));
      causes.push(...validateBackend(field(p, 'backend'), `${at}.backend`));
    });
  });
  return causes;
}

/** ingresses (networking.k8s.io/v1): HTTP routes into services. */
export const ingressStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', singular: 'ingress', kind: 'Ingress', listKind: 'IngressList', namespaced: true, shortNames: ['ing'], subresources: ['status'] }),
  {
    // kube-apiserver names the internal group in this kind's Invalid errors.
    errorGroup: 'extensions',
    validateStatusUpdate: loadBalancerStatus,
    generation: true,
    prepareForCreate: (o) => {
      o.status = { loadBalancer: {} };
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    validate: validateIngress,
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [nameColumn, column('Class', 'The ingress class.'), column('Hosts', 'The hosts it routes.'), column('Address', 'Where the load balancer answers.'), column('Ports', 'The ports it listens on.'), ageColumn],
      cells: (o, now) => {
        const s = field(o, 'spec') ?? {};
        const hosts = arrayOf(s.rules).map((r) => (typeof r.host === 'string' && r.host !== '' ? r.host : '*'));
        const addresses = arrayOf(field(field(o, 'status'), 'loadBalancer')?.ingress).map((i) => String(i.ip ?? i.hostname ?? ''));
        return [
          o.metadata.name,
          typeof s.ingressClassName === 'string' ? s.ingressClassName : '<none>',
          hosts.length === 0 ? '*' : hosts.join(','),
          addresses.join(','),
          arrayOf(s.tls).length > 0 ? '80, 443' : '80',
          age(o.metadata.creationTimestamp, now),
        ];
      },
    },
  },
);
