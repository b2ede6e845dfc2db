import { status as Status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { isStorageError, type StorageErrorCode } from '../errors.js';

/** etcd's gRPC status code and message for each storage error: the one translation table. */
const table: Record<StorageErrorCode, readonly [Status, string]> = {
  EmptyKey: [Status.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
  KeyNotFound: [Status.INVALID_ARGUMENT, 'etcdserver: key not found'],
  ValueProvided: [Status.INVALID_ARGUMENT, 'etcdserver: value is provided'],
  LeaseProvided: [Status.INVALID_ARGUMENT, 'etcdserver: lease is provided'],
  TooManyOps: [Status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
  DuplicateKey: [Status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
  Compacted: [Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
  FutureRevision: [Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
  NoSpace: [Status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'],
  LeaseNotFound: [Status.NOT_FOUND, 'etcdserver: requested lease not found'],
  LeaseExists: [Status.FAILED_PRECONDITION, 'etcdserver: lease already exists'],
  LeaseTtlTooLarge: [Status.OUT_OF_RANGE, 'etcdserver: too large lease TTL'],
  RequestTooLarge: [Status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
  PermissionDenied: [Status.PERMISSION_DENIED, 'etcdserver: permission denied'],
  InvalidArgument: [Status.INVALID_ARGUMENT, 'etcdserver: invalid argument'],
  MemberNotFound: [Status.NOT_FOUND, 'etcdserver: member not found'],
  NotCapable: [Status.UNAVAILABLE, 'etcdserver: not capable'],
  Stopped: [Status.UNAVAILABLE, 'etcdserver: server stopped'],
  Unavailable: [Status.UNAVAILABLE, 'etcdserver: request timed out, possibly due to connection lost'],
  Timeout: [Status.UNAVAILABLE, 'etcdserver: request timed out'],
  Corrupt: [Status.DATA_LOSS, 'etcdserver: corrupt cluster'],
  BadLeaderTransferee: [Status.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'],
  NoLeader: [Status.UNAVAILABLE, 'etcdserver: no leader'],
  LeaderFailed: [Status.UNAVAILABLE, 'etcdserver: request timed out, possibly due to previous leader failure'],
  MemberBadUrls: [Status.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'],
  NotLeader: [Status.FAILED_PRECONDITION, 'etcdserver: not leader'],
  MemberExists: [Status.FAILED_PRECONDITION, 'etcdserver: member ID already exist'],
  PeerUrlExists: [Status.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'],
  MemberNotLearner: [Status.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'],
  LearnerNotReady: [Status.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member which is in sync with leader'],
  TooManyLearners: [Status.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'],
  // etcd has no message of its own for this: Raft refused the change (another is still pending).
  ConfChangeRejected: [Status.FAILED_PRECONDITION, 'etcdserver: membership change rejected: another change is still pending'],
  NotSupportedForLearner: [Status.UNAVAILABLE, 'etcdserver: rpc not supported for learner'],
  Unhealthy: [Status.UNAVAILABLE, 'etcdserver: unhealthy cluster'],
  NotEnoughStartedMembers: [Status.FAILED_PRECONDITION, 'etcdserver: re-configuration failed due to not enough started members'],
  // grpc-go's health server, which etcd registers, in its own words.
  UnknownHealthService: [Status.NOT_FOUND, 'unknown service'],
  AuthNotEnabled: [Status.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'],
  AuthFailed: [Status.INVALID_ARGUMENT, 'etcdserver: authentication failed, invalid user ID or password'],
  InvalidAuthToken: [Status.UNAUTHENTICATED, 'etcdserver: invalid auth token'],
  // etcd 3.4 sends this one untranslated.
  NoPasswordUser: [Status.UNKNOWN, 'auth: authentication failed, password was given for no password user'],
  AuthOldRevision: [Status.INVALID_ARGUMENT, 'etcdserver: revision of auth store is old'],
  InvalidAuthMgmt: [Status.INVALID_ARGUMENT, 'etcdserver: invalid auth management'],
  UserEmpty: [Status.INVALID_ARGUMENT, 'etcdserver: user name is empty'],
  UserNotFound: [Status.FAILED_PRECONDITION, 'etcdserver: user name not found'],
  UserExists: [Status.FAILED_PRECONDITION, 'etcdserver: user name already exists'],
  RoleEmpty: [Status.INVALID_ARGUMENT, 'etcdserver: role name is empty'],
  RoleNotFound: [Status.FAILED_PRECONDITION, 'etcdserver: role name not found'],
  RoleExists: [Status.FAILED_PRECONDITION, 'etcdserver: role name already exists'],
  RoleNotGranted: [Status.FAILED_PRECONDITION, 'etcdserver: role is not granted to the user'],
  PermissionNotGranted: [Status.FAILED_PRECONDITION, 'etcdserver: permission is not granted to the role'],
  RootUserNotExist: [Status.FAILED_PRECONDITION, 'etcdserver: root user does not exist'],
  RootRoleNotExist: [Status.FAILED_PRECONDITION, 'etcdserver: root user does not have root role'],
};

/** The auth store's own wording, which etcd's Maintenance service sends untranslated (code Unknown). */
const untranslated: Partial<Record<StorageErrorCode, string>> = {
  PermissionDenied: 'auth: permission denied',
  UserEmpty: 'auth: user name is empty',
  UserNotFound: 'auth: user not found',
  InvalidAuthToken: 'auth: invalid auth token',
  AuthOldRevision: 'auth: revision in header is old',
};

/** The gRPC error a client receives for err. Errors that are not StorageErrors are internal. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  if (isStorageError(err)) {
    const raw = err.context.untranslated === true ? untranslated[err.code] : undefined;
    if (raw !== undefined) return { code: Status.UNKNOWN, details: raw, message: raw, metadata: new Metadata() };
    const [code, details] = table[err.code];
    const message = err.code === 'InvalidArgument' && err.context.detail ? `etcdserver: ${err.context.detail}` : details;
    return { code, details: message, message, metadata: new Metadata() };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: Status.INTERNAL, details: message, message, metadata: new Metadata() };
}
