import type { Status } from './api-error.js';
import type { KubeObject, ResourceInfo } from './types.js';

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
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface DeleteOptions extends WriteOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
}

export interface ResourceStore {
  readonly info: ResourceInfo;
  /** namespace is undefined for cluster-scoped kinds. */
  create(namespace: string | undefined, obj: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  get(namespace: string | undefined, name: string, subresource?: string): Promise<KubeObject>;
  /** namespace undefined on a namespaced kind: across all namespaces. */
  list(namespace: string | undefined, options?: ListOptions): Promise<ObjectList>;
  /** PUT: replaces the object (or its status/scale subresource); stale resourceVersion is a Conflict. */
  update(namespace: string | undefined, name: string, obj: KubeObject, options?: WriteOptions & { subresource?: string }): Promise<KubeObject>;
  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, options?: WriteOptions & { subresource?: string; fieldManager?: string; force?: boolean }): Promise<KubeObject>;
  /** Returns the deleted object (or, for a namespace, the object marked Terminating). */
  delete(namespace: string | undefined, name: string, options?: DeleteOptions): Promise<KubeObject>;
  deleteCollection(namespace: string | undefined, options?: DeleteOptions & ListOptions): Promise<ObjectList>;
  /** Streams events until stop(); an ERROR event (e.g. 410 Expired) ends the watch. */
  watch(namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent) => void): { stop(): void };
  /** A metav1.Table of objects for kubectl's server-side printing. */
  table(objects: readonly KubeObject[], listMeta: ObjectList['metadata'] | undefined, includeObject: 'None' | 'Metadata' | 'Object'): unknown;
}

/** Every resource the server serves. */
export interface Registry {
  resources(): readonly ResourceInfo[];
  store(group: string, version: string, resource: string): ResourceStore | undefined;
}
