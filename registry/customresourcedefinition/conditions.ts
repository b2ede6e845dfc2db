import { child } from '../generic/base-strategy.js';
import { rfc3339 } from '../generic/generic-store.js';
import type { KubeObject } from '../generic/types.js';

/** A CustomResourceDefinitionCondition without its time. */
export interface CrdCondition {
  readonly type: 'NamesAccepted' | 'Established' | 'Terminating' | 'NonStructuralSchema' | 'KubernetesAPIApprovalPolicyConformant';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** The CRD's condition of a type, when it has one. */
export function findCondition(crd: KubeObject, type: CrdCondition['type']): (CrdCondition & { lastTransitionTime?: string }) | undefined {
  const conditions = (crd.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c: unknown) => typeof c === 'object' && c !== null && (c as { type?: unknown }).type === type) as (CrdCondition & { lastTransitionTime?: string }) | undefined;
}

/** Whether the CRD's condition of a type is True. */
export function isConditionTrue(crd: KubeObject, type: CrdCondition['type']): boolean {
  return findCondition(crd, type)?.status === 'True';
}

/**
 * Sets a condition in place as kube-apiserver's SetCRDCondition does: a new
 * condition is appended; an existing one keeps its lastTransitionTime unless
 * its status changes.
 */
export function setCondition(crd: KubeObject, c: CrdCondition, now: Date = new Date()): void {
  const status = child(crd, 'status');
  const list = Array.isArray(status.conditions) ? (status.conditions as Record<string, unknown>[]) : [];
  const i = list.findIndex((x) => x.type === c.type);
  const time = i >= 0 && list[i]!.status === c.status ? list[i]!.lastTransitionTime : rfc3339(now);
  const next = { type: c.type, status: c.status, lastTransitionTime: time, reason: c.reason, message: c.message };
  status.conditions = i >= 0 ? list.map((x, j) => (j === i ? next : x)) : [...list, next];
}
