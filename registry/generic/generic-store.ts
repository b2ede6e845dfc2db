import { randomUUID, randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { StoreClient, StoredObject, StoreWatchEvent, StoreWatchNotice } from '../../storage/client/store-client.js';
import { isStorageError } from '../../storage/errors.js';
import { ApiError, errors, fromStorageError, type StatusCause } from './api-error.js';
import { decodeContinue, encodeContinue, expiredContinueMessage } from './continue-token.js';
import { matchesFields, parseFieldSelector, type FieldSelector } from './field-selector.js';
import { listPrefix, objectKey } from './keys.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from './label-selector.js';
import { nameErrors } from './name-validation.js';
import { applyPatch } from './patch.js';
import type { DeleteOptions, ListOptions, ObjectList, PatchType, ResourceStore, WatchEvent, WatchOptions, WriteOptions } from './resource-store.js';
import type { Strategy } from './strategy.js';
import { buildTable, defaultTable } from './table.js';
import { apiVersionOf, type KubeObject, type ResourceInfo } from './types.js';

/** What the store asks about a namespace before creating in it. */
export type NamespaceLookup = (name: string) => Promise<KubeObject | undefined>;

/** Options of a GenericStore. */
export interface GenericStoreOptions {
  /** Looks up namespaces for create (NotFound / Terminating checks); absent: no check. */
  readonly namespaceLookup?: NamespaceLookup;
  /** The clock (creationTimestamp, deletionTimestamp, AGE). */
  readonly now?: () => Date;
  /** How often a watch with allowWatchBookmarks asks the store for progress (ms). */
  readonly bookmarkIntervalMs?: number;
  /** How many conflicts GuaranteedUpdate retries before giving up. */
  readonly maxRetries?: number;
}

type Mutation = (current: KubeObject) => KubeObject;

const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
const generateSuffix = (): string => Array.from({ length: 5 }, () => alnum[randomInt(alnum.length)]).join('');

/** RFC 3339 at second precision, as Kubernetes writes timestamps. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseRevision(rv: string, what: string): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${what} "${rv}"`);
  return Number(rv);
}

/**
 * The one implementation of the REST verbs, after Kubernetes' generic registry
 * store: a StoreClient holds each object as JSON under its key, a Strategy says
 * how the kind differs. resourceVersion is the key's mod_revision (the list's
 * read revision on lists); the server owns uid, creationTimestamp, generation,
 * resourceVersion and deletionTimestamp.
 */
export class GenericStore implements ResourceStore {
  readonly info: ResourceInfo;
  readonly strategy: Strategy;
  private readonly client: StoreClient;
  private readonly options: GenericStoreOptions;
  private readonly now: () => Date;

  constructor(client: StoreClient, strategy: Strategy, options: GenericStoreOptions = {}) {
    this.client = client;
    this.strategy = strategy;
    this.info = strategy.info;
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  // ---- encoding ----

  private decode(o: StoredObject): KubeObject {
    const obj = JSON.parse(o.value.toString('utf8')) as KubeObject;
    obj.metadata.resourceVersion = String(o.modRevision);
    return obj;
  }

  private encode(obj: KubeObject): Buffer {
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return Buffer.from(JSON.stringify({ ...obj, metadata }));
  }

  private ns(namespace: string | undefined): string | undefined {
    return this.info.namespaced ? namespace : undefined;
  }

  private key(namespace: string | undefined, name: string): string {
    if (this.info.namespaced && (namespace === undefined || namespace === '')) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
    return objectKey(this.info, namespace, name);
  }

  private invalid(name: string, causes: readonly StatusCause[]): ApiError {
    return errors.invalid(this.info, this.info.kind, name, causes);
  }

  // ---- validation ----

  private validateAll(obj: KubeObject, old: KubeObject | undefined): void {
    const causes: StatusCause[] = [];
    const name = obj.metadata.name ?? '';
    if (old === undefined) {
      for (const m of nameErrors(this.strategy.nameRule ?? 'dns1123Subdomain', name)) {
        causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${m}` });
      }
    }
    causes.push(...this.validateMeta(obj));
    causes.push(...this.strategy.validate(obj));
    if (old !== undefined) causes.push(...this.strategy.validateUpdate(obj, old));
    if (causes.length > 0) throw this.invalid(name, causes);
  }

  private validateMeta(obj: KubeObject): StatusCause[] {
    const causes: StatusCause[] = [];
    for (const [field, map] of [['labels', obj.metadata.labels], ['annotations', obj.metadata.annotations]] as const) {
      if (map === undefined) continue;
      if (typeof map !== 'object' || map === null || Array.isArray(map)) {
        causes.push({ reason: 'FieldValueInvalid', field: `metadata.${field}`, message: 'Invalid value: must be a map of strings' });
        continue;
      }
      for (const [k, v] of Object.entries(map)) {
        if (typeof v !== 'string') causes.push({ reason: 'FieldValueInvalid', field: `metadata.${field}`, message: `Invalid value: ${JSON.stringify(k)}: value must be a string` });
        else if (field === 'labels' && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: `metadata.labels`,
            message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
          });
        }
      }
    }
    return causes;
  }

  private async checkNamespace(namespace: string | undefined, name: string): Promise<void> {
    if (!this.info.namespaced || this.options.namespaceLookup === undefined || namespace === undefined) return;
    const ns = await this.options.namespaceLookup(namespace);
    if (ns === undefined) throw errors.notFound({ resource: 'namespaces', group: '' }, namespace);
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw errors.forbidden(this.info, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  // ---- create ----

  async create(namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    try {
      return await this.doCreate(this.ns(namespace), input, options);
    } catch (e) {
      throw fromStorageError(e);
    }
  }

  private async doCreate(namespace: string | undefined, input: KubeObject, options: WriteOptions): Promise<KubeObject> {
    if (input === null || typeof input !== 'object' || typeof input.metadata !== 'object' || input.metadata === null) throw errors.badRequest('the object has no metadata');
    const obj = structuredClone(input);
    if (this.info.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else delete obj.metadata.namespace;
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '') throw errors.badRequest('resourceVersion should not be set on objects to be created');
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
    const generated = (obj.metadata.name === undefined || obj.metadata.name === '') && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName !== '';
    if ((obj.metadata.name === undefined || obj.metadata.name === '') && !generated) {
      throw this.invalid('', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    for (let attempt = 0; ; attempt++) {
      if (generated) obj.metadata.name = `${obj.metadata.generateName}${generateSuffix()}`;
      const name = obj.metadata.name!;
      delete obj.metadata.resourceVersion;
      delete obj.metadata.deletionTimestamp;
      delete obj.metadata.deletionGracePeriodSeconds;
      obj.metadata.uid = randomUUID();
      obj.metadata.creationTimestamp = rfc3339(this.now());
      obj.metadata.generation = 1;
      this.strategy.prepareForCreate(obj);
      this.strategy.applyDefaults(obj);
      this.validateAll(obj, undefined);
      await this.checkNamespace(namespace, name);
      const key = this.key(namespace, name);
      if (options.dryRun === true) {
        if ((await this.client.get(key)).object !== undefined) throw errors.alreadyExists(this.info, name);
        return obj;
      }
      const r = await this.client.optimisticPut(key, this.encode(obj), 0);
      if (r.succeeded) {
        obj.metadata.resourceVersion = String(r.revision);
        return obj;
      }
      if (!generated || attempt >= 8) throw errors.alreadyExists(this.info, name);
    }
  }

  // ---- get ----

  async get(namespace: string | undefined, name: string, subresource?: string): Promise<KubeObject> {
    try {
      const obj = await this.read(this.ns(namespace), name);
      if (subresource !== undefined && !this.info.subresources.includes(subresource)) throw errors.notFound(this.info, `${name}/${subresource}`);
      return subresource === 'scale' ? this.toScale(obj) : obj;
    } catch (e) {
      throw fromStorageError(e);
    }
  }

  private async read(namespace: string | undefined, name: string): Promise<KubeObject> {
    const r = await this.client.get(this.key(namespace, name));
    if (r.object === undefined) throw errors.notFound(this.info, name);
    return this.decode(r.object);
  }

  private toScale(obj: KubeObject): KubeObject {
    const s = this.strategy.scale;
    if (s === undefined) throw errors.notFound(this.info, `${obj.metadata.name}/scale`);
    const m = obj.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: s.specReplicas(obj) },
      status: { replicas: s.statusReplicas(obj), selector: s.selector(obj) },
    };
  }

  // ---- updates ----

  /**
   * Kubernetes' GuaranteedUpdate: reads the object, applies mutate, and writes it
   * if its mod_revision is unchanged; on a lost race it reads again and retries.
   * mutate throws to abort (e.g. Conflict on a stale precondition).
   */
  async guaranteedUpdate(namespace: string | undefined, name: string, mutate: Mutation, options: WriteOptions = {}): Promise<KubeObject> {
    try {
      return await this.doGuaranteedUpdate(this.ns(namespace), name, mutate, options);
    } catch (e) {
      throw fromStorageError(e);
    }
  }

  private async doGuaranteedUpdate(namespace: string | undefined, name: string, mutate: Mutation, options: WriteOptions): Promise<KubeObject> {
    const key = this.key(namespace, name);
    let stored = (await this.client.get(key)).object;
    const max = this.options.maxRetries ?? 1000;
    for (let attempt = 0; ; attempt++) {
      if (stored === undefined) throw errors.notFound(this.info, name);
      const current = this.decode(stored);
      const next = mutate(structuredClone(current));
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      if (isDeepStrictEqual(next, current) || options.dryRun === true) return next;
      if (this.isFinalized(next)) {
        const d = await this.client.optimisticDelete(key, stored.modRevision);
        if (d.succeeded) return next;
        stored = d.current;
        continue;
      }
      const r = await this.client.optimisticPut(key, this.encode(next), stored.modRevision);
      if (r.succeeded) {
        next.metadata.resourceVersion = String(r.revision);
        return next;
      }
      if (attempt >= max) throw errors.conflict(this.info, name, 'the object has been modified; please apply your changes to the latest version and try again');
      stored = r.current;
    }
  }

  /** Whether an update leaves an object marked for deletion with no finalizers: then it is removed. */
  private isFinalized(o: KubeObject): boolean {
    return o.metadata.deletionTimestamp !== undefined && (o.metadata.finalizers ?? []).length === 0 && this.strategy.beginGracefulDelete === undefined;
  }

  /** Turns a requested new state into the stored one: server-owned fields kept, subresource rules, defaults, validation. */
  private prepareUpdate(requested: KubeObject, old: KubeObject, subresource: string | undefined): KubeObject {
    const name = old.metadata.name!;
    if (requested === null || typeof requested !== 'object' || typeof requested.metadata !== 'object' || requested.metadata === null) throw errors.badRequest('the object has no metadata');
    const rv = requested.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw errors.conflict(this.info, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    let obj: KubeObject;
    if (subresource === 'scale') {
      const s = this.strategy.scale;
      if (s === undefined) throw errors.notFound(this.info, `${name}/scale`);
      const replicas = (requested.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid({ resource: this.info.resource, group: 'autoscaling' }, 'Scale', name, [
          { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` },
        ]);
      }
      obj = structuredClone(old);
      s.setSpecReplicas(obj, replicas);
    } else if (subresource === 'status') {
      if (!this.info.subresources.includes('status')) throw errors.notFound(this.info, `${name}/status`);
      obj = structuredClone(old);
      if (requested.status === undefined) delete obj.status;
      else obj.status = structuredClone(requested.status);
    } else if (subresource !== undefined) {
      throw errors.notFound(this.info, `${name}/${subresource}`);
    } else {
      obj = structuredClone(requested);
      if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (this.info.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== old.metadata.namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (this.info.subresources.includes('status')) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      this.strategy.prepareForUpdate(obj, old);
    }
    obj.apiVersion = old.apiVersion;
    obj.kind = old.kind;
    const m = obj.metadata;
    m.name = name;
    if (this.info.namespaced) m.namespace = old.metadata.namespace;
    else delete m.namespace;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    delete m.generateName;
    if (old.metadata.generateName !== undefined) m.generateName = old.metadata.generateName;
    if (old.metadata.deletionTimestamp === undefined) delete m.deletionTimestamp;
    else m.deletionTimestamp = old.metadata.deletionTimestamp;
    this.strategy.applyDefaults(obj);
    m.generation = (old.metadata.generation ?? 1) + (this.strategy.isSpecChange(obj, old) ? 1 : 0);
    m.resourceVersion = old.metadata.resourceVersion;
    this.validateAll(obj, old);
    return obj;
  }

  async update(namespace: string | undefined, name: string, obj: KubeObject, options: WriteOptions & { subresource?: string } = {}): Promise<KubeObject> {
    const updated = await this.guaranteedUpdate(namespace, name, (current) => this.prepareUpdate(obj, current, options.subresource), options);
    return options.subresource === 'scale' ? this.toScale(updated) : updated;
  }

  async patch(
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions & { subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<KubeObject> {
    if (type === 'apply') throw errors.unsupportedMediaType('application/apply-patch+yaml (server-side apply is not supported yet)');
    const sub = options.subresource;
    const updated = await this.guaranteedUpdate(
      namespace,
      name,
      (current) => {
        const view = sub === 'scale' ? this.toScale(current) : current;
        const patched = applyPatch(view, type, patch) as KubeObject;
        if (typeof patched.metadata !== 'object' || patched.metadata === null) throw errors.badRequest('the patch removed metadata');
        return this.prepareUpdate(patched, current, sub);
      },
      options,
    );
    return sub === 'scale' ? this.toScale(updated) : updated;
  }

  // ---- delete ----

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    try {
      return await this.doDelete(this.ns(namespace), name, options);
    } catch (e) {
      throw fromStorageError(e);
    }
  }

  private checkPreconditions(obj: KubeObject, options: DeleteOptions): void {
    const p = options.preconditions;
    const name = obj.metadata.name ?? '';
    if (p?.uid !== undefined && p.uid !== obj.metadata.uid) {
      throw errors.conflict(this.info, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
    }
    if (p?.resourceVersion !== undefined && p.resourceVersion !== obj.metadata.resourceVersion) {
      throw errors.conflict(this.info, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
    }
  }

  private async doDelete(namespace: string | undefined, name: string, options: DeleteOptions): Promise<KubeObject> {
    const key = this.key(namespace, name);
    let stored = (await this.client.get(key)).object;
    for (;;) {
      if (stored === undefined) throw errors.notFound(this.info, name);
      const current = this.decode(stored);
      this.checkPreconditions(current, options);
      const marked = structuredClone(current);
      const hasFinalizers = (marked.metadata.finalizers ?? []).length > 0;
      const graceful = this.strategy.beginGracefulDelete?.(marked) === true || hasFinalizers;
      if (graceful) {
        marked.metadata.deletionTimestamp ??= rfc3339(this.now());
        marked.metadata.deletionGracePeriodSeconds ??= 0;
        if (isDeepStrictEqual(marked, current) || options.dryRun === true) return marked;
        const r = await this.client.optimisticPut(key, this.encode(marked), stored.modRevision);
        if (r.succeeded) {
          marked.metadata.resourceVersion = String(r.revision);
          return marked;
        }
        stored = r.current;
        continue;
      }
      if (options.dryRun === true) return current;
      const r = await this.client.optimisticDelete(key, stored.modRevision);
      if (r.succeeded) return current;
      stored = r.current;
    }
  }

  /** Removes the key whatever its finalizers (the namespace controller's last step). Missing is not an error. */
  async remove(namespace: string | undefined, name: string): Promise<void> {
    const key = this.key(this.ns(namespace), name);
    try {
      let stored = (await this.client.get(key)).object;
      while (stored !== undefined) {
        const r = await this.client.optimisticDelete(key, stored.modRevision);
        if (r.succeeded) return;
        stored = r.current;
      }
    } catch (e) {
      throw fromStorageError(e);
    }
  }

  async deleteCollection(namespace: string | undefined, options: DeleteOptions & ListOptions = {}): Promise<ObjectList> {
    const { limit: _limit, continue: _continue, ...listOptions } = options;
    const list = await this.list(namespace, listOptions);
    const items: KubeObject[] = [];
    for (const o of list.items) {
      try {
        items.push(await this.delete(o.metadata.namespace, o.metadata.name!, options));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { ...list, items };
  }

  // ---- list ----

  private selectors(options: { labelSelector?: string; fieldSelector?: string }): (o: KubeObject) => boolean {
    const labels: LabelSelector = parseLabelSelector(options.labelSelector ?? '');
    const fields: FieldSelector = parseFieldSelector(options.fieldSelector ?? '');
    for (const r of fields.requirements) {
      if (r.field === 'metadata.name' || (r.field === 'metadata.namespace' && this.info.namespaced)) continue;
      if (this.strategy.fieldSelectorValue?.({ metadata: {} }, r.field) === undefined) {
        throw errors.badRequest(`field label not supported: ${r.field}`);
      }
    }
    return (o) =>
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, (f) => (f === 'metadata.name' ? o.metadata.name : f === 'metadata.namespace' ? o.metadata.namespace : this.strategy.fieldSelectorValue?.(o, f)));
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ObjectList> {
    const match = this.selectors(options);
    const prefix = listPrefix(this.info, this.ns(namespace));
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : 0;
    let revision = 0;
    let after: string | undefined;
    const hasContinue = options.continue !== undefined && options.continue !== '';
    if (hasContinue) {
      if (options.resourceVersion !== undefined && options.resourceVersion !== '' && options.resourceVersion !== '0') {
        throw errors.badRequest('specifying resource version is not allowed when using continue');
      }
      const pos = decodeContinue(options.continue!);
      revision = pos.resourceVersion;
      after = prefix + pos.start;
    } else if (options.resourceVersion !== undefined && options.resourceVersion !== '' && options.resourceVersion !== '0') {
      const rv = parseRevision(options.resourceVersion, 'resourceVersion');
      if (options.resourceVersionMatch === 'Exact') revision = rv;
      else {
        const head = (await this.client.get(prefix)).revision;
        if (head < rv) throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${head}`);
      }
    } else if (options.resourceVersionMatch !== undefined) {
      throw errors.badRequest(
        options.resourceVersion === '0' && options.resourceVersionMatch === 'Exact'
          ? 'resourceVersionMatch "Exact" is forbidden for resourceVersion "0"'
          : 'resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    }
    const items: KubeObject[] = [];
    let more = false;
    let lastKey: string | undefined;
    let remaining = 0;
    let first = true;
    try {
      for (;;) {
        const page = await this.client.list(prefix, { revision, limit, after });
        revision = page.revision;
        if (first) remaining = page.remaining;
        first = false;
        for (const s of page.objects) {
          lastKey = s.key;
          const o = this.decode(s);
          if (match(o)) items.push(o);
          if (limit > 0 && items.length >= limit) break;
        }
        const stoppedEarly = page.objects.length > 0 && lastKey !== page.objects[page.objects.length - 1]!.key;
        more = page.more || stoppedEarly;
        if (limit === 0 || items.length >= limit || !page.more) break;
        after = lastKey;
      }
    } catch (e) {
      if (isStorageError(e, 'Compacted')) {
        throw errors.gone(hasContinue ? expiredContinueMessage : 'The resourceVersion for the provided list is too old.');
      }
      throw fromStorageError(e);
    }
    const metadata: ObjectList['metadata'] = { resourceVersion: String(revision) };
    if (more && lastKey !== undefined) {
      metadata.continue = encodeContinue({ resourceVersion: revision, start: lastKey.slice(prefix.length) });
      if ((options.labelSelector ?? '') === '' && (options.fieldSelector ?? '') === '') metadata.remainingItemCount = Math.max(0, remaining - items.length);
    }
    return { apiVersion: apiVersionOf(this.info), kind: this.info.listKind, metadata, items };
  }

  // ---- watch ----

  /**
   * Throws the ApiError (400) a watch with these options would end with at once,
   * so a caller can answer with a plain Status before it starts streaming.
   */
  checkWatchOptions(options: WatchOptions): void {
    this.selectors(options);
    const rv = options.resourceVersion ?? '';
    if (rv !== '' && rv !== '0') parseRevision(rv, 'resourceVersion');
  }

  /**
   * Streams changes. Every failure, bad parameters included, arrives as one
   * ERROR event (possibly before watch returns) that ends the watch.
   */
  watch(namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent) => void): { stop(): void } {
    let stopped = false;
    let storeWatch: { cancel(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      stopped = true;
      storeWatch?.cancel();
      if (timer !== undefined) clearInterval(timer);
    };
    const emit = (e: WatchEvent): void => {
      if (stopped) return;
      onEvent(e);
      if (e.type === 'ERROR') stop();
    };
    const fail = (err: unknown): void => emit({ type: 'ERROR', object: fromStorageError(err).toStatus() });
    let match: (o: KubeObject) => boolean;
    try {
      this.checkWatchOptions(options);
      match = this.selectors(options);
    } catch (e) {
      fail(e);
      return { stop };
    }
    const rv = options.resourceVersion ?? '';
    const initial = rv === '' || rv === '0' || options.sendInitialEvents === true;
    const prefix = listPrefix(this.info, this.ns(namespace));
    const bookmark = (revision: number, annotations?: Record<string, string>): void =>
      emit({ type: 'BOOKMARK', object: { kind: this.info.kind, apiVersion: apiVersionOf(this.info), metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) } } });
    const onNotice = (n: StoreWatchNotice): void => {
      if (stopped) return;
      if (n.kind === 'events') {
        for (const e of n.events) {
          const w = this.translate(e, match);
          if (w !== undefined) emit(w);
        }
      } else if (n.kind === 'progress') {
        if (options.allowWatchBookmarks === true) bookmark(n.revision);
      } else if (n.code === 'Compacted') {
        emit({ type: 'ERROR', object: new ApiError(410, 'Expired', `too old resource version: ${options.resourceVersion ?? ''} (${n.compactRevision ?? ''})`).toStatus() });
      } else {
        emit({ type: 'ERROR', object: errors.internal(n.message).toStatus() });
      }
    };
    const startFrom = (fromRevision: number): void => {
      if (stopped) return;
      storeWatch = this.client.watch(prefix, fromRevision, onNotice);
      if (options.allowWatchBookmarks === true) {
        timer = setInterval(() => this.client.requestProgress(), this.options.bookmarkIntervalMs ?? 60_000);
        timer.unref();
      }
    };
    if (!initial) {
      startFrom(Number(rv) + 1);
      return { stop };
    }
    const sendInitial = async (): Promise<void> => {
      const list = await this.list(namespace, {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        ...(rv !== '' && rv !== '0' ? { resourceVersion: rv } : {}),
      });
      for (const o of list.items) emit({ type: 'ADDED', object: o });
      const revision = Number(list.metadata.resourceVersion);
      if (options.sendInitialEvents === true && options.allowWatchBookmarks === true) bookmark(revision, { 'k8s.io/initial-events-end': 'true' });
      startFrom(revision + 1);
    };
    sendInitial().catch(fail);
    return { stop };
  }

  private translate(e: StoreWatchEvent, match: (o: KubeObject) => boolean): WatchEvent | undefined {
    const revision = String(e.object.modRevision);
    const prev = e.previous === undefined ? undefined : this.decode(e.previous);
    const prevMatches = prev !== undefined && match(prev);
    const asOf = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: revision } });
    if (e.type === 'delete') return prevMatches ? { type: 'DELETED', object: asOf(prev) } : undefined;
    const cur = this.decode(e.object);
    const curMatches = match(cur);
    if (curMatches) return { type: prevMatches ? 'MODIFIED' : 'ADDED', object: cur };
    return prevMatches ? { type: 'DELETED', object: asOf(prev) } : undefined;
  }

  // ---- table ----

  table(objects: readonly KubeObject[], listMeta: ObjectList['metadata'] | undefined, includeObject: 'None' | 'Metadata' | 'Object'): unknown {
    return buildTable(this.strategy.table ?? defaultTable, objects, listMeta, includeObject, this.now());
  }
}
