/**
 * The estimated cost of every x-kubernetes-validations rule of a structural
 * schema, as kube-apiserver 1.26 weighs them when a CRD is written: a rule's
 * worst-case cost for one evaluation, and that times how many times it can
 * run in one custom resource (the product of maxItems and maxProperties of
 * the lists and maps above it, or, under one without a bound, as many values
 * of its type as fit in a request). The second figures add up to the
 * schema's total.
 */
import { parse } from '@bufbuild/cel';
import { declTypeOf, maxCardinality } from './cel-decl-type.js';
import { estimateCost } from './cel-cost-estimate.js';
import { multiplyCost } from './cel-cost-model.js';
import { isJsonObject, type JsonObject } from './json.js';

/** One rule's estimate. */
export interface RuleCost {
  /** The schema node the rule is on. */
  readonly schema: JsonObject;
  /** Its index in x-kubernetes-validations. */
  readonly index: number;
  /** The rule's field path, e.g. <root>.properties[spec].x-kubernetes-validations[0].rule. */
  readonly path: string;
  /** Worst-case cost of one evaluation. */
  readonly maxCost: number;
  /** maxCost times the most evaluations in one custom resource. */
  readonly totalCost: number;
  /**
   * Where the node stops being correlatable between an object and its update: the outermost
   * list above it that is not a `map` list (undefined when every list above it
   * is one). A rule reading oldSelf cannot run there.
   */
  readonly uncorrelatable?: string;
}

/** How many values a node's children can have for each value of the node: 1 for objects and scalars, undefined when unbounded. */
function fanOut(schema: JsonObject): number | undefined {
  if (schema['type'] === 'object') {
    if (schema['additionalProperties'] === undefined) return 1;
    return typeof schema['maxProperties'] === 'number' ? Math.max(0, schema['maxProperties']) : undefined;
  }
  if (schema['type'] === 'array') return typeof schema['maxItems'] === 'number' ? Math.max(0, schema['maxItems']) : undefined;
  return 1;
}

/**
 * Every rule's estimate, children before their parent and properties in
 * name order; rootPath names the schema (spec.validation.openAPIV3Schema).
 * Rules that do not parse cost nothing.
 */
export function ruleCosts(root: JsonObject, rootPath: string): RuleCost[] {
  const out: RuleCost[] = [];
  walk(root, rootPath, true, 1, undefined, out);
  return out;
}

/** cardinality: how many times the node can occur, undefined when unbounded. */
function walk(schema: JsonObject, path: string, isResourceRoot: boolean, cardinality: number | undefined, uncorrelatable: string | undefined, out: RuleCost[]): void {
  const perChild = fanOut(schema);
  const childCardinality = cardinality === undefined || perChild === undefined ? undefined : multiplyCost(cardinality, perChild);
  const visit = (child: unknown, childPath: string, childUncorrelatable = uncorrelatable): void => {
    if (isJsonObject(child)) walk(child, childPath, child['x-kubernetes-embedded-resource'] === true, childCardinality, childUncorrelatable, out);
  };
  if (isJsonObject(schema['additionalProperties'])) visit(schema['additionalProperties'], `${path}.additionalProperties`);
  const props = schema['properties'];
  if (isJsonObject(props)) for (const name of Object.keys(props).sort()) visit(props[name], `${path}.properties[${name}]`);
  // Only the items of a map list are matched up with the old object's (by their keys).
  const itemsUncorrelatable = uncorrelatable ?? (schema['x-kubernetes-list-type'] === 'map' ? undefined : path);
  visit(schema['items'], `${path}.items`, itemsUncorrelatable);

  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules) || rules.length === 0) return;
  const decl = declTypeOf(schema, isResourceRoot);
  rules.forEach((r, index) => {
    const rule = isJsonObject(r) && typeof r['rule'] === 'string' ? r['rule'] : '';
    let maxCost = 0;
    if (decl !== undefined && rule.trim() !== '') {
      try {
        maxCost = estimateCost(parse(rule).expr, decl).max;
      } catch {
        // A rule that does not parse is refused for that; it has no cost.
      }
    }
    const times = cardinality ?? (decl !== undefined ? maxCardinality(decl) : 1);
    out.push({ schema, index, path: `${path}.x-kubernetes-validations[${index}].rule`, maxCost, totalCost: multiplyCost(maxCost, times), ...(uncorrelatable === undefined ? {} : { uncorrelatable }) });
  });
}
