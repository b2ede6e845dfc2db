import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1035Label, isDns1123Subdomain, isIPv4, isIPv6, isValidPortName, isValidPortNum } from '../validation/names.js';
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
  const name = typeof service.name === 'string' ? service.name : '';
  if (name === '') causes.push(fieldErrors.required(`${path}.service.name`));
  else for (const m of isDns1035Label(name)) causes.push(fieldErrors.invalid(`${path}.service.name`, name, m));
  // The port is a struct in Go: no port is neither a name nor a number.
  const port = field(service, 'port') ?? {};
  const portName = typeof port.name === 'string' ? port.name : '';
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName !== '' && portNumber !== 0) causes.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '') for (const m of isValidPortName(portName)) causes.push(fieldErrors.invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) causes.push(fieldErrors.invalid(`${path}.service.port.number`, portNumber, m));
  else causes.push(fieldErrors.required(path, 'port name or number is required'));
  return causes;
}

const wildcardHostMessage =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** IsWildcardDNS1123Subdomain: '*.' and a DNS subdomain, at most 253 characters. */
function wildcardHostErrors(host: string): string[] {
  const out: string[] = [];
  if (host.length > 253) out.push('must be no more than 253 characters');
  if (!/^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host)) out.push(wildcardHostMessage);
  return out;
}

function validateIngress(o: Record<string, unknown>): StatusCause[] {
  const s = field(o, 'spec') ?? {};
  const causes: StatusCause[] = [];
  const rules = arrayOf(s.rules);
  if (rules.length === 0 && s.defaultBackend === undefined) {
    causes.push(fieldErrors.invalidPrinted('spec', Array.isArray(s.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  }
  causes.push(...validateBackend(field(s, 'defaultBackend'), 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const host = typeof r.host === 'string' ? r.host : '';
    if (host !== '') {
      if (isIPv4(host) || isIPv6(host)) causes.push(fieldErrors.invalid(`spec.rules[${i}].host`, host, 'must be a DNS name, not an IP address'));
      // A host with a * anywhere is checked as a wildcard host.
      const messages = host.includes('*') ? wildcardHostErrors(host) : isDns1123Subdomain(host);
      for (const m of messages) causes.push(fieldErrors.invalid(`spec.rules[${i}].host`, host, m));
    }
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
