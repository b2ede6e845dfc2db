/**
 * The resources whose operations the OpenAPI documents describe. kubectl reads
 * the PATCH operations to learn which kinds accept fieldValidation.
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
  /** Component schema name of that kind. */
  readonly schema: string;
  /** Kind part of the operation ids when it is not the kind, e.g. DeploymentScale. */
  readonly operationName?: string;
  /** Component schema name of the list kind; absent for subresources. */
  readonly listSchema?: string;
}

/** One group-version as served under /openapi/v3. */
export interface ServedGroupVersion {
  /** The document's path under /openapi/v3, e.g. api/v1 or apis/apps/v1. */
  readonly path: string;
  /** apiVersion of its kinds, e.g. v1 or apps/v1. */
  readonly groupVersion: string;
  /** Source file holding its own definitions. */
  readonly source: 'core-v1' | 'apps-v1' | 'autoscaling-v1';
  readonly resources: readonly ServedResource[];
}

const core = (resource: string, kind: string, isNamespaced = true): ServedResource => ({
  resource,
  isNamespaced,
  gvk: { group: '', version: 'v1', kind },
  schema: `io.k8s.api.core.v1.${kind}`,
  listSchema: `io.k8s.api.core.v1.${kind}List`,
});

/** Every served group-version, in the order the discovery index lists them. */
export const servedGroupVersions: readonly ServedGroupVersion[] = [
  {
    path: 'api/v1',
    groupVersion: 'v1',
    source: 'core-v1',
    resources: [
      core('namespaces', 'Namespace', false),
      core('configmaps', 'ConfigMap'),
      core('secrets', 'Secret'),
      core('serviceaccounts', 'ServiceAccount'),
      core('services', 'Service'),
      core('pods', 'Pod'),
      core('events', 'Event'),
    ],
  },
  {
    path: 'apis/apps/v1',
    groupVersion: 'apps/v1',
    source: 'apps-v1',
    resources: [
      {
        resource: 'deployments',
        isNamespaced: true,
        gvk: { group: 'apps', version: 'v1', kind: 'Deployment' },
        schema: 'io.k8s.api.apps.v1.Deployment',
        listSchema: 'io.k8s.api.apps.v1.DeploymentList',
      },
      {
        resource: 'deployments',
        subresource: 'scale',
        operationName: 'DeploymentScale',
        isNamespaced: true,
        gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        schema: 'io.k8s.api.autoscaling.v1.Scale',
      },
    ],
  },
  { path: 'apis/autoscaling/v1', groupVersion: 'autoscaling/v1', source: 'autoscaling-v1', resources: [] },
];
