import type { Quantity } from '../../schemas/quantity.js';

/** Go's %#v of a []string, as kube-apiserver prints one in errors: []string{"a", "b"}; what is not a list prints as an empty one. */
export function goStringSlice(v: unknown): string {
  return `[]string{${(Array.isArray(v) ? v : []).map((x) => JSON.stringify(String(x))).join(', ')}}`;
}

const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Compact JSON with every object's keys in sorted order, as Go writes a map (FieldsV1 keys are written so). */
export function sortedJson(v: unknown): string {
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`)
      .join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  return JSON.stringify(v);
}

/** JSON as Go's encoding/json writes a map: keys sorted, <, > and & escaped (no newline). */
export function goJson(v: unknown): string {
  return sortedJson(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Go's %#v of a RawExtension's value as kube-apiserver prints it in errors: a runtime.Unknown holding the JSON's bytes. */
export function goRawExtension(v: unknown): string {
  const bytes = [...Buffer.from(goJson(v))].map((b) => `0x${b.toString(16)}`).join(', ');
  return `runtime.Unknown{TypeMeta:runtime.TypeMeta{APIVersion:"", Kind:""}, Raw:[]uint8{${bytes}}, ContentEncoding:"", ContentType:"application/json"}`;
}

/** Go's %#v of a resource.Quantity as kube-apiserver holds it: an int64 amount, or an inf.Dec (whose address Go prints), the text kept and the format. */
export function goQuantity(q: Quantity): string {
  const amount = q.decimal ? 'value:0, scale:0' : `value:${q.mantissa}, scale:${q.exponent}`;
  const dec = q.decimal ? '(*inf.Dec)(0xc000000000)' : '(*inf.Dec)(nil)';
  return `resource.Quantity{i:resource.int64Amount{${amount}}, d:resource.infDecAmount{Dec:${dec}}, s:${JSON.stringify(q.text ?? '')}, Format:${JSON.stringify(q.format)}}`;
}
