import { errors } from './api-error.js';

/** One requirement of a label selector. */
export type LabelRequirement =
  | { readonly kind: 'equals'; readonly key: string; readonly value: string }
  | { readonly kind: 'notEquals'; readonly key: string; readonly value: string }
  | { readonly kind: 'in'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'exists'; readonly key: string }
  | { readonly kind: 'notExists'; readonly key: string };

/** A parsed label selector: every requirement must hold. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

const keyRe = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valueRe = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function bad(selector: string, why: string): Error {
  return errors.badRequest(`unable to parse requirement: ${why} (selector "${selector}")`);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(selector: string, key: string): string {
  if (!keyRe.test(key) || key.length > 316) throw bad(selector, `invalid label key "${key}"`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!valueRe.test(value) || value.length > 63) throw bad(selector, `invalid label value: "${value}"`);
  return value;
}

/**
 * Parses a label selector (=, ==, !=, in, notin, key, !key). Throws a BadRequest
 * ApiError on syntax errors. The empty string selects everything.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  if (selector.trim() === '') return { requirements };
  for (const raw of splitTerms(selector)) {
    const term = raw.trim();
    if (term === '') throw bad(selector, 'found empty term');
    let m: RegExpMatchArray | null;
    if ((m = /^!\s*([^\s=!(),]+)$/.exec(term))) {
      requirements.push({ kind: 'notExists', key: checkKey(selector, m[1]!) });
    } else if ((m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term))) {
      const values = m[3]!.split(',').map((v) => checkValue(selector, v.trim()));
      const key = checkKey(selector, m[1]!);
      requirements.push(m[2] === 'in' ? { kind: 'in', key, values } : { kind: 'notIn', key, values });
    } else if ((m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(term))) {
      const key = checkKey(selector, m[1]!);
      const value = checkValue(selector, m[3]!);
      requirements.push(m[2] === '!=' ? { kind: 'notEquals', key, value } : { kind: 'equals', key, value });
    } else if ((m = /^([^\s=!(),]+)$/.exec(term))) {
      requirements.push({ kind: 'exists', key: checkKey(selector, m[1]!) });
    } else {
      throw bad(selector, `cannot parse "${term}"`);
    }
  }
  return { requirements };
}

/** Whether labels satisfy every requirement of selector. */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.kind) {
      case 'equals':
        return has && v === r.value;
      case 'notEquals':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notIn':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'notExists':
        return !has;
    }
  });
}

/** Renders a matchLabels map as a selector string (for Scale's status.selector and tables). */
export function formatMatchLabels(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
