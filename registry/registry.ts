import type { StoreClient } from '../storage/client/store-client.js';
import { ApiError } from './generic/api-error.js';
import { GenericStore, type GenericStoreOptions } from './generic/generic-store.js';
import type { Registry, ResourceStore } from './generic/resource-store.js';
import type { Strategy } from './generic/strategy.js';
import type { ResourceInfo } from './generic/types.js';
import { configMapStrategy } from './configmap/strategy.js';
import { deploymentStrategy } from './deployment/strategy.js';
import { eventStrategy } from './event/strategy.js';
import { NamespaceController, type ControllerLog } from './namespace/namespace-controller.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { podStrategy } from './pod/strategy.js';
import { secretStrategy } from './secret/strategy.js';
import { serviceStrategy } from './service/strategy.js';
import { serviceAccountStrategy } from './serviceaccount/strategy.js';

/** Every kind Kite serves, namespaces first. */
export const builtinStrategies: readonly Strategy[] = [namespaceStrategy, configMapStrategy, secretStrategy, serviceAccountStrategy, serviceStrategy, podStrategy, eventStrategy, deploymentStrategy];

/** The namespaces that always exist. */
export const systemNamespaces = ['default', 'kube-system', 'kube-public'] as const;

/** Options of a KiteRegistry. */
export interface KiteRegistryOptions extends Omit<GenericStoreOptions, 'namespaceLookup'> {
  /** Where the namespace controller reports retried failures. */
  readonly log?: ControllerLog;
  /** How long the namespace controller waits before retrying (ms). */
  readonly retryMs?: number;
}

/**
 * The Registry the API server serves: one GenericStore per built-in kind on one
 * StoreClient, plus the namespace lifecycle. Call start() before serving (it
 * creates default, kube-system and kube-public and starts the namespace
 * controller) and stop() before closing the client.
 */
export class KiteRegistry implements Registry {
  private readonly stores = new Map<string, GenericStore>();
  private readonly namespaceStore: GenericStore;
  private readonly controller: NamespaceController;

  constructor(client: StoreClient, options: KiteRegistryOptions = {}) {
    this.namespaceStore = new GenericStore(client, namespaceStrategy, options);
    const lookup = async (name: string) => {
      try {
        return await this.namespaceStore.get(undefined, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    };
    for (const s of builtinStrategies) {
      const store = s === namespaceStrategy ? this.namespaceStore : new GenericStore(client, s, { ...options, namespaceLookup: lookup });
      this.stores.set(this.id(s.info), store);
    }
    this.controller = new NamespaceController(
      this.namespaceStore,
      [...this.stores.values()].filter((s) => s.info.namespaced),
      { log: options.log, retryMs: options.retryMs },
    );
  }

  private id(i: Pick<ResourceInfo, 'group' | 'version' | 'resource'>): string {
    return `${i.group}/${i.version}/${i.resource}`;
  }

  resources(): readonly ResourceInfo[] {
    return [...this.stores.values()].map((s) => s.info);
  }

  store(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.stores.get(this.id({ group, version, resource }));
  }

  /** Creates the system namespaces if missing and starts the namespace controller. */
  async start(): Promise<void> {
    for (const name of systemNamespaces) {
      try {
        await this.namespaceStore.create(undefined, { metadata: { name } });
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
      }
    }
    this.controller.start();
  }

  /** Stops the namespace controller (waiting for a finalization in progress). */
  async stop(): Promise<void> {
    await this.controller.stop();
  }

  /** Resolves once the namespace controller has nothing queued (for tests). */
  async idle(): Promise<void> {
    await this.controller.idle();
  }
}
