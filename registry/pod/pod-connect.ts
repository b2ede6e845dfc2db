/**
 * The pod subresources another server answers: log, exec, attach and portforward go to the
 * pod's kubelet, proxy goes to the pod itself. Each resolves where the request goes as
 * kube-apiserver does (the options from the query, the pod, its container, its node and
 * the node's kubelet address), with kube-apiserver's errors at each step; the API server
 * forwards the request.
 */
import { isIP } from 'node:net';
import { ApiError, errors } from '../generic/api-error.js';
import { arrayOf, field } from '../generic/base-strategy.js';
import type { GenericStore } from '../generic/generic-store.js';
import { checkProxyableIp, invalidProxyName, joinHostPort, proxyUrl, splitSchemeNamePort } from '../generic/proxy-target.js';
import type { ConnectRequest, ConnectTarget, SubresourceHandler } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import { kubeletAddress } from '../node/kubelet-connection.js';
import { goParseInt64, goQuote } from '../../schemas/go-url.js';

/** How the pod subresources reach kubelets. */
export interface PodConnectOptions {
  readonly pods: () => GenericStore;
  readonly nodes: () => GenericStore;
  /** --kubelet-preferred-address-types. */
  readonly preferredAddressTypes?: readonly string[];
}

type Query = ConnectRequest['query'];

/** A query flag as Go's parameter codec reads a bool: absent, "0", "f" or "false" is false. */
function flag(query: Query, name: string): boolean {
  const v = query[name]?.[0];
  return v !== undefined && v !== '0' && v.toLowerCase() !== 'f' && v.toLowerCase() !== 'false';
}

/** A query integer as Go's parameter codec reads an *int64: undefined when absent, 400 when it does not parse. */
function int64(query: Query, name: string): bigint | undefined {
  const v = query[name]?.[0];
  if (v === undefined || v === '') return undefined;
  const n = goParseInt64(v);
  if (n instanceof Error) throw errors.badRequest(n.message);
  return n;
}

/** portforward's ports, each value a comma-separated list of 16-bit numbers, as Go's parameter codec reads []int32. */
function ports(query: Query): number[] {
  return (query['ports'] ?? []).flatMap((v) =>
    v.split(',').map((p) => {
      if (!/^[0-9]+$/.test(p)) throw errors.badRequest(`cannot convert to []int32: strconv.ParseUint: parsing ${goQuote(p)}: invalid syntax`);
      if (Number(p) > 0xffff) throw errors.badRequest(`cannot convert to []int32: strconv.ParseUint: parsing ${goQuote(p)}: value out of range`);
      return Number(p);
    }),
  );
}

/** The names of a pod's containers: init containers, containers, ephemeral containers. */
function containerNames(pod: KubeObject): string[] {
  const spec = field(pod, 'spec');
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((list) => arrayOf(spec?.[list]).map((c) => String(c.name ?? '')));
}

/** The container a request means: the one it names, which must exist, or the pod's only one. */
function containerOf(pod: KubeObject, name: string, requested: string | undefined): string {
  const all = containerNames(pod);
  if (requested !== undefined && requested !== '') {
    if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const containers = arrayOf(field(pod, 'spec')?.containers);
  if (containers.length === 1) return String(containers[0]!.name ?? '');
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
}

/** The options of a pods/log request, checked as kube-apiserver checks PodLogOptions. */
function logParams(query: Query, name: string): URLSearchParams {
  const tailLines = int64(query, 'tailLines');
  const limitBytes = int64(query, 'limitBytes');
  const sinceSeconds = int64(query, 'sinceSeconds');
  const sinceTime = query['sinceTime']?.[0];
  let since: Date | undefined;
  if (sinceTime !== undefined) {
    since = new Date(sinceTime);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(sinceTime) || Number.isNaN(since.getTime())) {
      throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
    }
  }
  const causes = [];
  if (tailLines !== undefined && tailLines < 0n) causes.push({ reason: 'FieldValueInvalid', field: 'tailLines', message: `Invalid value: ${tailLines}: must be greater than or equal to 0` });
  if (limitBytes !== undefined && limitBytes < 1n) causes.push({ reason: 'FieldValueInvalid', field: 'limitBytes', message: `Invalid value: ${limitBytes}: must be greater than 0` });
  if (sinceSeconds !== undefined && since !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', field: '[]', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (sinceSeconds !== undefined && sinceSeconds < 1n) {
    causes.push({ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${sinceSeconds}: must be greater than 0` });
  }
  if (causes.length > 0) throw errors.invalid({ resource: 'pods', group: '' }, 'PodLogOptions', name, causes);
  // In the order Go's url.Values encodes them: by key.
  const params = new URLSearchParams();
  if (flag(query, 'follow')) params.append('follow', 'true');
  if (limitBytes !== undefined) params.append('limitBytes', String(limitBytes));
  if (flag(query, 'previous')) params.append('previous', 'true');
  if (sinceSeconds !== undefined) params.append('sinceSeconds', String(sinceSeconds));
  if (since !== undefined) params.append('sinceTime', since.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (tailLines !== undefined) params.append('tailLines', String(tailLines));
  if (flag(query, 'timestamps')) params.append('timestamps', 'true');
  return params;
}

/** exec's and attach's streams as the kubelet takes them (input, output, error, tty), after exec's commands. */
function streamParams(query: Query, commands: readonly string[]): URLSearchParams {
  const params = new URLSearchParams();
  for (const c of commands) params.append('command', c);
  if (flag(query, 'stderr')) params.append('error', '1');
  if (flag(query, 'stdin')) params.append('input', '1');
  if (flag(query, 'stdout')) params.append('output', '1');
  if (flag(query, 'tty')) params.append('tty', '1');
  return params;
}

function withQuery(path: string, params: URLSearchParams): string {
  const q = params.toString();
  return q === '' ? path : `${path}?${q}`;
}

/** The pod subresources that connect elsewhere. */
export function podConnectSubresources(o: PodConnectOptions): Record<string, SubresourceHandler> {
  /** The kubelet URL of path on the pod's node; undefined when the pod has no node yet. */
  const onKubelet = async (pod: KubeObject, path: string): Promise<URL | undefined> => {
    const nodeName = field(pod, 'spec')?.nodeName;
    if (typeof nodeName !== 'string' || nodeName === '') return undefined;
    let node: KubeObject;
    try {
      node = await o.nodes().get(undefined, nodeName);
    } catch (e) {
      // kube-apiserver's kubelet client names the missing node as a pod.
      if (e instanceof ApiError && e.code === 404) throw errors.notFound({ resource: 'pods', group: '' }, nodeName);
      throw e;
    }
    const kubelet = kubeletAddress(node, o.preferredAddressTypes);
    const url = new URL(`https://${joinHostPort(kubelet.host, kubelet.port)}${path}`);
    // A node address that is not a host name or IP (it holds '@', '/' or '?') would name another host.
    if (isIP(kubelet.host) !== 6 && url.hostname !== kubelet.host.toLowerCase()) throw new ApiError(500, '', `invalid kubelet address ${JSON.stringify(kubelet.host)} of node ${JSON.stringify(nodeName)}`);
    return url;
  };
  const noHost = (name: string): Error => errors.badRequest(`pod ${name} does not have a host assigned`);
  /** exec and attach: a container's streams through the kubelet, by an upgraded connection only. */
  const stream = (kind: 'exec' | 'attach'): SubresourceHandler => ({
    connect: async (ns, name, request) => {
      const commands = kind === 'exec' ? (request.query['command'] ?? []) : [];
      const pod = await o.pods().get(ns, name);
      const container = containerOf(pod, name, request.query['container']?.[0]);
      const url = await onKubelet(pod, withQuery(`/${kind}/${ns ?? ''}/${name}/${container}`, streamParams(request.query, commands)));
      if (url === undefined) throw noHost(name);
      return { kind: 'kubelet', url, upgradeRequired: true };
    },
  });
  return {
    exec: stream('exec'),
    attach: stream('attach'),
    portforward: {
      connect: async (ns, name, request) => {
        // The ports go on as one comma-separated value, as kube-apiserver sends them.
        const given = ports(request.query);
        const params = new URLSearchParams(given.length === 0 ? [] : [['port', given.join(',')]]);
        const pod = await o.pods().get(ns, name);
        const url = await onKubelet(pod, withQuery(`/portForward/${ns ?? ''}/${name}`, params));
        if (url === undefined) throw noHost(name);
        return { kind: 'kubelet', url, upgradeRequired: true };
      },
    },
    log: {
      connect: async (ns, name, request): Promise<ConnectTarget> => {
        const params = logParams(request.query, name);
        const pod = await o.pods().get(ns, name);
        const container = containerOf(pod, name, request.query['container']?.[0]);
        const url = await onKubelet(pod, withQuery(`/containerLogs/${ns ?? ''}/${name}/${container}`, params));
        // Without a node nothing ran: no log, 204 No Content, as kube-apiserver answers.
        if (url === undefined) return { kind: 'none' };
        return { kind: 'kubelet', url, upgradeRequired: false, contentType: 'text/plain', failure: { resource: 'pods/log', name } };
      },
    },
    proxy: {
      connect: async (ns, id, request) => {
        const parts = splitSchemeNamePort(id);
        if (parts === undefined) throw invalidProxyName('pod', id);
        const pod = await o.pods().get(ns, parts.name);
        let port = parts.port;
        if (port === '') {
          const withPorts = arrayOf(field(pod, 'spec')?.containers).find((c) => arrayOf(c.ports).length > 0);
          if (withPorts !== undefined) port = String(arrayOf(withPorts.ports)[0]!.containerPort ?? '');
        }
        const ip = String(arrayOf(field(pod, 'status')?.podIPs)[0]?.ip ?? '');
        checkProxyableIp(ip);
        return { kind: 'proxy', url: proxyUrl(parts.scheme, ip, port, request.subpath), upgradeRequired: false, passQuery: true };
      },
    },
  };
}
