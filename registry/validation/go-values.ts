/** Go's %#v of a []string, as kube-apiserver prints one in errors: []string{"a", "b"}; what is not a list prints as an empty one. */
export function goStringSlice(v: unknown): string {
  return `[]string{${(Array.isArray(v) ? v : []).map((x) => JSON.stringify(String(x))).join(', ')}}`;
}
