/** Go's %#v of a []string, as kube-apiserver prints one in errors: []string{"a", "b"}; what is not a list prints as an empty one. */
export function goStringSlice(v: unknown): string {
  return `[]string{${(Array.isArray(v) ? v : []).map((x) => JSON.stringify(String(x))).join(', ')}}`;
}

const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** JSON as Go's encoder writes a map: keys sorted, <, > and & escaped (no newline). */
export function goJson(v: unknown): string {
  const text = (x: unknown): string => {
    if (isMap(x)) {
      return `{${Object.keys(x)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${text(x[k])}`)
        .join(',')}}`;
    }
    if (Array.isArray(x)) return `[${x.map(text).join(',')}]`;
    return JSON.stringify(x);
  };
  return text(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Go's %#v of a RawExtension's value as kube-apiserver prints it in errors: a runtime.Unknown holding the JSON's bytes. */
export function goRawExtension(v: unknown): string {
  const bytes = [...Buffer.from(goJson(v))].map((b) => `0x${b.toString(16)}`).join(', ');
  return `runtime.Unknown{TypeMeta:runtime.TypeMeta{APIVersion:"", Kind:""}, Raw:[]uint8{${bytes}}, ContentEncoding:"", ContentType:"application/json"}`;
}
