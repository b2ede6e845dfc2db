/**
 * metav1.LabelSelector objects ({matchLabels, matchExpressions}): matching,
 * their string form (Scale's status.selector, table columns), validation, and
 * Go's %#v printing of label maps and selectors in messages.
 */
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, field } from '../generic/base-strategy.js';
import { fieldErrors } from './field-errors.js';
import { goStringSlice } from './go-values.js';
import { validateLabels } from './object-meta.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

type Obj = Record<string, unknown>;

const operators = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function labelsOf(selector: Obj | undefined): Record<string, string> {
  const m = field(selector, 'matchLabels') ?? {};
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

/** Whether labels satisfy the selector; an empty selector matches everything. */
export function selectorMatches(selector: Obj | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(labelsOf(selector))) if (l[k] !== v) return false;
  for (const e of arrayOf(selector?.matchExpressions)) {
    const key = String(e.key ?? '');
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(l, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether the selector selects nothing in particular (no labels, no expressions). */
export function isEmptySelector(selector: Obj | undefined): boolean {
  return Object.keys(labelsOf(selector)).length === 0 && arrayOf(selector?.matchExpressions).length === 0;
}

/** The selector as a label selector string, requirements sorted by key as Kubernetes prints it. */
export function formatLabelSelector(selector: Obj | undefined): string {
  const terms: [string, string][] = Object.entries(labelsOf(selector)).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of arrayOf(selector?.matchExpressions)) {
    const key = String(e.key ?? '');
    const values = (Array.isArray(e.values) ? e.values.map(String) : []).sort();
    switch (e.operator) {
      case 'In':
        terms.push([key, `${key} in (${values.join(',')})`]);
        break;
      case 'NotIn':
        terms.push([key, `${key} notin (${values.join(',')})`]);
        break;
      case 'Exists':
        terms.push([key, key]);
        break;
      case 'DoesNotExist':
        terms.push([key, `!${key}`]);
        break;
    }
  }
  return terms
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, t]) => t)
    .join(',');
}

/** Causes for a LabelSelector at path. */
export function validateLabelSelector(selector: Obj | undefined, path: string): StatusCause[] {
  if (selector === undefined) return [];
  const causes = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  arrayOf(selector.matchExpressions).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    const op = String(e.operator ?? '');
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) causes.push(fieldErrors.required(`${at}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) causes.push(fieldErrors.forbidden(`${at}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else {
      causes.push(fieldErrors.invalid(`${at}.operator`, op, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(String(e.key ?? ''))) causes.push(fieldErrors.invalid(`${at}.key`, e.key ?? '', m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(String(v))) causes.push(fieldErrors.invalid(`${at}.values[${j}]`, v, m));
    });
  });
  return causes;
}

/** Go's %#v of a label map: map[string]string{"a":"b"} with keys sorted; nil when absent. */
export function goLabelMap(labels: unknown): string {
  if (labels === undefined || labels === null || typeof labels !== 'object') return 'map[string]string(nil)';
  const entries = Object.entries(labels as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(String(v))}`).join(', ')}}`;
}

/** Go's %#v of a v1.LabelSelector. */
export function goLabelSelector(selector: Obj | undefined): string {
  const expressions = arrayOf(selector?.matchExpressions);
  const exprs =
    expressions.length === 0
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${expressions
          .map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(e.key ?? ''))}, Operator:${JSON.stringify(String(e.operator ?? ''))}, Values:${Array.isArray(e.values) ? goStringSlice(e.values) : '[]string(nil)'}}`)
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goLabelMap(selector?.matchLabels)}, MatchExpressions:${exprs}}`;
}

export { operators as labelSelectorOperators };
