import type { Response } from 'express';
import { ApiError, fromStorageError, isStackOverflow } from '../registry/generic/api-error.js';

/** Sends err as a metav1.Status with its HTTP code: the one place errors are rendered. */
export function sendError(res: Response, err: unknown): void {
  const e = err instanceof ApiError ? err : fromStorageError(err);
  // What a 500 hides from the client, for the request log (kept out of the answer).
  if ((e.code >= 500 && !(err instanceof ApiError)) || isStackOverflow(err)) res.locals['internalError'] = err;
  if (res.headersSent) {
    res.end();
    return;
  }
  // kube-apiserver's Content-Type has no charset (Express adds one to a string body, not to a Buffer).
  res.status(e.code).setHeader('Content-Type', 'application/json');
  res.send(Buffer.from(JSON.stringify(e.toStatus())));
}
