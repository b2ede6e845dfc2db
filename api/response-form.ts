import type { Request } from 'express';
import { errors } from '../registry/generic/api-error.js';
import type { ObjectList, ResourceStore } from '../registry/generic/resource-store.js';
import type { KubeObject } from '../registry/generic/types.js';
import type { Wanted } from './negotiate.js';
import { includeObject } from './query.js';

/** The response body in the form the client asked for: the object or list, a Table, or metadata only. */
export function convertResponse(store: ResourceStore, want: Wanted, req: Request, body: unknown, shape: { objects: KubeObject[]; list?: ObjectList['metadata'] } | undefined): unknown {
  if (shape === undefined || want.as === undefined) return body;
  const v = want.metaVersion;
  if (want.as === 'Table') return store.table(shape.objects, shape.list ?? { resourceVersion: shape.objects[0]?.metadata.resourceVersion ?? '' }, includeObject(req), v);
  if (shape.list !== undefined) {
    if (want.as !== 'PartialObjectMetadataList') throw errors.notAcceptable(want.as);
    return { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${v}`, metadata: shape.list, items: shape.objects.map((o) => store.partialMetadata(o, v)) };
  }
  if (want.as !== 'PartialObjectMetadata') throw errors.notAcceptable(want.as);
  return store.partialMetadata(shape.objects[0]!, v);
}
