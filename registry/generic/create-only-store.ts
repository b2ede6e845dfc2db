/**
 * A resource that only takes POSTs and stores nothing of its own (bindings):
 * every other verb is 405, as kube-apiserver answers.
 */
import { errors } from './api-error.js';
import type { DeleteResult, ObjectList, ResourceStore, SubresourceHandler, WriteOptions } from './resource-store.js';
import type { KubeObject, ResourceInfo } from './types.js';

const notAllowed = (): never => {
  throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
};

export class CreateOnlyStore implements ResourceStore {
  readonly info: ResourceInfo;
  private readonly onCreate: (namespace: string | undefined, body: KubeObject, options: WriteOptions) => Promise<{ code: number; body: unknown }>;

  constructor(info: ResourceInfo, onCreate: CreateOnlyStore['onCreate']) {
    this.info = info;
    this.onCreate = onCreate;
  }

  /** POST: the answer's code and body (a Status), handed back through createResponse. */
  async createWithStatus(namespace: string | undefined, obj: KubeObject, options: WriteOptions): Promise<{ code: number; body: unknown }> {
    return this.onCreate(namespace, obj, options);
  }

  create(): Promise<KubeObject> {
    return notAllowed();
  }
  get(): Promise<KubeObject> {
    return notAllowed();
  }
  list(): Promise<ObjectList> {
    return notAllowed();
  }
  update(): Promise<{ object: KubeObject; created: boolean }> {
    return notAllowed();
  }
  patch(): Promise<KubeObject> {
    return notAllowed();
  }
  delete(): Promise<DeleteResult> {
    return notAllowed();
  }
  deleteResponse(): unknown {
    return notAllowed();
  }
  deleteCollection(): Promise<ObjectList> {
    return notAllowed();
  }
  watch(): { stop(): void } {
    return notAllowed();
  }
  subresource(): SubresourceHandler | undefined {
    return undefined;
  }
  table(): unknown {
    return notAllowed();
  }
}
