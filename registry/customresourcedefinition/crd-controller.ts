/**
 * What kube-apiserver's apiextensions controllers do, in one controller that
 * follows the CRD objects in the store through a watch (so every API server
 * on one store serves the same custom resources, and a restart restores
 * them):
 *  - naming: accepts a CRD's names unless another CRD of its group took them
 *    (NamesAccepted, status.acceptedNames);
 *  - serving: adds a store per served version to the resource set (routing,
 *    discovery and OpenAPI follow) once the names are accepted, and removes
 *    them when the CRD goes;
 *  - establishing: marks the CRD Established once it is served;
 *  - finalizing: for a CRD being deleted, deletes every custom resource
 *    (Terminating condition), then removes the cleanup finalizer so the CRD goes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AdmissionChain } from '../admission/admission.js';
import { Informer } from '../controllers/informer.js';
import { WorkQueue, type ControllerLog } from '../controllers/work-queue.js';
import { ApiError } from '../generic/api-error.js';
import { arrayOf, child, field } from '../generic/base-strategy.js';
import { GenericStore } from '../generic/generic-store.js';
import { resourceId, type KubeObject } from '../generic/types.js';
import type { ResourceRegistry } from '../resource-registry.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { customResourceSchemas } from '../customresource/openapi.js';
import { hasCelRules, loadCelEngine } from '../../schemas/cel-engine.js';
import { customResourceStrategy, storageVersion, versionSchema } from '../customresource/strategy.js';
import { isConditionTrue, setCondition } from './conditions.js';
import { cleanupFinalizer } from './strategy.js';

/** What the controller needs of the registry. */
export interface CrdControllerDeps {
  /** The customresourcedefinitions store. */
  readonly crds: GenericStore;
  /** The served set custom resource stores are added to and removed from. */
  readonly resources: ResourceRegistry;
  /** The storage of the custom resource stored under a prefix (through its watch cache). */
  readonly storageFor: (prefix: string) => ObjectStorage;
  /** A custom resource's objects are gone for good: its watch cache can go. */
  readonly forget?: (prefix: string) => void;
  readonly admission: AdmissionChain;
  readonly now: () => Date;
}

type Names = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The names a CRD asks for and the conditions naming gives it, as kube-apiserver's naming controller computes them. */
export function acceptNames(crd: KubeObject, others: readonly KubeObject[]): { names: Names; accepted: boolean; reason: string; message: string } {
  const spec = field(crd, 'spec') ?? {};
  const requested = field(spec, 'names') ?? {};
  const current = field(field(crd, 'status'), 'acceptedNames') ?? {};
  const group = spec.group;
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const o of others) {
    if (o.metadata.name === crd.metadata.name || field(o, 'spec')?.group !== group) continue;
    const n = field(field(o, 'status'), 'acceptedNames') ?? {};
    for (const r of [str(n.plural), str(n.singular), ...strings(n.shortNames)]) if (r !== '') resources.add(r);
    for (const k of [str(n.kind), str(n.listKind)]) if (k !== '') kinds.add(k);
  }
  const names: Names = { ...current };
  let reason = 'NoConflicts';
  let message = 'no conflicts found';
  let accepted = true;
  const conflict = (r: string, name: string): void => {
    accepted = false;
    reason = r;
    message = `${JSON.stringify(name)} is already in use`;
  };
  const single = (key: string, set: Set<string>, r: string): void => {
    const want = str(requested[key]);
    if (want === str(current[key])) return;
    if (set.has(want)) conflict(r, want);
    else names[key] = want;
  };
  single('plural', resources, 'PluralConflict');
  single('singular', resources, 'SingularConflict');
  const shortNames = strings(requested.shortNames);
  if (!isDeepStrictEqual(shortNames, strings(current.shortNames))) {
    const taken = shortNames.filter((s) => resources.has(s) && !strings(current.shortNames).includes(s));
    for (const s of taken) conflict('ShortNamesConflict', s);
    if (taken.length === 0) {
      if (shortNames.length > 0) names.shortNames = shortNames;
      else delete names.shortNames;
    }
  }
  single('kind', kinds, 'KindConflict');
  single('listKind', kinds, 'ListKindConflict');
  const categories = strings(requested.categories);
  if (categories.length > 0) names.categories = categories;
  else delete names.categories;
  return { names, accepted, reason, message };
}

export class CrdController {
  private readonly deps: CrdControllerDeps;
  private readonly queue: WorkQueue;
  private readonly informer: Informer;
  private readonly recheckMs: number;
  /** Per CRD name: what its stores were built from, and the resource ids they serve. */
  private readonly served = new Map<string, { fingerprint: string; ids: { group: string; version: string; resource: string }[] }>();

  constructor(deps: CrdControllerDeps, options: { log: ControllerLog; retryMs: number; recheckMs?: number }) {
    this.deps = deps;
    this.recheckMs = options.recheckMs ?? 500;
    this.queue = new WorkQueue((name) => this.sync(name), options);
    this.informer = new Informer(deps.crds, (_type, crd) => this.queue.add(crd.metadata.name!), options);
  }

  start(): void {
    this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
    await this.queue.stop();
  }

  /** Resolves when every CRD seen so far has been worked on (for tests). */
  async idle(): Promise<void> {
    await this.informer.synced();
    await this.queue.idle();
  }

  private async sync(name: string): Promise<void> {
    let crd: KubeObject;
    try {
      crd = await this.deps.crds.get(undefined, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.unserve(name);
        // Others of its group may now take the names it held.
        for (const o of this.informer.list()) if (o.metadata.name !== name) this.queue.add(o.metadata.name!);
        return;
      }
      throw e;
    }
    if (crd.metadata.deletionTimestamp === undefined) await this.name(crd);
    crd = await this.deps.crds.get(undefined, name).catch(() => crd);
    if (isConditionTrue(crd, 'NamesAccepted') || isConditionTrue(crd, 'Established')) {
      if (hasCelRules(crd.spec)) await loadCelEngine();
      this.serve(crd);
    }
    if (crd.metadata.deletionTimestamp === undefined && isConditionTrue(crd, 'NamesAccepted') && !isConditionTrue(crd, 'Established')) {
      await this.updateStatus(name, (c) => {
        if (isConditionTrue(c, 'NamesAccepted')) setCondition(c, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, this.deps.now());
      });
    }
    if (crd.metadata.deletionTimestamp !== undefined && (crd.metadata.finalizers ?? []).includes(cleanupFinalizer)) await this.finalize(crd);
  }

  /** Writes status.acceptedNames and the NamesAccepted (and, while not established, Established) conditions. */
  private async name(crd: KubeObject): Promise<void> {
    const result = acceptNames(crd, this.informer.list());
    await this.updateStatus(crd.metadata.name!, (c) => {
      const now = this.deps.now();
      const status = child(c, 'status');
      status.acceptedNames = result.names;
      setCondition(c, { type: 'NamesAccepted', status: result.accepted ? 'True' : 'False', reason: result.reason, message: result.message }, now);
      if (!isConditionTrue(c, 'Established')) {
        setCondition(
          c,
          result.accepted
            ? { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' }
            : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' },
          now,
        );
      }
    });
  }

  /** Applies change to the stored CRD's status; writes only when something changed. */
  private async updateStatus(name: string, change: (crd: KubeObject) => void): Promise<void> {
    const current = await this.deps.crds.get(undefined, name);
    const next = structuredClone(current);
    change(next);
    if (isDeepStrictEqual(next.status, current.status)) return;
    // Recorded as kube-apiserver's apiextensions controllers record their status writes.
    await this.deps.crds.guaranteedUpdate(
      undefined,
      name,
      (c) => {
        const updated = structuredClone(c);
        change(updated);
        return updated;
      },
      {},
      { manager: 'kube-apiserver', subresource: 'status' },
    );
  }

  /** Serves the CRD's served versions with stores built from it (rebuilt when its spec or accepted names change). */
  private serve(crd: KubeObject): void {
    const name = crd.metadata.name!;
    const spec = field(crd, 'spec') ?? {};
    const acceptedNames = field(crd, 'status')?.acceptedNames;
    const terminating = crd.metadata.deletionTimestamp !== undefined;
    const fingerprint = JSON.stringify([spec, acceptedNames, terminating]);
    if (this.served.get(name)?.fingerprint === fingerprint) return;
    const versions = arrayOf(spec.versions).filter((v) => v.served === true);
    const ids: { group: string; version: string; resource: string }[] = [];
    const d = this.deps;
    for (const v of versions) {
      const { strategy, schema } = customResourceStrategy(crd, str(v.name), terminating);
      if (strategy.info.resource === '' || strategy.info.kind === '') continue;
      const openApiSchemas = customResourceSchemas(strategy.info, versionSchema(v));
      d.resources.add(new GenericStore(strategy, { storage: d.storageFor(strategy.info.storagePrefix), admission: d.admission, now: d.now, schema, typedListItems: true, openApiSchemas }));
      ids.push(strategy.info);
    }
    const before = this.served.get(name)?.ids ?? [];
    for (const old of before) if (!ids.some((i) => resourceId(i) === resourceId(old))) d.resources.remove(old.group, old.version, old.resource);
    this.served.set(name, { fingerprint, ids });
  }

  private unserve(name: string): void {
    const s = this.served.get(name);
    if (s === undefined) return;
    for (const id of s.ids) this.deps.resources.remove(id.group, id.version, id.resource);
    this.served.delete(name);
  }

  /** Deletes the CRD's custom resources, then lets the CRD go. */
  private async finalize(crd: KubeObject): Promise<void> {
    const name = crd.metadata.name!;
    const now = this.deps.now;
    await this.updateStatus(name, (c) => setCondition(c, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, now()));
    const spec = field(crd, 'spec') ?? {};
    const storage = this.deps.resources.store(str(spec.group), storageVersion(crd), str(field(field(crd, 'status'), 'acceptedNames')?.plural) || str(field(spec, 'names')?.plural));
    if (storage instanceof GenericStore) {
      const list = await storage.list(undefined);
      for (const o of list.items) {
        try {
          await storage.delete(o.metadata.namespace, o.metadata.name!);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
      if ((await storage.list(undefined, { limit: 1 })).items.length > 0) {
        this.queue.addAfter(name, this.recheckMs);
        return;
      }
      this.deps.forget?.(storage.info.storagePrefix);
    }
    await this.deps.crds.guaranteedUpdate(undefined, name, (c) => {
      const updated = structuredClone(c);
      setCondition(updated, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }, now());
      const rest = (updated.metadata.finalizers ?? []).filter((f) => f !== cleanupFinalizer);
      if (rest.length > 0) updated.metadata.finalizers = rest;
      else delete updated.metadata.finalizers;
      return updated;
    });
  }
}
