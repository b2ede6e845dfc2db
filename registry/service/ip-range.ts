/** An IPv4 CIDR as a range of addresses: parsing, offsets, and back. */
import { isIPv4 } from '../validation/names.js';

export interface Ipv4Range {
  readonly cidr: string;
  /** The network address as a number. */
  readonly base: number;
  /** Addresses in the range. */
  readonly size: number;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

export function numberToIp(n: number): string {
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
}

/** Parses 10.96.0.0/12; throws on anything else. */
export function parseIpv4Cidr(cidr: string): Ipv4Range {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (ip === undefined || !isIPv4(ip) || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`invalid service IP range ${JSON.stringify(cidr)}: want an IPv4 CIDR with a prefix of 8 to 30 bits`);
  const size = 2 ** (32 - prefix);
  const base = ipToNumber(ip) - (ipToNumber(ip) % size);
  return { cidr: `${numberToIp(base)}/${prefix}`, base, size };
}

/** The offset of ip in the range, or undefined when outside. */
export function offsetOf(range: Ipv4Range, ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  const off = ipToNumber(ip) - range.base;
  return off >= 0 && off < range.size ? off : undefined;
}
