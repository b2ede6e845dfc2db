/**
 * The simple JSONPaths CRDs use for printer columns and the scale
 * subresource: `.spec.replicas`, `.spec.tags[0]`, `.metadata.labels['app']`,
 * `.spec.items[*].name` (the first match is taken, as kube-apiserver's
 * printer does).
 */

type Segment = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'all' };

/** Parses a simple JSONPath; undefined when it is not one. */
export function parseJsonPath(path: string): Segment[] | undefined {
  const p = path.startsWith('{') && path.endsWith('}') ? path.slice(1, -1) : path;
  if (!p.startsWith('.')) return undefined;
  const out: Segment[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([^.[\]]+)/.exec(p.slice(i));
      if (m === null) return undefined;
      out.push({ kind: 'field', name: m[1]! });
      i += m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[(\d+|\*|'[^']*'|"[^"]*")\]/.exec(p.slice(i));
      if (m === null) return undefined;
      const inner = m[1]!;
      if (inner === '*') out.push({ kind: 'all' });
      else if (/^\d+$/.test(inner)) out.push({ kind: 'index', index: Number(inner) });
      else out.push({ kind: 'field', name: inner.slice(1, -1) });
      i += m[0].length;
    } else return undefined;
  }
  return out;
}

/** The first value path names in obj, or undefined. */
export function evaluateJsonPath(obj: unknown, path: string): unknown {
  const segments = parseJsonPath(path);
  if (segments === undefined) return undefined;
  let current: unknown[] = [obj];
  for (const s of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if (s.kind === 'field' && typeof v === 'object' && v !== null && !Array.isArray(v) && s.name in v) next.push((v as Record<string, unknown>)[s.name]);
      else if (s.kind === 'index' && Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      else if (s.kind === 'all' && Array.isArray(v)) next.push(...(v as unknown[]));
    }
    current = next;
  }
  return current[0];
}

/** Sets the value at a `.a.b.c` path, creating objects on the way. */
export function setJsonPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const segments = parseJsonPath(path);
  if (segments === undefined || segments.length === 0 || segments.some((s) => s.kind !== 'field')) return;
  let at = obj;
  for (const s of segments.slice(0, -1)) {
    const name = (s as { name: string }).name;
    const v = at[name];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) at[name] = {};
    at = at[name] as Record<string, unknown>;
  }
  at[(segments.at(-1) as { name: string }).name] = value;
}
