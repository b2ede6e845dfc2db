/**
 * A custom resource's Strategy and schema, built from one served version of
 * its CRD: names, scope and subresources from the CRD; pruning, defaulting
 * and validation from the version's structural schema (compiled once, here);
 * Tables from additionalPrinterColumns; versions other than the storage
 * version convert by rewriting apiVersion (conversion strategy None).
 */
import { isDeepStrictEqual } from 'node:util';
import { isJsonObject, type JsonObject } from '../../schemas/json.js';
import type { ObjectSchema } from '../../schemas/object-schema.js';
import { SchemaTree } from '../../schemas/schema-tree.js';
import { defaultObject, pruneObject } from '../../schemas/structural-schema.js';
import { celEngine, hasCelRules } from '../../schemas/cel-engine.js';
import { compileCustomValidator, structuralCauses } from '../../schemas/validate-custom.js';
import { ApiError, errors, type StatusCause } from '../generic/api-error.js';
import { arrayOf, baseStrategy, field, resourceInfo } from '../generic/base-strategy.js';
import type { ScaleAccess, Strategy, VersionConversion } from '../generic/strategy.js';
import { age, nameColumn, type ColumnDefinition, type TableConvertor } from '../generic/table.js';
import { apiVersionOf, type KubeObject, type ResourceInfo } from '../generic/types.js';
import { evaluateJsonPath, setJsonPath } from './json-path.js';

/** The verbs kube-apiserver lists for custom resources, in its order. */
export const customResourceVerbs = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'] as const;

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The OpenAPI component name kube-apiserver gives a custom kind: the group reversed, version, kind (com.example.v1.Widget). */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** A CRD's version by name. */
export function crdVersion(crd: KubeObject, version: string): Obj | undefined {
  return arrayOf(field(crd, 'spec')?.versions).find((v) => v.name === version);
}

/** The version's openAPIV3Schema. */
export function versionSchema(v: Obj | undefined): JsonObject {
  const s = field(field(v, 'schema'), 'openAPIV3Schema');
  return isJsonObject(s) ? s : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

/** The CRD's storage version name. */
export function storageVersion(crd: KubeObject): string {
  return str(arrayOf(field(crd, 'spec')?.versions).find((v) => v.storage === true)?.name);
}

/** The ResourceInfo of one served version of a CRD (its accepted names). */
export function customResourceInfo(crd: KubeObject, version: string): ResourceInfo {
  const spec = field(crd, 'spec') ?? {};
  const group = str(spec.group);
  const names = field(field(crd, 'status'), 'acceptedNames') ?? field(spec, 'names') ?? {};
  const v = crdVersion(crd, version);
  const sub = field(v, 'subresources');
  const kind = str(names.kind);
  const listKind = str(names.listKind) || `${kind}List`;
  const plural = str(names.plural);
  return resourceInfo({
    group,
    version,
    resource: plural,
    singular: str(names.singular) || kind.toLowerCase(),
    kind,
    listKind,
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    verbs: customResourceVerbs,
    subresources: [...(field(sub, 'status') !== undefined ? ['status'] : []), ...(field(sub, 'scale') !== undefined ? ['scale'] : [])],
    storagePrefix: `/registry/${group}/${plural}/`,
    storageApiVersion: `${group}/${storageVersion(crd)}`,
    schema: { kind: customSchemaName(group, version, kind), list: customSchemaName(group, version, listKind) },
    legacySingularName: str(names.singular) || kind.toLowerCase(),
    custom: true,
    ...(v?.deprecated === true ? { deprecationWarning: typeof v.deprecationWarning === 'string' ? v.deprecationWarning : `${group}/${version} ${kind} is deprecated` } : {}),
  });
}

/** Builds nodes of structural schemas, which refer to no component schema. */
const structuralTree = new SchemaTree(() => undefined, { preservedAsObjects: true });

/** The ObjectSchema of a version: pruning on decode (unknown fields reported), nothing to encode. */
function customObjectSchema(schema: JsonObject): ObjectSchema {
  return {
    root: { type: 'any' },
    structure: structuralTree.build(schema),
    decode: (obj, fieldValidation) => {
      const unknownFields = pruneObject(obj, schema);
      const warnings = fieldValidation === 'Warn' ? unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`) : [];
      return { causes: [], unknownFields, warnings };
    },
    encode: () => undefined,
  };
}

/** Formats a printer column's value as kube-apiserver's Table does. */
function cell(type: string, value: unknown, now: Date): unknown {
  if (value === undefined) return null;
  if (type === 'date') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? age(value, now) : value;
  if (type === 'string') return typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return value;
}

function printerTable(v: Obj | undefined): TableConvertor {
  const columns = arrayOf(v?.additionalPrinterColumns);
  if (columns.length === 0) {
    const ageColumn: ColumnDefinition = { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 };
    return { columns: [nameColumn, ageColumn], cells: (o, now) => [o.metadata.name ?? '', age(o.metadata.creationTimestamp, now)] };
  }
  const defs: ColumnDefinition[] = columns.map((c) => ({
    name: str(c.name),
    type: str(c.type) as ColumnDefinition['type'],
    format: str(c.format),
    description: str(c.description),
    priority: typeof c.priority === 'number' ? c.priority : 0,
  }));
  return {
    columns: [nameColumn, ...defs],
    cells: (o, now) => [o.metadata.name ?? '', ...columns.map((c) => cell(str(c.type), evaluateJsonPath(o, str(c.jsonPath)), now))],
  };
}

function scaleAccess(scale: Obj): ScaleAccess {
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const specPath = str(scale.specReplicasPath);
  return {
    specReplicasField: specPath.split('.').filter((f) => f !== ''),
    specReplicas: (o) => num(evaluateJsonPath(o, specPath)),
    statusReplicas: (o) => num(evaluateJsonPath(o, str(scale.statusReplicasPath))),
    selector: (o) => {
      const p = str(scale.labelSelectorPath);
      const s = p === '' ? undefined : evaluateJsonPath(o, p);
      return typeof s === 'string' ? s : '';
    },
    setSpecReplicas: (o, replicas) => setJsonPath(o, specPath, replicas),
    replicasCause: (replicas) => ({ reason: 'FieldValueInvalid', field: specPath, message: `Invalid value: ${JSON.stringify(replicas)}: should be a non-negative integer` }),
  };
}

/** Refuses a body of another kind or version, as kube-apiserver's custom resource handler does. */
function checkTypeMeta(info: ResourceInfo, obj: KubeObject): void {
  const want = apiVersionOf(info);
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (kind === '') {
    const text = JSON.stringify(obj);
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${info.kind}): Object 'Kind' is missing in '${text}' (${text})`);
  }
  if (apiVersion !== want) throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${want})`);
  if (kind !== info.kind) {
    throw errors.invalid(info, kind, obj.metadata?.name ?? '', [{ reason: 'FieldValueInvalid', field: 'kind', message: `Invalid value: ${JSON.stringify(kind)}: must be ${info.kind}` }]);
  }
}

/**
 * A served version of a CRD as a Strategy and the schema its store decodes
 * with. While the CRD is being deleted (terminating), creates are refused.
 */
export function customResourceStrategy(crd: KubeObject, version: string, terminating = false): { strategy: Strategy; schema: ObjectSchema } {
  const info = customResourceInfo(crd, version);
  const v = crdVersion(crd, version);
  const schema = versionSchema(v);
  const validator = compileCustomValidator(schema);
  // Loaded by the CRD controller before it serves a CRD with rules.
  const cel = hasCelRules(schema) ? new (celEngine().CelRules)(schema) : undefined;
  const hasStatus = field(field(v, 'subresources'), 'status') !== undefined;
  const scale = field(field(v, 'subresources'), 'scale');
  const storage = storageVersion(crd);
  const conversion: VersionConversion | undefined =
    storage === version
      ? undefined
      : {
          storageApiVersion: `${info.group}/${storage}`,
          storageKind: info.kind,
          toStorage: (o) => ({ ...o, apiVersion: `${info.group}/${storage}` }),
          fromStorage: (o) => ({ ...o, apiVersion: apiVersionOf(info) }),
        };
  const content = (o: KubeObject): Obj => {
    const { metadata: _m, status, ...rest } = o;
    return hasStatus ? rest : { ...rest, status };
  };
  const strategy: Strategy = baseStrategy(info, {
    generation: true,
    unconditionalUpdate: false,
    supportsStrategicMerge: false,
    checkTypeMeta: (o) => checkTypeMeta(info, o),
    applyDefaults: (o) => defaultObject(o, schema),
    prepareForCreate: (o) => {
      if (terminating) throw new ApiError(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating', { group: info.group, kind: info.resource });
      if (hasStatus) delete o.status;
    },
    isSpecChange: (o, old) => !isDeepStrictEqual(content(o), content(old)),
    validate: (o): StatusCause[] => [...validator.validate(o), ...structuralCauses(o, schema), ...(cel?.validate(o) ?? [])],
    validateUpdate: (o, old) => cel?.validateTransition(o, old) ?? [],
    table: printerTable(v),
    ...(scale === undefined ? {} : { scale: scaleAccess(scale) }),
    ...(conversion === undefined ? {} : { conversion }),
  });
  return { strategy, schema: customObjectSchema(schema) };
}
