import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isValidIp, isValidPortNum } from '../validation/names.js';

function validateEndpoints(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  arrayOf(o.subsets).forEach((subset, i) => {
    const at = `subsets[${i}]`;
    if (arrayOf(subset.addresses).length === 0 && arrayOf(subset.notReadyAddresses).length === 0) causes.push(fieldErrors.required(at, 'must specify `addresses` or `notReadyAddresses`'));
    for (const list of ['addresses', 'notReadyAddresses']) {
      arrayOf(subset[list]).forEach((a, j) => {
        for (const m of isValidIp(String(a.ip ?? ''))) causes.push(fieldErrors.invalid(`${at}.${list}[${j}].ip`, a.ip ?? '', m));
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
