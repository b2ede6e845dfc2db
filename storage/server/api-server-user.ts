// The embedded store's etcd auth, as the API server sets it up: the API server is a user
// of its own store like any other client, and others get what the operator grants.

import { prefixRangeEnd } from '../mvcc/key-value.js';
import { INTERNAL, asUser, type AuthInfo } from '../auth/auth-info.js';
import { ROOT_ROLE, ROOT_USER } from '../auth/auth-store.js';
import type { StoreServer } from './store-server.js';

/** The etcd user (and role) the API server runs as on its embedded store. */
export const API_SERVER_USER = 'kite-apiserver';

/** The keys the API server's role may read and write: everything it stores. */
export const API_SERVER_PREFIX = '/registry/';

/** What setting up the embedded store's auth did. */
export interface ApiServerAuthSetup {
  /** Whether this start created the users and turned auth on (a new store, or one from before auth). */
  readonly created: boolean;
}

/**
 * Turns on etcd auth in an embedded store that has never had the API server's user:
 * root (holding the root role, with the password rootPassword() gives, which the
 * operator uses to grant others access), a role and a user named kite-apiserver with
 * read-write on /registry/ (a user with no password: it is never authenticated over the
 * wire, the API server in process runs as it), then AuthEnable. Each step goes through
 * the store's log like an Auth request, so it is replicated and survives restarts.
 * A store that has the user already is left as the operator left it.
 */
export async function setUpApiServerAuth(server: StoreServer, rootPassword: () => string): Promise<ApiServerAuthSetup> {
  const auth = server.auth.store;
  if (auth.user(API_SERVER_USER) !== undefined) return { created: false };
  const run = async (method: string, req: Record<string, unknown>): Promise<void> => {
    await server.authRequest(INTERNAL, await server.auth.prepare(method, req));
  };
  if (auth.user(ROOT_USER) === undefined) await run('UserAdd', { name: ROOT_USER, password: rootPassword() });
  if (!auth.hasRole(ROOT_USER, ROOT_ROLE)) await run('UserGrantRole', { user: ROOT_USER, role: ROOT_ROLE });
  if (auth.role(API_SERVER_USER) === undefined) await run('RoleAdd', { name: API_SERVER_USER });
  const key = Buffer.from(API_SERVER_PREFIX);
  await run('RoleGrantPermission', { name: API_SERVER_USER, perm: { permType: 'READWRITE', key, rangeEnd: prefixRangeEnd(key) } });
  await run('UserAdd', { name: API_SERVER_USER, options: { noPassword: true } });
  await run('UserGrantRole', { user: API_SERVER_USER, role: API_SERVER_USER });
  if (!auth.isEnabled) await run('AuthEnable', {});
  return { created: true };
}

/** The caller the in-process API server's requests run as: its user, checked at the current auth revision (as a client certificate is). */
export function apiServerCaller(server: StoreServer): AuthInfo {
  return asUser(API_SERVER_USER, server.auth.store.revision);
}
