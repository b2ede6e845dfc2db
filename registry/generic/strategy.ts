import type { StatusCause } from './api-error.js';
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
}
