import type { Request } from 'express';
import { errors } from '../registry/generic/api-error.js';
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

/** Every query parameter as a string (the first of repeated ones). */
export function queryParams(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(req.query)) {
    const v = param(req, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Query parameters of a list. */
export function listOptions(req: Request): ListOptions {
  const match = param(req, 'resourceVersionMatch');
  if (match !== undefined && match !== 'Exact' && match !== 'NotOlderThan') throw errors.badRequest(`invalid resourceVersionMatch: ${match}`);
  return {
    labelSelector: param(req, 'labelSelector'),
    fieldSelector: param(req, 'fieldSelector'),
    limit: int(req, 'limit'),
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

/** dryRun=All and fieldValidation, shared by every write. */
export function writeOptions(req: Request, warnings: string[]): WriteOptions {
  const dry = param(req, 'dryRun');
  if (dry !== undefined && dry !== 'All') throw errors.badRequest(`Invalid dry run value: ${dry} (supported: All)`);
  const fv = param(req, 'fieldValidation');
  if (fv !== undefined && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore: ${fv}`);
  const manager = param(req, 'fieldManager');
  if (manager !== undefined && manager.length > 128) throw errors.badRequest(`fieldManager: Too long: may not be longer than 128 characters`);
  return { dryRun: dry === 'All', fieldValidation: fv ?? 'Warn', warnings, ...(manager === undefined ? {} : { fieldManager: manager }) };
}

export function patchOptions(req: Request, warnings: string[]): PatchOptions {
  return { ...writeOptions(req, warnings), force: bool(req, 'force') };
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
      throw errors.unsupportedMediaType(contentType);
  }
}

/** DeleteOptions from the query and the optional body (the body wins where both say something, as in Kubernetes). */
export function deleteOptions(req: Request, body: unknown, warnings: string[]): DeleteOptions {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
  const b = (body ?? {}) as { kind?: unknown; preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: string; orphanDependents?: boolean; gracePeriodSeconds?: number; dryRun?: string[] };
  if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the body of a delete must be a DeleteOptions object, not ${String(b.kind)}`);
  const orphan = param(req, 'orphanDependents') ?? (b.orphanDependents === undefined ? undefined : String(b.orphanDependents));
  let policy = b.propagationPolicy ?? param(req, 'propagationPolicy');
  if (orphan !== undefined) {
    if (policy !== undefined) throw errors.invalidDeleteOptions('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set');
    policy = orphan === 'true' ? 'Orphan' : 'Background';
  }
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw errors.invalidDeleteOptions('propagationPolicy', policy, '');
  }
  const grace = b.gracePeriodSeconds ?? int(req, 'gracePeriodSeconds');
  const base = writeOptions(req, warnings);
  const bodyDryRun = Array.isArray(b.dryRun) ? b.dryRun : [];
  for (const d of bodyDryRun) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${String(d)} (supported: All)`);
  return {
    ...base,
    dryRun: base.dryRun || bodyDryRun.includes('All'),
    ...(b.preconditions === undefined || b.preconditions === null ? {} : { preconditions: b.preconditions }),
    ...(policy === undefined ? {} : { propagationPolicy: policy as 'Orphan' | 'Background' | 'Foreground' }),
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
  };
}

/** Table rows carry PartialObjectMetadata unless includeObject says otherwise. */
export function includeObject(req: Request): 'None' | 'Metadata' | 'Object' {
  const v = param(req, 'includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
