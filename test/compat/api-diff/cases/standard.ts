import type { DiffCase, Json, Step } from '../case.js';
import { asPartial, asPartialList, asTable, del, get, patch, post, put } from './steps.js';

/**
 * The standard cases every resource gets, generated from a fixture: the verbs and
 * API machinery that behave alike across kinds. Kind-specific behaviour (defaults,
 * validation, subresources) is written by hand in each family's file.
 */

type JsonObject = { readonly [key: string]: Json };

/** How to make valid objects of one resource. */
export interface Fixture {
  /** Prefix of the case ids, e.g. configmaps or apps-deployments. */
  readonly id: string;
  /** Collection path, with {ns} when namespaced: /api/v1/namespaces/{ns}/configmaps. */
  readonly collection: string;
  readonly namespaced: boolean;
  readonly apiVersion: string;
  readonly kind: string;
  /** The rest of a valid object besides apiVersion, kind and metadata (spec, data, ...). */
  readonly content: JsonObject;
  /** Events a watch sees after create for a label patch and a delete; default MODIFIED, DELETED. */
  readonly watchEvents?: number;
  /** Standard cases this resource does not fit (e.g. namespaces have no deletecollection). */
  readonly skip?: ReadonlyArray<StandardCase>;
}

export type StandardCase = 'create-get' | 'list' | 'watch' | 'update' | 'patch' | 'delete' | 'dry-run' | 'field-validation' | 'wrong-kind' | 'delete-collection';

/** The name an object gets: cluster-scoped names carry the case's namespace so cases never collide. */
export function objectName(f: Fixture, short: string): string {
  return f.namespaced ? short : `{ns}-${short}`;
}

/** A valid object of the fixture's kind, labelled with its case. */
export function makeObject(f: Fixture, short: string, extra: { labels?: JsonObject; body?: JsonObject } = {}): JsonObject {
  return {
    apiVersion: f.apiVersion,
    kind: f.kind,
    metadata: { name: objectName(f, short), labels: { case: '{ns}', ...extra.labels } },
    ...f.content,
    ...extra.body,
  };
}

/** The path of one object. */
export function objectPath(f: Fixture, short: string): string {
  return `${f.collection}/${objectName(f, short)}`;
}

/** obj with metadata.resourceVersion set. */
function withVersion(obj: JsonObject, resourceVersion: string): JsonObject {
  return { ...obj, metadata: { ...(obj.metadata as JsonObject), resourceVersion } };
}

/** Query that keeps a list or watch to the case's own objects (cluster-scoped kinds share the cluster). */
function own(f: Fixture, q: Readonly<Record<string, string>> = {}): Readonly<Record<string, string>> {
  return f.namespaced ? q : { labelSelector: 'case={ns}', ...q };
}

/** The standard cases of one fixture. */
export function standardCases(f: Fixture): DiffCase[] {
  const c = f.collection;
  const at = (short: string): string => objectPath(f, short);
  const create = (id: string, short: string, q?: Readonly<Record<string, string>>): Step => post(id, c, makeObject(f, short), q ? { query: q } : {});
  const all: Array<[StandardCase, string, Step[]]> = [
    [
      'create-get',
      'create answers 201 with the defaulted object; get, get as Table and as PartialObjectMetadata; create again is AlreadyExists; a missing name is NotFound',
      [
        create('create', 'a'),
        get('get', at('a')),
        get('get-table', at('a'), { accept: asTable }),
        get('get-metadata', at('a'), { accept: asPartial }),
        create('create-again', 'a'),
        get('get-missing', at('missing')),
        del('delete-missing', at('missing')),
      ],
    ],
    [
      'list',
      'lists page with limit and continue; lists as Table and as PartialObjectMetadataList',
      [
        create('create-a', 'a'),
        create('create-b', 'b'),
        create('create-c', 'c'),
        get('list', c, { query: own(f) }),
        get('page-1', c, { query: own(f, { limit: '2' }) }),
        get('page-2', c, { query: own(f, { limit: '2', continue: '{ref:page-1:metadata.continue}' }) }),
        get('list-table', c, { query: own(f), accept: asTable }),
        get('list-metadata', c, { query: own(f), accept: asPartialList }),
        get('list-label-selector', c, { query: { labelSelector: 'case={ns},missing=yes' } }),
      ],
    ],
    [
      'watch',
      'a watch from the create resourceVersion sees the label patch and the delete',
      [
        create('create', 'a'),
        patch('label', at('a'), 'merge', { metadata: { labels: { changed: 'yes' } } }),
        del('delete', at('a')),
        { kind: 'watch', id: 'watch', path: c, events: f.watchEvents ?? 2, query: own(f, { resourceVersion: '{rv:create}' }) },
      ],
    ],
    [
      'update',
      'PUT with a stale resourceVersion is Conflict, with the current one succeeds, without one updates unconditionally; a name unlike the URL is BadRequest; a missing object is NotFound',
      [
        create('create', 'a'),
        patch('touch', at('a'), 'merge', { metadata: { labels: { step: 'touch' } } }),
        put('update-stale', at('a'), withVersion(makeObject(f, 'a', { labels: { step: 'stale' } }), '{rv:create}')),
        put('update-current', at('a'), withVersion(makeObject(f, 'a', { labels: { step: 'current' } }), '{rv:touch}')),
        put('update-unconditional', at('a'), makeObject(f, 'a', { labels: { step: 'unconditional' } })),
        put('update-name-mismatch', at('a'), makeObject(f, 'other')),
        put('update-missing', at('missing'), makeObject(f, 'missing')),
        get('get', at('a')),
      ],
    ],
    [
      'patch',
      'merge, JSON and strategic-merge patches of labels; a failing JSON patch test; a malformed patch body; an unknown patch type',
      [
        create('create', 'a'),
        patch('merge', at('a'), 'merge', { metadata: { labels: { merge: 'yes' } } }),
        patch('json', at('a'), 'json', [{ op: 'add', path: '/metadata/labels/json', value: 'yes' }]),
        patch('strategic', at('a'), 'strategic', { metadata: { labels: { strategic: 'yes', merge: null } } }),
        patch('json-test-fails', at('a'), 'json', [{ op: 'test', path: '/metadata/labels/json', value: 'no' }]),
        patch('json-remove-missing', at('a'), 'json', [{ op: 'remove', path: '/metadata/annotations/none' }]),
        { kind: 'request', id: 'malformed', method: 'PATCH', path: at('a'), contentType: 'application/merge-patch+json', rawBody: '{"metadata": {' },
        { kind: 'request', id: 'unsupported-type', method: 'PATCH', path: at('a'), contentType: 'text/plain', rawBody: 'labels=x' },
        patch('patch-missing', at('missing'), 'merge', { metadata: { labels: { x: 'y' } } }),
        get('get', at('a')),
      ],
    ],
    [
      'delete',
      'delete with each propagationPolicy (query and DeleteOptions body), a uid precondition that fails, a bad policy',
      [
        create('create-fg', 'fg'),
        create('create-bg', 'bg'),
        create('create-orphan', 'orphan'),
        create('create-pre', 'pre'),
        del('delete-foreground', at('fg'), undefined, { query: { propagationPolicy: 'Foreground' } }),
        get('get-foreground', at('fg')),
        del('delete-background', at('bg'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' }),
        get('get-background', at('bg')),
        del('delete-orphan', at('orphan'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan' }),
        get('get-orphan', at('orphan')),
        del('delete-precondition', at('pre'), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }),
        del('delete-bad-policy', at('pre'), undefined, { query: { propagationPolicy: 'Sideways' } }),
        del('delete-rv-precondition', at('pre'), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: '{rv:create-pre}' } }),
      ],
    ],
    [
      'dry-run',
      'dryRun=All on create, update, patch and delete changes nothing',
      [
        create('create-dry', 'a', { dryRun: 'All' }),
        get('get-after-dry-create', at('a')),
        create('create', 'a'),
        put('update-dry', at('a'), makeObject(f, 'a', { labels: { dry: 'update' } }), { query: { dryRun: 'All' } }),
        patch('patch-dry', at('a'), 'merge', { metadata: { labels: { dry: 'patch' } } }, { query: { dryRun: 'All' } }),
        del('delete-dry', at('a'), undefined, { query: { dryRun: 'All' } }),
        get('get', at('a')),
        create('create-bad-dry-run', 'b', { dryRun: 'Some' }),
      ],
    ],
    [
      'field-validation',
      'unknown and duplicate fields under fieldValidation Strict, Warn, Ignore and the default',
      [
        post('strict', c, makeObject(f, 'strict', { body: { bogus: 1 } }), { query: { fieldValidation: 'Strict' } }),
        post('warn', c, makeObject(f, 'warn', { body: { bogus: 1 } }), { query: { fieldValidation: 'Warn' } }),
        post('ignore', c, makeObject(f, 'ignore', { body: { bogus: 1 } }), { query: { fieldValidation: 'Ignore' } }),
        post('unset', c, makeObject(f, 'unset', { body: { bogus: 1 } })),
        post('strict-metadata', c, { ...makeObject(f, 'meta'), metadata: { name: objectName(f, 'meta'), labels: { case: '{ns}' }, bogus: 'x' } }, { query: { fieldValidation: 'Strict' } }),
        {
          kind: 'request',
          id: 'strict-duplicate',
          method: 'POST',
          path: c,
          query: { fieldValidation: 'Strict' },
          rawBody: JSON.stringify(makeObject(f, 'dup')).replace(/^\{/, `{"kind":${JSON.stringify(f.kind)},`),
        },
        post('bad-value', c, makeObject(f, 'bad'), { query: { fieldValidation: 'Loose' } }),
        patch('patch-strict', objectPath(f, 'warn'), 'merge', { bogus: 2 }, { query: { fieldValidation: 'Strict' } }),
      ],
    ],
    [
      'wrong-kind',
      'a body of another kind or apiVersion for this URL, a body with no kind, malformed JSON, and a namespace unlike the URL',
      [
        post('other-kind', c, { ...makeObject(f, 'a'), kind: 'Wrong' }),
        post('other-version', c, { ...makeObject(f, 'b'), apiVersion: 'example.com/v9' }),
        post('no-kind', c, { apiVersion: f.apiVersion, metadata: { name: objectName(f, 'c') } }),
        { kind: 'request', id: 'malformed', method: 'POST', path: c, rawBody: '{"apiVersion": "v1", "kind": ' },
        { kind: 'request', id: 'not-an-object', method: 'POST', path: c, rawBody: '[1, 2]' },
        ...(f.namespaced ? [post('other-namespace', c, { ...makeObject(f, 'd'), metadata: { name: 'd', namespace: 'elsewhere' } })] : []),
        post('no-name', c, { ...makeObject(f, 'e'), metadata: { labels: { case: '{ns}' } } }),
        post('generate-name', c, { ...makeObject(f, 'f'), metadata: { generateName: f.namespaced ? 'gen-' : '{ns}-gen-', labels: { case: '{ns}' } } }),
      ],
    ],
    [
      'delete-collection',
      'deletecollection with a label selector removes only the matching objects',
      [
        post('create-a', c, makeObject(f, 'a', { labels: { group: 'one' } })),
        post('create-b', c, makeObject(f, 'b', { labels: { group: 'one' } })),
        post('create-c', c, makeObject(f, 'c', { labels: { group: 'two' } })),
        del('delete-collection', c, undefined, { query: { labelSelector: 'case={ns},group=one' } }),
        get('list', c, { query: own(f) }),
      ],
    ],
  ];
  return all
    .filter(([name]) => !(f.skip ?? []).includes(name))
    .map(([name, title, steps]) => ({ id: `${f.id}-${name}`, title: `${f.kind}: ${title}`, steps }));
}

/** An invalid variant of a fixture's object: [id, title, content replacing the fixture's top-level fields, metadata fields]. */
export type InvalidVariant = readonly [string, string, JsonObject, JsonObject?];

/** One case per invalid variant: the create is refused (and nothing is stored, which the list shows). */
export function invalidCreateCases(f: Fixture, variants: readonly InvalidVariant[]): DiffCase[] {
  return variants.map(([id, title, content, metadata]) => {
    const base = makeObject(f, 'bad');
    const body: JsonObject = { ...base, ...content, metadata: { ...(base.metadata as JsonObject), ...metadata } };
    return {
      id: `${f.id}-invalid-${id}`,
      title: `${f.kind} create is refused: ${title}`,
      steps: [post('create', f.collection, body), get('list', f.collection, { query: own(f) })],
    };
  });
}
