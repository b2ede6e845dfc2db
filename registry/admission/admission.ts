/**
 * Admission: the checks and changes a write goes through after it is decoded
 * and defaulted and before it is stored, as kube-apiserver's admission chain.
 * Mutating plugins run first, in order, on the object the registry will
 * prepare and validate; validating plugins run last, on the final object, and
 * refuse a write by throwing an ApiError. Webhooks plug in here as two more
 * plugins later.
 */
import type { KubeObject, ResourceInfo } from '../generic/types.js';

/** What a write does. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Who is asking, when the API server knows (user.Info). */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** One write as admission sees it. */
export interface AdmissionRequest {
  readonly operation: AdmissionOperation;
  readonly resource: ResourceInfo;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string;
  /** The new object: mutating plugins may change it in place. Absent on DELETE. */
  readonly object: KubeObject | undefined;
  /** The stored object on UPDATE and DELETE. */
  readonly oldObject: KubeObject | undefined;
  readonly dryRun: boolean;
  readonly user?: UserInfo;
}

/** One admission plugin. */
export interface AdmissionPlugin {
  /** The name kube-apiserver gives it (--enable-admission-plugins). */
  readonly name: string;
  /** Changes the object; throws an ApiError to refuse. */
  admit?(request: AdmissionRequest): Promise<void>;
  /** Checks the final object; throws an ApiError to refuse. */
  validate?(request: AdmissionRequest): Promise<void>;
}

/** The plugins of an API server, run in order. */
export class AdmissionChain {
  private readonly plugins: readonly AdmissionPlugin[];

  constructor(plugins: readonly AdmissionPlugin[]) {
    this.plugins = plugins;
  }

  /** The plugins' names, in order. */
  names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  async admit(request: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.admit !== undefined) await p.admit(request);
  }

  async validate(request: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.validate !== undefined) await p.validate(request);
  }
}

/** A chain with no plugins. */
export const noAdmission = new AdmissionChain([]);
