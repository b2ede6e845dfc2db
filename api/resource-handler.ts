import type { Request, Response } from 'express';
import { errors } from '../registry/generic/api-error.js';
import { CreateOnlyStore } from '../registry/generic/create-only-store.js';
import type { BodyFields, ObjectList } from '../registry/generic/resource-store.js';
import type { KubeObject } from '../registry/generic/types.js';
import { goTypeMetaError, summarizeBody } from '../schemas/go-json-syntax.js';
import { userOf } from './filters/authentication.js';
import { exactName } from './filters/request-info.js';
import { duplicateFields, firstKeyOffsets } from './json-fields.js';
import { KUBERNETES_PROTOBUF_TYPE } from './protobuf/decode.js';
import { BodyDecodeError, encodeBody, readBody, wanted } from './negotiate.js';
import { deleteOptions, includeObject, isWatch, listOptions, patchOptions, patchType, watchOptions, writeOptions } from './query.js';
import type { ResourcePath } from './request-path.js';
import { sendError } from './status.js';
import { connectQuery, serveConnect } from './connect.js';
import { serveWatch } from './watch-stream.js';
import { convertResponse } from './response-form.js';
import { sendBody } from './compression.js';

const verbOf = (method: string, hasName: boolean, watch: boolean): string => {
  switch (method) {
    case 'GET':
      return hasName ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
};

/**
 * A watch of one object by the deprecated path /watch/.../{name}: its fieldSelector becomes
 * metadata.name={name}; one that names another object is a 400, as kube-apiserver answers.
 */
function watchOfName<T extends { fieldSelector?: string }>(options: T, name: string): T {
  const given = options.fieldSelector;
  if (given === undefined || given.trim() === '') return { ...options, fieldSelector: `metadata.name=${name}` };
  if (exactName(given) !== name) throw errors.badRequest("fieldSelector metadata.name doesn't match requested name");
  return options;
}

/** Warning headers, as kube-apiserver sends them (code 299, agent "-"). */
function appendWarnings(res: Response, warnings: readonly string[]): void {
  for (const w of warnings) res.append('Warning', `299 - "${w.replace(/"/g, '\\"')}"`);
}

/**
 * One request on a resource path: decode, call the store's verb, encode. No
 * storage logic here; every rule is in the registry.
 */
export async function handleResource(req: Request, res: Response, rp: ResourcePath, legacyWatch = false): Promise<void> {
  const { store, namespace, name, subresource } = rp;
  const warnings: string[] = [];
  // Who is writing, for admission and the RBAC escalation checks.
  const user = userOf(res);
  const who = user === undefined ? {} : { user: { username: user.name, uid: user.uid, groups: user.groups, extra: user.extra } };
  try {
    const handler = subresource === undefined ? undefined : store.subresource(subresource);
    const info = store.info;
    const sub = subresource === undefined ? undefined : info.subresources.find((s) => s.name === subresource);
    if (subresource !== undefined && sub === undefined) throw errors.notFound(info, name ?? '');
    const watching = legacyWatch || isWatch(req);
    const verb = legacyWatch ? 'watch' : verbOf(req.method, name !== undefined, watching);
    // A collection takes GET, POST and DELETE only; PUT and PATCH name an object.
    const onCollection = name === undefined && (req.method === 'PUT' || req.method === 'PATCH');
    // A proxy takes every method: HEAD as a get, OPTIONS as itself (kube-apiserver's proxies route them all).
    const proxyMethod = sub?.name === 'proxy' && (req.method === 'HEAD' || req.method === 'OPTIONS');
    const allowed = !onCollection && (proxyMethod || (sub?.verbs ?? info.verbs).includes(verb));
    // Another server answers a connect subresource: its Accept and Content-Type are that server's business.
    if (allowed && handler?.connect !== undefined && name !== undefined) {
      const target = await handler.connect(namespace, name, { method: req.method, query: connectQuery(req.originalUrl), subpath: rp.subpath });
      serveConnect(req, res, target, rp.subpath);
      return;
    }
    const want = wanted(req);
    const send = (code: number, body: unknown, shape?: { objects: KubeObject[]; list?: ObjectList['metadata'] }): void => {
      const out = convertResponse(store, want, req, body, shape);
      appendWarnings(res, warnings);
      const { type, text } = encodeBody(out, want.format);
      sendBody(req, res, code, type, text);
    };
    // A PATCH of no patch type is refused before it is handled, without the deprecation Warning.
    const patchKind = allowed && req.method === 'PATCH' ? patchType((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()) : undefined;
    // A deprecated version's Warning comes with every verb it serves (not with a 405).
    if (info.deprecationWarning !== undefined && info.verbs.includes(verb)) warnings.push(info.deprecationWarning);
    if (!allowed) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    switch (req.method) {
      case 'GET': {
        if (legacyWatch && subresource !== undefined) throw errors.notFoundPath();
        if (name === undefined || legacyWatch) {
          if (watching) {
            const options = legacyWatch && name !== undefined ? watchOfName(watchOptions(req), name) : watchOptions(req);
            // A selector or Table option that does not parse is a 400 answer, not an ERROR in a 200 stream.
            store.checkSelectors(options);
            if (want.as === 'Table') includeObject(req);
            appendWarnings(res, warnings);
            serveWatch(req, res, store, namespace, options, want);
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
        // A subresource's body is its own kind (TokenRequest, Binding, Eviction), and errors name it.
        const { body, bytes, bodyFields } = await readObjectBody(req, sub?.kind.kind ?? info.kind);
        const options = { ...writeOptions(req, warnings, 'CreateOptions'), ...(bodyFields === undefined ? {} : { bodyFields }), ...who };
        if (name !== undefined) {
          if (handler?.create === undefined) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
          const r = await handler.create(namespace, name, body, options);
          send(r.code, r.body);
          return;
        }
        if (store instanceof CreateOnlyStore) {
          const r = await store.createWithStatus(namespace, asObject(body, bytes, info.kind), options);
          send(r.code, r.body);
          return;
        }
        const created = await store.create(namespace, asObject(body, bytes, info.kind), options);
        send(201, created, { objects: [created] });
        return;
      }
      case 'PUT': {
        const { body, bytes, bodyFields } = await readObjectBody(req, info.kind);
        const obj = asObject(body, bytes, sub?.kind.kind ?? info.kind);
        const options = { ...writeOptions(req, warnings, 'UpdateOptions'), ...(bodyFields === undefined ? {} : { bodyFields }), ...who };
        const r = await store.update(namespace, name!, obj, { ...options, ...(subresource === undefined ? {} : { subresource }) });
        send(r.created ? 201 : 200, r.object, { objects: [r.object] });
        return;
      }
      case 'PATCH': {
        const type = patchKind!;
        if (type === 'apply' && store.apply === undefined) throw errors.unsupportedPatchType();
        let body: unknown;
        try {
          body = (await readBody(req)).body;
        } catch (e) {
          if (e instanceof BodyDecodeError) throw errors.badRequest(type === 'apply' ? `error decoding YAML: ${e.goError}` : `error decoding patch: ${e.goError}`);
          throw e;
        }
        if (type === 'apply') {
          const r = await store.apply!(namespace, name!, body, { ...patchOptions(req, warnings, type), ...(subresource === undefined ? {} : { subresource }), ...who });
          send(r.created ? 201 : 200, r.object, { objects: [r.object] });
          return;
        }
        const patched = await store.patch(namespace, name!, type, body, { ...patchOptions(req, warnings, type), ...(subresource === undefined ? {} : { subresource }), ...who });
        send(200, patched, { objects: [patched] });
        return;
      }
      case 'DELETE': {
        const { body } = await readBody(req);
        if (name === undefined) {
          const deleted = await store.deleteCollection(namespace, { ...deleteOptions(req, body, warnings), ...listOptions(req), ...who });
          send(200, deleted, { objects: deleted.items, list: deleted.metadata });
          return;
        }
        const result = await store.delete(namespace, name, { ...deleteOptions(req, body, warnings), ...who });
        const response = store.deleteResponse(result);
        send(200, response, response === result.object ? { objects: [result.object] } : undefined);
        return;
      }
      default:
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
  } catch (err) {
    // Warnings recorded before the failure (unknown fields of a body that is then refused) go out with it, as kube-apiserver sends them.
    if (!res.headersSent) appendWarnings(res, warnings);
    sendError(res, err);
  }
}

/** The body of a POST or PUT; one that cannot be decoded is a BadRequest worded as kube-apiserver words it. */
async function readObjectBody(req: Request, kind: string): Promise<{ body: unknown; bytes: Buffer; bodyFields?: BodyFields }> {
  try {
    const { body, bytes, contentType } = await readBody(req);
    if (body === undefined || contentType === KUBERNETES_PROTOBUF_TYPE || contentType.includes('yaml')) return { body, bytes };
    const text = bytes.toString('utf8');
    return { body, bytes, bodyFields: { duplicates: duplicateFields(text), offsetsOf: (paths) => firstKeyOffsets(text, paths) } };
  } catch (e) {
    if (!(e instanceof BodyDecodeError)) throw e;
    const what = e.isYaml ? e.goError : `couldn't get version/kind; json parse error: ${e.goError}`;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): ${what} (${e.summary})`);
  }
}

/** The body as an object; anything else is a BadRequest as kube-apiserver words it. */
function asObject(body: unknown, bytes: Buffer, kind: string): KubeObject {
  if (body === undefined || body === null) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: unexpected end of JSON input (${summarizeBody(bytes)})`);
  }
  const typeError = goTypeMetaError(body);
  if (typeError !== undefined) throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${typeError} (${summarizeBody(bytes)})`);
  const obj = body as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw errors.badRequest('metadata must be an object');
  return obj;
}
