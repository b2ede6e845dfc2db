/**
 * A field and its plural kept in step as kube-apiserver's conversion keeps them (a pod's
 * podIP and podIPs, a node's podCIDR and podCIDRs, a Service's clusterIP and clusterIPs): a
 * singular value without the plural, or unlike the plural's first entry, becomes the plural
 * (the singular is authoritative, for older clients); with `both`, a plural without the
 * singular gives the singular its first. `entry` makes a plural entry of a value and `read`
 * reads one back (plain strings when absent).
 */
export function keepInStep(
  holder: unknown,
  single: string,
  plural: string,
  options: { readonly entry?: (value: string) => unknown; readonly read?: (entry: unknown) => unknown; readonly both?: boolean } = {},
): void {
  if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) return;
  const h = holder as Record<string, unknown>;
  const list = h[plural];
  const first = Array.isArray(list) && list.length > 0 ? (options.read ?? ((e: unknown) => e))(list[0]) : undefined;
  const value = h[single];
  if (typeof value === 'string' && value !== '') {
    if (first !== value) h[plural] = [(options.entry ?? ((v: string) => v))(value)];
  } else if (options.both !== false && typeof first === 'string') {
    h[single] = first;
  }
}
