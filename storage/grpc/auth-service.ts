import type { Caller } from '../auth/auth-info.js';
import type { StoreServer } from '../server/store-server.js';
import type { AuthAnswer } from '../server/member-types.js';
import type { CallCredentials } from '../auth/auth-info.js';
import { headerToWire } from './convert.js';
import type { UnaryHandlers, Wire } from './unary.js';

/** The methods of etcd's Auth service. */
const METHODS = [
  'AuthEnable',
  'AuthDisable',
  'AuthStatus',
  'Authenticate',
  'UserAdd',
  'UserGet',
  'UserList',
  'UserDelete',
  'UserChangePassword',
  'UserGrantRole',
  'UserRevokeRole',
  'RoleAdd',
  'RoleGet',
  'RoleList',
  'RoleDelete',
  'RoleGrantPermission',
  'RoleRevokePermission',
] as const;

function answerToWire(a: AuthAnswer): Wire {
  const out: Wire = {};
  if (a.token !== undefined) out.token = a.token;
  if (a.roles !== undefined) out.roles = [...a.roles];
  if (a.users !== undefined) out.users = [...a.users];
  if (a.perm !== undefined) out.perm = a.perm.map((p) => ({ permType: p.permType, key: p.key, rangeEnd: p.rangeEnd }));
  if (a.enabled !== undefined) out.enabled = a.enabled;
  if (a.authRevision !== undefined) out.authRevision = String(a.authRevision);
  return out;
}

/** Resolves the caller of a request, then runs f as it (sync when the caller is known at once). */
export function asCaller<T>(server: StoreServer, creds: CallCredentials, f: (caller: Caller) => T | Promise<T>): T | Promise<T> {
  const caller = server.callerOf(creds);
  return caller instanceof Promise ? caller.then(f) : f(caller);
}

/**
 * etcd's Auth service. Every method is a log entry, queries included (as in etcd); the
 * API side only checks Authenticate's password and hashes new passwords (storage/auth).
 */
export function authHandlers(server: StoreServer): UnaryHandlers {
  const out: UnaryHandlers = {};
  for (const method of METHODS) {
    out[method] = async (req, _size, creds) => {
      const caller = await server.callerOf(creds);
      const cmd = await server.auth.prepare(method, req);
      const answer = await server.authRequest(caller, cmd);
      return { header: headerToWire(server.header()), ...answerToWire(answer) };
    };
  }
  return out;
}
