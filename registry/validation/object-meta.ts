/**
 * Kubernetes' checks of metadata every object shares (ValidateObjectMeta):
 * name and generateName, labels, annotations, finalizers, owner references.
 */
import type { StatusCause } from '../generic/api-error.js';
import { nameErrors, type NameRule } from '../generic/name-validation.js';
import type { KubeObject, ObjectMeta } from '../generic/types.js';
import { fieldErrors } from './field-errors.js';
import { isDns1123Label, isQualifiedName, isValidLabelValue } from './names.js';

/** The largest total size of an object's annotations, keys and values together. */
export const totalAnnotationSizeLimit = 256 * 1024;

/** Finalizer names Kubernetes accepts without a domain prefix. */
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Whether name is a finalizer Kubernetes defines itself (kubernetes, orphan, foregroundDeletion). */
export const isStandardFinalizerName = (name: string): boolean => standardFinalizers.has(name);

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Causes for a label map at path (metadata.labels, spec.selector.matchLabels, ...). */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (!isMap(labels)) return [fieldErrors.invalid(path, labels, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) causes.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== 'string') causes.push(fieldErrors.invalid(path, v, 'must be a string'));
    else for (const m of isValidLabelValue(v)) causes.push(fieldErrors.invalid(path, v, m));
  }
  return causes;
}

/** Causes for an annotation map at path. */
export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isMap(annotations)) return [fieldErrors.invalid(path, annotations, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) causes.push(fieldErrors.invalid(path, k, m));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > totalAnnotationSizeLimit) causes.push(fieldErrors.tooLong(path, totalAnnotationSizeLimit));
  return causes;
}

/**
 * Finalizer names as kube-apiserver checks them, in two passes: each a qualified name (on the
 * list's path, unindexed), then, after the rest of the metadata, each without a domain a
 * standard finalizer (on its index). Returns the two passes' causes.
 */
function validateFinalizers(finalizers: unknown, path: string): { names: StatusCause[]; standard: StatusCause[] } {
  if (finalizers === undefined || finalizers === null) return { names: [], standard: [] };
  if (!Array.isArray(finalizers)) return { names: [fieldErrors.invalid(path, finalizers, 'must be a list of strings')], standard: [] };
  const names: StatusCause[] = [];
  const standard: StatusCause[] = [];
  finalizers.forEach((f, i) => {
    const name = String(f);
    for (const m of isQualifiedName(name)) names.push(fieldErrors.invalid(path, name, m));
    if (!name.includes('/') && !isStandardFinalizerName(name)) {
      standard.push(fieldErrors.invalid(`${path}[${i}]`, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return { names, standard };
}

function validateOwnerReferences(refs: unknown, path: string): StatusCause[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [fieldErrors.invalid(path, refs, 'must be a list')];
  const causes: StatusCause[] = [];
  const controllers: string[] = [];
  for (const ref of refs) {
    const r = isMap(ref) ? ref : {};
    const apiVersion = String(r['apiVersion'] ?? '');
    if (apiVersion === '') causes.push(fieldErrors.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    const kind = String(r['kind'] ?? '');
    if (kind === '') causes.push(fieldErrors.invalid(`${path}.kind`, kind, 'kind must not be empty'));
    const name = String(r['name'] ?? '');
    if (name === '') causes.push(fieldErrors.invalid(`${path}.name`, name, 'name must not be empty'));
    const uid = String(r['uid'] ?? '');
    if (uid === '') causes.push(fieldErrors.invalid(`${path}.uid`, uid, 'uid must not be empty'));
    if (r['controller'] === true) controllers.push(`${kind}/${name}`);
  }
  if (controllers.length > 1) {
    causes.push(fieldErrors.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return causes;
}

/**
 * Causes for an object's metadata. rule is the kind's name rule; namespaced
 * says whether the namespace is checked; isCreate checks the name (an update
 * cannot change it).
 */
export function validateObjectMeta(obj: KubeObject, rule: NameRule, namespaced: boolean, isCreate: boolean): StatusCause[] {
  const m: ObjectMeta = obj.metadata;
  const causes: StatusCause[] = [];
  if (isCreate) {
    const prefix = m.generateName ?? '';
    if (prefix !== '') for (const msg of nameErrors(rule, prefix, true)) causes.push(fieldErrors.invalid('metadata.generateName', prefix, msg));
    const name = m.name ?? '';
    if (name === '') causes.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
    else for (const msg of nameErrors(rule, name)) causes.push(fieldErrors.invalid('metadata.name', name, msg));
  }
  if (namespaced) {
    const ns = m.namespace ?? '';
    if (ns === '') causes.push(fieldErrors.required('metadata.namespace'));
    else for (const msg of isDns1123Label(ns)) causes.push(fieldErrors.invalid('metadata.namespace', ns, msg));
  }
  causes.push(...validateLabels(m.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  causes.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  const finalizers = validateFinalizers(m.finalizers, 'metadata.finalizers');
  causes.push(...finalizers.names, ...finalizers.standard);
  return causes;
}

/** Causes for an update's metadata against the stored object's: finalizers cannot be added once deletion began. */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old.metadata.deletionTimestamp !== undefined) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) causes.push(fieldErrors.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
  }
  return causes;
}
