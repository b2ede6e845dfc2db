/**
 * Kubernetes' garbage collector (kube-controller-manager's
 * `garbagecollector`), in process: it keeps a graph of owner references
 * between objects of every resource that can be listed, watched and deleted,
 * and
 *  - deletes an object once none of its owners exists (an owner with the
 *    same name but another uid does not count);
 *  - for an owner deleted with propagationPolicy Foreground (finalizer
 *    foregroundDeletion), deletes its dependents first and lets it go once no
 *    dependent with blockOwnerDeletion is left;
 *  - for an owner deleted with Orphan (finalizer orphan), removes the owner
 *    references to it from its dependents, then lets it go.
 * Whether an owner exists is always asked of the store, never of the graph.
 */
import { ApiError } from '../generic/api-error.js';
import type { GenericStore } from '../generic/generic-store.js';
import { apiVersionOf, type KubeObject, type OwnerReference, type ResourceInfo } from '../generic/types.js';
import { Informer } from './informer.js';
import { WorkQueue, type ControllerLog } from './work-queue.js';

/** What the collector needs of the registry. */
export interface GarbageCollectorDeps {
  /** The stores of every resource the collector watches (list, watch and delete). */
  stores(): GenericStore[];
  /** Calls back when the set of served resources changes; returns the unsubscribe. */
  onResourcesChange?(listener: () => void): () => void;
}

/** One object in the graph. */
interface Node {
  readonly uid: string;
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
  owners: readonly OwnerReference[];
  deleting: boolean;
  finalizers: readonly string[];
}

const storeKey = (i: Pick<ResourceInfo, 'group' | 'version' | 'resource'>): string => `${i.group}/${i.version}/${i.resource}`;

export class GarbageCollector {
  private readonly deps: GarbageCollectorDeps;
  private readonly options: { log: ControllerLog; retryMs: number };
  private readonly nodes = new Map<string, Node>();
  /** owner uid -> dependent uids. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly informers = new Map<string, Informer>();
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(deps: GarbageCollectorDeps, options: { log: ControllerLog; retryMs: number }) {
    this.deps = deps;
    this.options = options;
    this.queue = new WorkQueue((uid) => this.process(uid), options);
  }

  start(): void {
    this.sync();
    this.unsubscribe = this.deps.onResourcesChange?.(() => this.sync());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const i of this.informers.values()) i.stop();
    this.informers.clear();
    await this.queue.stop();
  }

  /** Resolves when every informer has synced and nothing is queued. */
  async idle(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced()));
    await this.queue.idle();
  }

  /** Watches every collectable resource, and stops watching those no longer served. */
  private sync(): void {
    const wanted = new Map(this.deps.stores().map((s) => [storeKey(s.info), s]));
    for (const [key, informer] of this.informers) {
      if (wanted.has(key)) continue;
      informer.stop();
      this.informers.delete(key);
    }
    for (const [key, store] of wanted) {
      if (this.informers.has(key)) continue;
      const informer = new Informer(store, (type, obj) => this.observe(store.info, type, obj), this.options);
      this.informers.set(key, informer);
      informer.start();
    }
  }

  private link(owner: string, dependent: string, on: boolean): void {
    let set = this.dependents.get(owner);
    if (on) {
      if (set === undefined) this.dependents.set(owner, (set = new Set()));
      set.add(dependent);
    } else if (set !== undefined) {
      set.delete(dependent);
      if (set.size === 0) this.dependents.delete(owner);
    }
  }

  private observe(info: ResourceInfo, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (uid === undefined) return;
    const previous = this.nodes.get(uid);
    if (type === 'DELETED') {
      if (previous === undefined) return;
      this.nodes.delete(uid);
      for (const o of previous.owners) {
        this.link(o.uid, uid, false);
        // An owner waiting for its dependents may now be free to go.
        if (this.nodes.get(o.uid)?.deleting === true) this.queue.add(o.uid);
      }
      for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
      return;
    }
    const owners = (obj.metadata.ownerReferences ?? []).filter((r) => typeof r.uid === 'string' && r.uid !== '');
    const node: Node = {
      uid,
      info,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? '',
      owners,
      deleting: obj.metadata.deletionTimestamp !== undefined,
      finalizers: obj.metadata.finalizers ?? [],
    };
    for (const o of previous?.owners ?? []) if (!owners.some((n) => n.uid === o.uid)) this.link(o.uid, uid, false);
    for (const o of owners) this.link(o.uid, uid, true);
    this.nodes.set(uid, node);
    if (node.deleting && (node.finalizers.includes('orphan') || node.finalizers.includes('foregroundDeletion'))) this.queue.add(uid);
    // Owners it names that the graph does not hold may be gone: ask the store.
    if (owners.some((o) => !this.nodes.has(o.uid) || this.nodes.get(o.uid)!.deleting)) this.queue.add(uid);
    if (previous !== undefined && previous.owners.length > owners.length) for (const o of previous.owners) this.queue.add(o.uid);
  }

  /** The store that holds objects of an owner reference's apiVersion and kind. */
  private storeFor(ref: Pick<OwnerReference, 'apiVersion' | 'kind'>): GenericStore | undefined {
    return this.deps.stores().find((s) => apiVersionOf(s.info) === ref.apiVersion && s.info.kind === ref.kind);
  }

  private storeOf(node: Node): GenericStore | undefined {
    return this.deps.stores().find((s) => storeKey(s.info) === storeKey(node.info));
  }

  /** The live object of a graph node, or undefined when it is gone (or replaced by another uid). */
  private async live(store: GenericStore, namespace: string | undefined, name: string, uid: string): Promise<KubeObject | undefined> {
    try {
      const o = await store.get(namespace, name);
      return o.metadata.uid === uid ? o : undefined;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  private async process(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (node === undefined) return;
    const store = this.storeOf(node);
    if (store === undefined) return;
    const obj = await this.live(store, node.namespace, node.name, uid);
    if (obj === undefined) return;
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp !== undefined && finalizers.includes('orphan')) {
      await this.orphanDependents(uid);
      await this.removeFinalizer(store, obj, 'orphan');
      return;
    }
    if (obj.metadata.deletionTimestamp !== undefined && finalizers.includes('foregroundDeletion')) {
      await this.deleteDependentsFirst(store, obj);
      return;
    }
    await this.collectIfOwnerless(store, obj);
  }

  /** Deletes obj if none of its owners exists; drops the references to owners that are gone when some remain. */
  private async collectIfOwnerless(store: GenericStore, obj: KubeObject): Promise<void> {
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || obj.metadata.deletionTimestamp !== undefined) return;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of owners) {
      const ownerStore = this.storeFor(ref);
      // An owner of a kind nobody serves cannot be looked up: leave the dependent alone.
      if (ownerStore === undefined) return;
      const owner = await this.live(ownerStore, ownerStore.info.namespaced ? obj.metadata.namespace : undefined, ref.name, ref.uid);
      if (owner === undefined) dangling.push(ref);
      else if (owner.metadata.deletionTimestamp !== undefined && (owner.metadata.finalizers ?? []).includes('foregroundDeletion')) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const goneUids = new Set(dangling.map((r) => r.uid));
      const waitingUids = new Set(waiting.map((r) => r.uid));
      await store.guaranteedUpdate(obj.metadata.namespace, obj.metadata.name!, (current) => {
        const refs = (current.metadata.ownerReferences ?? []).filter((r) => !goneUids.has(r.uid)).map((r) => (waitingUids.has(r.uid) ? { ...r, blockOwnerDeletion: false } : r));
        current.metadata.ownerReferences = refs;
        return current;
      });
      return;
    }
    const hasDependents = (this.dependents.get(obj.metadata.uid ?? '')?.size ?? 0) > 0;
    const policy = waiting.length > 0 && hasDependents ? 'Foreground' : (obj.metadata.finalizers ?? []).includes('orphan') ? 'Orphan' : (obj.metadata.finalizers ?? []).includes('foregroundDeletion') ? 'Foreground' : 'Background';
    try {
      await store.delete(obj.metadata.namespace, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid! }, propagationPolicy: policy });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  /** Foreground deletion: delete the dependents; release the owner once none blocks it. */
  private async deleteDependentsFirst(store: GenericStore, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    let blocking = 0;
    for (const d of [...(this.dependents.get(uid) ?? [])]) {
      const node = this.nodes.get(d);
      if (node === undefined) continue;
      const ref = node.owners.find((o) => o.uid === uid);
      if (ref?.blockOwnerDeletion === true) blocking++;
      if (!node.deleting) this.queue.add(d);
    }
    if (blocking === 0) await this.removeFinalizer(store, owner, 'foregroundDeletion');
  }

  /** Orphan deletion: remove every dependent's reference to the owner. */
  private async orphanDependents(ownerUid: string): Promise<void> {
    for (const d of [...(this.dependents.get(ownerUid) ?? [])]) {
      const node = this.nodes.get(d);
      const store = node === undefined ? undefined : this.storeOf(node);
      if (node === undefined || store === undefined) continue;
      try {
        await store.guaranteedUpdate(node.namespace, node.name, (current) => {
          if (current.metadata.uid !== d) return current;
          const refs = (current.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
          if (refs.length === 0) delete current.metadata.ownerReferences;
          else current.metadata.ownerReferences = refs;
          return current;
        });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  private async removeFinalizer(store: GenericStore, obj: KubeObject, finalizer: string): Promise<void> {
    try {
      await store.guaranteedUpdate(obj.metadata.namespace, obj.metadata.name!, (current) => {
        if (current.metadata.uid !== obj.metadata.uid) return current;
        const rest = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        if (rest.length === 0) delete current.metadata.finalizers;
        else current.metadata.finalizers = rest;
        return current;
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
