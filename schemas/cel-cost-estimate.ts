/**
 * The worst-case cost of a CEL rule, estimated before it ever runs as cel-go
 * 0.12's checker estimates it with kube-apiserver 1.26's additions (its
 * libraries' costs, and sizes of lists, maps and strings from the schema),
 * so that the same CRDs are refused for rules too expensive to run.
 *
 * cel-go estimates over a type-checked expression. @bufbuild/cel has no type
 * checker, so the types the estimate needs (is this `+` on strings or lists,
 * is this select on a map or an object) are inferred here from the schema's
 * declarations and the functions' result types, as far as the estimate needs
 * them; an expression of unknown type counts as every overload it could call,
 * as cel-go counts a dyn one. Rules that do not type-check (which
 * kube-apiserver refuses outright) get some estimate, not a refusal.
 */
import type { parse } from '@bufbuild/cel';
import { mapKeyType, type DeclType } from './cel-decl-type.js';
import { addRange, maxCost, multiplyRange, range, scaleRange, unionRange, unitCost, type Range } from './cel-cost-model.js';

/** A parsed CEL expression (cel.expr.Expr). */
export type Expr = ReturnType<typeof parse>['expr'];

/** What the estimate knows of a value's type. */
export interface CelKind {
  readonly kind: 'int' | 'uint' | 'double' | 'bool' | 'string' | 'bytes' | 'null' | 'duration' | 'timestamp' | 'type' | 'url' | 'dyn' | 'list' | 'map' | 'object';
  /** Items of a list, values of a map. */
  readonly elem?: CelKind;
  /** The schema declaration the value comes from, for an object's fields. */
  readonly decl?: DeclType;
}

const simple = (kind: CelKind['kind']): CelKind => ({ kind });
const DYN = simple('dyn');
const INT = simple('int');
const BOOL = simple('bool');
const STRING = simple('string');
const listOf = (elem: CelKind): CelKind => ({ kind: 'list', elem });

/** The kind of a schema declaration. */
export function kindOfDecl(decl: DeclType): CelKind {
  return { kind: decl.kind, decl, ...(decl.elem ? { elem: kindOfDecl(decl.elem) } : {}) };
}

/** Whether a value of this kind has one fixed size (cel-go's isScalar): numbers, bools, durations, timestamps. */
function isScalar(t: CelKind): boolean {
  return ['int', 'uint', 'double', 'bool', 'duration', 'timestamp'].includes(t.kind);
}

const accumulator = '@result';

/** An expression's estimate facts: its kind, its field path from a variable, and its size when the expression itself tells it. */
interface Facts {
  readonly type: CelKind;
  /** Variable, then field names, @items, @keys or @values; undefined when not reached from a variable. */
  readonly path: readonly string[] | undefined;
  readonly size: Range | undefined;
}

/** The cost of a function call and the size of its result when known. */
interface CallEstimate {
  readonly cost: Range;
  readonly size?: Range;
}

/** Overloads whose cost differs from one unit; every other call costs 1 plus its arguments. */
type Overload =
  | 'add_string'
  | 'add_bytes'
  | 'add_list'
  | 'compare_string'
  | 'compare_bytes'
  | 'equals'
  | 'in_list'
  | 'starts_or_ends_with'
  | 'contains_string'
  | 'matches_string'
  | 'convert_string_bytes'
  | 'logical'
  | 'conditional'
  | 'index_list'
  | 'index_map'
  | 'other';

const fits = (t: CelKind, kind: CelKind['kind']): boolean => t.kind === kind || t.kind === 'dyn';

/** The overloads a call could resolve to, given what is known of its operands. */
function overloadsOf(fn: string, hasTarget: boolean, target: CelKind | undefined, args: readonly CelKind[]): Overload[] {
  const pair = (a: CelKind['kind']): boolean => args.length === 2 && fits(args[0]!, a) && fits(args[1]!, a);
  const some = (...list: Array<[boolean, Overload]>): Overload[] => {
    const out = list.filter(([ok]) => ok).map(([, o]) => o);
    return out.length > 0 ? out : ['other'];
  };
  switch (fn) {
    case '_+_':
      return some([pair('string'), 'add_string'], [pair('bytes'), 'add_bytes'], [pair('list'), 'add_list'], [args.every((a) => !['string', 'bytes', 'list'].includes(a.kind)), 'other']);
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      return some([pair('string'), 'compare_string'], [pair('bytes'), 'compare_bytes'], [args.every((a) => a.kind !== 'string' && a.kind !== 'bytes'), 'other']);
    case '_==_':
    case '_!=_':
      return ['equals'];
    case '@in':
      return args.length === 2 ? some([fits(args[1]!, 'list'), 'in_list'], [fits(args[1]!, 'map'), 'other']) : ['other'];
    case 'startsWith':
    case 'endsWith':
      return hasTarget && target !== undefined && fits(target, 'string') ? ['starts_or_ends_with'] : ['other'];
    case 'contains':
      return hasTarget && target !== undefined && fits(target, 'string') ? ['contains_string'] : ['other'];
    case 'matches':
      // The global form matches(s, re) is not costed as a regex by cel-go 0.12: one unit.
      return hasTarget ? ['matches_string'] : ['other'];
    case 'string':
      return args.length === 1 ? some([fits(args[0]!, 'bytes'), 'convert_string_bytes'], [args[0]!.kind !== 'bytes', 'other']) : ['other'];
    case 'bytes':
      return args.length === 1 ? some([fits(args[0]!, 'string'), 'convert_string_bytes'], [args[0]!.kind !== 'string', 'other']) : ['other'];
    case '_&&_':
    case '_||_':
      return ['logical'];
    case '_?_:_':
      return ['conditional'];
    case '_[_]':
      return args.length === 2 ? some([fits(args[0]!, 'list'), 'index_list'], [fits(args[0]!, 'map') || args[0]!.kind === 'object', 'index_map']) : ['other'];
    default:
      return ['other'];
  }
}

/** The kind of a call's result. */
function resultKind(fn: string, target: CelKind | undefined, args: readonly CelKind[]): CelKind {
  const first = args[0] ?? DYN;
  switch (fn) {
    case '_+_':
    case '_-_':
    case '_*_':
    case '_/_':
    case '_%_':
      if (first.kind === 'timestamp' || args[1]?.kind === 'timestamp') return simple('timestamp');
      if (first.kind === 'list' && args[1]?.kind === 'list') return first.elem?.kind === 'dyn' || first.elem === undefined ? args[1] : first;
      return first.kind === 'dyn' ? (args[1] ?? DYN) : first;
    case '-_':
      return first;
    case '_[_]':
      return first.kind === 'list' || first.kind === 'map' ? (first.elem ?? DYN) : DYN;
    case '_?_:_':
      return args[1]?.kind === 'dyn' ? (args[2] ?? DYN) : (args[1] ?? DYN);
    case '_==_':
    case '_!=_':
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
    case '_&&_':
    case '_||_':
    case '!_':
    case '@in':
    case '@not_strictly_false':
    case 'matches':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'isSorted':
    case 'isURL':
    case 'bool':
      return BOOL;
    case 'size':
    case 'int':
    case 'indexOf':
    case 'lastIndexOf':
      return INT;
    case 'uint':
      return simple('uint');
    case 'double':
      return simple('double');
    case 'string':
    case 'charAt':
    case 'lowerAscii':
    case 'upperAscii':
    case 'replace':
    case 'substring':
    case 'trim':
    case 'join':
    case 'find':
    case 'getScheme':
    case 'getHost':
    case 'getHostname':
    case 'getPort':
    case 'getEscapedPath':
      return STRING;
    case 'bytes':
      return simple('bytes');
    case 'split':
    case 'findAll':
      return listOf(STRING);
    case 'sum':
    case 'min':
    case 'max':
      return target?.elem ?? DYN;
    case 'url':
      return simple('url');
    case 'getQuery':
      return { kind: 'map', elem: listOf(STRING) };
    case 'duration':
      return simple('duration');
    case 'timestamp':
      return simple('timestamp');
    case 'type':
      return simple('type');
    case 'dyn':
      return DYN;
    default:
      return fn.startsWith('get') ? INT : DYN;
  }
}

/**
 * The estimate for one rule: sizes of what `self` and `oldSelf` reach come
 * from root, the declaration of the schema node the rule is on.
 */
class Estimator {
  private readonly facts = new Map<Expr, Facts>();
  /**
   * Comprehension variables in scope, innermost last, with their kinds: an
   * iteration variable with the expression it ranges over (its path leads on
   * from there), an accumulator without one.
   */
  private readonly scopes: Array<{ readonly name: string; readonly range: Expr | undefined; readonly type: CelKind }> = [];

  constructor(private readonly root: DeclType) {}

  estimate(e: Expr): Range {
    return this.cost(e);
  }

  private record(e: Expr, type: CelKind, path: readonly string[] | undefined, size?: Range): void {
    this.facts.set(e, { type, path, size });
  }

  private typeOf(e: Expr): CelKind {
    return this.facts.get(e)?.type ?? DYN;
  }

  /** The path cel-go hands to size estimates: none for paths from the comprehension accumulator. */
  private pathOf(e: Expr): readonly string[] | undefined {
    const path = this.facts.get(e)?.path;
    return path !== undefined && path[0] === accumulator ? undefined : path;
  }

  /** The size the expression itself shows: a literal's, or a call result's when the call tells it. */
  private computedSize(e: Expr): Range | undefined {
    const known = this.facts.get(e)?.size;
    if (known !== undefined) return known;
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr': {
        const c = k.value.constantKind;
        if (c.case === 'stringValue') return range(Buffer.byteLength(c.value, 'utf8'));
        if (c.case === 'bytesValue') return range(c.value.length);
        return c.case === undefined ? undefined : range(1);
      }
      case 'listExpr':
        return range(k.value.elements.length);
      case 'structExpr':
        return k.value.messageName === '' ? range(k.value.entries.length) : undefined;
      default:
        return undefined;
    }
  }

  /** kube-apiserver's size from the schema: walk the path from the rule's node (its first element, the variable, is skipped). */
  private schemaSize(path: readonly string[] | undefined): Range | undefined {
    if (path === undefined || path.length === 0) return undefined;
    let node: DeclType | undefined = this.root;
    for (const name of path.slice(1)) {
      if (name === '@items' || name === '@values') node = node.elem;
      else if (name === '@keys') node = node.kind === 'map' ? mapKeyType : undefined;
      else node = node.fields?.get(name);
      if (node === undefined) return undefined;
    }
    return range(0, node.maxElements);
  }

  /** cel-go's sizeEstimate: computed, else from the schema, else 1 for fixed-size kinds, else anything. */
  private size(e: Expr): Range {
    return this.computedSize(e) ?? this.schemaSize(this.pathOf(e)) ?? (isScalar(this.typeOf(e)) ? range(1) : range(0, maxCost));
  }

  /** kube-apiserver's library sizes: computed, else from the schema, else anything (no fixed-size case). */
  private librarySize(e: Expr | undefined, path?: readonly string[]): Range {
    if (e === undefined) return this.schemaSize(path) ?? range(0, maxCost);
    return this.computedSize(e) ?? this.schemaSize(this.pathOf(e)) ?? range(0, maxCost);
  }

  private cost(e: Expr): Range {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        this.record(e, this.constKind(k.value.constantKind.case), undefined);
        return range(unitCost.constant);
      case 'identExpr':
        return this.costIdent(e, k.value.name);
      case 'selectExpr': {
        if (k.value.testOnly) {
          this.record(e, BOOL, undefined);
          return range(0);
        }
        const operand = k.value.operand!;
        let sum = this.cost(operand);
        const t = this.typeOf(operand);
        if (t.kind === 'map' || t.kind === 'object') sum = addRange(sum, range(unitCost.selectAndIdent));
        const fieldType = t.kind === 'object' ? (t.decl?.fields?.get(k.value.field) ? kindOfDecl(t.decl.fields.get(k.value.field)!) : DYN) : t.kind === 'map' ? (t.elem ?? DYN) : DYN;
        this.record(e, fieldType, [...(this.facts.get(operand)?.path ?? []), k.value.field]);
        return sum;
      }
      case 'callExpr':
        return this.costCall(e, k.value.function, k.value.target, k.value.args);
      case 'listExpr': {
        let sum = range(0);
        for (const el of k.value.elements) sum = addRange(sum, this.cost(el));
        const first = k.value.elements[0];
        this.record(e, listOf(first ? this.typeOf(first) : DYN), undefined);
        return addRange(sum, range(unitCost.listCreate));
      }
      case 'structExpr': {
        let sum = range(0);
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === 'mapKey') sum = addRange(sum, this.cost(entry.keyKind.value));
          if (entry.value) sum = addRange(sum, this.cost(entry.value));
        }
        const isMessage = k.value.messageName !== '';
        const firstValue = k.value.entries[0]?.value;
        this.record(e, isMessage ? DYN : { kind: 'map', elem: firstValue ? this.typeOf(firstValue) : DYN }, undefined);
        return addRange(sum, range(isMessage ? unitCost.structCreate : unitCost.mapCreate));
      }
      case 'comprehensionExpr':
        return this.costComprehension(e, k.value);
      default:
        this.record(e, DYN, undefined);
        return range(0);
    }
  }

  private constKind(c: string | undefined): CelKind {
    switch (c) {
      case 'int64Value':
        return INT;
      case 'uint64Value':
        return simple('uint');
      case 'doubleValue':
        return simple('double');
      case 'boolValue':
        return BOOL;
      case 'stringValue':
        return STRING;
      case 'bytesValue':
        return simple('bytes');
      case 'nullValue':
        return simple('null');
      default:
        return DYN;
    }
  }

  private costIdent(e: Expr, name: string): Range {
    const scope = [...this.scopes].reverse().find((s) => s.name === name);
    if (scope !== undefined && scope.range !== undefined) {
      const rangeType = this.typeOf(scope.range);
      const rangePath = this.facts.get(scope.range)?.path ?? [];
      const path = rangeType.kind === 'list' ? [...rangePath, '@items'] : rangeType.kind === 'map' ? [...rangePath, '@keys'] : undefined;
      this.record(e, scope.type, path);
    } else {
      this.record(e, scope?.type ?? (name === 'self' || name === 'oldSelf' ? kindOfDecl(this.root) : DYN), [name]);
    }
    return range(unitCost.selectAndIdent);
  }

  private costComprehension(e: Expr, c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value']): Range {
    let sum = addRange(this.cost(c.iterRange!), this.cost(c.accuInit!));
    const rangeType = this.typeOf(c.iterRange!);
    const iterType = rangeType.kind === 'list' ? (rangeType.elem ?? DYN) : rangeType.kind === 'map' ? STRING : DYN;
    let accuType = this.typeOf(c.accuInit!);
    this.scopes.push({ name: c.iterVar, range: c.iterRange!, type: iterType });
    this.scopes.push({ name: c.accuVar, range: undefined, type: accuType });
    const loop = this.cost(c.loopCondition!);
    const step = this.cost(c.loopStep!);
    this.scopes.pop();
    this.scopes.pop();
    // map() and filter() build a list of what their step adds.
    const stepType = this.typeOf(c.loopStep!);
    if (accuType.kind === 'list' && stepType.kind === 'list' && stepType.elem !== undefined) accuType = stepType;
    this.scopes.push({ name: c.accuVar, range: undefined, type: accuType });
    sum = addRange(sum, this.cost(c.result!));
    this.scopes.pop();
    const count = this.size(c.iterRange!);
    this.record(e, this.typeOf(c.result!), undefined);
    return addRange(sum, multiplyRange(count, addRange(step, loop)));
  }

  private costCall(e: Expr, fn: string, target: Expr | undefined, args: readonly Expr[]): Range {
    const argCosts = args.map((a) => this.cost(a));
    let sum = range(0);
    if (target !== undefined) sum = this.cost(target);
    const targetType = target !== undefined ? this.typeOf(target) : undefined;
    const argTypes = args.map((a) => this.typeOf(a));
    let fnCost: Range | undefined;
    let size: Range | undefined;
    let path: readonly string[] | undefined;
    for (const overload of overloadsOf(fn, target !== undefined, targetType, argTypes)) {
      const est = this.functionCost(fn, overload, target, args, argCosts);
      fnCost = fnCost === undefined ? est.cost : unionRange(fnCost, est.cost);
      if (est.size !== undefined) size = size === undefined ? est.size : unionRange(size, est.size);
      if (overload === 'index_list') path = [...(this.facts.get(args[0]!)?.path ?? []), '@items'];
      if (overload === 'index_map') path = [...(this.facts.get(args[0]!)?.path ?? []), '@values'];
    }
    this.record(e, resultKind(fn, targetType, argTypes), path, size);
    return addRange(sum, fnCost ?? range(0));
  }

  private functionCost(fn: string, overload: Overload, target: Expr | undefined, args: readonly Expr[], argCosts: readonly Range[]): CallEstimate {
    const argSum = argCosts.reduce(addRange, range(0));
    const library = this.libraryCost(fn, target, args);
    if (library !== undefined) return { cost: addRange(library.cost, argSum), ...(library.size ? { size: library.size } : {}) };
    const traverse = (r: Range): Range => scaleRange(r, unitCost.stringTraversalFactor);
    switch (overload) {
      case 'starts_or_ends_with':
      case 'convert_string_bytes':
        // cel-go sizes the argument (the prefix for startsWith), not the receiver.
        if (args.length === 1) return { cost: addRange(traverse(this.size(args[0]!)), argSum) };
        break;
      case 'in_list':
        if (args.length === 2) return { cost: addRange(this.size(args[1]!), argSum) };
        break;
      case 'matches_string':
        if (target !== undefined && args.length === 1) {
          const str = traverse(addRange(this.size(target), range(1)));
          const regex = scaleRange(this.size(args[0]!), unitCost.regexLengthFactor);
          return { cost: addRange(multiplyRange(str, regex), argSum) };
        }
        break;
      case 'contains_string':
        if (target !== undefined && args.length === 1) return { cost: addRange(multiplyRange(traverse(this.size(target)), traverse(this.size(args[0]!))), argSum) };
        break;
      case 'logical':
        return { cost: range(argCosts[0]!.min, addRange(argCosts[0]!, argCosts[1]!).max) };
      case 'conditional': {
        const size = unionRange(this.size(args[1]!), this.size(args[2]!));
        return { cost: addRange(argCosts[0]!, unionRange(argCosts[1]!, argCosts[2]!)), size };
      }
      case 'add_string':
      case 'add_bytes':
      case 'add_list':
        if (args.length === 2) {
          const size = addRange(this.size(args[0]!), this.size(args[1]!));
          return overload === 'add_list' ? { cost: addRange(range(1), argSum), size } : { cost: addRange(traverse(size), argSum), size };
        }
        break;
      case 'compare_string':
      case 'compare_bytes':
      case 'equals': {
        const smallestMax = Math.min(this.size(args[0]!).max, this.size(args[1]!).max);
        return { cost: addRange(traverse(range(smallestMax > 0 ? 1 : 0, smallestMax)), argSum) };
      }
      default:
        break;
    }
    return { cost: addRange(range(1), argSum) };
  }

  /** kube-apiserver's estimates for its libraries and for CEL's strings extension. */
  private libraryCost(fn: string, target: Expr | undefined, args: readonly Expr[]): CallEstimate | undefined {
    const traverse = (r: Range, factor = 1): Range => scaleRange(r, factor * unitCost.stringTraversalFactor);
    switch (fn) {
      case 'isSorted':
      case 'sum':
      case 'max':
      case 'min':
      case 'indexOf':
      case 'lastIndexOf': {
        if (target === undefined) return undefined;
        const t = this.typeOf(target);
        if (t.kind === 'list') {
          // One unit per element compared, plus walking the element when it is a string or bytes.
          let perElement = range(1);
          const elem = t.elem ?? DYN;
          if (elem.kind === 'string' || elem.kind === 'bytes') {
            const targetPath = this.pathOf(target);
            perElement = addRange(perElement, traverse(this.librarySize(undefined, targetPath ? [...targetPath, '@items'] : undefined)));
          }
          return { cost: multiplyRange(this.librarySize(target), perElement) };
        }
        return { cost: traverse(this.librarySize(target)) };
      }
      case 'url':
        return args.length === 1 ? { cost: traverse(this.librarySize(args[0])) } : undefined;
      case 'lowerAscii':
      case 'upperAscii':
      case 'substring':
      case 'trim': {
        if (target === undefined) return undefined;
        const size = this.librarySize(target);
        return { cost: traverse(size), size };
      }
      case 'replace': {
        if (target === undefined || args.length < 2) return undefined;
        const size = this.librarySize(target);
        const from = this.librarySize(args[0]);
        const to = this.librarySize(args[1]);
        const min = Math.ceil(size.min / from.max) * to.min;
        const max = Math.ceil(size.max / from.min) * to.max;
        return { cost: traverse(size, 2), size: range(Number.isFinite(min) ? min : maxCost, Number.isFinite(max) ? Math.min(max, maxCost) : maxCost) };
      }
      case 'split': {
        if (target === undefined) return undefined;
        const size = this.librarySize(target);
        const limit = args[1]?.exprKind.case === 'constExpr' && args[1].exprKind.value.constantKind.case === 'int64Value' ? Number(args[1].exprKind.value.constantKind.value) : undefined;
        return { cost: traverse(size, 2), size: range(0, limit ?? size.max) };
      }
      case 'join': {
        if (target === undefined) return undefined;
        const listSize = this.librarySize(target);
        let size = range(0);
        if (this.typeOf(target).kind === 'list') {
          const targetPath = this.pathOf(target);
          size = multiplyRange(listSize, this.librarySize(undefined, targetPath ? [...targetPath, '@items'] : undefined));
        }
        if (args.length > 0) {
          const separators = range(Math.max(0, listSize.min - 1), Math.max(0, listSize.max - 1));
          size = addRange(size, multiplyRange(this.librarySize(args[0]), separators));
        }
        return { cost: traverse(size), size };
      }
      case 'find':
      case 'findAll': {
        if (target === undefined || args.length < 1) return undefined;
        const size = this.librarySize(target);
        const str = traverse(addRange(size, range(1)));
        const regex = scaleRange(this.librarySize(args[0]), unitCost.regexLengthFactor);
        return { cost: multiplyRange(str, regex), size: range(0, size.max) };
      }
      default:
        return undefined;
    }
  }
}

/** The estimated cost range of a parsed rule on a schema node declared as root. */
export function estimateCost(expr: Expr, root: DeclType): Range {
  return new Estimator(root).estimate(expr);
}
