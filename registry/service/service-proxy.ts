/**
 * services/proxy: a request to one of a service's endpoints, as kube-apiserver picks it: the
 * service port by name (or by number, named through the service), then an address of the
 * Endpoints with that port whose pod has that IP.
 */
import { ApiError, errors } from '../generic/api-error.js';
import { arrayOf, field } from '../generic/base-strategy.js';
import type { GenericStore } from '../generic/generic-store.js';
import { invalidProxyName, proxyUrl, splitSchemeNamePort } from '../generic/proxy-target.js';
import type { SubresourceHandler } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';

export interface ServiceProxyStores {
  readonly services: () => GenericStore;
  readonly endpoints: () => GenericStore;
  readonly pods: () => GenericStore;
}

/** Whether an endpoint address belongs to a pod of the namespace that has its IP (kube-apiserver skips the others). */
async function isValidAddress(stores: ServiceProxyStores, namespace: string | undefined, address: Record<string, unknown>): Promise<boolean> {
  const ref = field(address, 'targetRef');
  if (ref === undefined || ref.namespace !== namespace || typeof ref.name !== 'string') return false;
  let pod: KubeObject;
  try {
    pod = await stores.pods().get(namespace, ref.name);
  } catch {
    // An address whose pod cannot be read is skipped, as kube-apiserver skips it.
    return false;
  }
  return arrayOf(field(pod, 'status')?.podIPs).some((p) => p.ip === address.ip);
}

/** A random start for the search, as kube-apiserver spreads requests over subsets and addresses. */
const randomStart = (n: number): number => Math.floor(Math.random() * n);

export function serviceProxy(stores: ServiceProxyStores): SubresourceHandler {
  return {
    connect: async (ns, id, request) => {
      const parts = splitSchemeNamePort(id);
      if (parts === undefined) throw invalidProxyName('service', id);
      let portName = parts.port;
      if (/^[+-]?[0-9]+$/.test(portName)) {
        const service = await stores.services().get(ns, parts.name);
        const port = arrayOf(field(service, 'spec')?.ports).find((p) => p.port === Number(portName));
        if (port === undefined) throw errors.unavailable(`no service port ${Number(portName)} found for service ${JSON.stringify(parts.name)}`);
        portName = String(port.name ?? '');
      }
      let endpoints: KubeObject;
      try {
        endpoints = await stores.endpoints().get(ns, parts.name);
      } catch (e) {
        // kube-apiserver words a service without Endpoints as the service not found.
        if (e instanceof ApiError && e.code === 404) throw errors.notFound({ resource: 'services', group: '' }, parts.name);
        throw e;
      }
      const subsets = arrayOf(endpoints['subsets']);
      if (subsets.length === 0) throw errors.unavailable(`no endpoints available for service ${JSON.stringify(parts.name)}`);
      const first = randomStart(subsets.length);
      for (let i = 0; i < subsets.length; i++) {
        const subset = subsets[(first + i) % subsets.length]!;
        const addresses = arrayOf(subset.addresses);
        const port = arrayOf(subset.ports).find((p) => (p.name ?? '') === portName);
        if (addresses.length === 0 || port === undefined) continue;
        const start = randomStart(addresses.length);
        for (let j = 0; j < addresses.length; j++) {
          const address = addresses[(start + j) % addresses.length]!;
          if (!(await isValidAddress(stores, ns, address))) continue;
          return { kind: 'proxy', url: proxyUrl(parts.scheme, String(address.ip), String(port.port), request.subpath), upgradeRequired: false, passQuery: true };
        }
      }
      throw errors.unavailable(`no endpoints available for service ${JSON.stringify(id)}`);
    },
  };
}
