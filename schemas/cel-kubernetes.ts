/**
 * Kubernetes' own CEL libraries that x-kubernetes-validations rules use, on top of
 * CEL's standard functions and its strings extension: the lists library
 * (isSorted, sum, min, max, indexOf, lastIndexOf) and the regex library (find,
 * findAll), with the errors kube-apiserver's implementation gives. Regular
 * expressions are RE2 there and JavaScript's here: the same for the patterns
 * schemas use (no backreferences or lookaround, which RE2 refuses anyway).
 */
import { celList, celMethod, CelScalar, isCelList, listType, type CelFunc, type CelList } from '@bufbuild/cel';

const { DYN, STRING, INT, BOOL } = CelScalar;
const LIST = listType(DYN);

type Scalar = bigint | number | string | boolean | Uint8Array;

function items(list: CelList): Scalar[] {
  return [...list] as Scalar[];
}

/** CEL's ordering of two comparable values of one type; an error names the types it cannot order. */
function compare(a: Scalar, b: Scalar): number {
  if (typeof a === typeof b && (typeof a === 'bigint' || typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  throw new Error(`no such overload: ${typeName(a)}.compare(${typeName(b)})`);
}

function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  return isCelList(v) ? 'list' : 'map';
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  return a === b;
}

function isSorted(this: CelList): boolean {
  const xs = items(this);
  for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1]!, xs[i]!) > 0) return false;
  return true;
}

function sum(this: CelList): bigint | number {
  const xs = items(this);
  // An empty list sums to the integer 0, as Kubernetes' library answers for list(int).
  if (xs.length === 0) return 0n;
  if (xs.every((x) => typeof x === 'bigint')) return (xs as bigint[]).reduce((s, x) => s + x, 0n);
  if (xs.every((x) => typeof x === 'number')) return (xs as number[]).reduce((s, x) => s + x, 0);
  throw new Error(`no such overload: sum on a list of ${typeName(xs.find((x) => typeof x !== 'bigint' && typeof x !== 'number') ?? xs[0])}`);
}

const extreme = (name: 'min' | 'max', sign: 1 | -1) =>
  function (this: CelList): Scalar {
    const xs = items(this);
    if (xs.length === 0) throw new Error(`${name} called on empty list`);
    return xs.reduce((best, x) => (compare(x, best) * sign < 0 ? x : best));
  };

function indexOf(this: CelList, v: unknown): bigint {
  const xs = items(this);
  return BigInt(xs.findIndex((x) => sameValue(x, v)));
}

function lastIndexOf(this: CelList, v: unknown): bigint {
  const xs = items(this);
  for (let i = xs.length - 1; i >= 0; i--) if (sameValue(xs[i], v)) return BigInt(i);
  return -1n;
}

/** A compiled pattern, refused as kube-apiserver's regex library refuses one that does not compile. */
function regex(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'gu');
  } catch (e) {
    throw new Error(`could not compile regex ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function find(this: string, pattern: string): string {
  const m = regex(pattern).exec(this);
  return m === null ? '' : m[0];
}

function findAll(this: string, pattern: string, limit?: bigint): CelList {
  const n = limit === undefined ? -1 : Number(limit);
  if (n === 0) return celList([]);
  const out: string[] = [];
  for (const m of this.matchAll(regex(pattern))) {
    out.push(m[0]);
    if (n > 0 && out.length >= n) break;
  }
  return celList(out);
}

/** The functions, for celEnv({ funcs }). */
export const kubernetesCelFunctions: readonly CelFunc[] = [
  celMethod('isSorted', LIST, [], BOOL, isSorted),
  celMethod('sum', LIST, [], DYN, sum),
  celMethod('min', LIST, [], DYN, extreme('min', 1)),
  celMethod('max', LIST, [], DYN, extreme('max', -1)),
  celMethod('indexOf', LIST, [DYN], INT, indexOf),
  celMethod('lastIndexOf', LIST, [DYN], INT, lastIndexOf),
  celMethod('find', STRING, [STRING], STRING, find),
  celMethod('findAll', STRING, [STRING], LIST, findAll),
  celMethod('findAll', STRING, [STRING, INT], LIST, findAll),
];
