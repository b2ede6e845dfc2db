// A member's side of etcd auth: its auth store, its token provider, and the two things the
// API layer does before a request reaches the log: telling who the caller is (token, or
// TLS client certificate under --client-cert-auth) and preparing Auth requests (password
// checks and hashing, which are slow and so stay out of the apply path).

import { StorageError } from '../errors.js';
import type { Clock } from '../lease/clock.js';
import { ANONYMOUS, asUser, type AuthInfo, type CallCredentials, type Caller, type KeyPermission, type PermissionType } from './auth-info.js';
import { AuthStore, type AuthCommand, type StoredAuth } from './auth-store.js';
import { JwtTokens, SimpleTokens, type JwtOptions, type TokenProvider } from './tokens.js';

/** bcryptjs loads with the first password set or checked (etcd auth is off unless enabled). */
let bcryptLib: Promise<typeof import('bcryptjs')> | undefined;
const bcrypt = (): Promise<typeof import('bcryptjs')> => (bcryptLib ??= import('bcryptjs'));

/** The auth settings of a member: etcd's --auth-token, --auth-token-ttl, --bcrypt-cost and --client-cert-auth. */
export interface AuthOptions {
  /** JWT settings when --auth-token is jwt; undefined for simple tokens. */
  readonly jwt?: JwtOptions;
  /** --auth-token-ttl: how long a simple token lives unused, in seconds. */
  readonly tokenTtlSeconds: number;
  /** --bcrypt-cost: the cost of password hashes. */
  readonly bcryptCost: number;
  /** --client-cert-auth: a verified client certificate's CN names the user. */
  readonly clientCertAuth: boolean;
}

/** etcd's defaults. */
export const DEFAULT_AUTH_OPTIONS: AuthOptions = { tokenTtlSeconds: 300, bcryptCost: 10, clientCertAuth: false };

const PERMISSION_TYPES: readonly PermissionType[] = ['READ', 'WRITE', 'READWRITE'];

export class MemberAuth {
  readonly store: AuthStore;
  readonly tokens: TokenProvider;

  constructor(
    stored: StoredAuth | undefined,
    private readonly options: AuthOptions,
    clock: Clock,
  ) {
    this.store = new AuthStore(stored);
    this.tokens = options.jwt !== undefined ? new JwtTokens(options.jwt) : new SimpleTokens(clock, options.tokenTtlSeconds * 1000);
    this.store.events = this.tokens;
    if (this.store.isEnabled) this.tokens.enabled();
  }

  /**
   * Who sent a request (etcd's AuthInfoFromCtx, then AuthInfoFromTLS): the user its token
   * names, else its client certificate's CN with --client-cert-auth (never through the
   * gateway), else anonymous. Throws InvalidAuthToken for a token that names no one.
   * awaitIndex, when given, delays the lookup of a simple token issued at a log index
   * this member has not applied yet.
   */
  callerOf(creds: CallCredentials, awaitIndex?: (index: number) => Promise<void> | undefined): AuthInfo | Promise<AuthInfo> {
    const token = creds.token;
    if (token === undefined) {
      const cn = creds.commonName;
      if (this.options.clientCertAuth && cn !== undefined && cn !== '' && creds.viaGateway !== true) return asUser(cn, this.store.revision);
      return ANONYMOUS;
    }
    const index = this.tokens.indexOf(token);
    const pending = index === undefined ? undefined : awaitIndex?.(index);
    if (pending !== undefined) return pending.then(() => this.fromToken(token));
    return this.fromToken(token);
  }

  private fromToken(token: string): AuthInfo | Promise<AuthInfo> {
    const info = this.tokens.info(token);
    const toCaller = (i: Awaited<typeof info>): AuthInfo => {
      if (i === undefined) throw new StorageError('InvalidAuthToken');
      return asUser(i.username, i.revision ?? this.store.revision);
    };
    return info instanceof Promise ? info.then(toCaller) : toCaller(info);
  }

  /**
   * etcd's CheckPassword, before an Authenticate enters the log: the auth revision the
   * password was checked at. Throws AuthNotEnabled or AuthFailed.
   */
  async checkPassword(name: string, password: string): Promise<number> {
    if (!this.store.isEnabled) throw new StorageError('AuthNotEnabled');
    const user = this.store.user(name);
    const revision = this.store.revision;
    if (user?.noPassword === true) throw new StorageError('NoPasswordUser');
    if (user === undefined || user.passwordHash === undefined) throw new StorageError('AuthFailed');
    if (!(await (await bcrypt()).compare(password, user.passwordHash))) throw new StorageError('AuthFailed');
    return revision;
  }

  /** A bcrypt hash of password at --bcrypt-cost (hashed before the log, so no entry holds a password). */
  async hashPassword(password: string): Promise<string> {
    return (await bcrypt()).hash(password, this.options.bcryptCost);
  }

  /**
   * The command an Auth RPC (wire form, by method name) applies; Authenticate checks the
   * password first (retrying, as etcd, if the store changed meanwhile is the caller's part).
   */
  async prepare(method: string, req: Record<string, unknown>): Promise<AuthCommand> {
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.alloc(0));
    switch (method) {
      case 'AuthEnable':
        return { kind: 'authEnable' };
      case 'AuthDisable':
        return { kind: 'authDisable' };
      case 'AuthStatus':
        return { kind: 'authStatus' };
      case 'Authenticate': {
        const name = str(req.name);
        await this.checkPassword(name, str(req.password));
        return { kind: 'authenticate', name, tokenPrefix: this.tokens.newPrefix() };
      }
      case 'UserAdd': {
        const noPassword = (req.options as { noPassword?: boolean } | null | undefined)?.noPassword === true;
        const name = str(req.name);
        if (noPassword) return { kind: 'userAdd', name, noPassword };
        return { kind: 'userAdd', name, noPassword, passwordHash: await this.hashPassword(str(req.password)) };
      }
      case 'UserGet':
        return { kind: 'userGet', name: str(req.name) };
      case 'UserList':
        return { kind: 'userList' };
      case 'UserDelete':
        return { kind: 'userDelete', name: str(req.name) };
      case 'UserChangePassword':
        return { kind: 'userChangePassword', name: str(req.name), passwordHash: await this.hashPassword(str(req.password)) };
      case 'UserGrantRole':
        return { kind: 'userGrantRole', user: str(req.user), role: str(req.role) };
      case 'UserRevokeRole':
        return { kind: 'userRevokeRole', name: str(req.name), role: str(req.role) };
      case 'RoleAdd':
        return { kind: 'roleAdd', name: str(req.name) };
      case 'RoleGet':
        return { kind: 'roleGet', role: str(req.role) };
      case 'RoleList':
        return { kind: 'roleList' };
      case 'RoleDelete':
        return { kind: 'roleDelete', role: str(req.role) };
      case 'RoleGrantPermission': {
        const perm = (req.perm ?? {}) as Record<string, unknown>;
        const permType = PERMISSION_TYPES.includes(perm.permType as PermissionType) ? (perm.permType as PermissionType) : 'READ';
        const granted: KeyPermission = { permType, key: bytes(perm.key), rangeEnd: bytes(perm.rangeEnd) };
        return { kind: 'roleGrantPermission', name: str(req.name), perm: granted };
      }
      case 'RoleRevokePermission':
        return { kind: 'roleRevokePermission', role: str(req.role), key: bytes(req.key), rangeEnd: bytes(req.rangeEnd) };
      default:
        throw new StorageError('InvalidArgument', { detail: `unknown auth method ${method}` });
    }
  }
}

/** Whether a caller may skip checks entirely (saves work on the hot path when auth is off). */
export function needsChecks(auth: MemberAuth, caller: Caller): boolean {
  return auth.store.isEnabled && caller.kind !== 'internal';
}
