/**
 * The store's one error vocabulary. Every layer below the gRPC edge throws a
 * StorageError with a string-literal code; storage/grpc/errors.ts maps each code
 * to etcd's gRPC status and message in exactly one table.
 */
export const StorageErrorCode = {
  EmptyKey: 'EmptyKey',
  KeyNotFound: 'KeyNotFound',
  ValueProvided: 'ValueProvided',
  LeaseProvided: 'LeaseProvided',
  TooManyOps: 'TooManyOps',
  DuplicateKey: 'DuplicateKey',
  Compacted: 'Compacted',
  FutureRevision: 'FutureRevision',
  NoSpace: 'NoSpace',
  LeaseNotFound: 'LeaseNotFound',
  LeaseExists: 'LeaseExists',
  LeaseTtlTooLarge: 'LeaseTtlTooLarge',
  RequestTooLarge: 'RequestTooLarge',
  PermissionDenied: 'PermissionDenied',
  InvalidArgument: 'InvalidArgument',
  MemberNotFound: 'MemberNotFound',
  NotCapable: 'NotCapable',
  Stopped: 'Stopped',
  Unavailable: 'Unavailable',
  Timeout: 'Timeout',
  Corrupt: 'Corrupt',
  BadLeaderTransferee: 'BadLeaderTransferee',
  NoLeader: 'NoLeader',
  LeaderFailed: 'LeaderFailed',
  MemberBadUrls: 'MemberBadUrls',
  NotLeader: 'NotLeader',
  MemberExists: 'MemberExists',
  PeerUrlExists: 'PeerUrlExists',
  MemberNotLearner: 'MemberNotLearner',
  LearnerNotReady: 'LearnerNotReady',
  TooManyLearners: 'TooManyLearners',
  ConfChangeRejected: 'ConfChangeRejected',
  NotSupportedForLearner: 'NotSupportedForLearner',
  Unhealthy: 'Unhealthy',
  NotEnoughStartedMembers: 'NotEnoughStartedMembers',
  UnknownHealthService: 'UnknownHealthService',
  // Auth (storage/auth): etcd's auth store errors.
  AuthNotEnabled: 'AuthNotEnabled',
  AuthFailed: 'AuthFailed',
  NoPasswordUser: 'NoPasswordUser',
  InvalidAuthToken: 'InvalidAuthToken',
  AuthOldRevision: 'AuthOldRevision',
  InvalidAuthMgmt: 'InvalidAuthMgmt',
  UserEmpty: 'UserEmpty',
  UserNotFound: 'UserNotFound',
  UserExists: 'UserExists',
  RoleEmpty: 'RoleEmpty',
  RoleNotFound: 'RoleNotFound',
  RoleExists: 'RoleExists',
  RoleNotGranted: 'RoleNotGranted',
  PermissionNotGranted: 'PermissionNotGranted',
  RootUserNotExist: 'RootUserNotExist',
  RootRoleNotExist: 'RootRoleNotExist',
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Context carried by a StorageError, for logs and for tests; never parsed. */
export interface StorageErrorContext {
  /** The key the failing operation was about, when there is one. */
  readonly key?: Buffer;
  /** The revision asked for, when the error is about a revision. */
  readonly revision?: number;
  /** The lease asked for, when the error is about a lease. */
  readonly lease?: bigint;
  /** Free-form detail for InvalidArgument. */
  readonly detail?: string;
  /**
   * The error reaches the client untranslated, as etcd's auth store words it (code
   * Unknown, "auth: permission denied"): etcd's Maintenance service returns its auth
   * errors that way.
   */
  readonly untranslated?: boolean;
}

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly context: StorageErrorContext;

  constructor(code: StorageErrorCode, context: StorageErrorContext = {}) {
    super(context.detail ? `${code}: ${context.detail}` : code);
    this.name = 'StorageError';
    this.code = code;
    this.context = context;
  }
}

/** Whether err is a StorageError with the given code. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}
