/**
 * A resource that only takes POSTs and stores nothing of its own (bindings):
 * every other verb is 405, as kube-apiserver answers.
 */
import { errors } from './api-error.js';
import type { DeleteResult, ObjectList, ResourceStore, SubresourceHandler, WriteOptions } from './resource-store.js';
import { partialMetadata, type MetaVersion } from './table.js';
import type { KubeObject, ResourceInfo } from './types.js';

const notAllowed = (): never => {
  throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
};

/**
 * A review body must be of the URL's kind and version (either may be left out, and is
 * then the URL's): 400
 * worded as kube-apiserver's decoder words a kind its scheme does not know there.
 */
export function checkKind(info: ResourceInfo, body: KubeObject): void {
  const kind = typeof body.kind === 'string' ? body.kind : '';
  const given = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  // What the body leaves out is the URL's, in the message too.
  const apiVersion = given === '' ? `${info.group}/${info.version}` : given;
  if ((kind !== '' && kind !== info.kind) || apiVersion !== `${info.group}/${info.version}`) {
    throw errors.badRequest(`${kind === '' ? info.kind : kind} in version ${JSON.stringify(apiVersion.split('/').pop() ?? '')} cannot be handled as a ${info.kind}: no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme "pkg/runtime/scheme.go:100"`);
  }
}

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
  checkSelectors(): void {
    // A create-only resource lists nothing: its watch is refused whatever the selectors.
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
  partialMetadata(obj: KubeObject, metaVersion?: MetaVersion): KubeObject {
    return partialMetadata(obj, metaVersion);
  }
}
