import type { Request } from 'express';
import { errors } from '../registry/generic/api-error.js';
import type { DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from '../registry/generic/resource-store.js';

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
  return { dryRun: dry === 'All', fieldValidation: fv ?? 'Warn', warnings };
}

export function patchOptions(req: Request, warnings: string[]): WriteOptions & { fieldManager?: string; force?: boolean } {
  return { ...writeOptions(req, warnings), fieldManager: param(req, 'fieldManager'), force: bool(req, 'force') };
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

/** DeleteOptions from the query and the optional body. */
export function deleteOptions(req: Request, body: unknown, warnings: string[]): DeleteOptions {
  const b = (body ?? {}) as { preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: string; gracePeriodSeconds?: number; dryRun?: string[] };
  const policy = param(req, 'propagationPolicy') ?? b.propagationPolicy;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') throw errors.badRequest(`invalid propagationPolicy: ${policy}`);
  const base = writeOptions(req, warnings);
  return {
    ...base,
    dryRun: base.dryRun || (b.dryRun ?? []).includes('All'),
    ...(b.preconditions === undefined ? {} : { preconditions: b.preconditions }),
    ...(policy === undefined ? {} : { propagationPolicy: policy }),
    ...(b.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: b.gracePeriodSeconds }),
  };
}

/** Table rows carry PartialObjectMetadata unless includeObject says otherwise. */
export function includeObject(req: Request): 'None' | 'Metadata' | 'Object' {
  const v = param(req, 'includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
