/**
 * nodes/proxy: a request to a node's kubelet (its own port, through the kubelet client) or to
 * another port on the node (through the proxy), as kube-apiserver resolves it.
 */
import { checkProxyableHost, invalidProxyName, proxyUrl, splitSchemeNamePort } from '../generic/proxy-target.js';
import type { GenericStore } from '../generic/generic-store.js';
import type { SubresourceHandler } from '../generic/resource-store.js';
import { kubeletAddress } from './kubelet-connection.js';

export function nodeProxy(nodes: () => GenericStore, preferredAddressTypes?: readonly string[]): SubresourceHandler {
  return {
    connect: async (_ns, id, request) => {
      const parts = splitSchemeNamePort(id);
      if (parts === undefined) throw invalidProxyName('node', id);
      const kubelet = kubeletAddress(await nodes().get(undefined, parts.name), preferredAddressTypes);
      await checkProxyableHost(kubelet.host);
      // The kubelet's own port goes through the kubelet client (its TLS and credentials).
      if (parts.port === '' || parts.port === String(kubelet.port)) {
        return { kind: 'kubelet', url: proxyUrl('https', kubelet.host, String(kubelet.port), request.subpath), upgradeRequired: false, passQuery: true };
      }
      return { kind: 'proxy', url: proxyUrl(parts.scheme, kubelet.host, parts.port, request.subpath), upgradeRequired: false, passQuery: true };
    },
  };
}
