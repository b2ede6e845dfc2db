/**
 * The checks Kubernetes makes of a workload's status on a status update:
 * counts are never negative, and some counts never exceed others.
 */
import type { StatusCause } from '../generic/api-error.js';
import { field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from './field-errors.js';
import { isValidIp } from './names.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** status.<f> >= 0 for each field given. */
export function nonNegativeStatus(o: KubeObject, fields: readonly string[]): StatusCause[] {
  const st = field(o, 'status') ?? {};
  return fields.filter((f) => typeof st[f] === 'number' && (st[f] as number) < 0).map((f) => fieldErrors.invalid(`status.${f}`, st[f], 'must be greater than or equal to 0'));
}

/** status.<f> <= status.<limit> for each field given ("cannot be greater than status.replicas"). */
export function notAboveStatus(o: KubeObject, fields: readonly string[], limit: string, detail = `cannot be greater than status.${limit}`): StatusCause[] {
  const st = field(o, 'status') ?? {};
  return fields.filter((f) => num(st[f]) > num(st[limit])).map((f) => fieldErrors.invalid(`status.${f}`, st[f], detail));
}

/** The replicated kinds' status rules: counts non-negative, none above replicas, available not above ready. */
export function replicatedStatus(o: KubeObject, counts: readonly string[], boundedByReplicas: readonly string[]): StatusCause[] {
  return [
    ...nonNegativeStatus(o, ['observedGeneration', ...counts]),
    ...notAboveStatus(o, boundedByReplicas, 'replicas'),
    ...notAboveStatus(o, ['availableReplicas'], 'readyReplicas', 'cannot be greater than readyReplicas'),
  ];
}

/** status.loadBalancer.ingress[*].ip must be IPs (services and ingresses). */
export function loadBalancerStatus(o: KubeObject): StatusCause[] {
  const ingress = field(field(o, 'status'), 'loadBalancer')?.ingress;
  if (!Array.isArray(ingress)) return [];
  return ingress.flatMap((i: Record<string, unknown>, idx) =>
    typeof i.ip === 'string' && i.ip !== '' && isValidIp(i.ip).length > 0 ? [fieldErrors.invalid(`status.loadBalancer.ingress[${idx}].ip`, i.ip, 'must be a valid IP address')] : [],
  );
}
