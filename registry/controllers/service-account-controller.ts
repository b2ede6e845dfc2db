/**
 * kube-controller-manager's `serviceaccount` controller: every namespace that
 * is not being deleted has a `default` ServiceAccount, created again if it is
 * deleted.
 */
import { ApiError } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import { Informer } from './informer.js';
import { WorkQueue, type ControllerLog } from './work-queue.js';

export class ServiceAccountController {
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly queue: WorkQueue;
  private readonly serviceAccounts: GenericStore;

  constructor(namespaces: GenericStore, serviceAccounts: GenericStore, options: { log: ControllerLog; retryMs: number }) {
    this.serviceAccounts = serviceAccounts;
    this.queue = new WorkQueue((ns) => this.ensure(ns), options);
    this.namespaces = new Informer(
      namespaces,
      (type, ns) => {
        if (type !== 'DELETED') this.queue.add(ns.metadata.name!);
      },
      options,
    );
    this.accounts = new Informer(
      serviceAccounts,
      (type, sa) => {
        if (type === 'DELETED' && sa.metadata.name === 'default') this.queue.add(sa.metadata.namespace!);
      },
      options,
    );
  }

  start(): void {
    this.namespaces.start();
    this.accounts.start();
  }

  async stop(): Promise<void> {
    this.namespaces.stop();
    this.accounts.stop();
    await this.queue.stop();
  }

  async idle(): Promise<void> {
    await this.namespaces.synced();
    await this.accounts.synced();
    await this.queue.idle();
  }

  private async ensure(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (ns === undefined || ns.metadata.deletionTimestamp !== undefined) return;
    try {
      await this.serviceAccounts.create(namespace, { metadata: { name: 'default' } }, { fieldManager: 'kube-controller-manager' });
    } catch (e) {
      // Already there, or the namespace went meanwhile.
      if (e instanceof ApiError && (e.reason === 'AlreadyExists' || e.code === 404 || e.code === 403)) return;
      throw e;
    }
  }
}
