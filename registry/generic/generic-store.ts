import { randomUUID, randomInt } from 'node:crypto';
import type { JsonObject } from '../../schemas/json.js';
import { builtinObjectSchema, type ObjectSchema } from '../../schemas/object-schema.js';
import { kindSchemaNames } from '../../schemas/schema-sources.js';
import { goQuote } from '../../schemas/go-url.js';
import { noAdmission, type AdmissionChain, type AdmissionOperation, type UserInfo } from '../admission/admission.js';
import { isObjectStorageError, type GetOptions, type ObjectStorage, type StorageEvent, type TryUpdate } from '../storage/object-storage.js';
import { selectionPredicate, type SelectionPredicate } from '../storage/selection.js';
import { applyConfig, managerOf, topLevelFields, updateManagedFields, type ApplyResult, type FieldContext } from '../field-manager/field-manager.js';
import { scaleApiVersion, toParentManaged, toScaleManaged } from '../field-manager/scale-fields.js';
import { syncLastApplied } from '../field-manager/last-applied.js';
import { decodeManaged, encodeManaged, type Managed } from '../field-manager/managed-fields.js';
import { rootRule, type MergeRule } from '../field-manager/merge-rules.js';
import { TypedValueError } from '../field-manager/typed-value.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/object-meta.js';
import { ApiError, errors, fromStorageError, type StatusCause } from './api-error.js';
import { cloneJson } from './clone-json.js';
import { listPrefix, objectKey } from './keys.js';
import { applyPatch } from './patch.js';
import type { BodyFields, DeleteOptions, DeleteResult, ListOptions, ObjectList, PatchOptions, ResourceStore, SubresourceHandler, WatchEvent, WatchOptions, WriteOptions } from './resource-store.js';
import type { PartialUpdate, Strategy } from './strategy.js';
import { buildTable, defaultTable, partialMetadata, type MetaVersion } from './table.js';
import { apiVersionOf, hasSubresource, type KubeObject, type ResourceInfo } from './types.js';

/** Work a resource does around the store's writes (allocating cluster IPs, ...). */
export interface StoreHooks {
  /** After validation, before the object is stored; may change it (an allocated IP). */
  beforeCreate?(obj: KubeObject, dryRun: boolean): Promise<void>;
  /** The create failed after beforeCreate: undo what it did. */
  createFailed?(obj: KubeObject): Promise<void>;
  /** After validation of an update, before it is stored. */
  beforeUpdate?(obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void>;
  /** The object was removed from the store. */
  afterDelete?(obj: KubeObject): Promise<void>;
}

/** Options of a GenericStore. */
export interface GenericStoreOptions {
  /** Where objects live. */
  readonly storage: ObjectStorage;
  /** The kind's schema for decoding and encoding; the built-in kind's by default. */
  readonly schema?: ObjectSchema;
  /** The admission chain writes go through. */
  readonly admission?: AdmissionChain;
  /** The clock (creationTimestamp, deletionTimestamp, AGE). */
  readonly now?: () => Date;
  /** Resource-specific work around writes. */
  readonly hooks?: StoreHooks;
  /** Handlers of subresources beyond status and scale (binding, eviction, log, token). */
  readonly subresources?: Readonly<Record<string, SubresourceHandler>>;
  /** Whether DELETE answers with the deleted object (pods) rather than a Status. */
  readonly returnDeletedObject?: boolean;
  /** Objects expire this many seconds after each write (events). */
  readonly ttlSeconds?: number;
  /** Whether list items keep apiVersion and kind (custom resources do; built-in kinds' do not). */
  readonly typedListItems?: boolean;
  /** OpenAPI component schemas the resource brings (custom resources), by name. */
  readonly openApiSchemas?: Readonly<Record<string, JsonObject>>;
}

const alnum = 'bcdfghjklmnpqrstvwxz2456789';
const generateSuffix = (): string => Array.from({ length: 5 }, () => alnum[randomInt(alnum.length)]).join('');

/** RFC 3339 at second precision, as Kubernetes writes timestamps. */
/** The PatchOptions cause of an apply patch without a fieldManager (the API layer checks it with the other options). */
export const applyNeedsFieldManager: StatusCause = { reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' };

/** A group-version-kind as Go's schema.GroupVersionKind prints it: `apps/v1, Kind=Deployment`, `/v1, Kind=ConfigMap`. */
function goGroupVersionKind(apiVersion: string, kind: string): string {
  return `${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}, Kind=${kind}`;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A finished deletion's answer when the store does not return the object. */
function successStatus(info: ResourceInfo, obj: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, ...(info.group === '' ? {} : { group: info.group }), kind: info.resource, uid: obj.metadata.uid },
  };
}

/**
 * The one implementation of the REST verbs, after Kubernetes' generic
 * registry store: objects live in an ObjectStorage, a Strategy says how the
 * kind differs, the admission chain sees every write. The server owns uid,
 * creationTimestamp, generation, resourceVersion and deletionTimestamp.
 */
export class GenericStore implements ResourceStore {
  readonly info: ResourceInfo;
  readonly strategy: Strategy;
  readonly storage: ObjectStorage;
  private readonly options: GenericStoreOptions;
  private readonly schema: ObjectSchema | undefined;
  private readonly admission: AdmissionChain;
  private readonly now: () => Date;
  /** Server-side apply's merge rules for this kind's objects. */
  private readonly mergeRule: MergeRule;
  /** The kind's empty object as Go writes it, the base a create's field ownership is counted from (made on first use). */
  private zeroObject: KubeObject | undefined;

  constructor(strategy: Strategy, options: GenericStoreOptions) {
    this.strategy = strategy;
    this.info = strategy.info;
    this.storage = options.storage;
    this.options = options;
    this.schema = options.schema ?? builtinObjectSchema(apiVersionOf(strategy.info), strategy.info.kind);
    this.admission = options.admission ?? noAdmission;
    this.now = options.now ?? (() => new Date());
    this.mergeRule = rootRule(this.schema?.structure ?? this.schema?.root ?? { type: 'any' });
  }

  // ---- field ownership (managedFields) ----

  private zero(): KubeObject {
    if (this.zeroObject === undefined) {
      const z: KubeObject = { apiVersion: apiVersionOf(this.info), kind: this.info.kind, metadata: {} };
      this.schema?.encode(z);
      this.zeroObject = z;
    }
    return this.zeroObject;
  }

  private fieldContext(subresource: string | undefined): FieldContext {
    const ignored = subresource === undefined ? (hasSubresource(this.info, 'status') ? ['status'] : []) : subresource === 'status' ? ['spec'] : [];
    return {
      rule: this.mergeRule,
      apiVersion: apiVersionOf(this.info),
      subresource: subresource ?? '',
      ignored: topLevelFields(ignored),
      now: rfc3339(this.now()),
      recordsWriter: !(subresource === 'scale' && this.info.custom === true),
    };
  }

  /**
   * The managedFields of an Update from old (undefined: a create) to obj, counted on
   * obj as decoded and defaulted, before admission changes it (kube-apiserver does not
   * give admission's changes to the requester).
   */
  private trackUpdate(old: KubeObject | undefined, obj: KubeObject, subresource: string | undefined, options: WriteOptions): Managed | undefined {
    const next = cloneJson(obj);
    // kube-apiserver counts the object as encoded: empty omitempty lists are not there (but an
    // empty managedFields is the request's reset, read from the request).
    this.schema?.encode(next, true);
    if (obj.metadata.managedFields !== undefined) next.metadata.managedFields = obj.metadata.managedFields;
    try {
      return updateManagedFields(this.fieldContext(subresource), old, next, this.zero(), managerOf(options));
    } catch (e) {
      // An object ownership cannot be counted on (duplicate list keys) keeps no managedFields,
      // and validation answers for it, as kube-apiserver's UpdateNoErrors does.
      if (e instanceof TypedValueError) return undefined;
      throw e;
    }
  }

  /** Writes managed into obj's metadata (none when undefined or empty). */
  private static setManaged(obj: KubeObject, managed: Managed | undefined): void {
    const entries = managed === undefined ? [] : encodeManaged(managed);
    if (entries.length === 0) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = entries;
  }

  // ---- keys and versions ----

  private ns(namespace: string | undefined): string | undefined {
    return this.info.namespaced ? namespace : undefined;
  }

  private key(namespace: string | undefined, name: string): string {
    if (this.info.namespaced && (namespace === undefined || namespace === '')) throw errors.badRequest('the server could not find the requested resource: a namespace is required');
    return objectKey(this.info, namespace, name);
  }

  /** A stored object as this version serves it. */
  /** An object as this resource serves it; objects from a watch cache are frozen and shared, so it is changed only in a copy. */
  private served(obj: KubeObject): KubeObject {
    const c = this.strategy.conversion;
    const out = c === undefined ? obj : c.fromStorage(obj);
    const apiVersion = apiVersionOf(this.info);
    if (out.apiVersion === apiVersion && out.kind === this.info.kind) return out;
    return { ...out, apiVersion, kind: this.info.kind };
  }

  /** An object as a list carries it: built-in kinds' items have no apiVersion or kind (the list says them). */
  private listItem(o: KubeObject): KubeObject {
    if (this.options.typedListItems === true) return o;
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest as KubeObject;
  }

  /** A served object as it is stored. */
  private stored(obj: KubeObject): KubeObject {
    const c = this.strategy.conversion;
    if (c === undefined) return obj;
    const out = c.toStorage(obj);
    out.apiVersion = c.storageApiVersion;
    out.kind = c.storageKind;
    return out;
  }

  /** Translates storage failures into Status errors worded for this resource: the one table. */
  private failure(e: unknown, name: string): ApiError {
    if (isObjectStorageError(e)) {
      switch (e.code) {
        case 'NotFound':
          return errors.notFound(this.info, name);
        case 'Exists':
          return errors.alreadyExists(this.info, name);
        case 'PreconditionFailed':
        case 'Conflict':
          return errors.conflict(this.info, name, e.message);
        case 'Expired':
          return errors.gone(e.message);
        case 'TooLargeResourceVersion':
          return errors.tooLargeResourceVersion(e.message);
      }
    }
    return fromStorageError(e);
  }

  private writeOptions(dryRun: boolean): { dryRun: boolean; ttlSeconds?: number } {
    return this.options.ttlSeconds === undefined ? { dryRun } : { dryRun, ttlSeconds: this.options.ttlSeconds };
  }

  private invalid(name: string, causes: readonly StatusCause[], kind = this.info.kind): ApiError {
    const group = this.strategy.errorGroup ?? this.info.group;
    return errors.invalid({ resource: this.info.resource, group }, kind, name, causes);
  }

  // ---- decoding requests ----

  /**
   * Checks a request object against the kind's schema and removes what
   * Kubernetes' decoder drops: Invalid on type errors, BadRequest on unknown
   * fields under Strict, warnings under Warn.
   */
  private decodeRequest(obj: KubeObject, options: WriteOptions, name: string): void {
    if (this.schema === undefined) return;
    const report = this.schema.decode(obj, options.fieldValidation ?? 'Warn');
    if (report.badRequest !== undefined) throw errors.badRequest(report.badRequest);
    if (report.causes.length > 0) throw this.invalid(name, report.causes);
    const duplicates = options.fieldValidation === 'Ignore' ? [] : (options.bodyFields?.duplicates ?? []);
    const problems = duplicates.length === 0 ? report.unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`) : fieldProblems(report.unknownFields, duplicates, options.bodyFields!);
    if (problems.length > 0 && options.fieldValidation === 'Strict') {
      const kind = this.info.kind;
      throw errors.badRequest(`${kind} in version ${JSON.stringify(this.info.version)} cannot be handled as a ${kind}: strict decoding error: ${problems.join(', ')}`);
    }
    if (duplicates.length === 0) options.warnings?.push(...report.warnings);
    else if (options.fieldValidation !== 'Ignore') options.warnings?.push(...problems, ...report.warnings.filter((w) => !w.startsWith('unknown field ')));
  }

  /**
   * kube-apiserver decodes what a JSON or merge patch made strictly under
   * fieldValidation=Strict, and refuses unknown fields there with 422 Invalid on the
   * field `patch`, quoting the whole patched object (its top-level keys sorted, as its
   * JSON merge re-encodes them) and naming no kind, where a create or update with the
   * same fields gets 400. Other decoding problems are left to decodeRequest. Unlike
   * kube-apiserver, the values of confidential fields (a Secret's data) are not quoted.
   */
  private refuseUnknownPatched(patched: KubeObject): void {
    if (this.schema === undefined) return;
    const report = this.schema.decode(cloneJson(patched), 'Strict');
    if (report.unknownFields.length === 0 || report.badRequest !== undefined || report.causes.length > 0) return;
    const sorted = Object.fromEntries(Object.keys(patched).sort().map((k) => [k, this.quotable(k, patched[k])]));
    const unknown = report.unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ');
    const message = `Invalid value: ${goQuote(JSON.stringify(sorted))}: strict decoding error: ${unknown}`;
    throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
  }

  /** A top-level field's value as an error may quote it: a confidential field's values redacted, its keys kept. */
  private quotable(field: string, value: unknown): unknown {
    if (this.strategy.confidentialFields?.includes(field) !== true) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return '<redacted>';
    return Object.fromEntries(Object.keys(value).map((k) => [k, '<redacted>']));
  }

  /**
   * Refuses an object whose apiVersion or kind names another kind than the
   * URL's, as Kubernetes' decoder words it; the same kind at another version
   * of the same group is converted (accepted).
   */
  private checkTypeMeta(obj: KubeObject): void {
    if (this.strategy.checkTypeMeta !== undefined) {
      this.strategy.checkTypeMeta(obj);
      return;
    }
    const want = apiVersionOf(this.info);
    const apiVersion = typeof obj.apiVersion === 'string' && obj.apiVersion !== '' ? obj.apiVersion : want;
    const kind = typeof obj.kind === 'string' && obj.kind !== '' ? obj.kind : this.info.kind;
    if (apiVersion === want && kind === this.info.kind) return;
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    const prefix = `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${this.info.kind}`;
    if (!kindSchemaNames.has(`${apiVersion}/${kind}`)) {
      throw errors.badRequest(`${prefix}: no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme "pkg/runtime/scheme.go:100"`);
    }
    if (group === this.info.group && kind === this.info.kind) return;
    const internal = this.info.group === '' || this.info.group === 'events.k8s.io' ? 'core' : this.info.group.split('.')[0]!;
    throw errors.badRequest(`${prefix}: converting (${version}.${kind}) to (${internal}.${this.info.kind}): unknown conversion`);
  }

  /** The field errors of obj (an update of old, through partial when a subresource takes part of it), thrown as one Invalid. */
  private validate(obj: KubeObject, old: KubeObject | undefined, partial?: PartialUpdate): void {
    const whole = partial?.validatesAlone !== true;
    const causes = whole ? validateObjectMeta(obj, this.strategy.nameRule ?? 'dns1123Subdomain', this.info.namespaced, old === undefined) : [];
    const own = whole ? this.strategy.validate(obj) : [];
    if (old === undefined) causes.push(...own, ...(this.strategy.validateCreate?.(obj) ?? []));
    else {
      const update = [...validateObjectMetaUpdate(obj, old), ...(partial ?? this.strategy).validateUpdate(obj, old)];
      causes.push(...(this.strategy.updateChecksFirst === true ? [...update, ...own] : [...own, ...update]));
    }
    if (causes.length > 0) throw this.invalid(obj.metadata.name ?? '', causes);
  }

  private admissionRequest(operation: AdmissionOperation, obj: KubeObject | undefined, old: KubeObject | undefined, subresource: string | undefined, options: WriteOptions) {
    const source = obj ?? old!;
    return {
      operation,
      resource: this.info,
      subresource,
      namespace: this.ns(source.metadata.namespace),
      name: source.metadata.name ?? '',
      object: obj,
      oldObject: old,
      dryRun: options.dryRun === true,
      ...(options.user === undefined ? {} : { user: options.user }),
    };
  }

  // ---- create ----

  async create(namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return this.createObject(namespace, input, options, false);
  }

  /** A create; keepManaged: input carries its final managedFields (a server-side apply that creates). */
  private async createObject(namespace: string | undefined, input: KubeObject, options: WriteOptions, keepManaged: boolean): Promise<KubeObject> {
    const ns = this.ns(namespace);
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw errors.badRequest('the request body must be an object');
    const obj = cloneJson(input);
    if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata)) obj.metadata = {};
    this.checkTypeMeta(obj);
    if (this.info.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
    } else delete obj.metadata.namespace;
    this.decodeRequest(obj, options, obj.metadata.name ?? '');
    const hadResourceVersion = obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '';
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
    const generated = (obj.metadata.name === undefined || obj.metadata.name === '') && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName !== '';
    const m = obj.metadata;
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.generation;
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(this.now());
    if (this.strategy.generation) m.generation = 1;
    this.strategy.applyDefaults(obj);
    const managed = keepManaged ? undefined : this.trackUpdate(undefined, obj, undefined, options);
    await this.admission.admit(this.admissionRequest('CREATE', obj, undefined, undefined, options));
    // As in kube-apiserver, defaulting, the field manager and admission see no generated name; the strategy does.
    if (generated) obj.metadata.name = `${obj.metadata.generateName}${generateSuffix()}`;
    this.strategy.prepareForCreate(obj);
    this.schema?.encode(obj);
    if (!keepManaged) GenericStore.setManaged(obj, managed);
    // Only kinds that load code for validation (CRDs) wait here; the others validate in the same turn.
    if (this.strategy.loadValidation !== undefined) await this.strategy.loadValidation(obj);
    this.validate(obj, undefined);
    options.warnings?.push(...(this.strategy.warnings?.(obj, undefined) ?? []));
    await this.admission.validate(this.admissionRequest('CREATE', obj, undefined, undefined, options));
    this.schema?.finish?.(obj);
    // The storage layer's own refusal, after everything else (a plain error: 500 without a reason).
    if (hadResourceVersion) throw new ApiError(500, '', 'resourceVersion should not be set on objects to be created');
    const dryRun = options.dryRun === true;
    await this.options.hooks?.beforeCreate?.(obj, dryRun);
    for (let attempt = 0; ; attempt++) {
      try {
        return this.served(await this.storage.create(this.key(ns, obj.metadata.name!), this.stored(obj), this.writeOptions(dryRun)));
      } catch (e) {
        if (generated && attempt < 8 && isObjectStorageError(e, 'Exists')) {
          obj.metadata.name = `${obj.metadata.generateName}${generateSuffix()}`;
          continue;
        }
        if (!dryRun) await this.options.hooks?.createFailed?.(obj);
        throw this.failure(e, obj.metadata.name!);
      }
    }
  }

  // ---- get ----

  async get(namespace: string | undefined, name: string, subresource?: string, options?: GetOptions): Promise<KubeObject> {
    if (subresource !== undefined && !hasSubresource(this.info, subresource)) throw errors.notFound(this.info, name);
    let obj: KubeObject;
    try {
      obj = this.served(await this.storage.get(this.key(this.ns(namespace), name), options));
    } catch (e) {
      // kube-apiserver's built-in scale subresources name themselves in their NotFound (deployments/scale.apps).
      if (subresource === 'scale' && this.info.custom !== true && isObjectStorageError(e, 'NotFound')) throw errors.notFound({ resource: `${this.info.resource}/scale`, group: this.info.group }, name);
      throw this.failure(e, name);
    }
    return subresource === 'scale' ? this.toScale(obj) : obj;
  }

  private toScale(obj: KubeObject): KubeObject {
    const s = this.strategy.scale;
    if (s === undefined) throw errors.notFound(this.info, obj.metadata.name ?? '');
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
   * Kubernetes' GuaranteedUpdate for callers inside the registry (controllers):
   * reads the object, applies mutate, and writes it if unchanged meanwhile,
   * retrying on a lost race. No validation or admission. With a manager, the
   * change is recorded in managedFields as that manager's Update (through the
   * subresource), as a controller's request to kube-apiserver would be.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    options: WriteOptions = {},
    owner?: { readonly manager: string; readonly subresource?: string },
  ): Promise<KubeObject> {
    try {
      const out = await this.storage.guaranteedUpdate(
        this.key(this.ns(namespace), name),
        async (current) => {
          const old = this.served(current);
          const changed = mutate(structuredClone(old));
          if (owner !== undefined) GenericStore.setManaged(changed, this.trackUpdate(old, changed, owner.subresource, { fieldManager: owner.manager }));
          const next = this.stored(changed);
          return this.isFinalized(next) ? { remove: true, object: next } : next;
        },
        this.writeOptions(options.dryRun === true),
      );
      return this.served(out);
    } catch (e) {
      throw this.failure(e, name);
    }
  }

  /** Whether an update leaves an object marked for deletion with no finalizers: then it is removed. */
  private isFinalized(o: KubeObject): boolean {
    if (o.metadata.deletionTimestamp === undefined || (o.metadata.finalizers ?? []).length > 0 || (o.metadata.deletionGracePeriodSeconds ?? 0) !== 0) return false;
    return this.strategy.beginGracefulDelete?.(structuredClone(o)) !== true;
  }

  /** The update's tryUpdate: prepares the requested state against the current one. */
  private updater(requested: (current: KubeObject) => KubeObject, subresource: string | undefined, options: WriteOptions, keepManaged = false): TryUpdate {
    return async (storedCurrent) => {
      const current = this.served(storedCurrent);
      const next = await this.prepareUpdate(requested(current), current, subresource, options, keepManaged);
      const out = this.stored(next);
      return this.isFinalized(out) ? { remove: true, object: out } : out;
    };
  }

  /** Turns a requested new state into the stored one: server-owned fields kept, subresource rules, defaults, admission, validation. */
  private async prepareUpdate(requested: KubeObject, old: KubeObject, subresource: string | undefined, options: WriteOptions, keepManaged: boolean): Promise<KubeObject> {
    const name = old.metadata.name!;
    if (requested === null || typeof requested !== 'object' || Array.isArray(requested)) throw errors.badRequest('the request body must be an object');
    if (typeof requested.metadata !== 'object' || requested.metadata === null || Array.isArray(requested.metadata)) requested.metadata = {};
    const rv = requested.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw errors.conflict(this.info, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const partial = subresource === undefined ? undefined : this.strategy.partialUpdates?.[subresource];
    let obj: KubeObject;
    if (subresource === 'scale') {
      obj = this.scaled(requested, old);
    } else if (subresource === 'status') {
      this.checkTypeMeta(requested);
      this.decodeRequest(requested, options, name);
      obj = structuredClone(old);
      if (requested.status === undefined) delete obj.status;
      else obj.status = structuredClone(requested.status);
      this.strategy.prepareForStatusUpdate?.(obj, old);
    } else if (partial !== undefined) {
      this.checkTypeMeta(requested);
      this.decodeRequest(requested, options, name);
      obj = structuredClone(old);
      partial.take(obj, requested);
    } else if (subresource !== undefined) {
      throw errors.notFound(this.info, name);
    } else {
      obj = cloneJson(requested);
      this.checkTypeMeta(obj);
      this.decodeRequest(obj, options, name);
      if (hasSubresource(this.info, 'status')) {
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
    if (old.metadata.generateName === undefined) delete m.generateName;
    else m.generateName = old.metadata.generateName;
    if (old.metadata.deletionTimestamp === undefined) delete m.deletionTimestamp;
    else m.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    else m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    m.resourceVersion = old.metadata.resourceVersion;
    this.strategy.applyDefaults(obj);
    if (keepManaged) {
      // A server-side apply counted its fields on the merged object; a subresource keeps them from the request.
      const entries = requested.metadata.managedFields;
      if (Array.isArray(entries) && entries.length > 0) m.managedFields = structuredClone(entries);
      else delete m.managedFields;
    } else if (partial?.keepsManagedFields !== true) {
      GenericStore.setManaged(obj, this.trackUpdate(old, obj, subresource, options));
    }
    if (subresource === undefined) this.strategy.finishUpdate?.(obj, old);
    await this.admission.admit(this.admissionRequest('UPDATE', obj, old, subresource, options));
    this.schema?.encode(obj);
    if (this.strategy.generation) m.generation = (old.metadata.generation ?? 1) + (this.strategy.isSpecChange(obj, old) ? 1 : 0);
    else delete m.generation;
    if (this.strategy.loadValidation !== undefined) await this.strategy.loadValidation(obj);
    this.validate(obj, old, partial);
    if (subresource === undefined) options.warnings?.push(...(this.strategy.warnings?.(obj, old) ?? []));
    if (subresource === 'status') {
      const causes = this.strategy.validateStatusUpdate?.(obj, old) ?? [];
      if (causes.length > 0) throw this.invalid(name, causes);
    }
    await this.admission.validate(this.admissionRequest('UPDATE', obj, old, subresource, options));
    this.schema?.finish?.(obj);
    await this.options.hooks?.beforeUpdate?.(obj, old, options.dryRun === true);
    return obj;
  }

  /** The object with the replica count of a Scale request. */
  private scaled(requested: KubeObject, old: KubeObject): KubeObject {
    const s = this.strategy.scale;
    const name = old.metadata.name!;
    if (s === undefined) throw errors.notFound(this.info, name);
    const replicas = (requested.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      if (s.replicasCause !== undefined) throw this.invalid(name, [s.replicasCause(replicas)]);
      throw errors.invalid({ resource: this.info.resource, group: 'autoscaling' }, 'Scale', name, [
        { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
      ]);
    }
    const obj = structuredClone(old);
    s.setSpecReplicas(obj, replicas);
    return obj;
  }

  /** The request handler's check, before anything is read: the body names the object the URL does. */
  private checkName(input: KubeObject, namespace: string | undefined, name: string): void {
    const meta = input?.metadata as KubeObject['metadata'] | undefined;
    if (typeof meta !== 'object' || meta === null) return;
    if (typeof meta.name === 'string' && meta.name !== '' && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.info.namespaced && typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  async update(namespace: string | undefined, name: string, input: KubeObject, options: WriteOptions & { subresource?: string } = {}): Promise<{ object: KubeObject; created: boolean }> {
    const sub = options.subresource;
    if (sub !== undefined && !hasSubresource(this.info, sub)) throw errors.notFound(this.info, name);
    const ns = this.ns(namespace);
    this.checkName(input, ns, name);
    const key = this.key(ns, name);
    const rv = input?.metadata?.resourceVersion;
    // A scale subresource PUT may always be unconditional.
    if (this.strategy.unconditionalUpdate === false && sub !== 'scale' && (rv === undefined || rv === '')) {
      const exists = await this.storage.get(key).then(
        () => true,
        (e: unknown) => {
          if (isObjectStorageError(e, 'NotFound')) return false;
          throw this.failure(e, name);
        },
      );
      if (exists) {
        // The body is decoded (and its unknown fields warned about) before the update is refused, as in kube-apiserver.
        if (sub === undefined && input !== null && typeof input === 'object') this.decodeRequest(structuredClone(input), options, name);
        throw errors.invalid(this.info, this.info.resource, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
      }
    }
    try {
      const out = this.served(await this.storage.guaranteedUpdate(key, this.updater(() => cloneJson(input), sub, options), this.writeOptions(options.dryRun === true)));
      return { object: sub === 'scale' ? this.toScale(out) : out, created: false };
    } catch (e) {
      if (sub === undefined && this.strategy.allowCreateOnUpdate === true && isObjectStorageError(e, 'NotFound')) {
        const rv = input?.metadata?.resourceVersion;
        if (rv !== undefined && rv !== '') throw errors.notFound(this.info, name);
        const body = { ...input, metadata: { ...input.metadata, name } };
        return { object: await this.create(ns, body, options), created: true };
      }
      throw e instanceof ApiError ? e : this.failure(e, name);
    }
  }

  async patch(namespace: string | undefined, name: string, type: 'merge' | 'json' | 'strategic', patch: unknown, options: PatchOptions = {}): Promise<KubeObject> {
    const sub = options.subresource;
    if (sub !== undefined && !hasSubresource(this.info, sub)) throw errors.notFound(this.info, name);
    if (type === 'strategic' && this.strategy.supportsStrategicMerge === false) {
      throw new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    }
    const key = this.key(this.ns(namespace), name);
    const view = (current: KubeObject): KubeObject => {
      const base = sub === 'scale' ? this.toScale(current) : current;
      const patched = applyPatch(base, type, patch, this.schema?.root) as KubeObject;
      if (type !== 'strategic' && sub !== 'scale' && options.fieldValidation === 'Strict') this.refuseUnknownPatched(patched);
      return patched;
    };
    try {
      const out = this.served(await this.storage.guaranteedUpdate(key, this.updater(view, sub, options), this.writeOptions(options.dryRun === true)));
      return sub === 'scale' ? this.toScale(out) : out;
    } catch (e) {
      throw e instanceof ApiError ? e : this.failure(e, name);
    }
  }

  // ---- server-side apply ----

  async apply(namespace: string | undefined, name: string, body: unknown, options: PatchOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const sub = options.subresource;
    if (sub !== undefined && sub !== 'status' && sub !== 'scale') throw errors.notFound(this.info, name);
    if (sub !== undefined && !hasSubresource(this.info, sub)) throw errors.notFound(this.info, name);
    const manager = options.fieldManager ?? '';
    if (manager === '') throw errors.invalidOptions('PatchOptions', [applyNeedsFieldManager]);
    const ns = this.ns(namespace);
    const scale = sub === 'scale' ? this.scaleFields() : undefined;
    const config = this.applyConfiguration(body, scale === undefined ? { apiVersion: apiVersionOf(this.info), kind: this.info.kind } : { apiVersion: scaleApiVersion, kind: 'Scale' });
    const key = this.key(ns, name);
    const ctx = scale?.ctx ?? this.fieldContext(sub);
    const force = options.force === true;
    const merged = (live: KubeObject | undefined, zero: KubeObject): ApplyResult => {
      try {
        return applyConfig(ctx, live, config, zero, manager, force);
      } catch (e) {
        if (!(e instanceof TypedValueError)) throw e;
        const gvk = goGroupVersionKind(config.apiVersion as string, String(config.kind));
        throw new ApiError(500, '', `failed to create typed patch object (${config.metadata.namespace ?? ''}/${config.metadata.name ?? ''}; ${gvk}): ${e.message}`);
      }
    };
    const applied = (live: KubeObject | undefined): KubeObject => {
      if (scale !== undefined && live !== undefined) {
        // The apply merges into the Scale view; the Scale is the request the scale update takes,
        // carrying the parent's managedFields translated back.
        const parent = decodeManaged(live.metadata.managedFields) ?? new Map();
        const view = this.toScale(live);
        GenericStore.setManaged(view, toScaleManaged(parent, scale.replicasPath));
        const result = merged(view, scale.zero);
        this.checkName(config, ns, name);
        const obj = cloneJson(result.object);
        GenericStore.setManaged(obj, toParentManaged(parent, result.managed, scale.replicasPath, apiVersionOf(this.info)));
        return obj;
      }
      const result = merged(live, this.zero());
      // The name is checked on the applied object, after conflicts, as kube-apiserver checks it.
      this.checkName(config, ns, name);
      const obj = cloneJson(result.object);
      GenericStore.setManaged(obj, result.managed);
      syncLastApplied(obj, live, config, manager);
      return obj;
    };
    try {
      const out = this.served(await this.storage.guaranteedUpdate(key, this.updater(applied, sub, options, true), this.writeOptions(options.dryRun === true)));
      return { object: scale === undefined ? out : this.toScale(out), created: false };
    } catch (e) {
      if (sub === undefined && isObjectStorageError(e, 'NotFound')) {
        const obj = applied(undefined);
        obj.metadata.name = name;
        return { object: await this.createObject(ns, obj, options, true), created: true };
      }
      throw e instanceof ApiError ? e : this.failure(e, name);
    }
  }

  /** What an apply through the scale subresource merges with: the Scale's rules, its empty object, the parent's replicas field. */
  private scaleFields(): { ctx: FieldContext; zero: KubeObject; replicasPath: string[] } {
    const schema = builtinObjectSchema(scaleApiVersion, 'Scale');
    const zero: KubeObject = { apiVersion: scaleApiVersion, kind: 'Scale', metadata: {} };
    schema?.encode(zero);
    const field = this.strategy.scale?.specReplicasField ?? ['spec', 'replicas'];
    return {
      ctx: { ...this.fieldContext('scale'), rule: rootRule(schema?.structure ?? schema?.root ?? { type: 'any' }), apiVersion: scaleApiVersion, ignored: topLevelFields(['status']) },
      zero,
      replicasPath: field.map((f) => `f:${f}`),
    };
  }

  /** The body of an apply patch as a configuration of want's kind, refused as kube-apiserver refuses it. */
  private applyConfiguration(body: unknown, want: { readonly apiVersion: string; readonly kind: string }): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      const goType = Array.isArray(body) ? 'array' : typeof body === 'string' ? 'string' : typeof body === 'number' ? 'number' : typeof body === 'boolean' ? 'bool' : 'null';
      throw errors.badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goType} into Go value of type map[string]interface {}`);
    }
    const config = cloneJson(body) as KubeObject;
    const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
    if (apiVersion !== want.apiVersion) throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${apiVersion}, expected: ${want.apiVersion}`);
    if (typeof config.metadata !== 'object' || config.metadata === null || Array.isArray(config.metadata)) config.metadata = {};
    const kind = typeof config.kind === 'string' ? config.kind : '';
    if (kind !== want.kind) {
      const gvk = goGroupVersionKind(want.apiVersion, kind);
      throw new ApiError(500, '', `failed to create typed patch object (${config.metadata.namespace ?? ''}/${config.metadata.name ?? ''}; ${gvk}): no corresponding type for ${gvk}`);
    }
    if (config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) throw errors.badRequest('metadata.managedFields must be nil');
    if (config.metadata.managedFields === null) delete config.metadata.managedFields;
    return config;
  }

  // ---- delete ----

  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const key = this.key(this.ns(namespace), name);
    this.warnDefaultPropagation(options);
    try {
      return await this.doDelete(key, name, options);
    } catch (e) {
      throw e instanceof ApiError ? e : this.failure(e, name);
    }
  }

  private warnDefaultPropagation(options: DeleteOptions): void {
    const warning = this.strategy.defaultPropagationWarning;
    if (warning !== undefined && options.propagationPolicy === undefined) options.warnings?.push(warning);
  }

  /**
   * The finalizers a DELETE leaves on the object: orphan or foregroundDeletion
   * as the propagation policy (or the kind's default, or a finalizer already
   * there) says, the others as they are. Kubernetes' rules.
   */
  private deletionFinalizers(current: KubeObject, options: DeleteOptions): string[] {
    const existing = current.metadata.finalizers ?? [];
    if (this.strategy.defaultPropagationPolicy === 'Unsupported') return [...existing];
    const explicit = options.propagationPolicy;
    const orphan =
      explicit !== undefined ? explicit === 'Orphan' : existing.includes('orphan') ? true : existing.includes('foregroundDeletion') ? false : this.strategy.defaultPropagationPolicy === 'Orphan';
    const foreground = explicit !== undefined ? explicit === 'Foreground' : existing.includes('foregroundDeletion');
    const out = existing.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    if (orphan) out.push('orphan');
    if (foreground) out.push('foregroundDeletion');
    return out;
  }

  private async doDelete(key: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const current = this.served(await this.storage.get(key));
    const p = options.preconditions;
    if (p?.uid !== undefined && p.uid !== current.metadata.uid) {
      if (this.strategy.uidPreconditionWording === 'meta') {
        throw errors.conflict(this.info, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      // Worded by Kind and its internal group, not resource, as kube-apiserver's deletion precondition is.
      const kindRef = { resource: this.info.kind, group: this.strategy.errorGroup ?? this.info.group };
      throw errors.conflict(kindRef, name, `the UID in the precondition (${p.uid}) does not match the UID in record (${current.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
    }
    if (p?.resourceVersion !== undefined && p.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(this.info, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
    }
    await this.admission.validate(this.admissionRequest('DELETE', undefined, current, undefined, options));
    const dryRun = options.dryRun === true;
    const finalizers = this.deletionFinalizers(current, options);
    const existing = current.metadata.finalizers ?? [];
    const finalizersChange = finalizers.length !== existing.length || finalizers.some((f) => !existing.includes(f));
    const grace = this.strategy.gracePeriodSeconds?.(current, options.gracePeriodSeconds) ?? 0;
    const kindGraceful = this.strategy.beginGracefulDelete?.(structuredClone(current)) === true;
    // Kinds with a grace period (pods) are marked as deleting even when it is 0, then deleted:
    // kube-apiserver's watchers see the marked object MODIFIED, then DELETED.
    const graceful = this.strategy.gracePeriodSeconds !== undefined;
    if (finalizers.length > 0 || finalizersChange || grace > 0 || kindGraceful || graceful) {
      // Whether the kind keeps the object past this delete (a namespace's first delete marks it Terminating).
      let kindWaits = false;
      const updated = this.served(
        await this.storage.guaranteedUpdate(
          key,
          async (storedNow) => {
            const now = this.served(storedNow);
            if (now.metadata.uid !== current.metadata.uid) throw errors.conflict(this.info, name, 'the object was replaced while being deleted');
            const m = now.metadata;
            const nextFinalizers = this.deletionFinalizers(now, options);
            if (nextFinalizers.length > 0) m.finalizers = nextFinalizers;
            else delete m.finalizers;
            kindWaits = this.strategy.beginGracefulDelete?.(now) === true;
            const deadline = rfc3339(new Date(this.now().getTime() + grace * 1000));
            // Kinds that finish their own deletion (namespaces) carry no grace period.
            const withGrace = this.strategy.beginGracefulDelete === undefined;
            if (m.deletionTimestamp === undefined) {
              if (withGrace && m.generation !== undefined && m.generation > 0) m.generation += 1;
              m.deletionTimestamp = deadline;
              if (withGrace) m.deletionGracePeriodSeconds = grace;
            } else if (withGrace && grace < (m.deletionGracePeriodSeconds ?? 0)) {
              m.deletionTimestamp = deadline;
              m.deletionGracePeriodSeconds = grace;
            }
            return !graceful && !kindWaits && this.isFinalized(now) ? { remove: true, object: this.stored(now) } : this.stored(now);
          },
          { dryRun },
        ),
      );
      const removed = !kindWaits && this.isFinalized(updated);
      if (removed && graceful && !dryRun) {
        const marked = this.served(await this.storage.delete(key, { preconditions: { uid: current.metadata.uid, resourceVersion: updated.metadata.resourceVersion } }));
        await this.options.hooks?.afterDelete?.(marked);
        return { object: marked, deleted: true };
      }
      if (removed && !dryRun) await this.options.hooks?.afterDelete?.(updated);
      return { object: updated, deleted: removed };
    }
    const deleted = this.served(
      await this.storage.delete(key, {
        preconditions: { uid: current.metadata.uid, ...(p?.resourceVersion === undefined ? {} : { resourceVersion: p.resourceVersion }) },
        dryRun,
      }),
    );
    if (!dryRun) await this.options.hooks?.afterDelete?.(deleted);
    return { object: deleted, deleted: true };
  }

  /** The body DELETE answers with. */
  deleteResponse(result: DeleteResult): unknown {
    if (!result.deleted || this.options.returnDeletedObject === true || this.strategy.returnDeletedObject === true) return result.object;
    return successStatus(this.info, result.object);
  }

  /** Removes the key whatever its finalizers (the namespace controller's last step). Missing is not an error. */
  async remove(namespace: string | undefined, name: string): Promise<void> {
    const key = this.key(this.ns(namespace), name);
    try {
      const obj = await this.storage.delete(key);
      await this.options.hooks?.afterDelete?.(this.served(obj));
    } catch (e) {
      if (isObjectStorageError(e, 'NotFound')) return;
      throw this.failure(e, name);
    }
  }

  async deleteCollection(namespace: string | undefined, options: DeleteOptions & ListOptions = {}): Promise<ObjectList> {
    const { limit: _limit, continue: _continue, ...listOptions } = options;
    const list = await this.list(namespace, listOptions);
    this.warnDefaultPropagation(options);
    const each = { ...options, warnings: [] };
    for (const o of list.items) {
      try {
        await this.delete(o.metadata.namespace, o.metadata.name!, each);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    // The objects as they were listed, before their deletion began, as kube-apiserver answers.
    return list;
  }

  // ---- list and watch ----

  /** The selection predicate of a request, over stored objects. */
  predicate(options: { labelSelector?: string; fieldSelector?: string }): SelectionPredicate {
    // Custom resources word an unknown field selector as kinds with field selectors of their own do.
    const fieldValues = this.strategy.fieldSelectorValue?.bind(this.strategy);
    const p = selectionPredicate(options, this.info.namespaced, fieldValues, fieldValues !== undefined || this.info.custom === true);
    if (this.strategy.conversion === undefined || p.isEverything) return p;
    return { ...p, matches: (o) => p.matches(this.served(structuredClone(o))) };
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ObjectList> {
    const predicate = this.predicate(options);
    try {
      const list = await this.storage.list(listPrefix(this.info, this.ns(namespace)), {
        predicate,
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.continue === undefined ? {} : { continue: options.continue }),
        ...(options.resourceVersion === undefined ? {} : { resourceVersion: options.resourceVersion }),
        ...(options.resourceVersionMatch === undefined ? {} : { resourceVersionMatch: options.resourceVersionMatch }),
      });
      const metadata: ObjectList['metadata'] = {
        resourceVersion: list.resourceVersion,
        ...(list.continue === undefined ? {} : { continue: list.continue }),
        ...(list.remainingItemCount === undefined ? {} : { remainingItemCount: list.remainingItemCount }),
      };
      return { apiVersion: apiVersionOf(this.info), kind: this.info.listKind, metadata, items: list.items.map((o) => this.listItem(this.served(o))) };
    } catch (e) {
      throw this.failure(e, '');
    }
  }

  checkSelectors(options: { readonly labelSelector?: string; readonly fieldSelector?: string }): void {
    this.predicate(options);
  }

  /** Throws the ApiError (400) a watch with these options would end with at once. */
  checkWatchOptions(options: WatchOptions): void {
    this.predicate(options);
    const rv = options.resourceVersion ?? '';
    if (rv !== '' && rv !== '0' && !/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: resourceVersion "${rv}"`);
  }

  /**
   * Streams changes. Every failure, bad parameters included, arrives as one
   * ERROR event (possibly before watch returns) that ends the watch.
   */
  watch(namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent) => void): { stop(): void } {
    let predicate: SelectionPredicate;
    try {
      this.checkWatchOptions(options);
      predicate = this.predicate(options);
    } catch (e) {
      onEvent({ type: 'ERROR', object: this.failure(e, '').toStatus() });
      return { stop: () => undefined };
    }
    const toEvent = (e: StorageEvent): WatchEvent => {
      switch (e.type) {
        case 'ERROR':
          return { type: 'ERROR', object: this.failure(e.error, '').toStatus() };
        case 'BOOKMARK':
          return {
            type: 'BOOKMARK',
            object: { kind: this.info.kind, apiVersion: apiVersionOf(this.info), metadata: { resourceVersion: e.resourceVersion, ...(e.annotations ? { annotations: { ...e.annotations } } : {}) } },
          };
        default:
          return { type: e.type, object: this.served(e.object) };
      }
    };
    return this.storage.watch(
      listPrefix(this.info, this.ns(namespace)),
      {
        predicate,
        ...(options.resourceVersion === undefined ? {} : { resourceVersion: options.resourceVersion }),
        ...(options.allowWatchBookmarks === undefined ? {} : { allowWatchBookmarks: options.allowWatchBookmarks }),
        ...(options.sendInitialEvents === undefined ? {} : { sendInitialEvents: options.sendInitialEvents }),
      },
      (e) => onEvent(toEvent(e)),
    );
  }

  /** Objects of this resource in the store. */
  async count(): Promise<number> {
    return this.storage.count(this.info.storagePrefix);
  }

  /** The OpenAPI component schemas this resource brings beyond the built-in ones. */
  openApiSchemas(): Readonly<Record<string, JsonObject>> {
    return this.options.openApiSchemas ?? {};
  }

  // ---- subresources beyond status and scale ----

  subresource(name: string): SubresourceHandler | undefined {
    return this.options.subresources?.[name];
  }

  // ---- table ----

  table(objects: readonly KubeObject[], listMeta: ObjectList['metadata'] | undefined, includeObject: 'None' | 'Metadata' | 'Object', metaVersion: MetaVersion = 'v1'): unknown {
    // Rows carry whole objects with their type, whatever form the list held them in.
    const typed = objects.map((o) => ({ ...o, apiVersion: apiVersionOf(this.info), kind: this.info.kind }));
    return buildTable(this.strategy.table ?? defaultTable, typed, listMeta, includeObject, this.now(), metaVersion, this.strategy.versionAnnotations);
  }

  partialMetadata(obj: KubeObject, metaVersion: MetaVersion = 'v1'): KubeObject {
    return partialMetadata(obj, metaVersion, this.strategy.versionAnnotations);
  }
}

export type { UserInfo };

/**
 * Unknown and repeated fields as Go's strict decoder lists them: in the order the body
 * gives them, each message once (a key repeated in several places is one problem).
 */
function fieldProblems(unknown: readonly string[], duplicates: BodyFields['duplicates'], body: BodyFields): string[] {
  const at = unknown.length === 0 ? new Map<string, number>() : body.offsetsOf(new Set(unknown));
  const all = [
    ...unknown.map((f) => ({ offset: at.get(f) ?? Number.MAX_SAFE_INTEGER, text: `unknown field ${JSON.stringify(f)}` })),
    ...duplicates.map((d) => ({ offset: d.offset, text: `duplicate field ${JSON.stringify(d.path)}` })),
  ].sort((a, b) => a.offset - b.offset);
  return [...new Set(all.map((p) => p.text))];
}
