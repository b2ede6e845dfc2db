/**
 * The store client's read types, for the API layer's insight endpoints (which
 * may not import the store client themselves).
 */
export type { ListOptions, ListResult, StoredObject } from '../../storage/client/store-client.js';
