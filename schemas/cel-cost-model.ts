/**
 * The units of CEL's cost model (cel-go 0.12, which kube-apiserver 1.26 uses)
 * and the limits kube-apiserver sets on x-kubernetes-validations rules with
 * them. Costs are unsigned 64-bit in cel-go and saturate rather than wrap;
 * here they are doubles that saturate at 2^64, exact below 2^53, which covers
 * every figure a message prints.
 */

/** A rule whose estimated cost is above this is refused when its CRD is written. */
export const staticEstimatedCostLimit = 10_000_000;
/** The estimated costs of all rules of one version's schema, each times how often it can run, may not add up to more. */
export const staticEstimatedCrdCostLimit = 100_000_000;
/** One evaluation of one rule stops when it has cost this much. */
export const perCallLimit = 1_000_000;
/** All evaluations of rules for one write of one custom resource together may cost this much. */
export const runtimeCelCostBudget = 10_000_000;

/** cel-go's unit costs. */
export const unitCost = {
  selectAndIdent: 1,
  constant: 0,
  listCreate: 10,
  mapCreate: 30,
  structCreate: 40,
  /** Per character of a string walked once. */
  stringTraversalFactor: 0.1,
  /** Per character of a regular expression, for each unit of the string it runs on. */
  regexLengthFactor: 0.25,
} as const;

/** The largest uint64, where cel-go's arithmetic on costs stops. */
export const maxCost = 2 ** 64;

/** a + b, saturating. */
export function addCost(a: number, b: number): number {
  return Math.min(a + b, maxCost);
}

/** a * b, saturating. */
export function multiplyCost(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : Math.min(a * b, maxCost);
}

/** n times a fractional factor, rounded up, saturating (cel-go's multiplyByCostFactor). */
export function scaleCost(n: number, factor: number): number {
  return Math.min(Math.ceil(n * factor), maxCost);
}

/** A range of costs or sizes. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export const range = (min: number, max = min): Range => ({ min, max });
export const addRange = (a: Range, b: Range): Range => range(addCost(a.min, b.min), addCost(a.max, b.max));
export const multiplyRange = (a: Range, b: Range): Range => range(multiplyCost(a.min, b.min), multiplyCost(a.max, b.max));
export const scaleRange = (a: Range, factor: number): Range => range(scaleCost(a.min, factor), scaleCost(a.max, factor));
export const unionRange = (a: Range, b: Range): Range => range(Math.min(a.min, b.min), Math.max(a.max, b.max));

/**
 * kube-apiserver's refusal of a cost over its limit: "<what> exceeds budget by
 * factor of <f>x (try simplifying ...)", the factor printed as Go prints it.
 */
export function costExceedsMessage(what: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const printed = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${goFixed(factor, 6)}x` : `${goFixed(factor, 1)}x`;
  return `${what} exceeds budget by factor of ${printed} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

/**
 * Go's %.<digits>f of a double: rounded to nearest, and on an exact tie to the
 * even digit (toFixed rounds a tie up). A double below 100 has at most 52
 * binary places, so 60 decimal places show its exact value.
 */
export function goFixed(x: number, digits: number): string {
  const exact = x.toFixed(60);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (x >= 100 || !/^50*$/.test(rest)) return x.toFixed(digits);
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const last = Number(kept[kept.length - 1]);
  return last % 2 === 0 ? kept : x.toFixed(digits);
}
