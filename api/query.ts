import type { Request } from 'express';
import { errors, type StatusCause } from '../registry/generic/api-error.js';
import { goParseInt64 } from '../schemas/go-url.js';
import { goStringSlice } from '../registry/validation/go-values.js';
import { applyNeedsFieldManager } from '../registry/generic/generic-store.js';
import type { DeleteOptions, ListOptions, PatchOptions, PatchType, WatchOptions, WriteOptions } from '../registry/generic/resource-store.js';

function param(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function bool(req: Request, name: string): boolean {
  const v = param(req, name);
  return v === 'true' || v === '1';
}

function int(req: Request, name: string): number | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/**
 * A query parameter Kubernetes decodes as an int64, read as Go's strconv.ParseInt reads it
 * and refused in its words.
 */
function int64(req: Request, name: string): number | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  const n = goParseInt64(v);
  if (n instanceof Error) throw errors.badRequest(n.message);
  return Number(n);
}

/** Query parameters of a list. */
export function listOptions(req: Request): ListOptions {
  const raw = param(req, 'resourceVersionMatch');
  const match = raw === '' ? undefined : raw;
  if (match !== undefined && match !== 'Exact' && match !== 'NotOlderThan') {
    throw errors.invalidOptions('ListOptions', [{ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""` }]);
  }
  const rv = param(req, 'resourceVersion');
  if (match !== undefined && (rv === undefined || rv === '')) {
    throw errors.invalidOptions('ListOptions', [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided' }]);
  }
  if (match === 'Exact' && rv === '0') {
    throw errors.invalidOptions('ListOptions', [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"' }]);
  }
  return {
    labelSelector: param(req, 'labelSelector'),
    fieldSelector: param(req, 'fieldSelector'),
    // kube-apiserver reads a limit of 0 or less as none.
    limit: Math.max(int64(req, 'limit') ?? 0, 0) || undefined,
    continue: param(req, 'continue'),
    resourceVersion: param(req, 'resourceVersion'),
    resourceVersionMatch: match,
  };
}

/** Whether the request is a watch (?watch=true or ?watch=1). */
export function isWatch(req: Request): boolean {
  return bool(req, 'watch');
}

export function watchOptions(req: Request): WatchOptions & { timeoutSeconds?: number } {
  return {
    resourceVersion: param(req, 'resourceVersion'),
    labelSelector: param(req, 'labelSelector'),
    fieldSelector: param(req, 'fieldSelector'),
    allowWatchBookmarks: bool(req, 'allowWatchBookmarks'),
    sendInitialEvents: bool(req, 'sendInitialEvents'),
    timeoutSeconds: int(req, 'timeoutSeconds'),
  };
}

/** The options kind of a write, as Kubernetes names it in option errors. */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

function allParams(req: Request, name: string): string[] {
  const v = req.query[name];
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
}

/**
 * dryRun, fieldValidation and fieldManager, shared by every write. Bad values are one 422 on
 * the options with a cause each, in the order Kubernetes checks them: first the causes a
 * caller found (a patch's force and fieldManager), then fieldManager, dryRun, fieldValidation.
 */
export function writeOptions(req: Request, warnings: string[], kind: OptionsKind = 'CreateOptions', bodyDryRun: readonly string[] = [], found: readonly StatusCause[] = []): WriteOptions {
  const causes: StatusCause[] = [...found];
  const manager = param(req, 'fieldManager');
  if (manager !== undefined && manager.length > 128) causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: must have at most 128 bytes' });
  const dry = [...allParams(req, 'dryRun'), ...bodyDryRun];
  if (dry.some((d) => d !== 'All')) causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${goStringSlice(dry)}: supported values: "All"` });
  const fv = param(req, 'fieldValidation');
  if (kind !== 'DeleteOptions' && fv !== undefined && fv !== '' && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(fv)}: supported values: "", "Ignore", "Strict", "Warn"` });
  }
  if (causes.length > 0) throw errors.invalidOptions(kind, causes);
  const userAgent = req.headers['user-agent'];
  return {
    dryRun: dry.includes('All'),
    fieldValidation: fv === 'Strict' || fv === 'Ignore' ? fv : 'Warn',
    warnings,
    ...(manager === undefined ? {} : { fieldManager: manager }),
    ...(userAgent === undefined ? {} : { userAgent }),
  };
}

/** A PATCH's options: force is for apply patches only, which must name their fieldManager. */
export function patchOptions(req: Request, warnings: string[], type: PatchType): PatchOptions {
  const found: StatusCause[] = [];
  if (type !== 'apply' && req.query['force'] !== undefined) found.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  if (type === 'apply' && (param(req, 'fieldManager') ?? '') === '') found.push(applyNeedsFieldManager);
  return { ...writeOptions(req, warnings, 'PatchOptions', [], found), force: bool(req, 'force') };
}

/** The patch type named by the Content-Type of a PATCH. */
export function patchType(contentType: string): PatchType {
  switch (contentType) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw errors.unsupportedPatchType();
  }
}

/** DeleteOptions from the query and the optional body (the body wins where both say something, as in Kubernetes). */
export function deleteOptions(req: Request, body: unknown, warnings: string[]): DeleteOptions {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
  const b = (body ?? {}) as { kind?: unknown; preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: string; orphanDependents?: boolean; gracePeriodSeconds?: number; dryRun?: string[] };
  if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the body of a delete must be a DeleteOptions object, not ${String(b.kind)}`);
  const orphan = param(req, 'orphanDependents') ?? (b.orphanDependents === undefined ? undefined : String(b.orphanDependents));
  let policy = b.propagationPolicy ?? param(req, 'propagationPolicy');
  if (orphan !== undefined && policy !== undefined) {
    throw errors.invalidOptions('DeleteOptions', [{ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set` }]);
  }
  if (orphan !== undefined) policy = orphan === 'true' ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw errors.invalidOptions('DeleteOptions', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  const grace = b.gracePeriodSeconds ?? int(req, 'gracePeriodSeconds');
  const base = writeOptions(req, warnings, 'DeleteOptions', Array.isArray(b.dryRun) ? b.dryRun.map(String) : []);
  return {
    ...base,
    ...(b.preconditions === undefined || b.preconditions === null ? {} : { preconditions: b.preconditions }),
    ...(policy === undefined ? {} : { propagationPolicy: policy as 'Orphan' | 'Background' | 'Foreground' }),
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
  };
}

/** Table rows carry PartialObjectMetadata unless includeObject says otherwise; another value is a 400. */
export function includeObject(req: Request): 'None' | 'Metadata' | 'Object' {
  const v = param(req, 'includeObject');
  if (v === undefined || v === '') return 'Metadata';
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  throw errors.badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(v)}: must be 'Metadata', 'Object', 'None', or empty`);
}
