/**
 * The Warnings kube-apiserver sends back for a pod or a pod template that is valid but
 * probably not what its writer meant: memory or storage asked for in fractions of a byte, node
 * labels that were renamed long ago.
 */
import { arrayOf, field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import { parseQuantity, quantityText, roundUpToMilli } from '../../schemas/quantity.js';

type Obj = Record<string, unknown>;

/** Node labels kube-apiserver 1.26 calls deprecated, and what it says of each. */
const deprecatedNodeLabels: Readonly<Record<string, string>> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

/** Resources counted in bytes, where a fraction of a byte means nothing. */
const isByteResource = (name: string): boolean => name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');

/** A quantity with a fraction of a unit, as held after defaulting: its text as Go writes it, or undefined when whole. */
function fractional(value: unknown): string | undefined {
  const q = parseQuantity(value);
  if (q === undefined) return undefined;
  const held = roundUpToMilli(q);
  if (held.exponent >= 0) return undefined;
  const divisor = 10n ** BigInt(-held.exponent);
  return held.mantissa % divisor === 0n ? undefined : quantityText(held);
}

/**
 * The warnings of a pod's spec at specPath (spec, or template.spec for a template), in
 * kube-apiserver's order: node selector labels (it walks them in Go's random map order; Kite in
 * the object's), then each container's byte resources, init containers first.
 */
export function podSpecWarnings(spec: Obj | undefined, specPath: string): string[] {
  if (spec === undefined) return [];
  const warnings: string[] = [];
  for (const key of Object.keys(field(spec, 'nodeSelector') ?? {})) {
    const message = deprecatedNodeLabels[key];
    if (message !== undefined) warnings.push(`${specPath}.nodeSelector[${key}]: ${message}`);
  }
  for (const list of ['initContainers', 'containers']) {
    arrayOf(spec[list]).forEach((c, i) => {
      for (const kind of ['limits', 'requests']) {
        for (const [name, value] of Object.entries(field(field(c, 'resources'), kind) ?? {})) {
          if (!isByteResource(name)) continue;
          const text = fractional(value);
          if (text !== undefined) warnings.push(`${specPath}.${list}[${i}].resources.${kind}[${name}]: fractional byte value ${JSON.stringify(text)} is invalid, must be an integer`);
        }
      }
    });
  }
  return warnings;
}

/**
 * The warnings of the pod template at templateAt (field names from the object down to the
 * template), reported as reportedAs.spec: on create, and on an update that moved the object's
 * generation (a change its strategy counts as a spec change), as kube-apiserver gates them.
 */
export function templateWarnings(o: KubeObject, old: KubeObject | undefined, templateAt: readonly string[], reportedAs = templateAt.join('.')): string[] {
  if (old !== undefined && o.metadata.generation === old.metadata.generation) return [];
  let template: Obj | undefined = o;
  for (const name of templateAt) template = field(template, name);
  return podSpecWarnings(field(template, 'spec'), `${reportedAs}.spec`);
}

/** The Warnings of a workload's spec.template (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs). */
export const specTemplateWarnings = (o: KubeObject, old: KubeObject | undefined): string[] => templateWarnings(o, old, ['spec', 'template']);
