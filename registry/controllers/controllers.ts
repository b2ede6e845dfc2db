/**
 * The controllers Kite runs in process, named as kube-controller-manager
 * names them (--controllers): garbagecollector, namespace, serviceaccount,
 * clusterrole-aggregation, root-ca-cert-publisher.
 * Turn them off when an external kube-controller-manager runs them.
 */
import { GenericStore } from '../generic/generic-store.js';
import type { KiteRegistry } from '../registry.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation.js';
import { GarbageCollector } from './garbage-collector.js';
import { NamespaceController } from './namespace-controller.js';
import { RootCaPublisher } from './root-ca-publisher.js';
import { ServiceAccountController } from './service-account-controller.js';
import { stderrLog } from './work-queue.js';

/** Every controller Kite can run, in start order. */
export const knownControllers = ['garbagecollector', 'namespace', 'serviceaccount', 'clusterrole-aggregation', 'root-ca-cert-publisher'] as const;
export type ControllerName = (typeof knownControllers)[number];

/**
 * Which controllers a --controllers value turns on: a comma-separated list of
 * names, `*` for all, `-name` to leave one out (kube-controller-manager's
 * syntax). Throws on an unknown name.
 */
export function parseControllers(value: string): ControllerName[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const on = new Set<ControllerName>();
  const off = new Set<string>();
  for (const p of parts) {
    const name = p.startsWith('-') ? p.slice(1) : p;
    if (name !== '*' && !(knownControllers as readonly string[]).includes(name)) {
      throw new Error(`--controllers: unknown controller ${JSON.stringify(name)} (known: ${knownControllers.join(', ')}, *)`);
    }
    if (p === '*') for (const c of knownControllers) on.add(c);
    else if (p.startsWith('-')) off.add(name);
    else on.add(name as ControllerName);
  }
  return knownControllers.filter((c) => on.has(c) && !off.has(c));
}

/** Running controllers, to stop together. */
export interface RunningControllers {
  readonly names: readonly ControllerName[];
  /** Resolves when every running controller has nothing queued (for tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of startControllers. */
export interface ControllerOptions {
  readonly retryMs?: number;
  /** The CA that verifies the API server, which root-ca-cert-publisher publishes; without it that controller does not run. */
  readonly rootCa?: string;
}

export function startControllers(registry: KiteRegistry, names: readonly ControllerName[], options: ControllerOptions = {}): RunningControllers {
  const retryMs = options.retryMs ?? 1000;
  const generics = (): GenericStore[] => registry.resources().flatMap((i) => {
    const s = registry.store(i.group, i.version, i.resource);
    return s instanceof GenericStore ? [s] : [];
  });
  const running: { idle(): Promise<void>; stop(): Promise<void> }[] = [];
  for (const name of names) {
    switch (name) {
      case 'garbagecollector': {
        const gc = new GarbageCollector(
          {
            // One version per resource: the others are the same objects.
            stores: () => {
              const seen = new Set<string>();
              return generics().filter((s) => {
                const v = s.info.verbs;
                const id = `${s.info.group}/${s.info.resource}`;
                if (!v.includes('list') || !v.includes('watch') || !v.includes('delete') || s.strategy.conversion !== undefined || seen.has(id) || s.info.resource === 'events') return false;
                seen.add(id);
                return true;
              });
            },
            onResourcesChange: (l) => registry.resourceSet.onChange(l),
          },
          { log: stderrLog('garbage collector'), retryMs },
        );
        gc.start();
        running.push(gc);
        break;
      }
      case 'namespace': {
        const nc = new NamespaceController(
          {
            namespaces: registry.generic({ group: '', version: 'v1', resource: 'namespaces' }),
            namespacedStores: () => generics().filter((s) => s.info.namespaced && s.info.verbs.includes('delete') && s.strategy.conversion === undefined),
          },
          { log: stderrLog('namespace controller'), retryMs },
        );
        nc.start();
        running.push(nc);
        break;
      }
      case 'serviceaccount': {
        const sc = new ServiceAccountController(registry.generic({ group: '', version: 'v1', resource: 'namespaces' }), registry.generic({ group: '', version: 'v1', resource: 'serviceaccounts' }), {
          log: stderrLog('serviceaccount controller'),
          retryMs,
        });
        sc.start();
        running.push(sc);
        break;
      }
      case 'clusterrole-aggregation': {
        const ac = new ClusterRoleAggregationController(registry.generic({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }), {
          log: stderrLog('clusterrole-aggregation controller'),
          retryMs,
        });
        ac.start();
        running.push(ac);
        break;
      }
      case 'root-ca-cert-publisher': {
        if (options.rootCa === undefined) {
          stderrLog('root-ca-cert-publisher')('no CA of the API server to publish (the operator serves its own certificate): not running');
          break;
        }
        const publisher = new RootCaPublisher(registry.generic({ group: '', version: 'v1', resource: 'namespaces' }), registry.generic({ group: '', version: 'v1', resource: 'configmaps' }), options.rootCa, {
          log: stderrLog('root-ca-cert-publisher'),
          retryMs,
        });
        publisher.start();
        running.push(publisher);
        break;
      }
    }
  }
  return {
    names,
    idle: async () => {
      for (const r of running) await r.idle();
    },
    stop: async () => {
      for (const r of running.reverse()) await r.stop();
    },
  };
}
