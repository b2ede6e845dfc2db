import type { JsonObject } from '../../schemas/json.js';
import type { UserInfo } from '../admission/admission.js';
import type { Status } from './api-error.js';
import type { MetaVersion } from './table.js';
import type { KubeObject, ResourceInfo } from './types.js';
import type { GetOptions } from '../storage/object-storage.js';

/**
 * What the API layer calls for one resource type: Kubernetes' REST storage verbs.
 * api/ decodes the request, calls one of these, and encodes the result; every
 * rule (metadata ownership, resourceVersion, validation, defaulting, selectors,
 * paging, patch semantics) lives behind this interface. Failures are ApiErrors.
 */

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  /** The continue token of the previous page. */
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ObjectList {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  readonly items: KubeObject[];
}

export interface WatchOptions {
  /** Start after this resourceVersion ("" or "0": current state first, as ADDED events). */
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
}

/** A watch event as it goes on the wire (metav1.WatchEvent). */
export type WatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; readonly object: KubeObject }
  | { readonly type: 'ERROR'; readonly object: Status };

export interface WriteOptions {
  /** dryRun=All: validate and answer as if written, write nothing. */
  readonly dryRun?: boolean;
  /** fieldValidation=Strict|Warn|Ignore for unknown or duplicate fields. */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Collects warnings (fieldValidation=Warn) to send as Warning headers. */
  readonly warnings?: string[];
  /** Who is writing, when known (admission sees it). */
  readonly user?: UserInfo;
  /** fieldManager: who owns the fields this write sets. */
  readonly fieldManager?: string;
  /** The request's User-Agent: without a fieldManager, its product name (before the first /) is the manager. */
  readonly userAgent?: string;
  /** What the request body's text says that its parsed form lost: keys given twice. */
  readonly bodyFields?: BodyFields;
}

/** Keys a request body gave twice (parsing keeps the last), and where keys are in the body. */
export interface BodyFields {
  /** Repeated keys by path (`metadata.labels.a`, `spec.containers[0].image`), in body order. */
  readonly duplicates: ReadonlyArray<{ readonly path: string; readonly offset: number }>;
  /** Where each path's key first occurs in the body, to order other field problems among them. */
  offsetsOf(paths: ReadonlySet<string>): Map<string, number>;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  readonly subresource?: string;
  /** For apply patches: take fields other managers own. */
  readonly force?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
}

/** What a DELETE did: removed the object, or marked it for deletion (finalizers, a grace period). */
export interface DeleteResult {
  readonly object: KubeObject;
  readonly deleted: boolean;
}

/** A request to a subresource that another server answers (pods/exec, pods/log, services/proxy...). */
export interface ConnectRequest {
  readonly method: string;
  /** The query parameters, each with every value given (exec's command may be repeated). */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** What follows the subresource in the path (pods/p/proxy/a/b: "/a/b"); '' when nothing does. */
  readonly subpath: string;
}

/**
 * Where a connect request goes on, as kube-apiserver's connecters resolve it: to a kubelet
 * (through the kubelet client's TLS), to a pod or a service endpoint (through the proxy), or
 * nowhere (a pod's log before the pod has a node: 204, no body).
 */
export type ConnectTarget =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'kubelet' | 'proxy';
      readonly url: URL;
      /** Only an HTTP upgrade (SPDY, WebSocket) may go there: exec, attach, portforward. */
      readonly upgradeRequired: boolean;
      /** The Content-Type of what a plain request gets back, when the API server sets it (pods/log: text/plain). */
      readonly contentType?: string;
      /**
       * Set when an answer outside 2xx becomes the API server's own error about this object
       * (pods/log: a kubelet's 404 is "the server could not find the requested resource ( pods/log p)");
       * otherwise the other server's answer is passed on as it is.
       */
      readonly failure?: { readonly resource: string; readonly name: string };
      /** The request's own query goes on with it (the proxies); the URL carries the query otherwise. */
      readonly passQuery?: boolean;
    };

/** A subresource served by its own handler (pods/binding, pods/eviction, pods/log, serviceaccounts/token, the proxies). */
export interface SubresourceHandler {
  /** POST: the HTTP code and body of the answer. */
  create?(namespace: string | undefined, name: string, body: unknown, options: WriteOptions): Promise<{ readonly code: number; readonly body: unknown }>;
  /** Any verb the subresource takes: where the request goes on (the API server forwards it). */
  connect?(namespace: string | undefined, name: string, request: ConnectRequest): Promise<ConnectTarget>;
}

export interface ResourceStore {
  readonly info: ResourceInfo;
  /** namespace is undefined for cluster-scoped kinds. */
  create(namespace: string | undefined, obj: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  /** An object (or its subresource); with resourceVersion "0", any recent state (from the watch cache, shared and frozen). */
  get(namespace: string | undefined, name: string, subresource?: string, options?: GetOptions): Promise<KubeObject>;
  /** namespace undefined on a namespaced kind: across all namespaces. */
  list(namespace: string | undefined, options?: ListOptions): Promise<ObjectList>;
  /**
   * PUT: replaces the object (or its status/scale subresource); stale
   * resourceVersion is a Conflict. created: the kind allows create on update
   * and the object did not exist.
   */
  update(namespace: string | undefined, name: string, obj: KubeObject, options?: WriteOptions & { subresource?: string }): Promise<{ object: KubeObject; created: boolean }>;
  patch(namespace: string | undefined, name: string, type: 'merge' | 'json' | 'strategic', patch: unknown, options?: PatchOptions): Promise<KubeObject>;
  /**
   * Server-side apply (PATCH application/apply-patch+yaml): merges the
   * configuration into the object, creating it when missing (created: true).
   * Absent: the resource refuses apply patches (415).
   */
  apply?(namespace: string | undefined, name: string, config: unknown, options?: PatchOptions): Promise<{ object: KubeObject; created: boolean }>;
  delete(namespace: string | undefined, name: string, options?: DeleteOptions): Promise<DeleteResult>;
  /** The body a DELETE answers with: the object, or a Status when the kind says so and it is gone. */
  deleteResponse(result: DeleteResult): unknown;
  deleteCollection(namespace: string | undefined, options?: DeleteOptions & ListOptions): Promise<ObjectList>;
  /** Throws the BadRequest a label or field selector that does not parse gets (before a watch answers 200). */
  checkSelectors(options: { readonly labelSelector?: string; readonly fieldSelector?: string }): void;
  /** Streams events until stop(); an ERROR event (e.g. 410 Expired) ends the watch. */
  watch(namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent) => void): { stop(): void };
  /** The handler of a subresource beyond status and scale, when the resource serves one. */
  subresource(name: string): SubresourceHandler | undefined;
  /** An object as PartialObjectMetadata (as=PartialObjectMetadata[List], metadata informers). */
  partialMetadata(obj: KubeObject, metaVersion?: MetaVersion): KubeObject;
  /** A metav1.Table of objects for kubectl's server-side printing. */
  table(objects: readonly KubeObject[], listMeta: ObjectList['metadata'] | undefined, includeObject: 'None' | 'Metadata' | 'Object', metaVersion?: MetaVersion): unknown;
  /** OpenAPI component schemas the resource brings beyond the built-in ones (custom resources), by name. */
  openApiSchemas?(): Readonly<Record<string, JsonObject>>;
}

/** Every resource the server serves; the set may change while it runs. */
export interface Registry {
  resources(): readonly ResourceInfo[];
  store(group: string, version: string, resource: string): ResourceStore | undefined;
  /** Grows by one whenever the set of served resources changes. */
  generation(): number;
  /** A component schema a served resource brings (custom resources), by name. */
  componentSchema?(name: string): JsonObject | undefined;
}
