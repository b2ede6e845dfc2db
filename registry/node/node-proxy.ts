/**
 * nodes/proxy: a request to a node's kubelet (its own port, through the kubelet client) or to
 * another port on the node (through the proxy), as kube-apiserver resolves it.
 */
import { checkProxyableHost, invalidProxyName, splitSchemeNamePort } from '../generic/proxy-target.js';
import type { GenericStore } from '../generic/generic-store.js';
import type { SubresourceHandler } from '../generic/resource-store.js';
import { joinHostPort, kubeletAddress } from './kubelet-connection.js';

export function nodeProxy(nodes: () => GenericStore, preferredAddressTypes?: readonly string[]): SubresourceHandler {
  return {
    connect: async (_ns, id, request) => {
      const parts = splitSchemeNamePort(id);
      if (parts === undefined) throw invalidProxyName('node', id);
      const kubelet = kubeletAddress(await nodes().get(undefined, parts.name), preferredAddressTypes);
      await checkProxyableHost(kubelet.host);
      const path = request.subpath === '' ? '/' : request.subpath;
      // The kubelet's own port goes through the kubelet client (its TLS and credentials).
      if (parts.port === '' || parts.port === String(kubelet.port)) {
        return { kind: 'kubelet', url: new URL(`https://${joinHostPort(kubelet.host, kubelet.port)}${path}`), upgradeRequired: false, passQuery: true };
      }
      return { kind: 'proxy', url: new URL(`${parts.scheme === '' ? 'http' : parts.scheme}://${joinHostPort(kubelet.host, parts.port)}${path}`), upgradeRequired: false, passQuery: true };
    },
  };
}
