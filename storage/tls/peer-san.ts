// etcd's check of a connecting peer's certificate against the address it connects from.
// etcd 3.4 runs it on every https peer listener after the TLS handshake: a certificate with no
// IP or DNS subject alternative names passes; otherwise the remote IP must be one of its IP
// SANs, and when it also names DNS hosts, one of those must resolve to the remote IP. (etcd
// consults the DNS names even when an IP SAN matched; Kite does the same, so a certificate
// etcd refuses is refused here too.)

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';

/** Resolves a host name to its addresses (node:dns by default; tests pass their own). */
export type HostResolver = (host: string) => Promise<readonly string[]>;

const systemResolver: HostResolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** An IP address in one spelling: IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower case. */
export function canonicalIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1]!;
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}

/** The DNS names and IP addresses of a certificate's subjectAltName, as Node prints it. */
export function subjectAltNames(cert: PeerCertificate): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const entry of (cert.subjectaltname ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) dns.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ips.push(canonicalIp(entry.slice(11)));
  }
  return { dns, ips };
}

/**
 * Why a peer presenting cert from remoteAddress is refused, in the words of the Go errors etcd
 * logs; undefined when it may connect.
 */
export async function peerSanRefusal(cert: PeerCertificate, remoteAddress: string, resolve: HostResolver = systemResolver): Promise<string | undefined> {
  const { dns, ips } = subjectAltNames(cert);
  if (dns.length === 0 && ips.length === 0) return undefined;
  const remote = canonicalIp(remoteAddress);
  if (ips.length > 0 && !ips.includes(remote) && dns.length === 0) {
    return `x509: certificate is valid for ${ips.join(', ')}, not ${remote}`;
  }
  if (dns.length === 0) return undefined;
  for (const name of dns) {
    let addresses: readonly string[];
    try {
      addresses = await resolve(name);
    } catch {
      continue; // a name that does not resolve matches nothing
    }
    if (addresses.some((a) => canonicalIp(a) === remote)) return undefined;
  }
  return `tls: ${JSON.stringify(remote)} does not match any of DNSNames [${dns.map((d) => JSON.stringify(d)).join(' ')}]`;
}
