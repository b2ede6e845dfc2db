import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, child, field, resourceInfo } from '../generic/base-strategy.js';
import type { Strategy } from '../generic/strategy.js';
import { age, ageColumn, column, nameColumn } from '../generic/table.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isStrictSubset, parseCidr } from '../validation/cidr.js';
import { formatLabelSelector, validateLabelSelector } from '../validation/label-selector.js';
import { isValidPortName, isValidPortNum } from '../validation/names.js';

const policyTypes = ['Ingress', 'Egress'];

const protocols = ['TCP', 'UDP', 'SCTP'];

/** A rule's port: a protocol, a port number or name, and an end port at or above the port. */
function validatePort(p: Record<string, unknown>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (p.protocol !== undefined && !protocols.includes(String(p.protocol))) causes.push(fieldErrors.notSupported(`${at}.protocol`, p.protocol, protocols));
  const port = p.port;
  if (typeof port === 'number') for (const m of isValidPortNum(port)) causes.push(fieldErrors.invalid(`${at}.port`, port, m));
  else if (typeof port === 'string') for (const m of isValidPortName(port)) causes.push(fieldErrors.invalid(`${at}.port`, port, m));
  const end = p.endPort;
  if (typeof end === 'number') {
    if (typeof port === 'string') causes.push(fieldErrors.forbidden(`${at}.endPort`, 'may not be specified when `port` is non-numeric'));
    else if (port === undefined || port === null) causes.push(fieldErrors.required(`${at}.port`, 'must be specified when `endPort` is specified'));
    // kube-apiserver prints the port, not endPort, as the invalid value here.
    else if (typeof port === 'number' && end < port) causes.push(fieldErrors.invalid(`${at}.endPort`, port, 'must be greater than or equal to `port`'));
    else for (const m of isValidPortNum(end)) causes.push(fieldErrors.invalid(`${at}.endPort`, end, m));
  }
  return causes;
}

/** A peer: pods, namespaces, or an IP block (whose exceptions lie inside it), not an IP block with another. */
function validatePeer(peer: Record<string, unknown>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const given = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined && peer[k] !== null);
  if (given.length === 0) return [fieldErrors.required(at, 'must specify a peer')];
  if (given.includes('ipBlock') && given.length > 1) return [fieldErrors.forbidden(at, 'may not specify both ipBlock and another peer')];
  for (const k of ['podSelector', 'namespaceSelector']) {
    const selector = field(peer, k);
    if (selector !== undefined) causes.push(...validateLabelSelector(selector, `${at}.${k}`));
  }
  const block = field(peer, 'ipBlock');
  if (block === undefined) return causes;
  const cidrText = typeof block.cidr === 'string' ? block.cidr : '';
  if (cidrText === '') return [...causes, fieldErrors.required(`${at}.ipBlock.cidr`)];
  const cidr = parseCidr(cidrText);
  if (cidr === undefined) return [...causes, fieldErrors.invalid(`${at}.ipBlock.cidr`, cidrText, 'not a valid CIDR')];
  (Array.isArray(block.except) ? (block.except as unknown[]) : []).forEach((e, k) => {
    const path = `${at}.ipBlock.except[${k}]`;
    const inner = typeof e === 'string' ? parseCidr(e) : undefined;
    if (inner === undefined) causes.push(fieldErrors.invalid(path, e, 'not a valid CIDR'));
    else if (!isStrictSubset(inner, cidr)) causes.push(fieldErrors.invalid(path, e, 'must be a strict subset of `cidr`'));
  });
  return causes;
}

/** networkpolicies (networking.k8s.io/v1): which traffic pods accept. */
export const networkPolicyStrategy: Strategy = baseStrategy(
  resourceInfo({ group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', namespaced: true, shortNames: ['netpol'], subresources: ['status'] }),
  {
    // kube-apiserver names the internal group in this kind's Invalid errors.
    errorGroup: 'extensions',
    generation: true,
    prepareForCreate: (o) => {
      o.status = {};
    },
    prepareForStatusUpdate: (o, old) => {
      o.spec = structuredClone(old.spec);
    },
    applyDefaults: (o) => {
      const s = child(o, 'spec');
      if (s.policyTypes === undefined) s.policyTypes = arrayOf(s.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      for (const rule of [...arrayOf(s.ingress), ...arrayOf(s.egress)]) for (const p of arrayOf(rule.ports)) p.protocol ??= 'TCP';
    },
    validate: (o) => {
      const s = field(o, 'spec') ?? {};
      const causes: StatusCause[] = [...validateLabelSelector(field(s, 'podSelector'), 'spec.podSelector')];
      const types = Array.isArray(s.policyTypes) ? s.policyTypes : [];
      for (const [rules, peersField] of [
        ['ingress', 'from'],
        ['egress', 'to'],
      ] as const) {
        arrayOf(s[rules]).forEach((rule, i) => {
          const at = `spec.${rules}[${i}]`;
          arrayOf(rule.ports).forEach((port, j) => causes.push(...validatePort(port, `${at}.ports[${j}]`)));
          arrayOf(rule[peersField]).forEach((peer, j) => causes.push(...validatePeer(peer, `${at}.${peersField}[${j}]`)));
        });
      }
      types.forEach((t, i) => {
        if (!policyTypes.includes(String(t))) causes.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, policyTypes));
      });
      return causes;
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(o.spec, old.spec),
    table: {
      columns: [nameColumn, column('Pod-Selector', 'The pods the policy applies to.'), ageColumn],
      cells: (o, now) => {
        const sel = formatLabelSelector(field(field(o, 'spec'), 'podSelector'));
        return [o.metadata.name, sel === '' ? '<none>' : sel, age(o.metadata.creationTimestamp, now)];
      },
    },
  },
);
