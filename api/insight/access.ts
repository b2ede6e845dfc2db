/**
 * Who may see what on the insight page, by the API server's own authorizer: a key
 * (and a trail row about it) is shown to a user who may list its resource in its
 * namespace; keys no resource owns need list on every resource of every group;
 * a Secret's values are shown only to a user who may get secrets there. Answers
 * are kept per (verb, group, resource, namespace) for the life of one request or
 * one event stream.
 */
import type { UserInfo } from '../authentication/user-info.js';
import type { Authorizer } from '../authorization/authorizer.js';
import type { KeyPlace } from '../../registry/insight/keyspace-tree.js';

export class InsightAccess {
  private readonly answers = new Map<string, Promise<boolean>>();

  constructor(
    private readonly authorizer: Authorizer,
    private readonly user: UserInfo,
  ) {}

  /** Whether the user may do verb on group/resource in namespace ('' : cluster-wide). */
  may(verb: string, group: string, resource: string, namespace: string): Promise<boolean> {
    const id = `${verb} ${group} ${resource} ${namespace}`;
    let answer = this.answers.get(id);
    if (answer === undefined) {
      answer = Promise.resolve(
        this.authorizer.authorize({ user: this.user, verb, isResourceRequest: true, path: '', apiGroup: group, apiVersion: '', resource, subresource: '', namespace, name: '' }),
      ).then((r) => r.decision === 'allow');
      this.answers.set(id, answer);
    }
    return answer;
  }

  /** Whether the user may see the key at place. */
  maySeeKey(place: KeyPlace): Promise<boolean> {
    if (place.owner === undefined) return this.may('list', '*', '*', '');
    return this.may('list', place.owner.group, place.owner.resource, place.namespace);
  }

  /** Whether the key's value must be redacted for this user (Secrets it may not get). */
  async mustRedact(place: KeyPlace): Promise<boolean> {
    if (place.owner?.group !== '' || place.owner.resource !== 'secrets') return false;
    return !(await this.may('get', '', 'secrets', place.namespace));
  }
}

const redacted = '<redacted: you may not get secrets here>';

/** A Secret's JSON with its values (data, stringData, the last-applied annotation) replaced. */
export function redactSecret(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  const hide = (m: unknown): unknown => (typeof m === 'object' && m !== null ? Object.fromEntries(Object.keys(m).map((k) => [k, redacted])) : m);
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const annotations = meta.annotations as Record<string, string> | undefined;
  const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
  return {
    ...o,
    ...(o.data === undefined ? {} : { data: hide(o.data) }),
    ...(o.stringData === undefined ? {} : { stringData: hide(o.stringData) }),
    ...(annotations?.[lastApplied] === undefined ? {} : { metadata: { ...meta, annotations: { ...annotations, [lastApplied]: redacted } } }),
  };
}
