/**
 * x-kubernetes-validations: the CEL rules of a structural schema, compiled
 * once per schema with @bufbuild/cel and evaluated on custom resources as
 * kube-apiserver does: `self` is the value at the rule's node (typed by the
 * schema: integers are CEL ints, objects maps), `oldSelf` the stored value on
 * an update (transition rules run only then), and a rule that does not hold
 * is an Invalid cause at its node, worded with its message or "failed rule".
 *
 * Besides CEL's standard functions and its strings extension, Kubernetes' lists,
 * regex (schemas/cel-kubernetes.ts) and url (schemas/cel-url.ts) libraries are
 * there, as in kube-apiserver 1.26 (its quantity library came in 1.28; authz is
 * for admission policies, not CRD rules).
 *
 * Evaluation has kube-apiserver's limits: one rule's evaluation may cost at
 * most 1,000,000 and all of one write's at most 10,000,000, in cel-go's cost
 * units; past either, that rule fails and no further rule runs. Counting costs
 * (schemas/cel-tracked-eval.ts) is slower than plain evaluation, so it is
 * done only for schemas whose estimated worst case (schemas/cel-rule-costs.ts)
 * comes within half of a limit; below that no evaluation can reach one.
 */
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { kubernetesCelFunctions } from './cel-kubernetes.js';
import { addCost, perCallLimit, runtimeCelCostBudget } from './cel-cost-model.js';
import { ruleCosts } from './cel-rule-costs.js';

// The rules' cost estimate, for CRD validation, which reaches CEL through cel-engine.ts only.
export { ruleCosts };
import { costLimitExceededMessage, TrackedProgram } from './cel-tracked-eval.js';
import { urlCelFunctions, urlRegistry } from './cel-url.js';
import type { StatusCause } from '../registry/generic/api-error.js';
import { isJsonObject, type JsonObject } from './json.js';

const env = celEnv({ registry: urlRegistry, funcs: [...strings, ...kubernetesCelFunctions, ...urlCelFunctions] });

type Program = (bindings: Record<string, CelInput>) => unknown;

/** One compiled rule. */
interface CompiledRule {
  readonly rule: string;
  readonly message: string | undefined;
  /** Whether it reads oldSelf: evaluated on updates only. */
  readonly transition: boolean;
  readonly run: Program;
  /** The same rule counting its cost, when the schema's rules are costly enough to need counting. */
  readonly tracked: TrackedProgram | undefined;
}

/** Compiles a rule; throws with CEL's message when it does not parse. */
function compileRule(rule: string): Program {
  const parsed = parse(rule);
  return plan(env, parsed) as unknown as Program;
}

/** What is left of one write's cost budget; spent below zero once a limit stopped evaluation. */
interface Budget {
  remaining: number;
}

const outOfBudget = 'validation failed due to running out of cost budget, no further validation rules will be run';

/** Why a rule does not compile, or undefined when it does. */
export function celCompileError(rule: string): string | undefined {
  try {
    compileRule(rule);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const schemaType = (schema: JsonObject): string => (typeof schema['type'] === 'string' ? schema['type'] : schema['x-kubernetes-int-or-string'] === true ? 'int-or-string' : 'object');

/** A JSON value as the CEL value Kubernetes binds for it under schema. */
function toCel(value: unknown, schema: JsonObject | undefined): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    const t = schema?.['type'];
    if (t === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = isJsonObject(schema?.['items']) ? schema['items'] : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (typeof value === 'object') {
    const props = isJsonObject(schema?.['properties']) ? schema['properties'] : {};
    const additional = isJsonObject(schema?.['additionalProperties']) ? schema['additionalProperties'] : undefined;
    const m = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) {
      const child = props[k];
      m.set(k, toCel(v, isJsonObject(child) ? child : additional));
    }
    return m;
  }
  return value as CelInput;
}

/** The rules of every node of a schema, compiled once. */
export class CelRules {
  private readonly compiled = new Map<JsonObject, CompiledRule[]>();
  private readonly schema: JsonObject;
  /** Whether the schema has any rule at all (most have none: nothing to walk then). */
  readonly isEmpty: boolean;

  constructor(schema: JsonObject) {
    this.schema = schema;
    const costs = ruleCosts(schema, '');
    const total = costs.reduce((sum, c) => addCost(sum, c.totalCost), 0);
    const isCostly = total > runtimeCelCostBudget / 2 || costs.some((c) => c.maxCost > perCallLimit / 2);
    this.collect(schema, isCostly);
    this.isEmpty = this.compiled.size === 0;
  }

  private collect(schema: JsonObject, isCostly: boolean): void {
    const rules = schema['x-kubernetes-validations'];
    if (Array.isArray(rules)) {
      const list: CompiledRule[] = [];
      for (const r of rules) {
        if (!isJsonObject(r) || typeof r['rule'] !== 'string') continue;
        let run: Program;
        let tracked: TrackedProgram | undefined;
        try {
          run = compileRule(r['rule']);
          if (isCostly) tracked = new TrackedProgram(env, parse(r['rule']).expr);
        } catch {
          // A CRD with a rule that does not compile is refused; nothing to run here.
          continue;
        }
        list.push({ rule: r['rule'], message: typeof r['message'] === 'string' && r['message'] !== '' ? r['message'] : undefined, transition: /\boldSelf\b/.test(r['rule']), run, tracked });
      }
      if (list.length > 0) this.compiled.set(schema, list);
    }
    const props = schema['properties'];
    if (isJsonObject(props)) for (const p of Object.values(props)) if (isJsonObject(p)) this.collect(p, isCostly);
    for (const k of ['items', 'additionalProperties'] as const) {
      const s = schema[k];
      if (isJsonObject(s)) this.collect(s, isCostly);
    }
  }

  /** The causes of obj's rules that do not hold, transition rules (oldSelf) left out. */
  validate(obj: unknown): StatusCause[] {
    const out: StatusCause[] = [];
    if (!this.isEmpty) this.walk(obj, undefined, false, this.schema, '', out, { remaining: runtimeCelCostBudget });
    return out;
  }

  /**
   * The causes of obj's transition rules (those reading oldSelf) that do not
   * hold, against old. They have a cost budget of their own (kube-apiserver
   * runs all rules of an update in one walk with one budget).
   */
  validateTransition(obj: unknown, old: unknown): StatusCause[] {
    const out: StatusCause[] = [];
    if (!this.isEmpty) this.walk(obj, old, true, this.schema, '', out, { remaining: runtimeCelCostBudget });
    return out;
  }

  /** isUpdate: run the transition rules (where old has a value) and only them. Stops once budget is spent below zero. */
  private walk(value: unknown, old: unknown, isUpdate: boolean, schema: JsonObject, path: string, out: StatusCause[], budget: Budget): void {
    if (value === undefined || value === null || budget.remaining < 0) return;
    const rules = this.compiled.get(schema);
    if (rules !== undefined && !this.evaluate(rules, value, old, isUpdate, schema, path, out, budget)) return;
    if (Array.isArray(value)) {
      const items = schema['items'];
      if (!isJsonObject(items)) return;
      for (const [i, v] of value.entries()) {
        this.walk(v, undefined, isUpdate, items, `${path}[${i}]`, out, budget);
        if (budget.remaining < 0) return;
      }
      return;
    }
    if (typeof value !== 'object') return;
    const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
    const additional = isJsonObject(schema['additionalProperties']) ? schema['additionalProperties'] : undefined;
    const oldObj = typeof old === 'object' && old !== null && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = isJsonObject(props[k]) ? props[k] : additional;
      if (child !== undefined) this.walk(v, oldObj?.[k], isUpdate, child, path === '' ? k : `${path}.${k}`, out, budget);
      if (budget.remaining < 0) return;
    }
  }

  /** Runs a node's rules; false once a cost limit stopped evaluation (its cause is then in out). */
  private evaluate(rules: readonly CompiledRule[], value: unknown, old: unknown, isUpdate: boolean, schema: JsonObject, path: string, out: StatusCause[], budget: Budget): boolean {
    const invalid = (why: string): StatusCause => ({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(schemaType(schema))}: ${why}` });
    const applicable = rules.filter((r) => r.transition === isUpdate && (!r.transition || (old !== undefined && old !== null)));
    if (applicable.length === 0) return true;
    if (budget.remaining <= 0) {
      out.push(invalid(outOfBudget));
      budget.remaining = -1;
      return false;
    }
    const self = toCel(value, schema);
    for (const r of applicable) {
      const bindings: Record<string, CelInput> = r.transition ? { self, oldSelf: toCel(old, schema) } : { self };
      // kube-apiserver names a failing rule by its message when it has one.
      const named = (r.message ?? r.rule).trim();
      let result: unknown;
      if (r.tracked !== undefined) {
        const run = r.tracked.run(bindings, perCallLimit);
        if (run.cost > budget.remaining) {
          out.push(invalid(outOfBudget));
          budget.remaining = -1;
          return false;
        }
        budget.remaining -= run.cost;
        if (run.cancelled) {
          out.push(invalid(`'${costLimitExceededMessage}': no further validation rules will be run due to call cost exceeds limit for rule: ${named}`));
          budget.remaining = -1;
          return false;
        }
        result = run.value;
      } else {
        result = r.run(bindings);
      }
      if (result === true) continue;
      out.push(invalid(isCelError(result) ? `${result.message} evaluating rule: ${named}` : (r.message ?? `failed rule: ${r.rule.trim()}`)));
    }
    return true;
  }
}
