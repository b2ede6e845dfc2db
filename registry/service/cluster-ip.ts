import { createHash } from 'node:crypto';

/** Kubernetes' default service range. */
export const serviceCidr = '10.96.0.0/12';

/**
 * A deterministic cluster IP in 10.96.0.0/12 for namespace/name: a hash picks
 * the host part, skipping the network address and 10.96.0.1 (the kubernetes
 * service). Stored in the object, so it never changes once set.
 */
export function allocateClusterIp(namespace: string, name: string): string {
  const h = createHash('sha256').update(`${namespace}/${name}`).digest().readUInt32BE(0);
  const host = 2 + (h % ((1 << 20) - 3));
  const n = (10 << 24) + (96 << 16) + host;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
