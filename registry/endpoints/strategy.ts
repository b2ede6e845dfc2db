import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isIPv4, isValidIp, isValidPortNum } from '../validation/names.js';

/** Why an endpoint may not use a (valid) IP: addresses that never reach a pod from elsewhere. */
function specialIpProblems(ip: string): string[] {
  const v4 = isIPv4(ip) ? ip.split('.').map(Number) : undefined;
  const v6 = v4 === undefined ? ip.toLowerCase() : '';
  if (v4 !== undefined ? v4.every((b) => b === 0) : /^[0:]+$/.test(v6)) return ['may not be unspecified (0.0.0.0, ::)'];
  if (v4 !== undefined ? v4[0] === 127 : /^[0:]+:0*1$/.test(v6)) return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
  if (v4 !== undefined ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab][0-9a-f]?:/.test(v6)) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
  if (v4 !== undefined ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff02:/.test(v6)) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
  return [];
}

function validateEndpoints(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  arrayOf(o.subsets).forEach((subset, i) => {
    const at = `subsets[${i}]`;
    if (arrayOf(subset.addresses).length === 0 && arrayOf(subset.notReadyAddresses).length === 0) causes.push(fieldErrors.required(at, 'must specify `addresses` or `notReadyAddresses`'));
    for (const list of ['addresses', 'notReadyAddresses']) {
      arrayOf(subset[list]).forEach((a, j) => {
        const ip = String(a.ip ?? '');
        const problems = isValidIp(ip);
        // An address that does not parse is refused twice, as kube-apiserver's two checks both refuse it.
        const special = problems.length > 0 ? ['must be a valid IP address'] : specialIpProblems(ip);
        for (const m of [...problems, ...special]) causes.push(fieldErrors.invalid(`${at}.${list}[${j}].ip`, a.ip ?? '', m));
      });
    }
    arrayOf(subset.ports).forEach((p, j) => {
      for (const m of isValidPortNum(Number(p.port ?? 0))) causes.push(fieldErrors.invalid(`${at}.ports[${j}].port`, p.port ?? 0, m));
    });
  });
  return causes;
}

function endpointsCell(o: KubeObject): string {
  const all: string[] = [];
  for (const subset of arrayOf(o.subsets)) {
    const ports = arrayOf(subset.ports);
    for (const a of arrayOf(subset.addresses)) {
      if (ports.length === 0) all.push(String(a.ip));
      else for (const p of ports) all.push(`${String(a.ip)}:${String(p.port)}`);
    }
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

/** endpoints (v1): the addresses behind a service; PUT may create. */
export const endpointsStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'endpoints', singular: 'endpoints', kind: 'Endpoints', listKind: 'EndpointsList', namespaced: true, shortNames: ['ep'] }),
  {
    allowCreateOnUpdate: true,
    applyDefaults: (o) => {
      for (const subset of arrayOf(o.subsets)) for (const p of arrayOf(subset.ports)) p.protocol ??= 'TCP';
    },
    validate: validateEndpoints,
    table: {
      columns: [nameColumn, column('Endpoints', 'The addresses and ports of the endpoints.'), ageColumn],
      cells: (o, now) => [o.metadata.name, endpointsCell(o), age(o.metadata.creationTimestamp, now)],
    },
  },
);
