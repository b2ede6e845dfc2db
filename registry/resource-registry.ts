/**
 * The set of served resources as data: stores are added and removed while the
 * server runs (custom resources come and go), and everything derived from the
 * set (routing, discovery, OpenAPI) reads it through resources() and
 * generation(), so a change shows at once.
 */
import type { JsonObject } from '../schemas/json.js';
import type { Registry, ResourceStore } from './generic/resource-store.js';
import { resourceId, type ResourceInfo } from './generic/types.js';

export class ResourceRegistry implements Registry {
  private readonly stores = new Map<string, ResourceStore>();
  private changes = 0;
  private readonly listeners = new Set<() => void>();

  /** Serves store; replaces a store with the same group, version and resource. */
  add(store: ResourceStore): void {
    this.stores.set(resourceId(store.info), store);
    this.changed();
  }

  /** Stops serving group/version/resource; true when it was served. */
  remove(group: string, version: string, resource: string): boolean {
    const removed = this.stores.delete(resourceId({ group, version, resource }));
    if (removed) this.changed();
    return removed;
  }

  resources(): readonly ResourceInfo[] {
    return [...this.stores.values()].map((s) => s.info);
  }

  store(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.stores.get(resourceId({ group, version, resource }));
  }

  generation(): number {
    return this.changes;
  }

  componentSchema(name: string): JsonObject | undefined {
    for (const s of this.stores.values()) {
      const found = s.openApiSchemas?.()[name];
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Calls listener after every change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes++;
    for (const l of this.listeners) l();
  }
}
