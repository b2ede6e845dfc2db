import { ApiError } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import type { KubeObject } from '../generic/types.js';

/** Where the controller reports failures it will retry (default: stderr). */
export type ControllerLog = (message: string) => void;

/**
 * Kubernetes' namespace lifecycle controller, small: it watches namespaces, and
 * for each one marked for deletion removes every object in it from every
 * namespaced store, then removes the namespace itself. Work is serial; a failed
 * pass is retried after retryMs.
 */
export class NamespaceController {
  private readonly namespaces: GenericStore;
  private readonly namespaced: readonly GenericStore[];
  private readonly log: ControllerLog;
  private readonly retryMs: number;
  private watch: { stop(): void } | undefined;
  private readonly pending = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private isStopped = false;

  constructor(namespaces: GenericStore, namespaced: readonly GenericStore[], options: { log?: ControllerLog; retryMs?: number } = {}) {
    this.namespaces = namespaces;
    this.namespaced = namespaced;
    this.log = options.log ?? ((m) => process.stderr.write(`namespace controller: ${m}\n`));
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Starts watching (the current namespaces arrive first, so leftovers from a restart are finished too). */
  start(): void {
    this.isStopped = false;
    this.watch = this.namespaces.watch(undefined, { resourceVersion: '0' }, (e) => {
      if (e.type === 'ERROR') {
        this.log(`watch ended: ${e.object.message}; restarting`);
        this.watch = undefined;
        this.retryTimer = setTimeout(() => this.isStopped || this.start(), this.retryMs);
        return;
      }
      const ns = e.object as KubeObject;
      if ((e.type === 'ADDED' || e.type === 'MODIFIED') && ns.metadata.deletionTimestamp !== undefined) this.enqueue(ns.metadata.name!);
    });
  }

  /** Stops watching and waits for the namespace being finalized, if any. */
  async stop(): Promise<void> {
    this.isStopped = true;
    this.watch?.stop();
    this.watch = undefined;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.pending.clear();
    await this.running;
  }

  /** Resolves when the queue is empty (for tests). */
  async idle(): Promise<void> {
    await this.running;
  }

  private enqueue(name: string): void {
    if (this.pending.has(name)) return;
    this.pending.add(name);
    this.running = this.running.then(async () => {
      if (this.isStopped) return;
      try {
        await this.finalize(name);
        this.pending.delete(name);
      } catch (e) {
        this.pending.delete(name);
        this.log(`finalizing namespace ${name} failed: ${e instanceof Error ? e.message : String(e)}; retrying`);
        this.retryTimer = setTimeout(() => this.isStopped || this.enqueue(name), this.retryMs);
      }
    });
  }

  /** Empties namespace name and removes it. */
  async finalize(name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.namespaces.get(undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
    if (ns.metadata.deletionTimestamp === undefined) return;
    for (const store of this.namespaced) {
      const list = await store.list(name);
      for (const o of list.items) await store.remove(name, o.metadata.name!);
    }
    await this.namespaces.remove(undefined, name);
  }
}
