/**
 * Which rules apply to a user in a namespace (kube-apiserver's DefaultRuleResolver),
 * answered from memory: four informers watch Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings and keep their rules, role references and subjects parsed,
 * so authorizing a request never reads the store.
 */
import { Informer, type InformerEvent } from '../controllers/informer.js';
import type { ControllerLog } from '../controllers/work-queue.js';
import type { ResourceStore } from '../generic/resource-store.js';
import type { KubeObject } from '../generic/types.js';
import { rulesOf, type PolicyRule } from './policy-rule.js';

/** The part of a user rules are bound to. */
export interface RbacSubjectUser {
  readonly name: string;
  readonly groups: readonly string[];
}

/** One subject of a binding. */
export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** A binding as the resolver keeps it. */
export interface Binding {
  readonly name: string;
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjects: readonly Subject[];
}

/** Where a rule comes from: the binding, and the subject of it that names the user. */
export interface RuleSource {
  readonly kind: 'ClusterRoleBinding' | 'RoleBinding';
  readonly namespace: string;
  readonly binding: Binding;
  readonly subject: Subject;
}

/**
 * Called with each rule that applies and where it comes from, or with an error
 * (a binding whose role is missing); returns false to stop.
 */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace !== '' ? s.namespace : bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** A rule's source as kube-apiserver's RBAC names it in its reasons: ClusterRoleBinding "x" of ClusterRole "y" to User "z". */
export function describeSource(s: RuleSource): string {
  const name = s.kind === 'RoleBinding' ? `${s.binding.name}/${s.namespace}` : s.binding.name;
  return `${s.kind} ${JSON.stringify(name)} of ${s.binding.roleKind} ${JSON.stringify(s.binding.roleName)} to ${describeSubject(s.subject, s.namespace)}`;
}

/** The stores of the four RBAC kinds. */
export interface RbacStores {
  readonly roles: ResourceStore;
  readonly clusterRoles: ResourceStore;
  readonly roleBindings: ResourceStore;
  readonly clusterRoleBindings: ResourceStore;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function toBinding(o: KubeObject): Binding {
  const ref = (typeof o.roleRef === 'object' && o.roleRef !== null ? o.roleRef : {}) as Record<string, unknown>;
  const subjects = Array.isArray(o.subjects) ? (o.subjects as unknown[]) : [];
  return {
    name: o.metadata.name ?? '',
    roleKind: str(ref['kind']),
    roleName: str(ref['name']),
    subjects: subjects
      .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
      .map((s) => ({ kind: str(s['kind']), name: str(s['name']), namespace: str(s['namespace']) })),
  };
}

const serviceAccountPrefix = 'system:serviceaccount:';

/** Whether a subject names the user (a service account's namespace defaults to the binding's). */
function appliesTo(user: RbacSubjectUser, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace !== '' ? s.namespace : bindingNamespace;
      return ns !== '' && user.name === `${serviceAccountPrefix}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

export class RbacRuleResolver {
  private readonly informers: Informer[];
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoleBindings = new Map<string, Binding>();
  /** By namespace, then name. */
  private readonly roleBindings = new Map<string, Map<string, Binding>>();

  constructor(stores: RbacStores, options: { log: ControllerLog; retryMs: number }) {
    const follow = (store: ResourceStore, apply: (type: InformerEvent, o: KubeObject) => void): Informer => new Informer(store, apply, options);
    this.informers = [
      follow(stores.clusterRoles, (t, o) => (t === 'DELETED' ? this.clusterRoles.delete(o.metadata.name ?? '') : this.clusterRoles.set(o.metadata.name ?? '', rulesOf(o)))),
      follow(stores.roles, (t, o) => {
        const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
        if (t === 'DELETED') this.roles.delete(key);
        else this.roles.set(key, rulesOf(o));
      }),
      follow(stores.clusterRoleBindings, (t, o) => (t === 'DELETED' ? this.clusterRoleBindings.delete(o.metadata.name ?? '') : this.clusterRoleBindings.set(o.metadata.name ?? '', toBinding(o)))),
      follow(stores.roleBindings, (t, o) => {
        const ns = o.metadata.namespace ?? '';
        let inNs = this.roleBindings.get(ns);
        if (t === 'DELETED') {
          inNs?.delete(o.metadata.name ?? '');
          if (inNs?.size === 0) this.roleBindings.delete(ns);
          return;
        }
        if (inNs === undefined) this.roleBindings.set(ns, (inNs = new Map()));
        inNs.set(o.metadata.name ?? '', toBinding(o));
      }),
    ];
  }

  /** Starts the watches. */
  start(): void {
    for (const i of this.informers) i.start();
  }

  /** Resolves once every kind's current state is in memory. */
  async synced(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.synced()));
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  /** The rules a role reference grants in a binding's namespace ('' for cluster role bindings), or why there are none. */
  roleReferenceRules(kind: string, name: string, bindingNamespace: string): { rules: readonly PolicyRule[] } | { error: string } {
    if (kind === 'Role') {
      const rules = this.roles.get(`${bindingNamespace}/${name}`);
      return rules === undefined ? { error: `role.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` } : { rules };
    }
    if (kind === 'ClusterRole') {
      const rules = this.clusterRoles.get(name);
      return rules === undefined ? { error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` } : { rules };
    }
    return { error: `unsupported role reference kind: ${JSON.stringify(kind)}` };
  }

  /**
   * Visits every rule bound to the user: cluster role bindings first, then the role
   * bindings of namespace (when not ''), in the order they were added.
   */
  visitRulesFor(user: RbacSubjectUser, namespace: string, visit: RuleVisitor): void {
    const visitBinding = (b: Binding, ns: string): boolean => {
      const subject = b.subjects.find((s) => appliesTo(user, s, ns));
      if (subject === undefined) return true;
      const r = this.roleReferenceRules(b.roleKind, b.roleName, ns);
      if ('error' in r) return visit(undefined, undefined, r.error);
      const source: RuleSource = { kind: ns === '' ? 'ClusterRoleBinding' : 'RoleBinding', namespace: ns, binding: b, subject };
      for (const rule of r.rules) if (!visit(source, rule, undefined)) return false;
      return true;
    };
    for (const b of this.clusterRoleBindings.values()) if (!visitBinding(b, '')) return;
    if (namespace === '') return;
    for (const b of this.roleBindings.get(namespace)?.values() ?? []) if (!visitBinding(b, namespace)) return;
  }

  /** Every rule bound to the user in namespace, and the errors met on the way. */
  rulesFor(user: RbacSubjectUser, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (rule !== undefined) rules.push(rule);
      if (error !== undefined) errors.push(error);
      return true;
    });
    return { rules, errors };
  }
}

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several as [a, b] (duplicates once). */
export function aggregateErrors(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
