/**
 * A resource that only takes POSTs and stores nothing of its own (bindings):
 * every other verb is 405, as kube-apiserver answers.
 */
import { builtinObjectSchema } from '../../schemas/object-schema.js';
import { managerOf, topLevelFields, updateManagedFields } from '../field-manager/field-manager.js';
import { encodeManaged } from '../field-manager/managed-fields.js';
import { rootRule } from '../field-manager/merge-rules.js';
import { errors } from './api-error.js';
import { cloneJson } from './clone-json.js';
import { rfc3339 } from './generic-store.js';
import type { DeleteResult, ObjectList, ResourceStore, SubresourceHandler, WriteOptions } from './resource-store.js';
import { partialMetadata, type MetaVersion } from './table.js';
import { apiVersionOf, type KubeObject, type ResourceInfo } from './types.js';

/** 405, worded as kube-apiserver words it, for a verb a resource does not serve. */
export const notAllowed = (): never => {
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

/** The managedFields entries of a create of obj at info's version: its fields, owned by the request's manager. */
export function requestManagedFields(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>, obj: KubeObject, options: WriteOptions, now: Date, subresource = ''): Record<string, unknown>[] {
  const apiVersion = apiVersionOf(info);
  const schema = builtinObjectSchema(apiVersion, info.kind);
  if (schema === undefined || obj === null || typeof obj !== 'object') return [];
  const next = cloneJson(obj);
  if (typeof next.metadata !== 'object' || next.metadata === null) next.metadata = {};
  schema.decode(next, 'Ignore');
  schema.encode(next);
  const zero: KubeObject = { apiVersion, kind: info.kind, metadata: {} };
  schema.encode(zero);
  const context = { rule: rootRule(schema.root), apiVersion, subresource, ignored: topLevelFields([]), now: rfc3339(now), recordsWriter: true };
  try {
    const managed = updateManagedFields(context, undefined, next, zero, managerOf(options));
    return managed === undefined ? [] : encodeManaged(managed);
  } catch {
    // Fields that cannot be counted (duplicate list keys) are not, as kube-apiserver's field manager leaves them.
    return [];
  }
}

export class CreateOnlyStore implements ResourceStore {
  readonly info: ResourceInfo;
  private readonly onCreate: (namespace: string | undefined, body: KubeObject, options: WriteOptions) => Promise<{ code: number; body: unknown }>;

  constructor(info: ResourceInfo, onCreate: CreateOnlyStore['onCreate']) {
    this.info = info;
    this.onCreate = onCreate;
  }

  /**
   * POST: the answer's code and body, handed back through createResponse. An answer of the
   * resource's own kind (a review) carries the managedFields of the request's fields, as
   * kube-apiserver's field manager counts them on the request before answering.
   */
  async createWithStatus(namespace: string | undefined, obj: KubeObject, options: WriteOptions): Promise<{ code: number; body: unknown }> {
    const answer = await this.onCreate(namespace, obj, options);
    const body = answer.body as KubeObject | undefined;
    if (body?.kind === this.info.kind && typeof body.metadata === 'object' && body.metadata !== null) {
      const managed = requestManagedFields(this.info, obj, options, new Date());
      if (managed.length > 0) body.metadata = { ...body.metadata, managedFields: managed };
    }
    return answer;
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
