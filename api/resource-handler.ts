import type { Request, Response } from 'express';
import { errors } from '../registry/generic/api-error.js';
import type { KubeObject } from '../registry/generic/types.js';
import { encodeBody, readBody, wanted } from './negotiate.js';
import { deleteOptions, includeObject, isWatch, listOptions, patchOptions, patchType, watchOptions, writeOptions } from './query.js';
import type { ResourcePath } from './request-path.js';
import { sendError } from './status.js';
import { serveWatch } from './watch-stream.js';
import { hasSchema, strictDecodingMessage, validateBody } from '../schemas/validate-body.js';
import { apiVersionOf, type ResourceInfo } from '../registry/generic/types.js';
import type { WriteOptions } from '../registry/generic/resource-store.js';

/**
 * One request on a resource path: decode, call the store's verb, encode. No
 * storage logic here; every rule is in the registry.
 */
export async function handleResource(req: Request, res: Response, rp: ResourcePath): Promise<void> {
  const { store, namespace, name, subresource } = rp;
  const warnings: string[] = [];
  const want = wanted(req);
  const send = (code: number, body: unknown, asTable?: { objects: KubeObject[]; list?: { resourceVersion: string; continue?: string } }): void => {
    for (const w of warnings) res.append('Warning', `299 - "${w.replace(/"/g, '\\"')}"`);
    const out = want.table && asTable !== undefined ? store.table(asTable.objects, asTable.list, includeObject(req)) : body;
    const { type, text } = encodeBody(out, want.format);
    res.status(code).type(type).send(text);
  };
  try {
    switch (req.method) {
      case 'GET': {
        if (name === undefined) {
          if (isWatch(req)) {
            serveWatch(req, res, store, namespace, watchOptions(req), want);
            return;
          }
          const list = await store.list(namespace, listOptions(req));
          send(200, list, { objects: list.items, list: list.metadata });
          return;
        }
        const obj = await store.get(namespace, name, subresource);
        send(200, obj, { objects: [obj] });
        return;
      }
      case 'POST': {
        if (name !== undefined) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
        const { body } = await readBody(req);
        const options = writeOptions(req, warnings);
        checkSchema(store.info, undefined, body, options);
        const created = await store.create(namespace, asObject(body), options);
        send(201, created, { objects: [created] });
        return;
      }
      case 'PUT': {
        if (name === undefined) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        const { body } = await readBody(req);
        const obj = asObject(body);
        if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
          throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
        }
        const options = writeOptions(req, warnings);
        checkSchema(store.info, subresource, obj, options);
        const updated = await store.update(namespace, name, obj, { ...options, ...(subresource === undefined ? {} : { subresource }) });
        send(200, updated, { objects: [updated] });
        return;
      }
      case 'PATCH': {
        if (name === undefined) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        const { body, contentType } = await readBody(req);
        const patched = await store.patch(namespace, name, patchType(contentType), body, { ...patchOptions(req, warnings), ...(subresource === undefined ? {} : { subresource }) });
        send(200, patched, { objects: [patched] });
        return;
      }
      case 'DELETE': {
        const { body } = await readBody(req);
        if (name === undefined) {
          const deleted = await store.deleteCollection(namespace, { ...deleteOptions(req, body, warnings), ...listOptions(req) });
          send(200, deleted);
          return;
        }
        const deleted = await store.delete(namespace, name, deleteOptions(req, body, warnings));
        send(200, deleted);
        return;
      }
      default:
        throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  } catch (err) {
    sendError(res, err);
  }
}

/**
 * Checks a create or update body against the kind's OpenAPI schema: type and
 * required-field errors are Invalid (422); unknown fields are a BadRequest under
 * fieldValidation=Strict, a warning under Warn, nothing under Ignore.
 */
function checkSchema(info: ResourceInfo, subresource: string | undefined, body: unknown, options: WriteOptions): void {
  const [gv, kind] = subresource === 'scale' ? ['autoscaling/v1', 'Scale'] : [apiVersionOf(info), info.kind];
  if (!hasSchema(gv, kind)) return;
  const v = validateBody(gv, kind, body, options.fieldValidation ?? 'Warn');
  const name = (body as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '';
  if (v.causes.length > 0) throw errors.invalid(info, kind, name, v.causes);
  if (v.unknownFields.length > 0) throw errors.badRequest(strictDecodingMessage(v.unknownFields));
  options.warnings?.push(...v.warnings);
}

function asObject(body: unknown): KubeObject {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the request body must be an object');
  const obj = body as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw errors.badRequest('metadata must be an object');
  return obj;
}
