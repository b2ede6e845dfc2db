/**
 * The registry's one error type: a Kubernetes metav1.Status waiting to be sent.
 * The API layer renders it as is (api/ never builds Status objects itself); the
 * registry translates storage errors into it in exactly one place (fromStorageError).
 */
import { isStorageError } from '../../storage/errors.js';

/** metav1.StatusReason values Kite uses. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Forbidden'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'Unauthorized'
  /** StatusReasonUnknown: a plain error, sent without a reason. */
  | '';

/** One cause of an Invalid error: metav1.StatusCause. */
export interface StatusCause {
  /** e.g. FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate. */
  readonly reason: string;
  readonly message: string;
  /** JSON path of the field, e.g. metadata.name or spec.containers[0].image. */
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  /** The resource (plural), e.g. configmaps. */
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** The JSON body of a failed request. */
export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason?: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason === '' ? {} : { reason: this.reason }),
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** Identifies a resource in error messages: plural resource and optional group. */
export interface ResourceRef {
  readonly resource: string;
  readonly group: string;
}

const qualified = (r: ResourceRef): string => (r.group === '' ? r.resource : `${r.resource}.${r.group}`);

/**
 * The causes as Kubernetes aggregates them into a message: ": " and the one
 * message, or ": [a, b]" for several, each "field: message", repeats dropped.
 */
function aggregate(causes: readonly StatusCause[]): string {
  const messages = [...new Set(causes.map((c) => `${c.field ?? ''}: ${c.message}`))];
  if (messages.length === 0) return '';
  return messages.length === 1 ? `: ${messages[0]}` : `: [${messages.join(', ')}]`;
}

export const errors = {
  notFound: (r: ResourceRef, name: string) => new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource }),
  alreadyExists: (r: ResourceRef, name: string) => new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource }),
  conflict: (r: ResourceRef, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group, kind: r.resource }),
  /** kind is the object's Kind (e.g. ConfigMap), as Kubernetes words Invalid messages. */
  invalid: (r: ResourceRef, kind: string, name: string, causes: readonly StatusCause[]) =>
    new ApiError(422, 'Invalid', `${kind}${r.group === '' ? '' : `.${r.group}`} ${JSON.stringify(name)} is invalid${aggregate(causes)}`, { name, group: r.group, kind: kind, causes }),
  /** A path that names nothing the server serves. */
  notFoundPath: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource'),
  /** 403: e.g. creating in a namespace that is being terminated. */
  forbidden: (r: ResourceRef, name: string, why: string) =>
    new ApiError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, { name, group: r.group, kind: r.resource }),
  /**
   * 403 from authorization: `<resource> "<name>" is forbidden: <why>`, or `forbidden: <why>` for a
   * non-resource path; details name what was refused (empty for a path), as Kubernetes' NewForbidden.
   */
  forbiddenRequest: (r: ResourceRef, name: string, why: string) => {
    const details: StatusDetails = { ...(name === '' ? {} : { name }), ...(r.group === '' ? {} : { group: r.group }), ...(r.resource === '' ? {} : { kind: r.resource }) };
    const message = r.resource === '' ? `forbidden: ${why}` : name === '' ? `${qualified(r)} is forbidden: ${why}` : `${qualified(r)} "${name}" is forbidden: ${why}`;
    return new ApiError(403, 'Forbidden', message, details);
  },
  /** 401: no valid credentials (and anonymous requests are off). */
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  /** 406: the response cannot be given in the form asked for. */
  notAcceptable: (what: string) => new ApiError(406, 'NotAcceptable', `the server was unable to respond with a content type that the client supports (${what})`),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  /** A list or watch asked for a resourceVersion the store has not reached. */
  tooLargeResourceVersion: (message: string) =>
    new ApiError(504, 'Timeout', `Timeout: ${message}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }),
  /** 429, e.g. an eviction a disruption budget does not allow. */
  tooManyRequests: (message: string, causes?: readonly StatusCause[]) => new ApiError(429, 'TooManyRequests', message, causes === undefined ? undefined : { causes }),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  /** A request body of a media type the server does not decode. */
  unsupportedMediaType: () => new ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf'),
  /** A PATCH whose Content-Type is no patch type. */
  unsupportedPatchType: () => new ApiError(415, 'UnsupportedMediaType', '415: Unsupported Media Type'),
  /** Bad request options (CreateOptions, DeleteOptions, ListOptions, ...): 422 as Kubernetes words it. */
  invalidOptions: (kind: string, causes: readonly StatusCause[]) =>
    new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid${aggregate(causes)}`, { group: 'meta.k8s.io', kind, causes }),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new ApiError(503, 'ServiceUnavailable', message),
};

/** Translates a storage-layer failure; the one place where storage errors become Status. */
export function fromStorageError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isStorageError(err, 'Compacted')) return new ApiError(410, 'Expired', 'The resourceVersion for the provided watch is too old.');
  if (isStorageError(err, 'FutureRevision')) return new ApiError(504, 'Timeout', 'Too large resource version');
  if (isStorageError(err, 'Unavailable') || isStorageError(err, 'Timeout') || isStorageError(err, 'Stopped')) return errors.unavailable(`storage is unavailable: ${err.message}`);
  if (isStorageError(err, 'NoSpace')) return new ApiError(507, 'InternalError', 'etcdserver: mvcc: database space exceeded');
  // JSON nested within Go's limits can still be too deep for a JavaScript copy or encoder (free-form fields).
  if (isStackOverflow(err)) return errors.badRequest('the object is nested too deeply to be handled');
  return errors.internal(err instanceof Error ? err.message : String(err));
}

/** Whether err is V8's call stack overflow. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message === 'Maximum call stack size exceeded';
}
