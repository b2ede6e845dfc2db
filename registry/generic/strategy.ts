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
  /** Fills in defaults (spec.replicas = 1, ...). Runs before validation on create and update. */
  applyDefaults(obj: KubeObject): void;
  /** Clears what a create may not set (status on most kinds) before validation. */
  prepareForCreate(obj: KubeObject): void;
  /** Keeps what an update may not change (status on a main-resource update, ...) from old. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Field errors of a new object (names, required fields, value rules). */
  validate(obj: KubeObject): StatusCause[];
  /** Field errors of an update (immutable fields, ...), on top of validate. */
  validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[];
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
  /**
   * Called on DELETE before the key is removed: returns true when the object is
   * only marked for deletion (the strategy set what it needs, e.g. a namespace's
   * status.phase Terminating) and something else removes it later.
   */
  beginGracefulDelete?(obj: KubeObject): boolean;
}

/** Reads and writes the replica count behind a kind's scale subresource. */
export interface ScaleAccess {
  specReplicas(obj: KubeObject): number;
  statusReplicas(obj: KubeObject): number;
  /** The label selector as a string (autoscaling/v1 Scale status.selector). */
  selector(obj: KubeObject): string;
  setSpecReplicas(obj: KubeObject, replicas: number): void;
}
