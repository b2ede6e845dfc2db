/**
 * The first syntax error Go's encoding/json reports for a JSON text, worded
 * as Go words it (`invalid character 'x' looking for beginning of value`,
 * `unexpected end of JSON input`), so that a malformed request body gets the
 * same 400 message from Kite as from kube-apiserver. A small scanner over the
 * text, with Go's states and its nesting limit of 10,000.
 */

/** Go's nesting limit for JSON values. */
export const maxJsonDepth = 10_000;

/** Go's quoteChar: 'x', '\'', '"', or a quoted escape for control characters. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20) {
    const escaped = JSON.stringify(c).slice(1, -1).replace(/\\u00([0-9a-f]{2})/i, '\\x$1');
    return `'${escaped}'`;
  }
  // Go's strconv.Quote: DEL as \x7f, the C1 controls and the soft hyphen (not printable) as \u00XX.
  if (code === 0x7f) return "'\\x7f'";
  if ((code >= 0x80 && code <= 0x9f) || code === 0xad) return `'\\u${code.toString(16).padStart(4, '0')}'`;
  return `'${c}'`;
}

class SyntaxFailure extends Error {}

const fail = (c: string, context: string): never => {
  throw new SyntaxFailure(`invalid character ${quoteChar(c)} ${context}`);
};

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private next(): string {
    const c = this.s[this.i];
    if (c === undefined) throw new SyntaxFailure('unexpected end of JSON input');
    this.i++;
    return c;
  }

  private skipSpace(): void {
    while (this.i < this.s.length && isSpace(this.s[this.i]!)) this.i++;
  }

  run(): void {
    this.skipSpace();
    this.value();
    this.skipSpace();
    const c = this.peek();
    if (c !== undefined) fail(c, 'after top-level value');
  }

  /**
   * One value, containers included. Iterative, with the open containers on a stack of
   * their own, so that nesting as deep as Go allows (and deeper, to report it) cannot
   * exhaust the call stack.
   */
  private value(): void {
    const open: Array<'{' | '['> = [];
    for (;;) {
      this.skipSpace();
      const c = this.next();
      if (c === '{' || c === '[') {
        if (open.length + 1 > maxJsonDepth) fail(c, 'exceeded max depth');
        this.skipSpace();
        if (this.peek() === (c === '{' ? '}' : ']')) {
          this.i++;
        } else {
          open.push(c);
          if (c === '{') this.objectKey();
          continue;
        }
      } else if (c === '"') this.string();
      else if (c === '-' || isDigit(c)) this.number(c);
      else if (c === 't') this.literal('rue', 'true');
      else if (c === 'f') this.literal('alse', 'false');
      else if (c === 'n') this.literal('ull', 'null');
      else fail(c, 'looking for beginning of value');
      // A value ended: close the containers it ends, up to the next element or member.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return;
        this.skipSpace();
        const sep = this.next();
        if (sep === (top === '{' ? '}' : ']')) {
          open.pop();
          continue;
        }
        if (sep !== ',') fail(sep, top === '{' ? 'after object key:value pair' : 'after array element');
        if (top === '{') this.objectKey();
        break;
      }
    }
  }

  /** An object member's key and its colon. */
  private objectKey(): void {
    this.skipSpace();
    const k = this.next();
    if (k !== '"') fail(k, 'looking for beginning of object key string');
    this.string();
    this.skipSpace();
    const colon = this.next();
    if (colon !== ':') fail(colon, 'after object key');
  }

  private string(): void {
    for (;;) {
      const c = this.next();
      if (c === '"') return;
      if (c === '\\') {
        const e = this.next();
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            const h = this.next();
            if (!/[0-9a-fA-F]/.test(h)) fail(h, 'in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) fail(e, 'in string escape code');
      } else if (c < ' ') fail(c, 'in string literal');
    }
  }

  private number(first: string): void {
    let c: string | undefined = first;
    if (c === '-') {
      c = this.next();
      if (!isDigit(c)) fail(c, 'in numeric literal');
    }
    if (c !== '0') while (isDigit(this.peek())) this.i++;
    if (this.peek() === '.') {
      this.i++;
      const d = this.next();
      if (!isDigit(d)) fail(d, 'after decimal point in numeric literal');
      while (isDigit(this.peek())) this.i++;
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.i++;
      let d = this.next();
      if (d === '+' || d === '-') d = this.next();
      if (!isDigit(d)) fail(d, 'in exponent of numeric literal');
      while (isDigit(this.peek())) this.i++;
    }
  }

  private literal(rest: string, word: string): void {
    for (const want of rest) {
      const c = this.next();
      if (c !== want) fail(c, `in literal ${word} (expecting ${quoteChar(want)})`);
    }
  }
}

/** Go's syntax error for text, or undefined when it is valid JSON within Go's limits. */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    new Scanner(text).run();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

/** What kube-apiserver shows of a body it cannot decode: up to 30 bytes, as text when it starts with {, else as hex. */
export function summarizeBody(bytes: Buffer): string {
  const max = 30;
  if (bytes.length === 0) return '<empty>';
  if (bytes[0] === 0x7b) return bytes.length > max ? `${bytes.subarray(0, max).toString('utf8')} ...` : bytes.toString('utf8');
  return bytes.length > max ? `${bytes.subarray(0, max).toString('hex')} ...` : bytes.toString('hex');
}

/** Go's message for a top-level JSON value that is not an object, when reading apiVersion and kind. */
export function goTypeMetaError(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
  const kind = Array.isArray(value) ? 'array' : value === null ? undefined : typeof value === 'boolean' ? 'bool' : typeof value;
  if (kind === undefined) return undefined;
  return `json: cannot unmarshal ${kind} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
}
