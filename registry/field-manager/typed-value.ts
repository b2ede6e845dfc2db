/**
 * Objects walked by their merge rules: the fields an object sets, what changed
 * between two objects, an applied configuration merged into a live object, and
 * fields removed by path. Values are JSON; nothing here mutates its inputs.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SchemaNode } from '../../schemas/schema-tree.js';
import { sortedJson } from '../validation/go-values.js';
import { FieldSet, type PathElement } from './field-set.js';
import { childOf, isAlwaysPresent, isObject, ruleOf, type MergeRule } from './merge-rules.js';

/** A value that does not fit its schema, as structured-merge-diff words it (`.spec.x: field not declared in schema`). */
export class TypedValueError extends Error {
  readonly code = 'TypedValueError';
}

function keyFieldDefault(items: SchemaNode, key: string): unknown {
  if (items.type !== 'object') return undefined;
  return items.fields.get(key)?.zero;
}

/** The path element of a list item under rule (a set or an associative list). */
function itemElement(rule: MergeRule, item: unknown, path: readonly PathElement[]): PathElement {
  if (rule.kind === 'set') return `v:${sortedJson(item)}`;
  if (rule.kind !== 'associative') return '';
  if (!isObject(item)) throw new TypedValueError(`${printPath(path)}: associative list with keys may not have non-map elements`);
  const key: Record<string, unknown> = {};
  for (const k of rule.keys) {
    const v = item[k] ?? keyFieldDefault(rule.items, k);
    if (v === undefined || v === null) throw new TypedValueError(`${printPath(path)}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
    key[k] = v;
  }
  return `k:${sortedJson(key)}`;
}

function printPath(path: readonly PathElement[]): string {
  return path.map((e) => (e.startsWith('f:') ? `.${e.slice(2)}` : `[${e.slice(2)}]`)).join('');
}

/** A list's items by path element, refusing duplicates as structured-merge-diff does. */
function indexItems(rule: MergeRule, list: readonly unknown[], path: readonly PathElement[]): Map<PathElement, unknown> {
  const out = new Map<PathElement, unknown>();
  for (const item of list) {
    const e = itemElement(rule, item, path);
    if (out.has(e)) throw new TypedValueError(`${printPath(path)}: duplicate entries for key ${e.slice(2)}`);
    out.set(e, item);
  }
  return out;
}

/**
 * The fields a value sets (structured-merge-diff's ToFieldSet): every scalar and
 * atomic value, every list item and map entry, and declared fields that are null
 * or empty objects. Throws TypedValueError on a field the schema does not know.
 */
export function toFieldSet(value: unknown, rule: MergeRule): FieldSet {
  const out = new FieldSet();
  visitFields(value, rule, [], out);
  return out;
}

function visitFields(value: unknown, rule: MergeRule, path: PathElement[], out: FieldSet): void {
  switch (rule.kind) {
    case 'atomic':
      if (path.length > 0) out.insert(path);
      return;
    case 'struct':
    case 'map': {
      if (!isObject(value)) {
        if (path.length > 0) out.insert(path);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        const c = childOf(rule, k);
        const p = [...path, `f:${k}`];
        if (c.isUnknown) throw new TypedValueError(`${printPath(p)}: field not declared in schema`);
        visitFields(v, ruleOf(c.node, c.field, v), p, out);
        if (v === null || (isObject(v) && Object.keys(v).length === 0) || !c.isDeclared) out.insert(p);
      }
      return;
    }
    case 'set':
    case 'associative': {
      if (!Array.isArray(value)) {
        if (path.length > 0) out.insert(path);
        return;
      }
      for (const [e, item] of indexItems(rule, value, path)) {
        const p = [...path, e];
        if (rule.kind === 'associative') visitFields(item, ruleOf(rule.items, undefined, item), p, out);
        out.insert(p);
      }
      return;
    }
  }
}

/** What changed from one value to another, path by path. */
export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/**
 * Compares old with next (structured-merge-diff's Compare): paths only in next
 * are added, paths only in old removed, atomic values that differ modified.
 * Within an added or removed value, every path below it counts too.
 */
export function compare(old: unknown, next: unknown, rule: MergeRule): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareValues(old, next, rule, [], c);
  return c;
}

/** Every path of value and below it into `into` (an added or removed value). */
function markAll(value: unknown, rule: MergeRule, path: PathElement[], into: FieldSet): void {
  if (path.length > 0) into.insert(path);
  if ((rule.kind === 'struct' || rule.kind === 'map') && isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const c = childOf(rule, k);
      markAll(v, ruleOf(c.node, c.field, v), [...path, `f:${k}`], into);
    }
  } else if ((rule.kind === 'set' || rule.kind === 'associative') && Array.isArray(value)) {
    for (const [e, item] of indexItems(rule, value, path)) markAll(item, rule.kind === 'associative' ? ruleOf(rule.items, undefined, item) : { kind: 'atomic' }, [...path, e], into);
  }
}

function compareValues(old: unknown, next: unknown, rule: MergeRule, path: PathElement[], c: Comparison): void {
  if (old === undefined && next === undefined) return;
  if (old === undefined) return markAll(next, rule, path, c.added);
  if (next === undefined) return markAll(old, rule, path, c.removed);
  switch (rule.kind) {
    case 'struct':
    case 'map': {
      if (isObject(old) && isObject(next)) {
        for (const k of new Set([...Object.keys(old), ...Object.keys(next)])) {
          const ch = childOf(rule, k);
          const present = isAlwaysPresent(rule, k) ? null : undefined;
          const o = k in old ? old[k] : present;
          const n = k in next ? next[k] : present;
          compareValues(o, n, ruleOf(ch.node, ch.field, n ?? o), [...path, `f:${k}`], c);
        }
        return;
      }
      // null on one side: the object's own path neither added nor removed, its contents are.
      if (old === null && isObject(next)) return compareValues({}, next, rule, path, c);
      if (next === null && isObject(old)) return compareValues(old, {}, rule, path, c);
      break;
    }
    case 'set':
    case 'associative': {
      if (Array.isArray(old) && Array.isArray(next)) {
        const o = indexItems(rule, old, path);
        const n = indexItems(rule, next, path);
        for (const [e, item] of o) {
          const itemRule = rule.kind === 'associative' ? ruleOf(rule.items, undefined, item) : ({ kind: 'atomic' } as const);
          compareValues(item, n.has(e) ? n.get(e) : undefined, itemRule, [...path, e], c);
        }
        for (const [e, item] of n) if (!o.has(e)) markAll(item, rule.kind === 'associative' ? ruleOf(rule.items, undefined, item) : { kind: 'atomic' }, [...path, e], c.added);
        return;
      }
      if (old === null && Array.isArray(next)) return compareValues([], next, rule, path, c);
      if (next === null && Array.isArray(old)) return compareValues(old, [], rule, path, c);
      break;
    }
    case 'atomic':
      break;
  }
  if (path.length > 0 && !isDeepStrictEqual(old, next)) c.modified.insert(path);
}

/**
 * An applied configuration merged into a live object (structured-merge-diff's
 * Merge): the configuration's values win, structs and maps merge key by key,
 * sets and associative lists item by item, atomic values are replaced.
 */
export function merge(live: unknown, config: unknown, rule: MergeRule, path: PathElement[] = []): unknown {
  if (config === undefined) return live;
  if (live === undefined || live === null || config === null) return config;
  switch (rule.kind) {
    case 'struct':
    case 'map': {
      if (!isObject(live) || !isObject(config)) return config;
      const out: Record<string, unknown> = { ...live };
      for (const [k, v] of Object.entries(config)) {
        const c = childOf(rule, k);
        out[k] = merge(live[k], v, ruleOf(c.node, c.field, v), [...path, `f:${k}`]);
      }
      return out;
    }
    case 'set':
    case 'associative': {
      if (!Array.isArray(live) || !Array.isArray(config)) return config;
      const l = indexItems(rule, live, path);
      const r = indexItems(rule, config, path);
      return mergeListOrder([...l.keys()], [...r.keys()]).map((e) => {
        const li = l.get(e);
        const ri = r.get(e);
        if (rule.kind === 'set' || ri === undefined) return ri === undefined ? li : ri;
        return merge(li, ri, ruleOf(rule.items, undefined, ri), [...path, e]);
      });
    }
    case 'atomic':
      return config;
  }
}

/**
 * The order of a merged list, as structured-merge-diff builds it: the applied
 * items in their order, with items only the live list has kept where they were
 * relative to the items both lists share.
 */
export function mergeListOrder(lhs: readonly PathElement[], rhs: readonly PathElement[]): PathElement[] {
  const inLhs = new Set(lhs);
  const inRhs = new Set(rhs);
  const shared = rhs.filter((e) => inLhs.has(e));
  let s = 0;
  const out: PathElement[] = [];
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      const pe = lhs[l]!;
      if (pe === rhs[r]) {
        out.push(pe);
        l++;
        r++;
        s = shared.indexOf(pe) + 1;
        continue;
      }
      if (inRhs.has(pe) && s < shared.length && shared[s] !== pe) {
        l++;
        continue;
      }
    }
    if (l < lhs.length && !inRhs.has(lhs[l]!)) {
      out.push(lhs[l]!);
      l++;
      continue;
    }
    if (r < rhs.length) {
      const pe = rhs[r]!;
      out.push(pe);
      r++;
      if (s < shared.length && shared[s] === pe) s++;
      continue;
    }
    // Only shared live items already taken remain.
    l++;
  }
  return [...new Set(out)];
}

/** Value without the paths that are members of set (a removed struct, map entry or list item goes whole). */
export function removeItems(value: unknown, set: FieldSet, rule: MergeRule): unknown {
  if (set.isEmpty()) return value;
  if ((rule.kind === 'struct' || rule.kind === 'map') && isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = `f:${k}`;
      if (set.members.has(e)) continue;
      const sub = set.children.get(e);
      if (sub === undefined) out[k] = v;
      else {
        const c = childOf(rule, k);
        out[k] = removeItems(v, sub, ruleOf(c.node, c.field, v));
      }
    }
    return out;
  }
  if ((rule.kind === 'set' || rule.kind === 'associative') && Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const e = itemElement(rule, item, []);
      if (set.members.has(e)) continue;
      const sub = set.children.get(e);
      out.push(sub === undefined || rule.kind === 'set' ? item : removeItems(item, sub, ruleOf(rule.items, undefined, item)));
    }
    return out;
  }
  return value;
}

/**
 * The set with every declared struct field on its paths made a member too
 * (structured-merge-diff's EnsureNamedFieldsAreMembers): owning `.spec.a.b`
 * then also owns the structs `.spec` and `.spec.a`, not map entries or items.
 */
export function withNamedFieldMembers(set: FieldSet, rule: MergeRule): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [e, sub] of set.children) {
    let childRule: MergeRule = { kind: 'atomic' };
    if ((rule.kind === 'struct' || rule.kind === 'map') && e.startsWith('f:')) {
      const c = childOf(rule, e.slice(2));
      childRule = ruleOf(c.node, c.field, {});
      if (c.isDeclared && rule.kind === 'struct') out.members.add(e);
    } else if (rule.kind === 'associative') childRule = ruleOf(rule.items, undefined, {});
    out.children.set(e, withNamedFieldMembers(sub, childRule));
  }
  return out;
}
