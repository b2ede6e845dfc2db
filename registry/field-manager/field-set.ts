/**
 * Sets of field paths, as server-side apply records who owns what. A path is
 * a list of path elements, each written as managedFields' FieldsV1 writes it:
 * `f:<field name>`, `k:<JSON of a list item's key fields>`, `v:<JSON of a set
 * item>` or `i:<index>`. A set is a tree: the elements that end a path here
 * (members) and the subsets below an element (children). FieldsV1 is the same
 * tree as JSON, `.` marking a path that is both a member and has children.
 */

/** One element of a field path in FieldsV1's spelling. */
export type PathElement = string;

/** A set of field paths. Built by one owner, then treated as immutable. */
export class FieldSet {
  /** Path elements that end a path in this set. */
  readonly members = new Set<PathElement>();
  /** The subsets of paths that go on below an element. */
  readonly children = new Map<PathElement, FieldSet>();

  /** Whether the set holds no path. */
  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** The subset below element, made on first use (for building). */
  child(element: PathElement): FieldSet {
    let c = this.children.get(element);
    if (c === undefined) {
      c = new FieldSet();
      this.children.set(element, c);
    }
    return c;
  }

  /** Adds a path given as its elements (for building). */
  insert(path: readonly PathElement[]): void {
    const n = path.length;
    if (n === 0) return;
    let parent = this as FieldSet;
    for (let i = 0; i < n - 1; i++) parent = parent.child(path[i]!);
    parent.members.add(path[n - 1]!);
  }

  /** Whether the path is in the set. */
  has(path: readonly PathElement[]): boolean {
    const last = path[path.length - 1];
    if (last === undefined) return false;
    const parent = path.slice(0, -1).reduce<FieldSet | undefined>((s, e) => s?.children.get(e), this);
    return parent !== undefined && parent.members.has(last);
  }

  /** Every path of the set in structured-merge-diff's order: a level's members, then the paths below each child. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const e of sortedElements(s.members)) out.push([...prefix, e]);
      for (const e of sortedElements(s.children.keys())) walk(s.children.get(e)!, [...prefix, e]);
    };
    walk(this, []);
    return out;
  }
}

/** A ∪ b, as a new set. */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of a.members) out.members.add(m);
  for (const m of b.members) out.members.add(m);
  for (const [e, c] of a.children) out.children.set(e, b.children.has(e) ? union(c, b.children.get(e)!) : copy(c));
  for (const [e, c] of b.children) if (!a.children.has(e)) out.children.set(e, copy(c));
  return out;
}

/** A \ b, as a new set (empty subsets left out). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of a.members) if (!b.members.has(m)) out.members.add(m);
  for (const [e, c] of a.children) {
    const other = b.children.get(e);
    const d = other === undefined ? copy(c) : difference(c, other);
    if (!d.isEmpty()) out.children.set(e, d);
  }
  return out;
}

/** A without every path of b and every path below one of b's members (structured-merge-diff's RecursiveDifference). */
export function recursiveDifference(a: FieldSet, b: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of a.members) if (!b.members.has(m)) out.members.add(m);
  for (const [e, c] of a.children) {
    if (b.members.has(e)) continue;
    const other = b.children.get(e);
    const d = other === undefined ? copy(c) : recursiveDifference(c, other);
    if (!d.isEmpty()) out.children.set(e, d);
  }
  return out;
}

/** A ∩ b, as a new set (empty subsets left out). */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of a.members) if (b.members.has(m)) out.members.add(m);
  for (const [e, c] of a.children) {
    const other = b.children.get(e);
    if (other === undefined) continue;
    const i = intersection(c, other);
    if (!i.isEmpty()) out.children.set(e, i);
  }
  return out;
}

function copy(s: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of s.members) out.members.add(m);
  for (const [e, c] of s.children) out.children.set(e, copy(c));
  return out;
}

const kindOrder: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };

/** Elements in structured-merge-diff's order: fields, then keys, then values, then indexes, each sorted. */
function sortedElements(elements: Iterable<PathElement>): PathElement[] {
  return [...elements].sort((a, b) => {
    const ka = kindOrder[a[0]!] ?? 4;
    const kb = kindOrder[b[0]!] ?? 4;
    if (ka !== kb) return ka - kb;
    if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** The FieldsV1 JSON of a set. */
export function toFieldsV1(s: FieldSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const elements = sortedElements(new Set([...s.members, ...s.children.keys()]));
  for (const e of elements) {
    const c = s.children.get(e);
    if (c === undefined || c.isEmpty()) {
      out[e] = {};
      continue;
    }
    const inner = toFieldsV1(c);
    out[e] = s.members.has(e) ? { '.': {}, ...inner } : inner;
  }
  return out;
}

/** The set a FieldsV1 JSON value describes; undefined when it is not one. */
export function fromFieldsV1(json: unknown): FieldSet | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const out = new FieldSet();
  for (const [e, v] of Object.entries(json)) {
    if (e === '.') continue;
    if (!/^[fkvi]:/.test(e)) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const keys = Object.keys(v);
    if (keys.length === 0 || keys.includes('.')) out.members.add(e);
    if (keys.some((k) => k !== '.')) {
      const c = fromFieldsV1(v);
      if (c === undefined) return undefined;
      out.children.set(e, c);
    }
  }
  return out;
}

/** A path as structured-merge-diff prints it in conflicts: `.spec.containers[name="c"].image`. */
export function pathString(path: readonly PathElement[]): string {
  return path
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
