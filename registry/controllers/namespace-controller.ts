/**
 * Kubernetes' namespace controller (kube-controller-manager's `namespace`):
 * for a namespace marked for deletion that still has the `kubernetes`
 * finalizer, it deletes every object in it, through the stores' ordinary
 * DELETE (so finalizers, grace periods and propagation policies hold), waits
 * until nothing is left, then removes its finalizer, which lets the namespace
 * go.
 */
import { ApiError } from '../generic/api-error.js';
import { field } from '../generic/base-strategy.js';
import type { GenericStore } from '../generic/generic-store.js';
import type { KubeObject } from '../generic/types.js';
import { Informer } from './informer.js';
import { WorkQueue, type ControllerLog } from './work-queue.js';

/** What the controller needs of the registry. */
export interface NamespaceControllerDeps {
  readonly namespaces: GenericStore;
  /** Every namespaced store served now (read on each pass: resources come and go). */
  namespacedStores(): GenericStore[];
}

export class NamespaceController {
  private readonly deps: NamespaceControllerDeps;
  private readonly queue: WorkQueue;
  private readonly informer: Informer;
  private readonly recheckMs: number;

  constructor(deps: NamespaceControllerDeps, options: { log: ControllerLog; retryMs: number; recheckMs?: number }) {
    this.deps = deps;
    this.recheckMs = options.recheckMs ?? 1000;
    this.queue = new WorkQueue((name) => this.sync(name), options);
    this.informer = new Informer(
      deps.namespaces,
      (type, ns) => {
        if (type !== 'DELETED' && ns.metadata.deletionTimestamp !== undefined) this.queue.add(ns.metadata.name!);
      },
      options,
    );
  }

  start(): void {
    this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
    await this.queue.stop();
  }

  /** Resolves when no namespace is being worked on. */
  async idle(): Promise<void> {
    await this.informer.synced();
    await this.queue.idle();
  }

  private async sync(name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.deps.namespaces.get(undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
    if (ns.metadata.deletionTimestamp === undefined) return;
    const finalizers = (field(ns, 'spec')?.finalizers as string[] | undefined) ?? [];
    if (!finalizers.includes('kubernetes')) return;
    let remaining = 0;
    for (const store of this.deps.namespacedStores()) {
      const list = await store.list(name);
      for (const o of list.items) {
        remaining++;
        if (o.metadata.deletionTimestamp !== undefined) continue;
        try {
          await store.delete(name, o.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
        }
      }
      // Count again: what went at once is gone; what waits (finalizers, grace) remains.
      if (list.items.length > 0) remaining -= list.items.length - (await store.list(name)).items.length;
    }
    if (remaining > 0) {
      this.queue.addAfter(name, this.recheckMs);
      return;
    }
    await this.deps.namespaces.update(undefined, name, { ...ns, spec: { ...field(ns, 'spec'), finalizers: finalizers.filter((f) => f !== 'kubernetes') } }, { subresource: 'finalize', fieldManager: 'kube-controller-manager' });
  }
}
