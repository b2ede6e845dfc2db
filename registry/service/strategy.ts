import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import type { KubeObject } from '../generic/types.js';
import { allocateClusterIp } from './cluster-ip.js';

const serviceTypes = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

function spec(o: KubeObject): Record<string, unknown> {
  return child(o, 'spec');
}

function ports(o: KubeObject): string {
  const p = arrayOf(spec(o).ports);
  if (p.length === 0) return '<none>';
  return p.map((x) => `${String(x.port)}${x.nodePort !== undefined ? `:${String(x.nodePort)}` : ''}/${String(x.protocol ?? 'TCP')}`).join(',');
}

/** services (v1): type ClusterIP, a cluster IP from 10.96.0.0/12, ports TCP with targetPort = port. */
export const serviceStrategy: Strategy = baseStrategy(
  resourceInfo({ group: '', version: 'v1', resource: 'services', singular: 'service', kind: 'Service', listKind: 'ServiceList', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  {
    nameRule: 'dns1123Label',
    prepareForCreate: (o) => {
      o.status = { loadBalancer: {} };
    },
    prepareForUpdate: (o, old) => {
      const s = spec(o);
      const os = spec(structuredClone(old));
      if ((s.clusterIP === undefined || s.clusterIP === '') && os.clusterIP !== undefined) {
        s.clusterIP = os.clusterIP;
        s.clusterIPs = os.clusterIPs;
      }
    },
    applyDefaults: (o) => {
      const s = spec(o);
      s.type ??= 'ClusterIP';
      s.sessionAffinity ??= 'None';
      if (s.type !== 'ExternalName') {
        if (s.clusterIP === undefined || s.clusterIP === '') s.clusterIP = allocateClusterIp(o.metadata.namespace ?? '', o.metadata.name ?? '');
        s.clusterIPs ??= [s.clusterIP];
        s.ipFamilies ??= ['IPv4'];
        s.ipFamilyPolicy ??= 'SingleStack';
        s.internalTrafficPolicy ??= 'Cluster';
      }
      for (const p of arrayOf(s.ports)) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    },
    validate: (o) => {
      const causes: StatusCause[] = [];
      const s = spec(o);
      if (!serviceTypes.includes(String(s.type))) {
        causes.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: ${JSON.stringify(s.type)}: supported values: ${serviceTypes.map((t) => `"${t}"`).join(', ')}` });
      }
      const ps = arrayOf(s.ports);
      if (ps.length === 0 && s.type !== 'ExternalName' && s.clusterIP !== 'None') causes.push({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
      ps.forEach((p, i) => {
        if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) {
          causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(p.port ?? 0)}: must be between 1 and 65535, inclusive` });
        }
        if (ps.length > 1 && (p.name === undefined || p.name === '')) causes.push({ reason: 'FieldValueRequired', field: `spec.ports[${i}].name`, message: 'Required value' });
      });
      return causes;
    },
    validateUpdate: (o, old) => {
      const a = spec(o).clusterIP;
      const b = spec(structuredClone(old)).clusterIP;
      return a !== b && b !== undefined ? [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(a)}: may not change once set` }] : [];
    },
    table: {
      columns: [
        nameColumn,
        column('Type', 'The type of the service.'),
        column('Cluster-IP', 'The cluster IP of the service.'),
        column('External-IP', 'The external IPs of the service.'),
        column('Port(s)', 'The ports exposed by the service.'),
        ageColumn,
        column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
      ],
      cells: (o, now) => {
        const s = spec(structuredClone(o));
        const ext = Array.isArray(s.externalIPs) && s.externalIPs.length > 0 ? s.externalIPs.join(',') : s.type === 'LoadBalancer' ? '<pending>' : '<none>';
        const sel = Object.entries((s.selector as Record<string, string> | undefined) ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
        return [o.metadata.name, s.type ?? '', s.clusterIP ?? '<none>', ext, ports(o), age(o.metadata.creationTimestamp, now), sel === '' ? '<none>' : sel];
      },
    },
  },
);
