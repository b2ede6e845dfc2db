/**
 * Which objects a list or watch selects: a label selector and a field
 * selector over the fields a kind supports (Kubernetes' SelectionPredicate).
 */
import { errors } from '../generic/api-error.js';
import { matchesFields, parseFieldSelector, type FieldSelector } from '../generic/field-selector.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../generic/label-selector.js';
import type { KubeObject } from '../generic/types.js';

/** A kind's field values for field selectors: undefined for a field the kind does not support. */
export type FieldValues = (obj: KubeObject, field: string) => string | undefined;

export interface SelectionPredicate {
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  /** Whether obj is selected. */
  matches(obj: KubeObject): boolean;
  /** True when it selects everything (no selector at all). */
  readonly isEverything: boolean;
}

/** Selects every object. */
export const everything: SelectionPredicate = {
  labels: { requirements: [] },
  fields: { requirements: [] },
  matches: () => true,
  isEverything: true,
};

/**
 * Parses the selectors of a request for a kind whose extra field-selector
 * fields fieldValues knows (metadata.name always; metadata.namespace for
 * namespaced kinds). A field the kind does not support is a BadRequest, as
 * Kubernetes words it: 'field label not supported' for kinds that convert field
 * labels of their own (fieldLabels, by default those with fieldValues; custom
 * resources too), the default conversion's words for the others.
 */
export function selectionPredicate(
  options: { readonly labelSelector?: string; readonly fieldSelector?: string },
  namespaced: boolean,
  fieldValues: FieldValues | undefined,
  fieldLabels = fieldValues !== undefined,
): SelectionPredicate {
  const labels = parseLabelSelector(options.labelSelector ?? '');
  const fields = parseFieldSelector(options.fieldSelector ?? '');
  const valueOf = (o: KubeObject, f: string): string | undefined => {
    if (f === 'metadata.name') return o.metadata.name ?? '';
    if (f === 'metadata.namespace' && namespaced) return o.metadata.namespace ?? '';
    return fieldValues?.(o, f);
  };
  for (const r of fields.requirements) {
    if (valueOf({ metadata: {} }, r.field) !== undefined) continue;
    throw errors.badRequest(fieldLabels ? `field label not supported: ${r.field}` : `${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
  }
  const isEverything = labels.requirements.length === 0 && fields.requirements.length === 0;
  return {
    labels,
    fields,
    isEverything,
    matches: isEverything ? () => true : (o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, (f) => valueOf(o, f)),
  };
}
