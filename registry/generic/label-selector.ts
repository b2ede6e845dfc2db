/**
 * Label selectors in their string form (?labelSelector=), read as kube-apiserver's
 * apimachinery reads them: a lexer (whitespace, the symbols = == != ! ( ) , > <, the
 * keywords in and notin, and identifiers: every other run of characters), then a parser
 * whose errors are the reference's words ("unable to parse requirement: found 'b',
 * expected: in, notin, =, ==, !=, gt, lt"), and the checks of each requirement's key and
 * values. Besides equality, sets and existence, `key>N` and `key<N` compare a label's
 * integer value.
 */
import { goQuote } from '../../schemas/go-url.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';
import { errors } from './api-error.js';

/** One requirement of a label selector. */
export type LabelRequirement =
  | { readonly kind: 'equals'; readonly key: string; readonly value: string }
  | { readonly kind: 'notEquals'; readonly key: string; readonly value: string }
  | { readonly kind: 'in'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'exists'; readonly key: string }
  | { readonly kind: 'notExists'; readonly key: string }
  | { readonly kind: 'greaterThan'; readonly key: string; readonly value: bigint }
  | { readonly kind: 'lessThan'; readonly key: string; readonly value: bigint };

/** A parsed label selector: every requirement must hold. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

type Token = 'end' | 'identifier' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

const isSymbolChar = (c: string): boolean => '=!(),><'.includes(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

interface Lexeme {
  readonly token: Token;
  readonly text: string;
}

/** The selector as tokens, ending with 'end'. */
function lex(selector: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  for (;;) {
    while (i < selector.length && isSpace(selector[i]!)) i++;
    if (i >= selector.length) break;
    const start = i;
    if (isSymbolChar(selector[i]!)) {
      // Every symbol character is a token by itself; two make one where they spell == or != (the longest match).
      const two = selector.slice(i, i + 2);
      const text = two === '==' || two === '!=' ? two : selector[i]!;
      out.push({ token: text as Token, text });
      i += text.length;
    } else {
      while (i < selector.length && !isSymbolChar(selector[i]!) && !isSpace(selector[i]!)) i++;
      const text = selector.slice(start, i);
      out.push({ token: text === 'in' || text === 'notin' ? text : 'identifier', text });
    }
  }
  out.push({ token: 'end', text: '' });
  return out;
}

function parseError(why: string): Error {
  return errors.badRequest(`unable to parse requirement: ${why}`);
}

/** An apimachinery field error's text: `<path>: Invalid value: <value>: <detail>`. */
const invalid = (path: string, value: string, detail: string): string => `${path}: Invalid value: ${value}: ${detail}`;

/** The operators a requirement may have between key and values, as the parser lists them. */
const binaryOperators = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;

  constructor(private readonly items: readonly Lexeme[]) {}

  /**
   * The next token without taking it. Where a value may stand, in and notin are
   * identifiers (`a in (in)` selects the value "in").
   */
  peek(asValue = true): Lexeme {
    const item = this.items[this.position]!;
    return asValue && (item.token === 'in' || item.token === 'notin') ? { token: 'identifier', text: item.text } : item;
  }

  take(asValue = true): Lexeme {
    const item = this.peek(asValue);
    if (this.position < this.items.length - 1) this.position++;
    return item;
  }

  selector(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const next = this.peek();
      if (next.token === 'end') return out;
      if (next.token !== 'identifier' && next.token !== '!') throw errors.badRequest(`found '${next.text}', expected: !, identifier, or 'end of string'`);
      out.push(this.requirement());
      const after = this.take();
      if (after.token === 'end') return out;
      if (after.token !== ',') throw errors.badRequest(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.token !== 'identifier' && following.token !== '!') throw errors.badRequest(`found '${following.text}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let first = this.take();
    const negated = first.token === '!';
    if (negated) first = this.take();
    if (first.token !== 'identifier') throw parseError(`found '${first.text}', expected: identifier`);
    const key = first.text;
    const keyErrors = isQualifiedName(key);
    // The key is checked with no field path here: Go prints a nil path as <nil>.
    if (keyErrors.length > 0) throw parseError(invalid('<nil>', goQuote(key), keyErrors.join('; ')));
    const lookahead = this.peek().token;
    if (negated || lookahead === 'end' || lookahead === ',') {
      return checked(negated ? 'notExists' : 'exists', key, []);
    }
    const operator = this.take(false);
    switch (operator.token) {
      case 'in':
      case 'notin':
        return checked(operator.token === 'in' ? 'in' : 'notIn', key, this.valueSet());
      case '=':
      case '==':
      case '!=':
      case '>':
      case '<':
        return checked(operatorKinds[operator.token], key, [this.exactValue()]);
      default:
        throw parseError(`found '${operator.text}', expected: ${binaryOperators}`);
    }
  }

  /** `( a, b )`: the values, sorted and without repeats; `()` and empty places are the empty value. */
  private valueSet(): string[] {
    const open = this.take();
    if (open.token !== '(') throw parseError(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.token === ')') {
      this.take();
      return [''];
    }
    if (first.token !== 'identifier' && first.token !== ',') throw parseError(`found '${first.text}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const item = this.take();
      if (item.token === 'identifier') {
        values.add(item.text);
        const next = this.peek();
        if (next.token === ')') break;
        if (next.token !== ',') throw parseError(`found '${next.text}', expected: ',' or ')'`);
      } else if (item.token === ',') {
        if (values.size === 0) values.add('');
        const next = this.peek().token;
        if (next === ')') {
          values.add('');
          break;
        }
        if (next === ',') {
          this.take();
          values.add('');
        }
      } else {
        throw parseError(`found '${item.text}', expected: ',', or identifier`);
      }
    }
    // Go reports the token it looked at before the list when the list is not closed.
    if (this.take().token !== ')') throw parseError(`found '${first.text}', expected: ')'`);
    return [...values].sort();
  }

  /** The one value after = == != > <; none (end or a comma next) is the empty value. */
  private exactValue(): string {
    const next = this.peek().token;
    if (next === 'end' || next === ',') return '';
    const value = this.take();
    if (value.token !== 'identifier') throw parseError(`found '${value.text}', expected: identifier`);
    return value.text;
  }
}

const operatorKinds = { '=': 'equals', '==': 'equals', '!=': 'notEquals', '>': 'greaterThan', '<': 'lessThan' } as const;

const integerRe = /^[+-]?[0-9]+$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64), or undefined where it fails. */
function parseInt64(s: string): bigint | undefined {
  if (!integerRe.test(s)) return undefined;
  const n = BigInt(s);
  return n < int64Min || n > int64Max ? undefined : n;
}

/** The requirement with its values, after the reference's checks of them (all reported together). */
function checked(kind: LabelRequirement['kind'], key: string, values: readonly string[]): LabelRequirement {
  const problems: string[] = [];
  if (kind === 'greaterThan' || kind === 'lessThan') {
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) problems.push(invalid(`values[${i}]`, goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const valueErrors = isValidLabelValue(v);
    if (valueErrors.length > 0) problems.push(invalid(`values[${i}][${key}]`, goQuote(v), valueErrors.join('; ')));
  });
  // Go's aggregate error: one message alone, several (each once) in brackets.
  const distinct = [...new Set(problems)];
  if (distinct.length === 1) throw parseError(distinct[0]!);
  if (distinct.length > 1) throw parseError(`[${distinct.join(', ')}]`);
  switch (kind) {
    case 'exists':
    case 'notExists':
      return { kind, key };
    case 'in':
    case 'notIn':
      return { kind, key, values };
    case 'greaterThan':
    case 'lessThan':
      return { kind, key, value: parseInt64(values[0]!)! };
    default:
      return { kind, key, value: values[0]! };
  }
}

/**
 * Parses a label selector. Throws a BadRequest ApiError with the reference's message on
 * any error. The empty (or blank) string selects everything.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  return { requirements: new Parser(lex(selector)).selector() };
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
      case 'greaterThan':
      case 'lessThan': {
        // A label that is not an integer matches neither.
        const n = has ? parseInt64(v!) : undefined;
        if (n === undefined) return false;
        return r.kind === 'greaterThan' ? n > r.value : n < r.value;
      }
    }
  });
}

/** Renders a matchLabels map as a selector string (for Scale's status.selector and tables). */
export function formatMatchLabels(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
