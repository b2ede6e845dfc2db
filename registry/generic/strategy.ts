import type { StatusCause } from './api-error.js';
import type { NameRule } from './name-validation.js';
import type { TableConvertor } from './table.js';
import type { KubeObject, ResourceInfo } from './types.js';

/**
 * How one kind differs from the generic store: the only per-kind code there is.
 * Validators return causes and never mutate; defaulting and preparation may
 * mutate the object they are given (a fresh copy owned by the store).
 */
export interface Strategy {
  readonly info: ResourceInfo;
  /** Whether objects carry metadata.generation (1 on create, +1 per spec change), as the kind does in Kubernetes. */
  readonly generation: boolean;
  /** Fills in defaults (spec.replicas = 1, ...). Runs before validation on create and update. */
  applyDefaults(obj: KubeObject): void;
  /** Clears what a create may not set (status on most kinds) before validation. */
  prepareForCreate(obj: KubeObject): void;
  /** Keeps what an update may not change (status on a main-resource update, ...) from old. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /**
   * The last changes to an update, made after its managedFields are counted: kube-apiserver
   * converts to its internal version and runs its strategies after its field manager, so the
   * fields it counted know nothing of these (a Service's node ports wiped as it turns
   * ClusterIP, its clusterIPs following a changed clusterIP).
   */
  finishUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Loads what validating obj takes, when that is loaded on first need (a CRD's CEL rules). */
  loadValidation?(obj: KubeObject): Promise<void>;
  /** Field errors of a new object (names, required fields, value rules). */
  validate(obj: KubeObject): StatusCause[];
  /** Field errors of a new object only, after validate's (a pod's ephemeral containers cannot come with it). */
  validateCreate?(obj: KubeObject): StatusCause[];
  /** Warnings for a valid create (old undefined) or main-resource update, sent back in Warning headers. */
  warnings?(obj: KubeObject, old: KubeObject | undefined): string[];
  /** Whether an update's own checks are reported before validate's (kube-apiserver's Secret and ConfigMap update checks run theirs first). */
  readonly updateChecksFirst?: boolean;
  /** Field errors of an update (immutable fields, ...), on top of validate. */
  validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[];
  /**
   * Subresources that update one part of the object (pods/ephemeralcontainers), by name:
   * what each takes from the request into a copy of the stored object, and the checks it
   * runs in place of validateUpdate.
   */
  readonly partialUpdates?: Readonly<Record<string, PartialUpdate>>;
  /** Whether a change from old to obj changes the spec (bumps metadata.generation). */
  isSpecChange(obj: KubeObject, old: KubeObject): boolean;
  /** Field selectors the kind supports beyond metadata.name and metadata.namespace. */
  fieldSelectorValue?(obj: KubeObject, field: string): string | undefined;
  /** The rule names follow; dns1123Subdomain when absent. */
  readonly nameRule?: NameRule;
  /** The kind's table columns for kubectl; NAME AGE when absent. */
  readonly table?: TableConvertor;
  /** The scale subresource, for kinds that serve one. */
  readonly scale?: ScaleAccess;
  /** What a status subresource update takes from the request (default: status only). */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Field errors of a status update (default: none beyond metadata). */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): StatusCause[];
  /**
   * For kinds whose deletion waits for a controller (namespaces): marks obj as
   * being deleted (a namespace's status.phase Terminating) and returns true
   * while it must stay; false once it may go (its finalizers are done).
   */
  beginGracefulDelete?(obj: KubeObject): boolean;
  /**
   * The grace period of a DELETE, in seconds, for kinds whose deletion waits
   * for something (pods on a node wait for their kubelet); 0 or absent: now.
   */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number;
  /**
   * The API group kube-apiserver names in this kind's Invalid errors when it is not the
   * served one (its internal group: extensions for Ingress and NetworkPolicy).
   */
  readonly errorGroup?: string;
  /**
   * Annotations only the served version carries: Go's conversion to it writes them from
   * an internal field (a DaemonSet's deprecated.daemonset.template.generation), so the
   * metadata-only views kube-apiserver makes from the internal object lack them.
   */
  readonly versionAnnotations?: readonly string[];
  /**
   * Top-level fields whose values an error never quotes (a Secret's data and stringData):
   * where kube-apiserver quotes a whole object in an error (a strict patch's 422), their
   * values are redacted, so a client allowed to patch but not to read learns nothing.
   */
  readonly confidentialFields?: readonly string[];
  /** false for kinds that refuse strategic merge patches (custom resources): 415. */
  readonly supportsStrategicMerge?: boolean;
  /**
   * Checks a request body's apiVersion and kind against the resource, throwing
   * the ApiError kube-apiserver answers; the built-in kinds' check when absent.
   */
  checkTypeMeta?(obj: KubeObject): void;
  /** false for kinds whose PUT must name the resourceVersion it replaces (leases, ...). */
  readonly unconditionalUpdate?: boolean;
  /** Whether a PUT of a missing object creates it (services, endpoints, events, ...). */
  readonly allowCreateOnUpdate?: boolean;
  /**
   * What happens to dependents when a DELETE names no propagation policy
   * (Background unless the kind says Orphan); Unsupported: the kind takes no
   * part in garbage collection (events) and DELETE ignores policies.
   */
  readonly defaultPropagationPolicy?: 'Orphan' | 'Background' | 'Unsupported';
  /** The warning a DELETE or deletecollection naming no propagation policy answers with (jobs: pods are kept). */
  readonly defaultPropagationWarning?: string;
  /**
   * How a DELETE whose uid precondition fails is worded: 'record' (the
   * generic store's words, naming the Kind) unless the kind deletes its own
   * way in Kubernetes ('meta': namespaces, naming the resource).
   */
  readonly uidPreconditionWording?: 'record' | 'meta';
  /** Whether a finished DELETE answers with the deleted object rather than a Status, as the kind does in Kubernetes. */
  readonly returnDeletedObject?: boolean;
  /**
   * For a kind served at more than one version: the version objects are
   * stored at and the conversions between it and this one. Objects from the
   * store are converted on the way out, requests on the way in.
   */
  readonly conversion?: VersionConversion;
}

/** Converts between a served version and the storage version of one kind. */
export interface VersionConversion {
  /** apiVersion of stored objects, e.g. v1 for events.k8s.io/v1 Events. */
  readonly storageApiVersion: string;
  /** The stored kind (usually the same). */
  readonly storageKind: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/** Reads and writes the replica count behind a kind's scale subresource. */
export interface ScaleAccess {
  /** The field names down to the parent's replica count (default spec, replicas). */
  readonly specReplicasField?: readonly string[];
  specReplicas(obj: KubeObject): number;
  statusReplicas(obj: KubeObject): number;
  /** The label selector as a string (autoscaling/v1 Scale status.selector). */
  selector(obj: KubeObject): string;
  setSpecReplicas(obj: KubeObject, replicas: number): void;
  /** The cause of a bad replica count when the kind words it itself (custom resources); autoscaling's Scale wording otherwise. */
  replicasCause?(replicas: unknown): StatusCause;
}

/** An update through a subresource that changes one part of the object. */
export interface PartialUpdate {
  /** Copies the part the subresource changes from requested into obj (a copy of the stored object). */
  take(obj: KubeObject, requested: KubeObject): void;
  /** The update's field errors, in place of the strategy's validateUpdate. */
  validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[];
  /** Whether validateUpdate is the update's only check: kube-apiserver's strategy for it runs not even the kind's validate (namespaces/finalize). */
  readonly validatesAlone?: boolean;
  /**
   * Whether the stored managedFields stay as they are: kube-apiserver's strategy for the
   * subresource copies the stored metadata over the request's, the field manager's record
   * of the update included (pods/ephemeralcontainers), so no manager is recorded.
   */
  readonly keepsManagedFields?: boolean;
}
