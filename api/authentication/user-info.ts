/**
 * Who made a request, as authentication found it (Kubernetes' user.Info): the
 * name, uid, groups and extra fields authorization and audit read later.
 */

export interface UserInfo {
  /** The user name, e.g. kite-admin, system:anonymous. */
  readonly name: string;
  /** A unique id, when the authenticator knows one ('' otherwise). */
  readonly uid: string;
  /** The groups the user is in, system:authenticated included once authenticated. */
  readonly groups: readonly string[];
  /** Further attributes an authenticator supplies (e.g. a token's scopes). */
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** The user and group names Kubernetes gives a meaning to. */
export const wellKnownUsers = {
  anonymous: 'system:anonymous',
  /** Every request on the plain-HTTP port (kube-apiserver's old insecure port). */
  unsecured: 'system:unsecured',
} as const;

export const wellKnownGroups = {
  authenticated: 'system:authenticated',
  unauthenticated: 'system:unauthenticated',
  /** Allowed everything, by any authorizer (RBAC's bootstrap binds cluster-admin to it). */
  masters: 'system:masters',
} as const;

/**
 * The user with system:authenticated added, as kube-apiserver's group adder does:
 * unchanged when it already is in system:authenticated or system:unauthenticated.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(wellKnownGroups.authenticated) || user.groups.includes(wellKnownGroups.unauthenticated)) return user;
  return { ...user, groups: [...user.groups, wellKnownGroups.authenticated] };
}

/** The anonymous user of --anonymous-auth. */
export const anonymousUser: UserInfo = { name: wellKnownUsers.anonymous, uid: '', groups: [wellKnownGroups.unauthenticated], extra: {} };

/** The user of every plain-HTTP request: privileged, as kube-apiserver's insecure port was. */
export const unsecuredUser: UserInfo = { name: wellKnownUsers.unsecured, uid: '', groups: [wellKnownGroups.masters, wellKnownGroups.authenticated], extra: {} };
