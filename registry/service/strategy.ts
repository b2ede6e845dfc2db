import { isDeepStrictEqual } from 'node:util';
import { keepInStep } from '../generic/plural-field.js';
import { goStringSlice } from '../validation/go-values.js';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1123Label, isDns1123Subdomain, isValidIp, isValidPortName, isValidPortNum } from '../validation/names.js';
import { validateLabels } from '../validation/object-meta.js';
import { loadBalancerStatus } from '../validation/status.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const affinities = ['ClientIP', 'None'];

/** Whether a service of this type gets node ports. */
export const needsNodePorts = (type: unknown): boolean => type === 'NodePort' || type === 'LoadBalancer';

function spec(o: KubeObject): Record<string, unknown> {
  return child(o, 'spec');
}

function readSpec(o: KubeObject): Record<string, unknown> {
  return field(o, 'spec') ?? {};
}

function portsCell(o: KubeObject): string {
  const p = arrayOf(readSpec(o).ports);
  if (p.length === 0) return '<none>';
  return p.map((x) => `${String(x.port)}${x.nodePort !== undefined ? `:${String(x.nodePort)}` : ''}/${String(x.protocol ?? 'TCP')}`).join(',');
}

const trafficPolicies = ['Cluster', 'Local'];

function validateService(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const s = readSpec(o);
  const type = s.type;
  if (!serviceTypes.includes(String(type))) causes.push(fieldErrors.notSupported('spec.type', type ?? '', serviceTypes));
  const ps = arrayOf(s.ports);
  const headless = s.clusterIP === 'None';
  if (type === 'ExternalName') {
    const name = String(s.externalName ?? '');
    if (name === '') causes.push(fieldErrors.required('spec.externalName'));
    else for (const m of isDns1123Subdomain(name.replace(/\.$/, ''))) causes.push(fieldErrors.invalid('spec.externalName', name, m));
  } else if (ps.length === 0 && !headless) {
    causes.push(fieldErrors.required('spec.ports'));
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  ps.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    const name = typeof p.name === 'string' ? p.name : '';
    if (ps.length > 1 && name === '') causes.push(fieldErrors.required(`${at}.name`));
    else if (name !== '') {
      for (const m of isDns1123Label(name)) causes.push(fieldErrors.invalid(`${at}.name`, name, m));
      if (names.has(name)) causes.push(fieldErrors.duplicate(`${at}.name`, name));
    }
    names.add(name);
    for (const m of isValidPortNum(Number(p.port ?? 0))) causes.push(fieldErrors.invalid(`${at}.port`, p.port ?? 0, m));
    if (!protocols.includes(String(p.protocol))) causes.push(fieldErrors.notSupported(`${at}.protocol`, p.protocol ?? '', protocols));
    const target = p.targetPort;
    if (typeof target === 'number') for (const m of isValidPortNum(target)) causes.push(fieldErrors.invalid(`${at}.targetPort`, target, m));
    else if (typeof target === 'string') for (const m of isValidPortName(target)) causes.push(fieldErrors.invalid(`${at}.targetPort`, target, m));
    if (p.nodePort !== undefined && !needsNodePorts(type)) causes.push(fieldErrors.forbidden(`${at}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
    const id = `${String(p.port)}/${String(p.protocol)}`;
    // kube-apiserver quotes the key it looked up: a core.ServicePort of only the protocol and port.
    const key = `core.ServicePort{Name:"", Protocol:${JSON.stringify(String(p.protocol))}, AppProtocol:(*string)(nil), Port:${Number(p.port ?? 0)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
    if (seen.has(id)) causes.push(fieldErrors.duplicatePrinted(at, key));
    seen.add(id);
  });
  const externallyAccessible = needsNodePorts(type) || (type === 'ClusterIP' && Array.isArray(s.externalIPs) && s.externalIPs.length > 0);
  if (!externallyAccessible && s.externalTrafficPolicy !== undefined && s.externalTrafficPolicy !== '') {
    causes.push(fieldErrors.invalid('spec.externalTrafficPolicy', s.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  } else if (externallyAccessible && s.externalTrafficPolicy !== undefined && !trafficPolicies.includes(String(s.externalTrafficPolicy))) {
    causes.push(fieldErrors.notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, trafficPolicies));
  }
  // Kite's service network is one IPv4 range: a service that needs two families cannot be had.
  if (s.ipFamilyPolicy === 'RequireDualStack' && type !== 'ExternalName') causes.push(fieldErrors.invalid('spec.ipFamilyPolicy', s.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  if (!affinities.includes(String(s.sessionAffinity))) causes.push(fieldErrors.notSupported('spec.sessionAffinity', s.sessionAffinity ?? '', affinities));
  causes.push(...validateLabels(s.selector, 'spec.selector'));
  if (typeof s.clusterIP === 'string' && s.clusterIP !== '' && s.clusterIP !== 'None') {
    const problems = isValidIp(s.clusterIP);
    for (const m of problems) causes.push(fieldErrors.invalid('spec.clusterIPs[0]', s.clusterIP, m));
    const family = Array.isArray(s.ipFamilies) ? s.ipFamilies[0] : undefined;
    if (problems.length === 0 && (family === 'IPv4' || family === 'IPv6') && (family === 'IPv6') !== s.clusterIP.includes(':')) {
      causes.push(fieldErrors.invalid('spec.clusterIPs[0]', s.clusterIP, `expected an ${family} value as indicated by \`ipFamilies[0]\``));
    }
  }
  for (const [i, ip] of (Array.isArray(s.externalIPs) ? s.externalIPs : []).entries()) {
    for (const m of isValidIp(String(ip))) causes.push(fieldErrors.invalid(`spec.externalIPs[${i}]`, ip, m));
  }
  return causes;
}

const externallyAccessible = (s: Record<string, unknown>): boolean =>
  needsNodePorts(s.type) || (s.type === 'ClusterIP' && Array.isArray(s.externalIPs) && s.externalIPs.length > 0);
/** Whether a Service gets a health check node port: a LoadBalancer whose external traffic stays on the node. */
export const needsHealthCheckNodePort = (s: Record<string, unknown>): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
/** The node ports a Service's ports hold (none unset or 0). */
export const nodePortsOf = (s: Record<string, unknown>): number[] =>
  arrayOf(s.ports)
    .map((p) => p.nodePort)
    .filter((n): n is number => typeof n === 'number' && n !== 0);

/**
 * What an update that changes a Service's type no longer needs, wiped as kube-apiserver
 * wipes it: only what the old type had and the update left as it was (so was not asked
 * for). To a type without cluster IPs (ExternalName): the cluster IPs, families and policy;
 * without node ports (ClusterIP, ExternalName): the node ports, if the update adds none;
 * the health check node port; allocateLoadBalancerNodePorts, loadBalancerClass and the load
 * balancer status off LoadBalancer; externalTrafficPolicy once not externally accessible;
 * internalTrafficPolicy to ExternalName.
 */
function dropTypeDependentFields(o: KubeObject, old: KubeObject): void {
  const s = spec(o);
  const os = readSpec(old);
  const same = (key: string): boolean => isDeepStrictEqual(s[key], os[key]);
  if (os.type !== 'ExternalName' && s.type === 'ExternalName') {
    if (same('clusterIP') && same('clusterIPs')) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (same('ipFamilies')) delete s.ipFamilies;
    if (same('ipFamilyPolicy')) delete s.ipFamilyPolicy;
  }
  if (needsNodePorts(os.type) && !needsNodePorts(s.type)) {
    const before = new Set(nodePortsOf(os));
    if (nodePortsOf(s).every((n) => before.has(n))) for (const p of arrayOf(s.ports)) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(os) && !needsHealthCheckNodePort(s) && same('healthCheckNodePort')) delete s.healthCheckNodePort;
  if (s.type !== 'LoadBalancer') delete s.allocateLoadBalancerNodePorts;
  if (os.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (same('loadBalancerClass')) delete s.loadBalancerClass;
    const status = o.status as Record<string, unknown> | undefined;
    if (status !== undefined && status !== null && typeof status === 'object') status.loadBalancer = {};
  }
  if (externallyAccessible(os) && !externallyAccessible(s) && same('externalTrafficPolicy')) delete s.externalTrafficPolicy;
  if (os.type !== 'ExternalName' && s.type === 'ExternalName' && same('internalTrafficPolicy')) delete s.internalTrafficPolicy;
}

/** services (v1): type ClusterIP by default, a cluster IP and node ports allocated without collisions (see allocation.ts). */
export const serviceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'services', singular: 'service', kind: 'Service', listKind: 'ServiceList', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status', 'proxy'] }),
  {
    validateStatusUpdate: loadBalancerStatus,
    returnDeletedObject: true,
    nameRule: 'dns1035Label',
    allowCreateOnUpdate: true,
    prepareForCreate: (o) => {
      o.status = { loadBalancer: {} };
    },
    finishUpdate: (o, old) => {
      // A changed clusterIP becomes clusterIPs (an update without one keeps both; see prepareForUpdate).
      keepInStep(spec(o), 'clusterIP', 'clusterIPs', { both: false });
      dropTypeDependentFields(o, old);
    },
    prepareForUpdate: (o, old) => {
      const s = spec(o);
      const os = readSpec(old);
      if ((s.clusterIP === undefined || s.clusterIP === '') && os.clusterIP !== undefined && s.type !== 'ExternalName') {
        s.clusterIP = os.clusterIP;
        s.clusterIPs = os.clusterIPs;
      }
      if ((s.clusterIPs === undefined || (Array.isArray(s.clusterIPs) && s.clusterIPs.length === 0)) && os.clusterIPs !== undefined && s.clusterIP === os.clusterIP) s.clusterIPs = os.clusterIPs;
      // Same cluster IPs: the families and their policy stay unless the update names others.
      if (s.type !== 'ExternalName' && os.clusterIPs !== undefined && isDeepStrictEqual(s.clusterIPs, os.clusterIPs)) {
        if ((s.ipFamilies === undefined || (Array.isArray(s.ipFamilies) && s.ipFamilies.length === 0)) && os.ipFamilies !== undefined) s.ipFamilies = os.ipFamilies;
        if (s.ipFamilyPolicy === undefined && os.ipFamilyPolicy !== undefined) s.ipFamilyPolicy = os.ipFamilyPolicy;
      }
      // A port keeps its node port unless the update names another.
      const oldPorts = arrayOf(os.ports);
      if (needsNodePorts(s.type)) {
        for (const p of arrayOf(s.ports)) {
          if (p.nodePort !== undefined) continue;
          const match = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (match?.nodePort !== undefined) p.nodePort = match.nodePort;
        }
      }
    },
    applyDefaults: (o) => {
      const s = spec(o);
      s.type ??= 'ClusterIP';
      s.sessionAffinity ??= 'None';
      if (s.sessionAffinity === 'ClientIP') child(child(s, 'sessionAffinityConfig'), 'clientIP').timeoutSeconds ??= 10800;
      if (s.type !== 'ExternalName') {
        s.internalTrafficPolicy ??= 'Cluster';
        for (const p of arrayOf(s.ports)) {
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
        }
      }
      if (needsNodePorts(s.type)) s.externalTrafficPolicy ??= 'Cluster';
      if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
    },
    validate: validateService,
    validateUpdate: (o, old) => {
      const a = readSpec(o);
      const b = readSpec(old);
      if (b.clusterIP === undefined || b.clusterIP === '' || a.type === 'ExternalName' || b.type === 'ExternalName') return [];
      return a.clusterIP === b.clusterIP && isDeepStrictEqual(a.clusterIPs, b.clusterIPs)
        ? []
        : [fieldErrors.invalidPrinted('spec.clusterIPs[0]', goStringSlice(Array.isArray(a.clusterIPs) ? a.clusterIPs : [a.clusterIP]), 'may not change once set')];
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    table: {
      columns: [
        nameColumn,
        column('Type', 'The type of the service.'),
        column('Cluster-IP', 'The cluster IP of the service.'),
        column('External-IP', 'The external IPs of the service.'),
        column('Port(s)', 'The ports exposed by the service.'),
        ageColumn,
        column('Selector', 'Pods the service sends traffic to, by label.', 1),
      ],
      cells: (o, now) => {
        const s = readSpec(o);
        const ingress = arrayOf(field(field(o, 'status'), 'loadBalancer')?.ingress).map((i) => String(i.ip ?? i.hostname ?? ''));
        const externalIPs = Array.isArray(s.externalIPs) ? s.externalIPs.map(String) : [];
        const ext =
          s.type === 'ExternalName'
            ? String(s.externalName ?? '')
            : s.type === 'LoadBalancer'
              ? [...ingress, ...externalIPs].join(',') || '<pending>'
              : externalIPs.length > 0
                ? externalIPs.join(',')
                : '<none>';
        const sel = Object.entries((s.selector as Record<string, string> | undefined) ?? {})
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        return [o.metadata.name, s.type ?? '', s.clusterIP ?? '<none>', ext, portsCell(o), age(o.metadata.creationTimestamp, now), sel === '' ? '<none>' : sel];
      },
    },
  },
);
