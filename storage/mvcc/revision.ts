/**
 * A revision names one change in the store: `main` is the store revision of the
 * write transaction, `sub` the position of the change inside it (etcd's {main, sub}).
 */
export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** Orders revisions: negative when a < b, zero when equal, positive when a > b. */
export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

/** Whether a comes strictly before b. */
export function revisionLess(a: Revision, b: Revision): boolean {
  return a.main < b.main || (a.main === b.main && a.sub < b.sub);
}
