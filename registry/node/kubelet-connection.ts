/**
 * How the API server reaches a node's kubelet, as kube-apiserver's kubelet client finds it:
 * the node's first address of the most preferred type (--kubelet-preferred-address-types) and
 * the port the kubelet reported in status.daemonEndpoints (10250 when it reported none).
 */
import { ApiError } from '../generic/api-error.js';
import { field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';

/** The node address types, most preferred first, that kube-apiserver tries by default. */
export const defaultPreferredAddressTypes: readonly string[] = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

/** The kubelet's port when its node does not say (kube-apiserver's --kubelet-port default). */
export const defaultKubeletPort = 10250;

/** Where a kubelet listens. */
export interface KubeletAddress {
  readonly host: string;
  readonly port: number;
}

/** Reads a node's addresses as {type, address} pairs, skipping malformed entries. */
function addressesOf(node: KubeObject): { type: string; address: string }[] {
  const list = field(node, 'status')?.addresses;
  if (!Array.isArray(list)) return [];
  return list.flatMap((a: unknown) => {
    const entry = a as { type?: unknown; address?: unknown } | null;
    return typeof entry?.type === 'string' && typeof entry.address === 'string' ? [{ type: entry.type, address: entry.address }] : [];
  });
}

/**
 * The address of a node's kubelet. A node without an address of any preferred type is
 * kube-apiserver's 500, listing the addresses it has as Go prints them.
 */
export function kubeletAddress(node: KubeObject, preferredTypes: readonly string[] = defaultPreferredAddressTypes): KubeletAddress {
  const addresses = addressesOf(node);
  for (const type of preferredTypes) {
    const found = addresses.find((a) => a.type === type);
    if (found !== undefined) return { host: found.address, port: kubeletPort(node) };
  }
  const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(' ');
  throw new ApiError(500, '', `no preferred addresses found; known addresses: [${known}]`);
}

function kubeletPort(node: KubeObject): number {
  const endpoint = field(field(field(node, 'status'), 'daemonEndpoints'), 'kubeletEndpoint');
  const port = endpoint?.Port;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultKubeletPort;
}
