/**
 * kube-controller-manager's `clusterrole-aggregation` controller: a ClusterRole
 * with an aggregationRule gets, as its rules, the rules of every other
 * ClusterRole its selectors match (in name order, each rule once). This is how
 * the bootstrap roles admin, edit and view get their rules, and how a
 * ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-view adds to view.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GenericStore } from '../generic/generic-store.js';
import type { KubeObject } from '../generic/types.js';
import { selectorMatches } from '../validation/label-selector.js';
import { Informer } from './informer.js';
import { WorkQueue, type ControllerLog } from './work-queue.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function selectorsOf(role: KubeObject): Obj[] | undefined {
  if (!isObj(role.aggregationRule)) return undefined;
  const s = role.aggregationRule['clusterRoleSelectors'];
  return Array.isArray(s) ? s.filter(isObj) : [];
}

/** A rule without its empty lists: Kubernetes compares rules treating empty and absent alike. */
function normalized(rule: unknown): unknown {
  if (!isObj(rule)) return rule;
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => !(v === null || v === undefined || (Array.isArray(v) && v.length === 0))));
}

/** The rules an aggregated role should have, given every ClusterRole. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): unknown[] {
  const selectors = selectorsOf(role) ?? [];
  const out: unknown[] = [];
  const seen: unknown[] = [];
  for (const selector of selectors) {
    const matching = all
      .filter((r) => r.metadata.name !== role.metadata.name && selectorMatches(selector, r.metadata.labels ?? {}))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    for (const r of matching) {
      for (const rule of Array.isArray(r.rules) ? (r.rules as unknown[]) : []) {
        const n = normalized(rule);
        if (seen.some((s) => isDeepStrictEqual(s, n))) continue;
        seen.push(n);
        out.push(rule);
      }
    }
  }
  return out;
}

export class ClusterRoleAggregationController {
  private readonly roles: Informer;
  private readonly queue: WorkQueue;
  private readonly store: GenericStore;

  constructor(clusterRoles: GenericStore, options: { log: ControllerLog; retryMs: number }) {
    this.store = clusterRoles;
    this.queue = new WorkQueue((name) => this.sync(name), options);
    // Any change may change what an aggregated role gathers: look at every aggregated role again.
    this.roles = new Informer(clusterRoles, () => this.enqueueAggregated(), options);
  }

  private enqueueAggregated(): void {
    for (const r of this.roles.list()) if (selectorsOf(r) !== undefined) this.queue.add(r.metadata.name ?? '');
  }

  start(): void {
    this.roles.start();
  }

  async stop(): Promise<void> {
    this.roles.stop();
    await this.queue.stop();
  }

  async idle(): Promise<void> {
    await this.roles.synced();
    await this.queue.idle();
  }

  private async sync(name: string): Promise<void> {
    const role = this.roles.get(undefined, name);
    if (role === undefined || selectorsOf(role) === undefined) return;
    const rules = aggregatedRules(role, this.roles.list());
    const current = Array.isArray(role.rules) ? (role.rules as unknown[]) : [];
    if (isDeepStrictEqual(current.map(normalized), rules.map(normalized))) return;
    await this.store.guaranteedUpdate(undefined, name, (o) => (selectorsOf(o) === undefined ? o : { ...o, rules: aggregatedRules(o, this.roles.list()) }));
  }
}
