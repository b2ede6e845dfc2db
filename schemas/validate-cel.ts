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
 * for admission policies, not CRD rules). Its cost limits are not.
 */
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { kubernetesCelFunctions } from './cel-kubernetes.js';
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
}

/** Compiles a rule; throws with CEL's message when it does not parse. */
function compileRule(rule: string): Program {
  const parsed = parse(rule);
  return plan(env, parsed) as unknown as Program;
}

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
    this.collect(schema);
    this.isEmpty = this.compiled.size === 0;
  }

  private collect(schema: JsonObject): void {
    const rules = schema['x-kubernetes-validations'];
    if (Array.isArray(rules)) {
      const list: CompiledRule[] = [];
      for (const r of rules) {
        if (!isJsonObject(r) || typeof r['rule'] !== 'string') continue;
        let run: Program;
        try {
          run = compileRule(r['rule']);
        } catch {
          // A CRD with a rule that does not compile is refused; nothing to run here.
          continue;
        }
        list.push({ rule: r['rule'], message: typeof r['message'] === 'string' && r['message'] !== '' ? r['message'] : undefined, transition: /\boldSelf\b/.test(r['rule']), run });
      }
      if (list.length > 0) this.compiled.set(schema, list);
    }
    const props = schema['properties'];
    if (isJsonObject(props)) for (const p of Object.values(props)) if (isJsonObject(p)) this.collect(p);
    for (const k of ['items', 'additionalProperties'] as const) {
      const s = schema[k];
      if (isJsonObject(s)) this.collect(s);
    }
  }

  /** The causes of obj's rules that do not hold, transition rules (oldSelf) left out. */
  validate(obj: unknown): StatusCause[] {
    const out: StatusCause[] = [];
    if (!this.isEmpty) this.walk(obj, undefined, false, this.schema, '', out);
    return out;
  }

  /** The causes of obj's transition rules (those reading oldSelf) that do not hold, against old. */
  validateTransition(obj: unknown, old: unknown): StatusCause[] {
    const out: StatusCause[] = [];
    if (!this.isEmpty) this.walk(obj, old, true, this.schema, '', out);
    return out;
  }

  /** isUpdate: run the transition rules (where old has a value) and only them. */
  private walk(value: unknown, old: unknown, isUpdate: boolean, schema: JsonObject, path: string, out: StatusCause[]): void {
    if (value === undefined || value === null) return;
    const rules = this.compiled.get(schema);
    if (rules !== undefined) {
      const self = toCel(value, schema);
      for (const r of rules) {
        if (r.transition !== isUpdate || (r.transition && (old === undefined || old === null))) continue;
        const result = r.run(r.transition ? { self, oldSelf: toCel(old, schema) } : { self });
        if (result === true) continue;
        // kube-apiserver names a rule that could not be evaluated by its message when it has one.
        const why = isCelError(result) ? `${result.message} evaluating rule: ${(r.message ?? r.rule).trim()}` : (r.message ?? `failed rule: ${r.rule.trim()}`);
        out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(schemaType(schema))}: ${why}` });
      }
    }
    if (Array.isArray(value)) {
      const items = schema['items'];
      if (isJsonObject(items)) value.forEach((v, i) => this.walk(v, undefined, isUpdate, items, `${path}[${i}]`, out));
      return;
    }
    if (typeof value !== 'object') return;
    const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
    const additional = isJsonObject(schema['additionalProperties']) ? schema['additionalProperties'] : undefined;
    const oldObj = typeof old === 'object' && old !== null && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = isJsonObject(props[k]) ? props[k] : additional;
      if (child !== undefined) this.walk(v, oldObj?.[k], isUpdate, child, path === '' ? k : `${path}.${k}`, out);
    }
  }
}
