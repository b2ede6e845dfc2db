/**
 * What the proxy subresources (pods/proxy, services/proxy, nodes/proxy) share with
 * kube-apiserver: the name part of their path ("name", "name:port" or "scheme:name:port")
 * and the addresses a proxy may not reach.
 */
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { errors } from './api-error.js';
import { goQuote } from '../../schemas/go-url.js';

/** A proxy path's name split up, as Go's SplitSchemeNamePort; undefined when it is not one. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = [parts[0]!, parts[1]!];
  else if (parts.length === 3) [scheme, name, port] = [parts[0]!, parts[1]!, parts[2]!];
  else return undefined;
  return name !== '' && (scheme === '' || scheme === 'http' || scheme === 'https') ? { scheme, name, port } : undefined;
}

/** The 400 a proxy request gets for a name that does not split ("invalid pod request \"a:b:c:d\""). */
export function invalidProxyName(kind: string, id: string): Error {
  return errors.badRequest(`invalid ${kind} request ${JSON.stringify(id)}`);
}

/** Go's net.JoinHostPort: an IPv6 address in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}

/**
 * The URL a proxy request goes to: scheme (http when empty), host, port (none when empty) and
 * the path after the subresource. A port that is not a port number is refused: pasted into
 * the URL it could name another host (p:80@169.254.169.254).
 */
export function proxyUrl(scheme: string, host: string, port: string, subpath: string): URL {
  if (port !== '' && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) throw errors.badRequest(`invalid port ${goQuote(port)}`);
  const authority = port === '' ? (host.includes(':') ? `[${host}]` : host) : joinHostPort(host, port);
  const url = new URL(`${scheme === '' ? 'http' : scheme}://${authority}/`);
  url.pathname = subpath === '' ? '/' : subpath;
  return url;
}

/** The 400 of an address a proxy may not reach. */
const notAllowed = (): Error => errors.badRequest('address not allowed');

/**
 * The addresses that are not global unicast in Go's sense (IP.IsGlobalUnicast): unspecified,
 * loopback, link-local, multicast, and the IPv4 broadcast address. IPv4-mapped IPv6 addresses
 * are checked against the IPv4 rules.
 */
const notGlobalUnicast = new BlockList();
notGlobalUnicast.addAddress('0.0.0.0');
notGlobalUnicast.addAddress('255.255.255.255');
notGlobalUnicast.addSubnet('127.0.0.0', 8);
notGlobalUnicast.addSubnet('169.254.0.0', 16);
notGlobalUnicast.addSubnet('224.0.0.0', 4);
notGlobalUnicast.addAddress('::', 'ipv6');
notGlobalUnicast.addAddress('::1', 'ipv6');
notGlobalUnicast.addSubnet('fe80::', 10, 'ipv6');
notGlobalUnicast.addSubnet('ff00::', 8, 'ipv6');

/** Whether a proxy may reach ip: an IP address that is global unicast. */
export function isProxyableIp(ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && !notGlobalUnicast.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses an IP address a proxy may not reach (kube-apiserver's 400 "address not allowed"). */
export function checkProxyableIp(ip: string): void {
  if (!isProxyableIp(ip)) throw notAllowed();
}

/** Refuses a host name (or address) any of whose addresses a proxy may not reach. */
export async function checkProxyableHost(host: string): Promise<void> {
  if (isIP(host) !== 0) return checkProxyableIp(host);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch (e) {
    throw errors.badRequest(`lookup ${host}: ${(e as Error).message}`);
  }
  if (addresses.length === 0) throw errors.badRequest('No addresses for hostname');
  for (const a of addresses) checkProxyableIp(a.address);
}
