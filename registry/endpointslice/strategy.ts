import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Label, isDns1123Subdomain, isIPv4, isIPv6, isValidPortNum } from '../validation/names.js';

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const protocols = ['SCTP', 'TCP', 'UDP'];

function validateSlice(o: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = String(o.addressType ?? '');
  if (type === '') causes.push(fieldErrors.required('addressType', ''));
  else if (!addressTypes.includes(type)) causes.push(fieldErrors.notSupported('addressType', type, addressTypes));
  const endpoints = arrayOf(o.endpoints);
  if (endpoints.length > 1000) causes.push(fieldErrors.tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((e, i) => {
    const addresses = Array.isArray(e.addresses) ? e.addresses.map(String) : [];
    if (addresses.length === 0) causes.push(fieldErrors.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    addresses.forEach((a, j) => {
      const at = `endpoints[${i}].addresses[${j}]`;
      if (type === 'IPv4' && !isIPv4(a)) causes.push(fieldErrors.invalid(at, a, 'must be a valid IPv4 address'));
      if (type === 'IPv6' && !isIPv6(a)) causes.push(fieldErrors.invalid(at, a, 'must be a valid IPv6 address'));
      if (type === 'FQDN') for (const m of isDns1123Subdomain(a)) causes.push(fieldErrors.invalid(at, a, m));
    });
  });
  arrayOf(o.ports).forEach((p, i) => {
    const name = typeof p.name === 'string' ? p.name : '';
    if (name !== '') for (const m of isDns1123Label(name)) causes.push(fieldErrors.invalid(`ports[${i}].name`, name, m));
    if (p.protocol !== undefined && !protocols.includes(String(p.protocol))) causes.push(fieldErrors.notSupported(`ports[${i}].protocol`, p.protocol, protocols));
    if (p.port !== undefined) for (const m of isValidPortNum(Number(p.port))) causes.push(fieldErrors.invalid(`ports[${i}].port`, p.port, m));
  });
  return causes;
}

/** endpointslices (discovery.k8s.io/v1): slices of a service's endpoints. */
export const endpointSliceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', listKind: 'EndpointSliceList', namespaced: true }),
  {
    generation: true,
    applyDefaults: (o) => {
      for (const p of arrayOf(o.ports)) {
        p.name ??= '';
        p.protocol ??= 'TCP';
      }
    },
    validate: validateSlice,
    validateUpdate: (o, old) => (o.addressType === old.addressType ? [] : [fieldErrors.immutable('addressType', o.addressType)]),
    // A slice has no spec: kube-apiserver counts a change of anything but its metadata, or of its labels.
    isSpecChange: (o, old) => !isDeepStrictEqual([o.endpoints, o.ports, o.addressType, o.metadata.labels ?? {}], [old.endpoints, old.ports, old.addressType, old.metadata.labels ?? {}]),
    table: {
      columns: [nameColumn, column('AddressType', 'IPv4, IPv6 or FQDN.'), column('Ports', 'The ports of the endpoints.'), column('Endpoints', 'The addresses of the endpoints.'), ageColumn],
      cells: (o, now) => {
        const ports = arrayOf(o.ports).map((p) => (p.port === undefined ? '<unset>' : String(p.port)));
        const addresses = arrayOf(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : []));
        const shown = addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',');
        return [o.metadata.name, String(o.addressType ?? ''), ports.length === 0 ? '<unset>' : ports.join(','), shown === '' ? '<unset>' : shown, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
