/**
 * CEL evaluation that counts what it costs, as cel-go 0.12's cost tracker
 * counts it in kube-apiserver 1.26, and stops once the count passes a limit
 * with cel-go's error, "operation cancelled: actual cost limit exceeded".
 *
 * @bufbuild/cel evaluates a whole expression at once and counts nothing, so
 * this walks the expression itself: it decides the order of evaluation
 * (short-circuits, comprehensions, conditionals) exactly as @bufbuild/cel's
 * planner does, and hands every operation on values (calls, selects,
 * indexing, building maps) to @bufbuild/cel, so the values and errors are
 * @bufbuild/cel's. Each step adds cel-go's cost for it: 1 per variable and
 * field read, a call's cost from the sizes of its actual arguments (strings
 * in characters, lists and maps in entries), 10 and 30 for building a list or
 * a map, nothing for constants and for lists and maps of constants (cel-go
 * builds those once).
 */
import { celError, celList, celType, isCelError, isCelList, isCelMap, parse, plan, type CelEnv, type CelInput, type CelList, type CelMap } from '@bufbuild/cel';
import type { Expr } from './cel-cost-estimate.js';
import { unitCost } from './cel-cost-model.js';

/** cel-go's error when an evaluation passes its cost limit. */
export const costLimitExceededMessage = 'operation cancelled: actual cost limit exceeded';

/** An evaluation's value (a CEL value or a CelError) and what it cost. */
export interface TrackedResult {
  readonly value: unknown;
  readonly cost: number;
  /** Whether it stopped at the limit (value is then that error). */
  readonly cancelled: boolean;
}

class LimitExceeded extends Error {}

type Program = (bindings: Record<string, CelInput>) => unknown;

/** Names the helper programs bind their operands to; no rule can name them (they are not CEL identifiers a user writes by chance). */
const operand = 'kite__o';
const key = (i: number): string => `kite__k${i}`;
const value = (i: number): string => `kite__v${i}`;

/** The size cel-go gives a value: characters of a string, bytes, entries of a list or map; 1 for anything else. */
function actualSize(v: unknown): number {
  if (typeof v === 'string') {
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  if (v instanceof Uint8Array) return v.length;
  if (isCelList(v) || isCelMap(v)) return v.size;
  return 1;
}

/** kube-apiserver's cost of walking a value once: a tenth per byte of strings, 1 per other leaf. */
function traversalCost(v: unknown): number {
  if (typeof v === 'string') return Math.floor(Buffer.byteLength(v, 'utf8') * unitCost.stringTraversalFactor);
  if (v instanceof Uint8Array) return Math.floor(v.length * unitCost.stringTraversalFactor);
  if (isCelList(v)) {
    let sum = 0;
    for (const item of v as CelList) sum += traversalCost(item);
    return sum;
  }
  if (isCelMap(v)) {
    let sum = 0;
    for (const [k, item] of v as CelMap) sum += traversalCost(k) + traversalCost(item);
    return sum;
  }
  return 1;
}

const traverse = (n: number, factor = 1): number => Math.ceil(n * factor * unitCost.stringTraversalFactor);

/** What a call costs given its arguments' values (a method's receiver first), as cel-go and kube-apiserver's libraries count it. */
function callCost(fn: string, hasTarget: boolean, args: readonly unknown[], result: unknown): number {
  const [a, b] = args;
  switch (fn) {
    case 'isSorted':
    case 'sum':
    case 'max':
    case 'min':
    case 'indexOf':
    case 'lastIndexOf':
      return args.length > 0 ? traversalCost(a) : 0;
    case 'url':
    case 'lowerAscii':
    case 'upperAscii':
    case 'substring':
    case 'trim':
      return args.length > 0 ? traverse(actualSize(a)) : 1;
    case 'replace':
    case 'split':
      return args.length > 0 ? traverse(actualSize(a), 2) : 1;
    case 'join':
      return traverse(actualSize(result), 2);
    case 'find':
    case 'findAll':
      return args.length >= 2 ? traverse(1 + actualSize(a)) * Math.ceil(actualSize(b) * unitCost.regexLengthFactor) : 1;
    case 'startsWith':
    case 'endsWith':
      return hasTarget && typeof a === 'string' ? traverse(actualSize(a)) : 1;
    case 'string':
      return a instanceof Uint8Array ? traverse(actualSize(a)) : 1;
    case 'bytes':
      return typeof a === 'string' ? traverse(actualSize(a)) : 1;
    case '@in':
      return isCelList(b) ? actualSize(b) : 1;
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      return (typeof a === 'string' && typeof b === 'string') || (a instanceof Uint8Array && b instanceof Uint8Array) ? traverse(Math.min(actualSize(a), actualSize(b))) : 1;
    case '_==_':
    case '_!=_':
      return traverse(Math.min(actualSize(a), actualSize(b)));
    case '_+_':
      return (typeof a === 'string' && typeof b === 'string') || (a instanceof Uint8Array && b instanceof Uint8Array) ? traverse(actualSize(a) + actualSize(b)) : 1;
    case 'matches':
      return hasTarget ? traverse(1 + actualSize(a)) * Math.ceil(actualSize(b) * unitCost.regexLengthFactor) : 1;
    case 'contains':
      return hasTarget && typeof a === 'string' ? traverse(actualSize(a)) * traverse(actualSize(b)) : 1;
    default:
      return 1;
  }
}

const isConst = (e: Expr | undefined): boolean => e?.exprKind.case === 'constExpr';
const conversions = new Set(['bool', 'bytes', 'double', 'duration', 'dyn', 'int', 'string', 'timestamp', 'type', 'uint']);

/** Whether cel-go builds this list or map once, before evaluation (every element a constant): it then costs nothing. */
function isConstantLiteral(e: Expr): boolean {
  const k = e.exprKind;
  if (k.case === 'listExpr') return k.value.elements.every(isConst);
  if (k.case === 'structExpr') return k.value.messageName === '' && k.value.entries.every((en) => en.keyKind.case === 'mapKey' && isConst(en.keyKind.value) && isConst(en.value));
  return false;
}

/** Whether `x in <this>` is a set lookup in cel-go (a literal list of constants of one kind): the lookup then costs nothing. */
function isConstantSet(e: Expr | undefined): boolean {
  if (e === undefined || e.exprKind.case !== 'listExpr') return false;
  const kinds = new Set<string>(e.exprKind.value.elements.map((el) => (el.exprKind.case === 'constExpr' ? (el.exprKind.value.constantKind.case ?? 'none') : 'not constant')));
  return kinds.size === 1 && ['int64Value', 'uint64Value', 'doubleValue', 'stringValue', 'boolValue'].some((k) => kinds.has(k));
}

/** Whether an expression is read as an attribute in cel-go (a variable, or fields and indexes of one): reading one more field of it costs 1, else 2. */
function isAttribute(e: Expr): boolean {
  const k = e.exprKind;
  if (k.case === 'identExpr') return true;
  if (k.case === 'selectExpr') return !k.value.testOnly && k.value.operand !== undefined && isAttribute(k.value.operand);
  if (k.case === 'callExpr' && k.value.function === '_[_]' && k.value.args[0] !== undefined) return isAttribute(k.value.args[0]);
  return false;
}

/** A compiled rule that counts its cost. One per rule; run() may be called again and again. */
export class TrackedProgram {
  private readonly helpers = new Map<string, Program>();
  private readonly wholes = new Map<Expr, Program>();

  constructor(
    private readonly env: CelEnv,
    private readonly expr: Expr,
  ) {}

  /** Evaluates with bindings (self, oldSelf), stopping once the cost passes limit. */
  run(bindings: Record<string, CelInput>, limit: number): TrackedResult {
    const run = new Run(this, bindings, limit);
    try {
      const v = run.eval(this.expr);
      return { value: v, cost: run.cost, cancelled: false };
    } catch (e) {
      if (e instanceof LimitExceeded) return { value: celError(costLimitExceededMessage), cost: run.cost, cancelled: true };
      throw e;
    }
  }

  /** A helper program for source, planned once. */
  helper(source: string): Program {
    let p = this.helpers.get(source);
    if (p === undefined) {
      p = plan(this.env, parse(source)) as unknown as Program;
      this.helpers.set(source, p);
    }
    return p;
  }

  /** A sub-expression as @bufbuild/cel evaluates it, for what this walk does not take apart; planned once. */
  whole(e: Expr): Program {
    let p = this.wholes.get(e);
    if (p === undefined) {
      p = plan(this.env, e) as unknown as Program;
      this.wholes.set(e, p);
    }
    return p;
  }

  /** A helper program calling fn on the values bound to kite__o (the receiver) and kite__v0, kite__v1, ... */
  callHelper(fn: string, hasTarget: boolean, argc: number): Program {
    const name = `${hasTarget ? 'method' : 'function'} ${fn}/${argc}`;
    let p = this.helpers.get(name);
    if (p === undefined) {
      const args = Array.from({ length: argc }, (_, i) => value(i)).join(', ');
      const parsed = parse(hasTarget ? `${operand}.f(${args})` : `f(${args})`);
      // Any function name, operators included (_+_, @in), goes into the parsed call.
      if (parsed.expr.exprKind.case === 'callExpr') parsed.expr.exprKind.value.function = fn;
      p = plan(this.env, parsed) as unknown as Program;
      this.helpers.set(name, p);
    }
    return p;
  }
}

/** One evaluation: its variables and its running cost. */
class Run {
  cost = 0;
  /** Comprehension variables, innermost last. */
  private readonly scopes: Array<{ readonly name: string; value: unknown }> = [];

  /** The bindings as CEL values (lists and maps as @bufbuild/cel's, as its programs see them). */
  private readonly bindings: Record<string, CelInput> = {};

  constructor(
    private readonly program: TrackedProgram,
    inputs: Record<string, CelInput>,
    private readonly limit: number,
  ) {
    for (const name of Object.keys(inputs)) this.bindings[name] = program.helper(name)(inputs) as CelInput;
  }

  private charge(n: number): void {
    this.cost += n;
    if (this.cost > this.limit) throw new LimitExceeded();
  }

  /** The bindings and comprehension variables, for a program @bufbuild/cel runs whole. */
  private allBindings(): Record<string, CelInput> {
    const out: Record<string, CelInput> = { ...this.bindings };
    for (const s of this.scopes) out[s.name] = s.value as CelInput;
    return out;
  }

  private lookup(name: string): { value: unknown } | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.name === name) return this.scopes[i];
    return Object.hasOwn(this.bindings, name) ? { value: this.bindings[name] } : undefined;
  }

  eval(e: Expr): unknown {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return this.program.whole(e)({});
      case 'identExpr': {
        const found = this.lookup(k.value.name);
        const v = found !== undefined ? found.value : this.program.whole(e)(this.allBindings());
        this.charge(unitCost.selectAndIdent);
        return v;
      }
      case 'selectExpr': {
        const target = this.eval(k.value.operand!);
        if (isCelError(target)) return target;
        const source = k.value.testOnly ? `has(${operand}.${k.value.field})` : `${operand}.${k.value.field}`;
        const v = this.program.helper(source)({ [operand]: target as CelInput });
        if (!k.value.testOnly) this.charge(isAttribute(k.value.operand!) ? unitCost.selectAndIdent : 2 * unitCost.selectAndIdent);
        return v;
      }
      case 'callExpr':
        return this.call(k.value.function, k.value.target, k.value.args);
      case 'listExpr': {
        const items: unknown[] = [];
        for (const el of k.value.elements) {
          const v = this.eval(el);
          if (isCelError(v)) return v;
          items.push(v);
        }
        if (!isConstantLiteral(e)) this.charge(unitCost.listCreate);
        return celList(items as CelInput[]);
      }
      case 'structExpr': {
        if (k.value.messageName !== '') {
          // Messages are not part of Kubernetes' rules: evaluated whole, at cel-go's price of building one.
          this.charge(unitCost.structCreate);
          return this.program.whole(e)(this.allBindings());
        }
        const vars: Record<string, CelInput> = {};
        const entries: string[] = [];
        for (const [i, entry] of k.value.entries.entries()) {
          if (entry.keyKind.case !== 'mapKey' || entry.value === undefined) return this.program.whole(e)(this.allBindings());
          const kv = this.eval(entry.keyKind.value);
          if (isCelError(kv)) return kv;
          const vv = this.eval(entry.value);
          if (isCelError(vv)) return vv;
          vars[key(i)] = kv as CelInput;
          vars[value(i)] = vv as CelInput;
          entries.push(`${key(i)}: ${value(i)}`);
        }
        if (!isConstantLiteral(e)) this.charge(unitCost.mapCreate);
        return this.program.helper(`{${entries.join(', ')}}`)(vars);
      }
      case 'comprehensionExpr':
        return this.fold(k.value);
      default:
        return this.program.whole(e)(this.allBindings());
    }
  }

  private fold(c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value']): unknown {
    const init = this.eval(c.accuInit!);
    if (isCelError(init)) return init;
    const range = this.eval(c.iterRange!);
    if (isCelError(range)) return range;
    let items: unknown[];
    if (isCelMap(range)) items = [...(range as CelMap).keys()];
    else if (isCelList(range)) items = [...(range as CelList)];
    else return celError(`type mismatch: iterable vs ${celType(range as CelInput as never)}`);
    const accu = { name: c.accuVar, value: init as unknown };
    this.scopes.push(accu);
    try {
      for (const item of items) {
        if (isCelError(item)) return item;
        this.scopes.push({ name: c.iterVar, value: item });
        try {
          const cond = this.eval(c.loopCondition!);
          if (isCelError(cond)) return cond;
          if (cond !== true) break;
          accu.value = this.eval(c.loopStep!);
        } finally {
          this.scopes.pop();
        }
      }
      return this.eval(c.result!);
    } finally {
      this.scopes.pop();
    }
  }

  private call(fn: string, target: Expr | undefined, args: readonly Expr[]): unknown {
    switch (fn) {
      case '_&&_':
      case '_||_':
        return this.logical(fn === '_&&_', args);
      case '@not_strictly_false':
      case '__not_strictly_false__': {
        const v = this.eval(args[0]!);
        this.charge(1);
        return v !== false;
      }
      case '_?_:_': {
        const cond = this.eval(args[0]!);
        if (cond === true) return this.eval(args[1]!);
        if (cond === false) return this.eval(args[2]!);
        if (isCelError(cond)) return cond;
        return celError(`found no matching overload for _?_:_ applied to '(${celType(cond as never).name})'`);
      }
      case '_[_]': {
        const container = this.eval(args[0]!);
        if (isCelError(container)) return container;
        const index = this.eval(args[1]!);
        if (isCelError(index)) return index;
        const v = this.program.helper(`${key(0)}[${key(1)}]`)({ [key(0)]: container as CelInput, [key(1)]: index as CelInput });
        this.charge(isAttribute(args[0]!) ? 1 : 2);
        return v;
      }
      default:
        break;
    }
    const targetValue = target !== undefined ? this.eval(target) : undefined;
    if (isCelError(targetValue)) return targetValue;
    const values: unknown[] = [];
    for (const a of args) {
      const v = this.eval(a);
      if (isCelError(v)) return v;
      values.push(v);
    }
    const vars: Record<string, CelInput> = {};
    values.forEach((v, i) => (vars[value(i)] = v as CelInput));
    if (target !== undefined) vars[operand] = targetValue as CelInput;
    const result = this.program.callHelper(fn, target !== undefined, values.length)(vars);
    const folded = (conversions.has(fn) && target === undefined && args.every(isConst)) || (fn === '@in' && isConstantSet(args[1]));
    if (!folded) this.charge(callCost(fn, target !== undefined, target !== undefined ? [targetValue, ...values] : values, result));
    return result;
  }

  /** && and || as @bufbuild/cel runs them: a deciding value wins over errors, else the first error, else a type mismatch. */
  private logical(isAnd: boolean, args: readonly Expr[]): unknown {
    const errors: unknown[] = [];
    for (const a of args) {
      const v = this.eval(a);
      if (typeof v === 'boolean') {
        if (v !== isAnd) return v;
        continue;
      }
      errors.push(isCelError(v) ? v : celError(`type mismatch: expected bool, got ${celType(v as never)}`));
    }
    return errors.length > 0 ? errors[0] : isAnd;
  }
}
