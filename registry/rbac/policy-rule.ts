/**
 * RBAC's policy rules as data, and the pure questions asked of them: does a rule
 * allow a request (kube-apiserver's RuleAllows), do some rules cover others (the
 * escalation check's Covers, on rules broken down to one verb, group, resource and
 * name each), and how a missing rule is printed in the refusal (CompactRules and
 * CompactString's wording).
 */

import type { KubeObject } from '../generic/types.js';

/** One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** What a request asks, as rules see it. */
export interface RuleRequest {
  readonly isResourceRequest: boolean;
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly path: string;
}

const all = '*';

/** Reads the rules of a stored Role or ClusterRole, keeping only well-formed string lists. */
export function rulesOf(obj: KubeObject): PolicyRule[] {
  if (!Array.isArray(obj.rules)) return [];
  return obj.rules.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null).map(toRule);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

function toRule(r: Record<string, unknown>): PolicyRule {
  const out: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = { verbs: strings(r['verbs']) ?? [] };
  const apiGroups = strings(r['apiGroups']);
  const resources = strings(r['resources']);
  const resourceNames = strings(r['resourceNames']);
  const nonResourceURLs = strings(r['nonResourceURLs']);
  if (apiGroups !== undefined) out.apiGroups = apiGroups;
  if (resources !== undefined) out.resources = resources;
  if (resourceNames !== undefined) out.resourceNames = resourceNames;
  if (nonResourceURLs !== undefined) out.nonResourceURLs = nonResourceURLs;
  return out;
}

const has = (list: readonly string[] | undefined, v: string): boolean => list?.includes(v) === true;
const hasAll = (list: readonly string[] | undefined, vs: readonly string[] | undefined): boolean => (vs ?? []).every((v) => has(list, v));

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === all || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === all || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** Whether the rule allows the request (kube-apiserver's RuleAllows). */
export function ruleAllows(rule: PolicyRule, q: RuleRequest): boolean {
  if (!(has(rule.verbs, all) || has(rule.verbs, q.verb))) return false;
  if (!q.isResourceRequest) return nonResourceUrlMatches(rule, q.path);
  if (!(has(rule.apiGroups, all) || has(rule.apiGroups, q.apiGroup))) return false;
  const combined = q.subresource === '' ? q.resource : `${q.resource}/${q.subresource}`;
  if (!resourceMatches(rule, combined, q.subresource)) return false;
  return (rule.resourceNames ?? []).length === 0 || has(rule.resourceNames, q.name);
}

/** A rule split into rules of one group, resource, verb and name each (non-resource URLs: one URL and verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) for (const name of names) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, all) || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceUrlsCoverAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((path) => (owner ?? []).some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, all) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, all) || hasAll(owner.apiGroups, sub.apiGroups);
  const ownerNames = owner.resourceNames ?? [];
  const names = (sub.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resourceCoversAll(owner.resources, sub.resources) && names && nonResourceUrlsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
}

/** Whether owner's rules cover every one of wanted's; the broken-down rules they miss otherwise (kube-apiserver's Covers). */
export function covers(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = wanted.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: missing.length === 0, missing };
}

/** A rule with one group, one resource, at most one name, verbs and nothing else. */
function simpleKey(rule: PolicyRule): string | undefined {
  if ((rule.resourceNames ?? []).length > 1 || (rule.nonResourceURLs ?? []).length > 0) return undefined;
  if (rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) return undefined;
  if (rule.nonResourceURLs !== undefined) return undefined;
  return JSON.stringify([rule.apiGroups[0], rule.resources[0], rule.resourceNames?.[0] ?? null]);
}

/** Rules of one group and resource (and name) merged into one rule with all their verbs (kube-apiserver's CompactRules). */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, { -readonly [K in keyof PolicyRule]: PolicyRule[K] }>();
  for (const r of rules) {
    const key = simpleKey(r);
    if (key === undefined) {
      out.push(r);
      continue;
    }
    const seen = simple.get(key);
    if (seen !== undefined) seen.verbs = [...seen.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a string slice: ["a" "b"] (rules and a user's groups in refusals). */
export function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** A rule as kube-apiserver prints it in refusals: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const add = (name: string, list: readonly string[] | undefined): void => {
    if (list !== undefined && list.length > 0) parts.push(`${name}:${goQuoted(list)}`);
  };
  add('APIGroups', rule.apiGroups);
  add('Resources', rule.resources);
  add('ResourceNames', rule.resourceNames);
  add('NonResourceURLs', rule.nonResourceURLs);
  add('Verbs', rule.verbs);
  return `{${parts.join(', ')}}`;
}
