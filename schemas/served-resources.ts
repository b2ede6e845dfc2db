/**
 * What the OpenAPI documents describe: the served resources and
 * subresources, grouped by group-version. Built from the registry's resource
 * set by the API layer, so a resource added at run time appears in the next
 * document built.
 */

/** Group, version and kind, as in x-kubernetes-group-version-kind. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** One served resource or subresource. */
export interface ServedResource {
  /** Plural resource name, e.g. configmaps. */
  readonly resource: string;
  /** Subresource name, e.g. scale; absent for the main resource. */
  readonly subresource?: string;
  /** Whether objects live in a namespace. */
  readonly isNamespaced: boolean;
  /** The kind the operations read and write (Scale for deployments/scale). */
  readonly gvk: GroupVersionKind;
  /** Component schema name of that kind ('' for a connect subresource, which has none). */
  readonly schema: string;
  /** Kind part of the operation ids when it is not the kind, e.g. DeploymentScale. */
  readonly operationName?: string;
  /** Component schema name of the list kind; absent for subresources. */
  readonly listSchema?: string;
  /** The verbs served (get, list, watch, create, update, patch, delete, deletecollection). */
  readonly verbs: readonly string[];
  /**
   * A subresource another server answers (pods/exec, the proxies): the HTTP methods it takes
   * and its query options; its operations are `connect` ones, answering a string.
   */
  readonly connect?: { readonly methods: readonly string[]; readonly options: readonly QueryOption[] };
  /** A subresource read as text (pods/log): its query options. */
  readonly text?: { readonly options: readonly QueryOption[] };
}

/** A query parameter of an operation. */
export interface QueryOption {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
}

/** One group-version as served under /openapi/v3. */
export interface ServedGroupVersion {
  /** The document's path under /openapi/v3, e.g. api/v1 or apis/apps/v1. */
  readonly path: string;
  /** apiVersion of its kinds, e.g. v1 or apps/v1. */
  readonly groupVersion: string;
  readonly resources: readonly ServedResource[];
}
