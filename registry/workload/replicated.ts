/**
 * What the kinds that run pods from a template share (deployments, replica
 * sets, stateful sets, daemon sets, replication controllers, jobs): the
 * selector-must-match-template rule, the template's restart policy, replica
 * counts, the scale subresource, and table cells.
 */
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import type { ScaleAccess } from '../generic/strategy.js';
import type { KubeObject } from '../generic/types.js';
import { defaultPodTemplate, validatePodTemplate } from '../pod/pod-spec.js';
import { validateAnnotations, validateLabels } from '../validation/object-meta.js';
import { fieldErrors } from '../validation/field-errors.js';
import { formatLabelSelector, goLabelMap, goLabelSelector, isEmptySelector, selectorMatches, validateLabelSelector } from '../validation/label-selector.js';

type Obj = Record<string, unknown>;

export const specOf = (o: KubeObject): Obj => child(o, 'spec');
export const readSpec = (o: KubeObject): Obj => field(o, 'spec') ?? {};
export const readStatus = (o: KubeObject): Obj => field(o, 'status') ?? {};

/** Causes for a non-negative integer field. */
export function nonNegative(value: unknown, path: string): StatusCause[] {
  if (value === undefined) return [];
  return typeof value === 'number' && value >= 0 ? [] : [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')];
}

/** How an apps/v1 kind's selector and template are checked where kinds differ. */
export interface SelectorTemplateRules {
  /** The kind's word in "empty selector is invalid for <word>". */
  readonly kindWord: string;
  readonly allowedRestart: readonly string[];
  /** Whether a missing selector is a Required error of its own (not for DaemonSets). */
  readonly requireSelector?: boolean;
  /**
   * Whether the template's pod spec is validated here; StatefulSets check only the
   * template's labels and annotations (named template.labels, as Kubernetes names them).
   */
  readonly podSpec?: boolean;
  /** The kind named in "activeDeadlineSeconds in <kind> is not Supported" (pods of controllers run forever). */
  readonly deadlineWord?: string;
  /**
   * A selector that does not convert to a label selector (its own errors aside): the detail of
   * the spec.selector Invalid kube-apiserver adds, after which it checks nothing of the
   * template (Deployments and ReplicaSets: 'invalid label selector'; StatefulSets: none);
   * absent, only the template's labels are not matched against it (DaemonSets).
   */
  readonly unconvertibleSelector?: string;
}

/**
 * The selector and template rules of an apps/v1 kind: a selector that is not empty,
 * template labels that match it (a missing selector matches nothing, as Kubernetes'
 * nil selector), a valid pod template whose restart policy is an allowed one.
 */
export function validateSelectorAndTemplate(spec: Obj, rules: SelectorTemplateRules): StatusCause[] {
  const causes: StatusCause[] = [];
  const selector = field(spec, 'selector');
  const template = field(spec, 'template');
  let converts = true;
  if (selector === undefined) {
    if (rules.requireSelector !== false) causes.push(fieldErrors.required('spec.selector'));
  } else {
    const selectorCauses = validateLabelSelector(selector, 'spec.selector');
    converts = selectorCauses.length === 0;
    causes.push(...selectorCauses);
    if (isEmptySelector(selector)) causes.push(fieldErrors.invalidPrinted('spec.selector', goLabelSelector(selector), `empty selector is invalid for ${rules.kindWord}`));
    if (!converts && rules.unconvertibleSelector !== undefined) {
      causes.push(fieldErrors.invalidPrinted('spec.selector', goLabelSelector(selector), rules.unconvertibleSelector));
      return causes;
    }
  }
  const labels = field(field(template, 'metadata'), 'labels') as Record<string, string> | undefined;
  if (selector === undefined || (converts && !isEmptySelector(selector) && !selectorMatches(selector, labels))) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${goLabelMap(labels)}: \`selector\` does not match template \`labels\`` });
  }
  if (rules.podSpec === false) {
    const meta = field(template, 'metadata') ?? {};
    causes.push(...validateLabels(meta.labels, 'spec.template.labels'), ...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  } else {
    causes.push(...validatePodTemplate(template, 'spec.template'));
  }
  const restart = field(template, 'spec')?.restartPolicy;
  if (template !== undefined && restart !== undefined && !rules.allowedRestart.includes(String(restart))) {
    causes.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restart, rules.allowedRestart));
  }
  if (rules.deadlineWord !== undefined && field(template, 'spec')?.activeDeadlineSeconds !== undefined) {
    causes.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${rules.deadlineWord} is not Supported`));
  }
  return causes;
}

/** Defaults of a template-bearing spec: the template's, and replicas 1 when asked. */
export function defaultReplicated(spec: Obj, replicas: boolean): void {
  if (replicas) spec.replicas ??= 1;
  defaultPodTemplate(child(spec, 'template'));
}

/** The scale subresource over spec.replicas, status.replicas and a selector. */
export function replicasScale(selectorOf: (o: KubeObject) => string): ScaleAccess {
  return {
    specReplicas: (o) => Number(readSpec(o).replicas ?? 0),
    statusReplicas: (o) => Number(readStatus(o).replicas ?? 0),
    selector: selectorOf,
    setSpecReplicas: (o, n) => {
      specOf(o).replicas = n;
    },
  };
}

/** The selector string of an apps/v1 kind's spec.selector. */
export const labelSelectorString = (o: KubeObject): string => formatLabelSelector(field(readSpec(o), 'selector'));

/** The template's containers' names and images, as table cells. */
export function templateContainers(o: KubeObject): { names: string; images: string } {
  const containers = arrayOf(field(field(readSpec(o), 'template'), 'spec')?.containers);
  return { names: containers.map((c) => String(c.name ?? '')).join(','), images: containers.map((c) => String(c.image ?? '')).join(',') };
}

/** The "field is immutable" cause when a selector changed. */
export function immutableSelector(o: KubeObject, old: KubeObject): StatusCause[] {
  const a = JSON.stringify(field(readSpec(o), 'selector') ?? null);
  const b = JSON.stringify(field(readSpec(old), 'selector') ?? null);
  return a === b ? [] : [fieldErrors.invalidPrinted('spec.selector', goLabelSelector(field(readSpec(o), 'selector')), 'field is immutable')];
}
