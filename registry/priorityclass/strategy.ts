import type { StatusCause } from '../generic/api-error.js';
import { baseStrategy, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';

/** The largest priority a user-defined class may have. */
export const highestUserDefinablePriority = 1_000_000_000;
const preemptionPolicies = ['PreemptLowerPriority', 'Never'];

/** The classes kube-apiserver creates at start, with their priorities (facts of the API). */
export const systemPriorityClasses: readonly KubeObject[] = [
  {
    metadata: { name: 'system-node-critical' },
    value: 2000001000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    metadata: { name: 'system-cluster-critical' },
    value: 2000000000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const isSystem = (o: KubeObject): boolean => systemPriorityClasses.some((c) => c.metadata.name === o.metadata.name && c.value === o.value);

function validatePriorityClass(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isSystem(o)) {
    if ((o.metadata.name ?? '').startsWith('system-')) causes.push(fieldErrors.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${o.metadata.name ?? ''} is not a known system priority class`));
    if (typeof o.value === 'number' && o.value > highestUserDefinablePriority) causes.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  if (o.preemptionPolicy !== undefined && !preemptionPolicies.includes(String(o.preemptionPolicy))) causes.push(fieldErrors.notSupported('preemptionPolicy', o.preemptionPolicy, preemptionPolicies));
  return causes;
}

/** priorityclasses (scheduling.k8s.io/v1, cluster-scoped): names for pod priorities; system- names are reserved. */
export const priorityClassStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', singular: 'priorityclass', kind: 'PriorityClass', listKind: 'PriorityClassList', namespaced: false, shortNames: ['pc'] }),
  {
    generation: true,
    applyDefaults: (o) => {
      o.preemptionPolicy ??= 'PreemptLowerPriority';
    },
    validate: validatePriorityClass,
    validateUpdate: (o, old) => [
      ...(o.value !== old.value ? [fieldErrors.forbidden('value', 'may not be changed in an update.')] : []),
      ...(o.preemptionPolicy !== old.preemptionPolicy ? [fieldErrors.immutable('preemptionPolicy', o.preemptionPolicy)] : []),
    ],
    // kube-apiserver's PriorityClass strategy prepares no update: metadata.generation stays 1 whatever changes.
    isSpecChange: () => false,
    table: {
      columns: [nameColumn, column('Value', 'The priority pods of this class get.', 0, 'integer'), column('Global-Default', 'Whether pods without a class get this one.', 0, 'boolean'), ageColumn],
      cells: (o, now) => [o.metadata.name, Number(o.value ?? 0), o.globalDefault === true, age(o.metadata.creationTimestamp, now)],
    },
  },
);
