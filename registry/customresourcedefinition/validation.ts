/**
 * Validation of CustomResourceDefinitions as kube-apiserver 1.26 does it, with
 * its field paths: like kube-apiserver, a schema, subresources or printer
 * columns that all versions share are reported at their internal place
 * (spec.validation.openAPIV3Schema, spec.subresources,
 * spec.additionalPrinterColumns), others per version.
 */
import { isDeepStrictEqual } from 'node:util';
import { isJsonObject, type JsonObject } from '../../schemas/json.js';
import type { StatusCause } from '../generic/api-error.js';
import { arrayOf, field } from '../generic/base-strategy.js';
import type { KubeObject } from '../generic/types.js';
import { fieldErrors } from '../validation/field-errors.js';
import { isDns1035Label, isDns1123Subdomain } from '../validation/names.js';
import { validateStructural } from './structural.js';

type Obj = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Where a version's schema, subresources and columns are reported: shared (hoisted) or per version. */
function hoisted(versions: readonly Obj[], key: string): boolean {
  if (versions.length === 0) return false;
  const first = versions[0]![key];
  return versions.every((v) => isDeepStrictEqual(v[key], first));
}

/** Go's %#v of one internal CustomResourceDefinitionVersion, as the storage-version messages print it. */
function goVersion(v: Obj, schemaHoisted: boolean, subresourcesHoisted: boolean, columnsHoisted: boolean): string {
  const ptr = (present: boolean, type: string): string => `(*${type})(${present ? '0xc000000000' : 'nil'})`;
  const warning = typeof v.deprecationWarning === 'string' ? ptr(true, 'string') : ptr(false, 'string');
  const columns = !columnsHoisted && Array.isArray(v.additionalPrinterColumns) ? '[]apiextensions.CustomResourceColumnDefinition{...}' : '[]apiextensions.CustomResourceColumnDefinition(nil)';
  return (
    `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(str(v.name))}, Served:${v.served === true}, Storage:${v.storage === true}, Deprecated:${v.deprecated === true}, ` +
    `DeprecationWarning:${warning}, Schema:${ptr(!schemaHoisted && isJsonObject(v.schema), 'apiextensions.CustomResourceValidation')}, ` +
    `Subresources:${ptr(!subresourcesHoisted && isJsonObject(v.subresources), 'apiextensions.CustomResourceSubresources')}, AdditionalPrinterColumns:${columns}}`
  );
}

function goVersions(versions: readonly Obj[], h: [boolean, boolean, boolean]): string {
  return `[]apiextensions.CustomResourceDefinitionVersion{${versions.map((v) => goVersion(v, ...h)).join(', ')}}`;
}

const protectedGroup = (group: string): boolean => group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');

function validateNames(names: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const plural = str(names.plural);
  const singular = str(names.singular);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  if (plural === '') out.push(fieldErrors.required(`${path}.plural`));
  else for (const e of isDns1035Label(plural)) out.push(fieldErrors.invalid(`${path}.plural`, plural, e));
  if (singular === '') out.push(fieldErrors.required(`${path}.singular`));
  else for (const e of isDns1035Label(singular)) out.push(fieldErrors.invalid(`${path}.singular`, singular, e));
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s: unknown, i) => {
    for (const e of isDns1035Label(str(s))) out.push(fieldErrors.invalid(`${path}.shortNames[${i}]`, s, e));
  });
  if (kind === '') out.push(fieldErrors.required(`${path}.kind`));
  else if (isDns1035Label(kind.toLowerCase()).length > 0) out.push(fieldErrors.invalid(`${path}.kind`, kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  if (listKind === '') out.push(fieldErrors.required(`${path}.listKind`));
  else if (isDns1035Label(listKind.toLowerCase()).length > 0) out.push(fieldErrors.invalid(`${path}.listKind`, listKind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  else if (listKind === kind) out.push(fieldErrors.invalid(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c: unknown, i) => {
    for (const e of isDns1035Label(str(c))) out.push(fieldErrors.invalid(`${path}.categories[${i}]`, c, e));
  });
  return out;
}

const simpleJsonPath = /^\.[^\s]*$/;

function validateColumns(columns: readonly Obj[], path: string): StatusCause[] {
  const out: StatusCause[] = [];
  columns.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (str(c.name) === '') out.push(fieldErrors.required(`${p}.name`));
    const type = str(c.type);
    if (type === '') out.push(fieldErrors.required(`${p}.type`));
    else if (!['boolean', 'date', 'integer', 'number', 'string'].includes(type)) out.push(fieldErrors.invalid(`${p}.type`, type, 'must be one of boolean,date,integer,number,string'));
    const format = str(c.format);
    if (format !== '' && !['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'].includes(format)) {
      out.push(fieldErrors.invalid(`${p}.format`, format, 'must be one of int32,int64,float,double,byte,date,date-time,password'));
    }
    const jsonPath = str(c.jsonPath);
    if (jsonPath === '') out.push(fieldErrors.required(`${p}.JSONPath`));
    else if (!simpleJsonPath.test(jsonPath)) out.push(fieldErrors.invalid(`${p}.JSONPath`, jsonPath, 'must be a simple json path starting with .'));
  });
  return out;
}

function validateSubresources(sub: Obj, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const scale = field(sub, 'scale');
  if (scale === undefined) return out;
  const check = (key: string, under: string | undefined, required: boolean): void => {
    const v = scale[key];
    const p = `${path}.scale.${key}`;
    if (v === undefined || v === '') {
      if (required) out.push(fieldErrors.required(p));
      return;
    }
    const s = str(v);
    if (!simpleJsonPath.test(s)) out.push(fieldErrors.invalid(p, s, 'must be a simple json path starting with .'));
    else if (under === '.spec' && !s.startsWith('.spec.')) out.push(fieldErrors.invalid(p, s, 'should be a json path under .spec'));
    else if (under === '.status' && !s.startsWith('.status.')) out.push(fieldErrors.invalid(p, s, 'should be a json path under .status'));
  };
  check('specReplicasPath', '.spec', true);
  check('statusReplicasPath', '.status', true);
  check('labelSelectorPath', undefined, false);
  const selector = str(scale.labelSelectorPath);
  if (selector !== '' && simpleJsonPath.test(selector) && !selector.startsWith('.spec.') && !selector.startsWith('.status.')) {
    out.push(fieldErrors.invalid(`${path}.scale.labelSelectorPath`, selector, 'should be a json path under either .spec or .status'));
  }
  return out;
}

/** The storage version's name, or undefined when not exactly one version is marked storage. */
export function storageVersionOf(crd: KubeObject): string | undefined {
  const storage = arrayOf(field(crd, 'spec')?.versions).filter((v) => v.storage === true);
  return storage.length === 1 ? str(storage[0]!.name) : undefined;
}

/** Field errors of a CRD (create and update). */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = field(crd, 'spec') ?? {};
  const group = str(spec.group);
  const names = field(spec, 'names') ?? {};
  const name = crd.metadata.name ?? '';
  const plural = str(names.plural);
  // Checked when the CRD is created (an update, which carries the stored resourceVersion here, only checks what may not change).
  const isCreate = crd.metadata.resourceVersion === undefined;
  if (isCreate && name !== '' && isDns1123Subdomain(name).length === 0 && name !== `${plural}.${group}`) out.push(fieldErrors.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (protectedGroup(group) && crd.metadata.annotations?.['api-approved.kubernetes.io'] === undefined) {
    out.push(
      fieldErrors.required('metadata.annotations[api-approved.kubernetes.io]', 'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'),
    );
  }
  if (group === '') out.push(fieldErrors.required('spec.group'));
  else {
    const errs = isDns1123Subdomain(group);
    if (errs.length > 0) for (const e of errs) out.push(fieldErrors.invalid('spec.group', group, e));
    else if (group.split('.').length < 2) out.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = str(spec.scope);
  if (scope === '') out.push(fieldErrors.required('spec.scope'));
  else if (scope !== 'Namespaced' && scope !== 'Cluster') out.push(fieldErrors.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const versions = arrayOf(spec.versions);
  const h: [boolean, boolean, boolean] = [hoisted(versions, 'schema'), hoisted(versions, 'subresources'), hoisted(versions, 'additionalPrinterColumns')];
  const versionNames = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const vn = str(v.name);
    if (vn === '') out.push(fieldErrors.required(`spec.versions[${i}].name`));
    else for (const e of isDns1035Label(vn)) out.push(fieldErrors.invalid(`spec.versions[${i}].name`, vn, e));
    if (versionNames.has(vn)) unique = false;
    versionNames.add(vn);
  });
  const storageCount = versions.filter((v) => v.storage === true).length;
  if (!unique) out.push(fieldErrors.invalidPrinted('spec.versions', goVersions(versions, h), 'must contain unique version names'));
  if (storageCount !== 1) out.push(fieldErrors.invalidPrinted('spec.versions', goVersions(versions, h), 'must have exactly one version marked as storage version'));
  const first = str(versions[0]?.name);
  if (first !== '') for (const e of isDns1035Label(first)) out.push(fieldErrors.invalid('spec.version', first, e));

  const conversion = field(spec, 'conversion');
  const strategy = str(conversion?.strategy);
  if (conversion !== undefined && strategy !== '' && strategy !== 'None') {
    if (strategy !== 'Webhook') out.push(fieldErrors.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    else {
      const webhook = field(conversion, 'webhook');
      if (field(webhook, 'clientConfig') === undefined) out.push(fieldErrors.required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook'));
      if (!Array.isArray(webhook?.conversionReviewVersions) || webhook.conversionReviewVersions.length === 0) out.push(fieldErrors.required('spec.conversion.conversionReviewVersions'));
      // Kite converts between versions by apiVersion only: a complete Webhook conversion is refused rather than ignored.
      else if (field(webhook, 'clientConfig') !== undefined) out.push(fieldErrors.notSupported('spec.conversion.strategy', strategy, ['None']));
    }
  }

  // Schemas: v1 requires one per version; checked where kube-apiserver reports them.
  versions.forEach((v, i) => {
    if (!isJsonObject(field(v, 'schema')?.openAPIV3Schema)) out.push(fieldErrors.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  if (h[0]) {
    const schema = field(field(versions[0], 'schema'), 'openAPIV3Schema');
    if (isJsonObject(schema)) out.push(...validateStructural(schema as JsonObject, 'spec.validation.openAPIV3Schema'));
  } else {
    versions.forEach((v, i) => {
      const schema = field(field(v, 'schema'), 'openAPIV3Schema');
      if (isJsonObject(schema)) out.push(...validateStructural(schema as JsonObject, `spec.versions[${i}].schema.openAPIV3Schema`));
    });
  }
  if (h[1]) {
    const sub = field(versions[0], 'subresources');
    if (sub !== undefined) out.push(...validateSubresources(sub, 'spec.subresources'));
  } else versions.forEach((v, i) => out.push(...validateSubresources(field(v, 'subresources') ?? {}, `spec.versions[${i}].subresources`)));
  if (h[2]) out.push(...validateColumns(arrayOf(versions[0]?.additionalPrinterColumns), 'spec.additionalPrinterColumns'));
  else versions.forEach((v, i) => out.push(...validateColumns(arrayOf(v.additionalPrinterColumns), `spec.versions[${i}].additionalPrinterColumns`)));

  out.push(...validateNames(names, 'spec.names'));
  out.push(...validateStoredVersions(crd, versions, h));
  return out;
}

function validateStoredVersions(crd: KubeObject, versions: readonly Obj[], h: [boolean, boolean, boolean]): StatusCause[] {
  const out: StatusCause[] = [];
  const stored = field(crd, 'status')?.storedVersions;
  const list = Array.isArray(stored) ? stored.map(str) : [];
  if (list.length === 0) {
    out.push(fieldErrors.invalidPrinted('status.storedVersions', '[]string(nil)', 'must have at least one stored version'));
    return out;
  }
  list.forEach((s, i) => {
    if (!versions.some((v) => v.name === s)) out.push(fieldErrors.invalid(`status.storedVersions[${i}]`, s, 'must appear in spec.versions'));
  });
  const storage = versions.find((v) => v.storage === true);
  const storageCount = versions.filter((v) => v.storage === true).length;
  if (storageCount > 1) {
    const last = [...versions].reverse().find((v) => v.storage === true)!;
    out.push(fieldErrors.invalidPrinted('status.storedVersions', goVersion(last, ...h), `must have the storage version ${str(last.name)}`));
  } else if (storage !== undefined && !list.includes(str(storage.name))) {
    out.push(fieldErrors.invalidPrinted('status.storedVersions', goVersion(storage, ...h), `must have the storage version ${str(storage.name)}`));
  }
  return out;
}

/** Field errors an update adds: scope and group never change. */
export function validateCrdUpdate(crd: KubeObject, old: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = field(crd, 'spec') ?? {};
  const oldSpec = field(old, 'spec') ?? {};
  if (spec.scope !== oldSpec.scope) out.push(fieldErrors.immutable('spec.scope', spec.scope));
  if (spec.group !== oldSpec.group) out.push(fieldErrors.immutable('spec.group', spec.group));
  return out;
}
