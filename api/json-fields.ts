/**
 * What JSON.parse forgets about a request body and Go's strict decoder reports:
 * object keys given twice. Paths are named as the decoder names them
 * (`metadata.labels.a`, `spec.containers[0].image`), in document order, with the
 * offset of each occurrence so that they interleave with unknown fields as
 * kube-apiserver lists them. The text is assumed to be valid JSON (it parsed).
 */

/** A key given again in the same object. */
export interface DuplicateField {
  readonly path: string;
  /** Where the repeated key starts in the text. */
  readonly offset: number;
}

/** One open object or array while walking the text. */
interface Frame {
  readonly path: string;
  readonly isArray: boolean;
  /** Keys seen so far (objects). */
  readonly keys: Set<string>;
  /** The next element's index (arrays). */
  index: number;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** The end (index after the closing quote) of the string starting at text[start] === '"'. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    i += c === BACKSLASH ? 2 : 1;
  }
}

const childPath = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

/**
 * Calls onKey for every object key, in document order, with its path, its offset and
 * whether the same object had it already. Iterative: any depth.
 */
function walkKeys(text: string, onKey: (path: string, offset: number, repeated: boolean) => void): void {
  const stack: Frame[] = [];
  // The path the next value will have (set by a key or an array slot).
  let valuePath = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' || c === '[') {
      stack.push({ path: valuePath, isArray: c === '[', keys: new Set(), index: 0 });
      if (c === '[') valuePath = `${valuePath}[0]`;
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.isArray === true) valuePath = `${top.path}[${++top.index}]`;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      // A string is a key when it is in an object and a colon follows it.
      let j = end;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r')) j++;
      if (top !== undefined && !top.isArray && text[j] === ':') {
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        valuePath = childPath(top.path, key);
        const repeated = top.keys.has(key);
        top.keys.add(key);
        onKey(valuePath, i, repeated);
        i = j;
      } else {
        i = end - 1;
      }
    }
  }
}

/** Keys given twice in one object, in document order. */
export function duplicateFields(text: string): DuplicateField[] {
  const out: DuplicateField[] = [];
  walkKeys(text, (path, offset, repeated) => {
    if (repeated) out.push({ path, offset });
  });
  return out;
}

/** Where each of paths first occurs as a key in text (absent when it does not). */
export function firstKeyOffsets(text: string, paths: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  walkKeys(text, (path, offset) => {
    if (paths.has(path) && !out.has(path)) out.set(path, offset);
  });
  return out;
}
