import { isIPv4, isIPv6 } from './names.js';

/** A parsed CIDR: its network address bits (masked), prefix length and address width. */
export interface Cidr {
  readonly network: bigint;
  readonly prefix: number;
  /** 32 for IPv4, 128 for IPv6. */
  readonly width: number;
}

function ipv4Bits(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(ip: string): bigint {
  const [head = '', tail] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? [((Number(ipv4Bits(g)) >>> 16) & 0xffff).toString(16), (Number(ipv4Bits(g)) & 0xffff).toString(16)] : [g])));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Go's net.ParseCIDR: an IPv4 or IPv6 address, a slash, a prefix length within its width; undefined otherwise. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const [, ip = '', len = ''] = m;
  const prefix = Number(len);
  const width = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : 0;
  if (width === 0 || prefix > width || (len.length > 1 && len.startsWith('0'))) return undefined;
  const bits = width === 32 ? ipv4Bits(ip) : ipv6Bits(ip);
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return { network: bits & mask, prefix, width };
}

/** Whether inner lies within outer and is smaller (a strict subset). */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.width !== outer.width || inner.prefix <= outer.prefix) return false;
  const mask = ((1n << BigInt(outer.prefix)) - 1n) << BigInt(outer.width - outer.prefix);
  return (inner.network & mask) === outer.network;
}
