/**
 * The shape of a differential case: steps sent in order to one API server, each
 * compared with the same step sent to the other.
 *
 * Strings in a step's path, query values, headers and body may hold placeholders,
 * replaced on each server with that server's own values:
 * - `{ns}`: the case's namespace (the same name on both servers);
 * - `{rv:STEP}`: metadata.resourceVersion of an earlier step's response body;
 * - `{ref:STEP:a.b.0.c}`: any string or number in an earlier step's response body, by dotted path.
 * A placeholder naming nothing (no such step, or the field is absent) becomes the empty string. In a JSON
 * body, a string that is exactly one `{ref:...}` naming a number or boolean becomes that number or boolean.
 */

/** A JSON value as a case's data holds it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** One HTTP request and its response. */
export interface RequestStep {
  readonly kind: 'request';
  /** Unique within the case; other steps and known-differences.ts refer to it. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  /** Absolute path, e.g. /api/v1/namespaces/{ns}/configmaps. */
  readonly path: string;
  /** Query parameters, in order. */
  readonly query?: Readonly<Record<string, string>>;
  /** Accept header; application/json when absent. */
  readonly accept?: string;
  /** Accept-Encoding header, when set (the view then shows the answer's Content-Encoding and Vary; a gzipped body is unzipped). */
  readonly acceptEncoding?: string;
  /** Content-Type header of the body; application/json when absent and there is a body. */
  readonly contentType?: string;
  /** Body as JSON (serialized once, placeholders replaced inside its strings). */
  readonly body?: Json;
  /** Body sent byte for byte (placeholders replaced), for malformed or non-JSON bodies; wins over body. */
  readonly rawBody?: string;
}

/** A watch: opened once the earlier steps are done, collecting events until it has enough or time runs out. */
export interface WatchStep {
  readonly kind: 'watch';
  /** Unique within the case. */
  readonly id: string;
  /** The collection's path, e.g. /api/v1/namespaces/{ns}/configmaps; watch=true is added. */
  readonly path: string;
  /** Further query parameters, e.g. resourceVersion: '{rv:create}', labelSelector. */
  readonly query?: Readonly<Record<string, string>>;
  /** Accept header; application/json when absent. */
  readonly accept?: string;
  /** Accept-Encoding header, when set (the view then shows the answer's Content-Encoding and Vary). */
  readonly acceptEncoding?: string;
  /** Stop after this many events. */
  readonly events: number;
  /** Stop after this long even with fewer events (default 3000 ms). */
  readonly timeoutMs?: number;
}

/**
 * A wait: GET path again and again until the answer shows what `until` names, or
 * time runs out (for what a server does in the background, such as a
 * CustomResourceDefinition becoming Established). Only whether it came is compared.
 */
export interface WaitStep {
  readonly kind: 'wait';
  /** Unique within the case. */
  readonly id: string;
  readonly path: string;
  /** established: the object's Established condition is True; served: the GET answers 200; gone: it answers 404. */
  readonly until: 'established' | 'served' | 'gone';
  /** Give up after this long (default 20000 ms). */
  readonly timeoutMs?: number;
}

export type Step = RequestStep | WatchStep | WaitStep;

/** One differential case. */
export interface DiffCase {
  /** Unique over the corpus; known-differences.ts refers to it. */
  readonly id: string;
  /** One line: what the case shows. */
  readonly title: string;
  readonly steps: readonly Step[];
}
