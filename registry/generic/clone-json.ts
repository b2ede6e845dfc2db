/**
 * A deep copy of a JSON value (objects, arrays, strings, numbers, booleans, null),
 * made without recursion: a request body may nest as deep as Go's decoder allows
 * (10,000 levels), far deeper than structuredClone's recursion survives. Request
 * objects are copied with it before decoding prunes what Kubernetes would not keep.
 */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  const root: unknown = Array.isArray(value) ? new Array<unknown>(value.length) : {};
  const pending: Array<[source: object, target: Record<string, unknown> | unknown[]]> = [[value, root as Record<string, unknown>]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [source, target] = next;
    for (const [k, v] of Object.entries(source)) {
      let copy: unknown = v;
      if (v !== null && typeof v === 'object') {
        copy = Array.isArray(v) ? new Array<unknown>(v.length) : {};
        pending.push([v as object, copy as Record<string, unknown>]);
      }
      if (Array.isArray(target)) target[Number(k)] = copy;
      else target[k] = copy;
    }
  }
  return root as T;
}
