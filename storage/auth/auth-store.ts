// etcd's auth store: users, roles and their key permissions, whether auth is enabled, and
// the auth revision that every change moves on. It changes only by applying AuthCommands,
// in log order on a cluster member (so every member holds the same state) and in request
// order on a single member; the member persists toStored() with the change.

import { StorageError } from '../errors.js';
import type { Caller, KeyPermission, PermissionType } from './auth-info.js';
import { isPermitted, mergePermissions, type MergedPermissions } from './key-permissions.js';

export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';

/** A user as the store keeps it. */
export interface User {
  readonly name: string;
  /** The bcrypt hash of its password; undefined for a user added with no password. */
  readonly passwordHash?: string;
  /** Granted role names, sorted. */
  readonly roles: readonly string[];
  readonly noPassword: boolean;
}

/** A role: its permissions, sorted by key. */
export interface Role {
  readonly name: string;
  readonly permissions: readonly KeyPermission[];
}

/** The commands that change (or, read through the log as etcd does, query) the auth store. */
export type AuthCommand =
  | { readonly kind: 'authEnable' }
  | { readonly kind: 'authDisable' }
  | { readonly kind: 'authStatus' }
  | { readonly kind: 'authenticate'; readonly name: string; readonly tokenPrefix: string }
  | { readonly kind: 'userAdd'; readonly name: string; readonly passwordHash?: string; readonly noPassword: boolean }
  | { readonly kind: 'userGet'; readonly name: string }
  | { readonly kind: 'userList' }
  | { readonly kind: 'userDelete'; readonly name: string }
  | { readonly kind: 'userChangePassword'; readonly name: string; readonly passwordHash: string }
  | { readonly kind: 'userGrantRole'; readonly user: string; readonly role: string }
  | { readonly kind: 'userRevokeRole'; readonly name: string; readonly role: string }
  | { readonly kind: 'roleAdd'; readonly name: string }
  | { readonly kind: 'roleGet'; readonly role: string }
  | { readonly kind: 'roleList' }
  | { readonly kind: 'roleDelete'; readonly role: string }
  | { readonly kind: 'roleGrantPermission'; readonly name: string; readonly perm: KeyPermission }
  | { readonly kind: 'roleRevokePermission'; readonly role: string; readonly key: Buffer; readonly rangeEnd: Buffer };

/** What applying a command answers (the wire fields of its response, without the header). */
export interface AuthResult {
  readonly roles?: readonly string[];
  readonly users?: readonly string[];
  readonly perm?: readonly KeyPermission[];
  readonly enabled?: boolean;
  readonly authRevision?: number;
  /** For authenticate: the user to issue a token to, at this revision. */
  readonly authenticated?: { readonly username: string; readonly revision: number };
}

/** The persisted form: plain data (keys base64). */
export interface StoredAuth {
  readonly enabled: boolean;
  readonly revision: number;
  readonly users: readonly { name: string; passwordHash?: string; roles: string[]; noPassword: boolean }[];
  readonly roles: readonly { name: string; permissions: { permType: PermissionType; key: string; rangeEnd: string }[] }[];
}

/** Commands only a user with the root role may run once auth is enabled (etcd's needAdminPermission). */
const ADMIN_COMMANDS: ReadonlySet<AuthCommand['kind']> = new Set([
  'authEnable',
  'authDisable',
  'userAdd',
  'userDelete',
  'userChangePassword',
  'userGrantRole',
  'userRevokeRole',
  'roleAdd',
  'roleGrantPermission',
  'roleRevokePermission',
  'roleDelete',
  'userList',
  'roleList',
]);

/** Byte order of names, as etcd's bolt buckets keep them. */
function byName(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Listeners the token providers register: tokens die with a user's password or with auth. */
export interface AuthStoreEvents {
  enabled(): void;
  disabled(): void;
  userInvalidated(name: string): void;
}

export class AuthStore {
  private enabledFlag = false;
  private rev = 1;
  private readonly users = new Map<string, User>();
  private readonly roles = new Map<string, Role>();
  /** Merged permissions per user, dropped whenever users or roles change. */
  private readonly permCache = new Map<string, MergedPermissions>();
  events: AuthStoreEvents | undefined;

  constructor(stored: StoredAuth | undefined) {
    this.restore(stored);
  }

  /** Replaces the whole state with stored (a member that installed a snapshot). */
  restore(stored: StoredAuth | undefined): void {
    const wasEnabled = this.enabledFlag;
    this.users.clear();
    this.roles.clear();
    this.permCache.clear();
    this.enabledFlag = stored?.enabled ?? false;
    // A fresh store starts at auth revision 1, as etcd's.
    this.rev = stored?.revision ?? 1;
    for (const u of stored?.users ?? []) this.users.set(u.name, { ...u, roles: [...u.roles] });
    for (const r of stored?.roles ?? []) {
      this.roles.set(r.name, {
        name: r.name,
        permissions: r.permissions.map((p) => ({ permType: p.permType, key: Buffer.from(p.key, 'base64'), rangeEnd: Buffer.from(p.rangeEnd, 'base64') })),
      });
    }
    if (wasEnabled && !this.enabledFlag) this.events?.disabled();
    if (!wasEnabled && this.enabledFlag) this.events?.enabled();
  }

  get isEnabled(): boolean {
    return this.enabledFlag;
  }

  /** The auth revision: moved on by every change of users, roles or permissions, and by disabling auth. */
  get revision(): number {
    return this.rev;
  }

  toStored(): StoredAuth {
    return {
      enabled: this.enabledFlag,
      revision: this.rev,
      users: [...this.users.values()].map((u) => ({ name: u.name, ...(u.passwordHash === undefined ? {} : { passwordHash: u.passwordHash }), roles: [...u.roles], noPassword: u.noPassword })),
      roles: [...this.roles.values()].map((r) => ({
        name: r.name,
        permissions: r.permissions.map((p) => ({ permType: p.permType, key: p.key.toString('base64'), rangeEnd: p.rangeEnd.toString('base64') })),
      })),
    };
  }

  user(name: string): User | undefined {
    return this.users.get(name);
  }

  role(name: string): Role | undefined {
    return this.roles.get(name);
  }

  // ---- checks ----

  /**
   * etcd's isOpPermitted: whether caller may read or write [key, rangeEnd). Throws
   * UserEmpty (no credentials), AuthOldRevision (credentials checked before the last
   * change) or PermissionDenied. Internal callers and a store without auth pass.
   */
  checkKeys(caller: Caller, access: 'read' | 'write', key: Buffer, rangeEnd?: Buffer): void {
    if (!this.enabledFlag || caller.kind === 'internal') return;
    if (caller.revision === 0) throw new StorageError('UserEmpty');
    if (caller.revision < this.rev) throw new StorageError('AuthOldRevision');
    const user = this.users.get(caller.username);
    if (user === undefined) throw new StorageError('PermissionDenied');
    if (hasRootRole(user)) return;
    if (!isPermitted(this.permissionsOf(user), access, key, rangeEnd)) throw new StorageError('PermissionDenied');
  }

  /** etcd's IsAdminPermitted: whether caller holds the root role (always, with auth off). */
  checkAdmin(caller: Caller, options: { untranslated?: boolean } = {}): void {
    if (!this.enabledFlag || caller.kind === 'internal') return;
    const fail = (code: 'UserEmpty' | 'UserNotFound' | 'PermissionDenied'): never => {
      throw new StorageError(code, options.untranslated === true ? { untranslated: true } : {});
    };
    if (caller.username === '') fail('UserEmpty');
    const user = this.users.get(caller.username);
    if (user === undefined) fail('UserNotFound');
    if (!hasRootRole(user!)) fail('PermissionDenied');
  }

  /** Whether a user holds a role. */
  hasRole(user: string, role: string): boolean {
    return this.users.get(user)?.roles.includes(role) ?? false;
  }

  private permissionsOf(user: User): MergedPermissions {
    let perms = this.permCache.get(user.name);
    if (perms === undefined) {
      perms = mergePermissions(user.roles.flatMap((r) => this.roles.get(r)?.permissions ?? []));
      this.permCache.set(user.name, perms);
    }
    return perms;
  }

  // ---- applying commands ----

  /**
   * Applies cmd on behalf of caller, as etcd's auth applier: the root role is needed for
   * administration once auth is enabled; a user may read itself and its roles. Returns
   * whether the store changed (so the member persists it) and the answer. Throws the
   * command's StorageError, having changed nothing.
   */
  apply(caller: Caller, cmd: AuthCommand): { changed: boolean; result: AuthResult } {
    if (ADMIN_COMMANDS.has(cmd.kind)) this.checkAdmin(caller);
    if (cmd.kind === 'userGet' && caller.kind === 'user' && caller.username !== cmd.name) this.checkAdmin(caller);
    if (cmd.kind === 'roleGet' && caller.kind === 'user' && !this.hasRole(caller.username, cmd.role)) this.checkAdmin(caller);
    const before = this.rev;
    const wasEnabled = this.enabledFlag;
    const result = this.run(cmd);
    return { changed: this.rev !== before || this.enabledFlag !== wasEnabled, result };
  }

  private run(cmd: AuthCommand): AuthResult {
    switch (cmd.kind) {
      case 'authEnable':
        return this.enable();
      case 'authDisable':
        if (this.enabledFlag) {
          this.enabledFlag = false;
          this.commit();
          this.events?.disabled();
        }
        return {};
      case 'authStatus':
        return { enabled: this.enabledFlag, authRevision: this.rev };
      case 'authenticate': {
        if (!this.enabledFlag) throw new StorageError('AuthNotEnabled');
        const user = this.users.get(cmd.name);
        if (user === undefined || user.noPassword) throw new StorageError('AuthFailed');
        return { authenticated: { username: cmd.name, revision: this.rev } };
      }
      case 'userAdd': {
        if (cmd.name === '') throw new StorageError('UserEmpty');
        if (this.users.has(cmd.name)) throw new StorageError('UserExists');
        this.users.set(cmd.name, { name: cmd.name, ...(cmd.passwordHash === undefined ? {} : { passwordHash: cmd.passwordHash }), roles: [], noPassword: cmd.noPassword });
        this.commit();
        return {};
      }
      case 'userGet':
        return { roles: [...this.existingUser(cmd.name).roles] };
      case 'userList':
        return { users: [...this.users.keys()].sort(byName) };
      case 'userDelete': {
        if (this.enabledFlag && cmd.name === ROOT_USER) throw new StorageError('InvalidAuthMgmt');
        this.existingUser(cmd.name);
        this.users.delete(cmd.name);
        this.commit();
        this.events?.userInvalidated(cmd.name);
        return {};
      }
      case 'userChangePassword': {
        const user = this.existingUser(cmd.name);
        this.users.set(cmd.name, { ...user, passwordHash: cmd.passwordHash });
        this.commit();
        this.events?.userInvalidated(cmd.name);
        return {};
      }
      case 'userGrantRole': {
        const user = this.existingUser(cmd.user);
        if (cmd.role !== ROOT_ROLE && !this.roles.has(cmd.role)) throw new StorageError('RoleNotFound');
        if (user.roles.includes(cmd.role)) return {}; // already granted: nothing changes
        this.users.set(cmd.user, { ...user, roles: [...user.roles, cmd.role].sort(byName) });
        this.commit();
        return {};
      }
      case 'userRevokeRole': {
        if (this.enabledFlag && cmd.name === ROOT_USER && cmd.role === ROOT_ROLE) throw new StorageError('InvalidAuthMgmt');
        const user = this.existingUser(cmd.name);
        if (!user.roles.includes(cmd.role)) throw new StorageError('RoleNotGranted');
        this.users.set(cmd.name, { ...user, roles: user.roles.filter((r) => r !== cmd.role) });
        this.commit();
        return {};
      }
      case 'roleAdd':
        if (cmd.name === '') throw new StorageError('RoleEmpty');
        if (this.roles.has(cmd.name)) throw new StorageError('RoleExists');
        this.roles.set(cmd.name, { name: cmd.name, permissions: [] });
        this.commit();
        return {};
      case 'roleGet':
        return { perm: [...this.existingRole(cmd.role).permissions] };
      case 'roleList':
        return { roles: [...this.roles.keys()].sort(byName) };
      case 'roleDelete': {
        if (this.enabledFlag && cmd.role === ROOT_ROLE) throw new StorageError('InvalidAuthMgmt');
        this.existingRole(cmd.role);
        this.roles.delete(cmd.role);
        for (const u of this.users.values()) {
          if (u.roles.includes(cmd.role)) this.users.set(u.name, { ...u, roles: u.roles.filter((r) => r !== cmd.role) });
        }
        this.commit();
        return {};
      }
      case 'roleGrantPermission': {
        const role = this.existingRole(cmd.name);
        const same = (p: KeyPermission): boolean => p.key.equals(cmd.perm.key) && p.rangeEnd.equals(cmd.perm.rangeEnd);
        const permissions = role.permissions.some(same)
          ? role.permissions.map((p) => (same(p) ? { ...p, permType: cmd.perm.permType } : p))
          : [...role.permissions, cmd.perm].sort((a, b) => Buffer.compare(a.key, b.key));
        this.roles.set(cmd.name, { name: cmd.name, permissions });
        this.commit();
        return {};
      }
      case 'roleRevokePermission': {
        const role = this.existingRole(cmd.role);
        const kept = role.permissions.filter((p) => !(p.key.equals(cmd.key) && p.rangeEnd.equals(cmd.rangeEnd)));
        if (kept.length === role.permissions.length) throw new StorageError('PermissionNotGranted');
        this.roles.set(cmd.role, { name: cmd.role, permissions: kept });
        this.commit();
        return {};
      }
    }
  }

  /** etcd's AuthEnable: needs a root user holding the root role; enabling twice is fine. */
  private enable(): AuthResult {
    if (this.enabledFlag) return {};
    const root = this.users.get(ROOT_USER);
    if (root === undefined) throw new StorageError('RootUserNotExist');
    if (!hasRootRole(root)) throw new StorageError('RootRoleNotExist');
    this.enabledFlag = true;
    this.permCache.clear();
    this.events?.enabled();
    return {};
  }

  private existingUser(name: string): User {
    const user = this.users.get(name);
    if (user === undefined) throw new StorageError('UserNotFound');
    return user;
  }

  private existingRole(name: string): Role {
    const role = this.roles.get(name);
    if (role === undefined) throw new StorageError('RoleNotFound');
    return role;
  }

  /** Moves the auth revision on; cached permissions may be stale from now on. */
  private commit(): void {
    this.rev++;
    this.permCache.clear();
  }
}

function hasRootRole(user: User): boolean {
  return user.roles.includes(ROOT_ROLE);
}

/** Whether an auth command only reads (etcd still puts it through the log). */
export function isAuthQuery(cmd: AuthCommand): boolean {
  return cmd.kind === 'userGet' || cmd.kind === 'userList' || cmd.kind === 'roleGet' || cmd.kind === 'roleList' || cmd.kind === 'authStatus';
}
