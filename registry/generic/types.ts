/** Kubernetes object shapes the registry works with (the wire JSON, before kind-specific typing). */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any API object: apiVersion, kind, metadata, and kind-specific fields. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A group, version and kind. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A subresource a resource serves: what it reads or writes, and with which verbs. */
export interface SubresourceInfo {
  /** status, scale, binding, eviction, log, finalize, token, approval, ephemeralcontainers. */
  readonly name: string;
  /** The kind its requests and responses carry (Scale for scale, the resource's own kind for status). */
  readonly kind: GroupVersionKind;
  readonly verbs: readonly string[];
}

/** What the registry and API server know about one resource type. */
export interface ResourceInfo {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: configmaps. */
  readonly resource: string;
  /** Singular, lower case: configmap. */
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: readonly SubresourceInfo[];
  /** The store's key prefix of its objects, with a trailing slash: /registry/configmaps/. */
  readonly storagePrefix: string;
  /** The Warning every request to this version gets, when the version is deprecated. */
  readonly deprecationWarning?: string;
  /** The apiVersion objects are stored at, when another version of the kind is (events.k8s.io/v1 Events are stored as v1). */
  readonly storageApiVersion?: string;
  /** OpenAPI component schema names of the kind and its list, when it has them. */
  readonly schema?: { readonly kind: string; readonly list: string };
  /** Served from a CustomResourceDefinition (its group's unknown paths answer as kube-apiserver's CRD handler does). */
  readonly custom?: boolean;
  /** singularName in legacy discovery (custom resources show theirs; 1.26's built-in kinds show none). */
  readonly legacySingularName?: string;
  /** false for a kind whose objects are made on each request, not stored (componentstatuses): discovery gives no storageVersionHash. */
  readonly stored?: false;
}

/** apiVersion as written in objects: v1, apps/v1. */
export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** Whether a resource serves the named subresource. */
export function hasSubresource(info: Pick<ResourceInfo, 'subresources'>, name: string): boolean {
  return info.subresources.some((s) => s.name === name);
}

/** group/version/resource: the registry's id of a resource. */
export function resourceId(r: Pick<ResourceInfo, 'group' | 'version' | 'resource'>): string {
  return `${r.group}/${r.version}/${r.resource}`;
}
