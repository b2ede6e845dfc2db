/**
 * The request a store call is made for: the API server's insight filter runs each
 * recorded request inside this AsyncLocalStorage, and the recording store client
 * reads it to file the call under the request's trail entry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TrailEntry } from './trail-types.js';

export const requestContext = new AsyncLocalStorage<TrailEntry>();

/** The trail entry of the request this code runs for, if it is recorded. */
export function currentEntry(): TrailEntry | undefined {
  return requestContext.getStore();
}
