/** Kubernetes object shapes the registry works with (the wire JSON, before kind-specific typing). */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any API object: apiVersion, kind, metadata, and kind-specific fields. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
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
  /** Subresources served, e.g. ['status', 'scale']. */
  readonly subresources: readonly string[];
}

/** apiVersion as written in objects: v1, apps/v1. */
export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}
