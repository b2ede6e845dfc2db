/**
 * The `paths` of a group-version's OpenAPI document: the collection and item
 * operations of each served resource, each carrying x-kubernetes-action and
 * x-kubernetes-group-version-kind (an object on operations, unlike on schemas).
 */
import type { JsonObject, JsonValue } from './json.js';
import { refPrefix } from './schema-sources.js';
import type { QueryOption, ServedGroupVersion, ServedResource } from './served-resources.js';

const json = ['application/json', 'application/yaml'];
const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const query = (name: string, type: 'string' | 'integer' | 'boolean', description: string): JsonObject => ({
  name,
  in: 'query',
  description,
  schema: { type },
});

const pathParam = (name: string, description: string): JsonObject => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const dryRun = query('dryRun', 'string', 'When All, the request is checked and answered but nothing is stored.');
const fieldManager = query('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.');
const fieldValidation = query('fieldValidation', 'string', 'What to do with unknown or duplicate fields: Ignore, Warn (the default) or Strict.');
const writeParams = [dryRun, fieldManager, fieldValidation];

/** The query of a list or watch. */
const listParams = [
  query('labelSelector', 'string', 'Only objects whose labels match.'),
  query('fieldSelector', 'string', 'Only objects whose fields match.'),
  query('limit', 'integer', 'Most objects to return; the rest come with continue.'),
  query('continue', 'string', 'Token from a previous limited list.'),
  query('resourceVersion', 'string', 'Which version of the store to read.'),
  query('resourceVersionMatch', 'string', 'Exact or NotOlderThan.'),
  query('watch', 'boolean', 'Stream changes instead of listing.'),
  query('allowWatchBookmarks', 'boolean', 'Send BOOKMARK events with the progress of a watch.'),
  query('sendInitialEvents', 'boolean', 'Start a watch with the current objects as ADDED events.'),
  query('timeoutSeconds', 'integer', 'Ends a list or watch after this many seconds.'),
];

const capitalize = (s: string): string => s.slice(0, 1).toUpperCase() + s.slice(1);

function content(types: readonly string[], schema: string): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: `${refPrefix}${schema}` } }]));
}

const response = (description: string, schema: string): JsonObject => ({ description, content: content(json, schema) });

/** The operation id part of a group-version: CoreV1, AppsV1, NetworkingV1, RbacAuthorizationV1. */
function groupWord(groupVersion: string): string {
  if (groupVersion === 'v1') return 'CoreV1';
  const [group = '', version = ''] = groupVersion.split('/');
  const words = group.replace(/\.k8s\.io$/, '').split(/[.-]/).map(capitalize).join('');
  return `${words}${capitalize(version)}`;
}

function operationId(verb: string, gv: ServedGroupVersion, r: ServedResource): string {
  const kind = r.operationName ?? r.gvk.kind;
  if (verb === 'deletecollection') return `delete${groupWord(gv.groupVersion)}Collection${r.isNamespaced ? 'Namespaced' : ''}${kind}`;
  return `${verb}${groupWord(gv.groupVersion)}${r.isNamespaced ? 'Namespaced' : ''}${kind}`;
}

function operation(verb: string, action: string, gv: ServedGroupVersion, r: ServedResource, extra: JsonObject): JsonObject {
  const { group, version, kind } = r.gvk;
  return {
    operationId: operationId(verb, gv, r),
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group, version, kind },
  };
}

function itemPath(gv: ServedGroupVersion, r: ServedResource): [string, JsonObject] | undefined {
  const base = `/${gv.path}/${r.isNamespaced ? 'namespaces/{namespace}/' : ''}${r.resource}/{name}${r.subresource === undefined ? '' : `/${r.subresource}`}`;
  const params = [pathParam('name', `Name of the ${r.gvk.kind}.`), ...(r.isNamespaced ? [pathParam('namespace', 'Namespace of the object.')] : [])];
  const item: Record<string, JsonValue> = { parameters: params };
  if (r.verbs.includes('get')) item['get'] = operation('read', 'get', gv, r, { description: `Read the ${r.gvk.kind}.`, responses: { '200': response('OK', r.schema) } });
  if (r.verbs.includes('update')) {
    item['put'] = operation('replace', 'put', gv, r, {
      description: `Replace the ${r.gvk.kind}.`,
      parameters: writeParams,
      requestBody: { required: true, content: content(json, r.schema) },
      responses: { '200': response('OK', r.schema), '201': response('Created', r.schema) },
    });
  }
  if (r.verbs.includes('patch')) {
    item['patch'] = operation('patch', 'patch', gv, r, {
      description: `Partially update the ${r.gvk.kind}.`,
      parameters: [...writeParams, query('force', 'boolean', 'For apply patches: take over fields other managers own.')],
      requestBody: { required: true, content: content(patchTypes, 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch') },
      responses: { '200': response('OK', r.schema), '201': response('Created', r.schema) },
    });
  }
  if (r.subresource !== undefined && r.verbs.includes('create')) {
    item['post'] = operation('create', 'post', gv, r, {
      description: `Create a ${r.gvk.kind}.`,
      parameters: writeParams,
      requestBody: { required: true, content: content(json, r.schema) },
      responses: { '200': response('OK', r.schema), '201': response('Created', r.schema), '202': response('Accepted', r.schema) },
    });
  }
  if (r.subresource === undefined && r.verbs.includes('delete')) {
    item['delete'] = operation('delete', 'delete', gv, r, {
      description: `Delete the ${r.gvk.kind}.`,
      parameters: [dryRun, query('gracePeriodSeconds', 'integer', 'Seconds before the object is removed.'), query('propagationPolicy', 'string', 'Orphan, Background or Foreground.')],
      responses: { '200': response('OK', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'), '202': response('Accepted', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status') },
    });
  }
  return Object.keys(item).length > 1 ? [base, item] : undefined;
}

function collectionPath(gv: ServedGroupVersion, r: ServedResource, listSchema: string | undefined): [string, JsonObject] | undefined {
  const base = `/${gv.path}/${r.isNamespaced ? 'namespaces/{namespace}/' : ''}${r.resource}`;
  const collection: Record<string, JsonValue> = { parameters: r.isNamespaced ? [pathParam('namespace', 'Namespace of the objects.')] : [] };
  if (r.verbs.includes('list') && listSchema !== undefined) {
    collection['get'] = operation('list', 'list', gv, r, {
      description: `List or watch ${r.gvk.kind} objects.`,
      parameters: listParams,
      responses: { '200': response('OK', listSchema) },
    });
  }
  if (r.verbs.includes('create')) {
    collection['post'] = operation('create', 'post', gv, r, {
      description: `Create a ${r.gvk.kind}.`,
      parameters: writeParams,
      requestBody: { required: true, content: content(json, r.schema) },
      responses: { '200': response('OK', r.schema), '201': response('Created', r.schema), '202': response('Accepted', r.schema) },
    });
  }
  if (r.verbs.includes('deletecollection')) {
    collection['delete'] = operation('deletecollection', 'deletecollection', gv, r, {
      description: `Delete a collection of ${r.gvk.kind} objects.`,
      parameters: [dryRun, query('labelSelector', 'string', 'Only objects whose labels match.'), query('fieldSelector', 'string', 'Only objects whose fields match.'), query('propagationPolicy', 'string', 'Orphan, Background or Foreground.')],
      responses: { '200': response('OK', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status') },
    });
  }
  return Object.keys(collection).length > 1 ? [base, collection] : undefined;
}

/** A namespaced resource's list across namespaces: /api/v1/pods, listCoreV1PodForAllNamespaces. */
function allNamespacesPath(gv: ServedGroupVersion, r: ServedResource): [string, JsonObject] | undefined {
  if (!r.isNamespaced || !r.verbs.includes('list') || r.listSchema === undefined) return undefined;
  const listed = operation('list', 'list', gv, r, { description: `List or watch ${r.gvk.kind} objects in every namespace.`, parameters: listParams, responses: { '200': response('OK', r.listSchema) } });
  const get = { ...listed, operationId: `list${groupWord(gv.groupVersion)}${r.gvk.kind}ForAllNamespaces` };
  return [`/${gv.path}/${r.resource}`, { parameters: [], get }];
}

const textResponse = (types: readonly string[]): JsonObject => ({ description: 'OK', content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])) });

/** A subresource read as text (pods/log): readCoreV1NamespacedPodLog. */
function textPath(gv: ServedGroupVersion, r: ServedResource, options: readonly QueryOption[]): [string, JsonObject] {
  const base = `/${gv.path}/${r.isNamespaced ? 'namespaces/{namespace}/' : ''}${r.resource}/{name}/${r.subresource ?? ''}`;
  const params = [pathParam('name', `Name of the ${r.gvk.kind}.`), ...(r.isNamespaced ? [pathParam('namespace', 'Namespace of the object.')] : [])];
  const get = operation('read', 'get', gv, r, { description: `Read the ${r.gvk.kind}'s ${r.subresource ?? ''}.`, parameters: options.map((o) => query(o.name, o.type, o.description)), responses: { '200': textResponse(['text/plain', 'application/json', 'application/yaml']) } });
  return [base, { parameters: params, get }];
}

/**
 * A subresource another server answers: one connect operation per HTTP method
 * (connectCoreV1PostNamespacedPodExec); a proxy also takes a path after it (…WithPath).
 */
function connectPaths(gv: ServedGroupVersion, r: ServedResource, connect: NonNullable<ServedResource['connect']>): [string, JsonObject][] {
  const sub = r.subresource ?? '';
  const base = `/${gv.path}/${r.isNamespaced ? 'namespaces/{namespace}/' : ''}${r.resource}/{name}/${sub}`;
  // The owner's kind and the subresource: PodExec.
  const owner = r.operationName ?? `${r.gvk.kind}${capitalize(sub)}`;
  const params = [pathParam('name', `Name of the ${r.gvk.kind}.`), ...(r.isNamespaced ? [pathParam('namespace', 'Namespace of the object.')] : [])];
  const item = (withPath: boolean): JsonObject => {
    const out: Record<string, JsonValue> = { parameters: [...params, ...(withPath ? [pathParam('path', 'The path to pass on.')] : []), ...connect.options.map((o) => query(o.name, o.type, o.description))] };
    for (const method of connect.methods) {
      out[method.toLowerCase()] = {
        operationId: `connect${groupWord(gv.groupVersion)}${capitalize(method.toLowerCase())}${r.isNamespaced ? 'Namespaced' : ''}${owner}${withPath ? 'WithPath' : ''}`,
        description: `Connect ${method} requests to the ${sub} subresource.`,
        responses: { '200': textResponse(['*/*']) },
        'x-kubernetes-action': 'connect',
        'x-kubernetes-group-version-kind': { ...r.gvk },
      };
    }
    return out;
  };
  return sub === 'proxy' ? [[base, item(false)], [`${base}/{path}`, item(true)]] : [[base, item(false)]];
}

const watchEvent = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';

/**
 * The deprecated watch paths (/api/v1/watch/...): of a collection (watchlist), of one object
 * (watch), and of a namespaced kind across namespaces, each answering WatchEvents.
 */
function watchPaths(gv: ServedGroupVersion, r: ServedResource): [string, JsonObject][] {
  if (!r.verbs.includes('watch')) return [];
  const group = groupWord(gv.groupVersion);
  const scope = r.isNamespaced ? 'Namespaced' : '';
  const ns = r.isNamespaced ? [pathParam('namespace', 'Namespace of the objects.')] : [];
  const watch = (action: string, id: string, description: string): JsonObject => ({
    ...operation(action, action, gv, r, { description, responses: { '200': response('OK', watchEvent) } }),
    operationId: id,
  });
  const base = `/${gv.path}/watch/${r.isNamespaced ? 'namespaces/{namespace}/' : ''}${r.resource}`;
  const out: [string, JsonObject][] = [
    [base, { parameters: [...ns, ...listParams], get: watch('watchlist', `watch${group}${scope}${r.gvk.kind}List`, `Watch ${r.gvk.kind} objects (deprecated: list with watch=true).`) }],
    [`${base}/{name}`, { parameters: [pathParam('name', `Name of the ${r.gvk.kind}.`), ...ns, ...listParams], get: watch('watch', `watch${group}${scope}${r.gvk.kind}`, `Watch one ${r.gvk.kind} (deprecated: list with watch=true and a metadata.name field selector).`) }],
  ];
  if (r.isNamespaced) out.push([`/${gv.path}/watch/${r.resource}`, { parameters: listParams, get: watch('watchlist', `watch${group}${r.gvk.kind}ListForAllNamespaces`, `Watch ${r.gvk.kind} objects in every namespace (deprecated).`) }]);
  return out;
}

/** The document's `paths` object for one group-version, sorted by path. */
export function openApiPaths(gv: ServedGroupVersion): JsonObject {
  const entries = gv.resources.flatMap((r) => {
    if (r.connect !== undefined) return connectPaths(gv, r, r.connect);
    if (r.text !== undefined) return [textPath(gv, r, r.text.options)];
    return r.subresource !== undefined ? [itemPath(gv, r)] : [collectionPath(gv, r, r.listSchema), allNamespacesPath(gv, r), itemPath(gv, r), ...watchPaths(gv, r)];
  });
  const present = entries.filter((e): e is [string, JsonObject] => e !== undefined);
  return Object.fromEntries(present.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
