import { errors } from './api-error.js';

/** One term of a field selector. */
export interface FieldRequirement {
  readonly field: string;
  readonly op: 'equals' | 'notEquals';
  readonly value: string;
}

/** A parsed field selector: every term must hold. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/**
 * Parses a field selector (field=value, field==value, field!=value, comma
 * separated; backslash escapes). Unknown fields are checked by the store, which
 * knows the kind. The empty string selects everything.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (selector.trim() === '') return { requirements };
  for (const raw of selector.split(/(?<!\\),/)) {
    const term = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m === null) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    requirements.push({ field: m[1]!, op: m[2] === '!=' ? 'notEquals' : 'equals', value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return { requirements };
}

/** Whether the object's field values (from valueOf) satisfy selector; a field valueOf does not know is an error. */
export function matchesFields(selector: FieldSelector, valueOf: (field: string) => string | undefined): boolean {
  return selector.requirements.every((r) => {
    const v = valueOf(r.field) ?? '';
    return r.op === 'equals' ? v === r.value : v !== r.value;
  });
}
