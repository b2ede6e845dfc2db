// Who a request runs as, in the terms of etcd's auth store.

/**
 * A caller known to the auth store: a user name (empty for a caller that gave no
 * credentials) and the auth revision at which its credentials were checked (0 for none),
 * as etcd's AuthInfo.
 */
export interface AuthInfo {
  readonly kind: 'user';
  readonly username: string;
  readonly revision: number;
}

/**
 * A request made by the member itself, or by a trusted in-process client (the API server
 * embedding its store): no permission applies, as etcd's internal requests made WithRoot.
 */
export interface InternalCaller {
  readonly kind: 'internal';
}

/** Who a request runs as. */
export type Caller = AuthInfo | InternalCaller;

/** A caller that sent no token and no usable client certificate. */
export const ANONYMOUS: AuthInfo = { kind: 'user', username: '', revision: 0 };

/** The member itself, or a trusted in-process client. */
export const INTERNAL: InternalCaller = { kind: 'internal' };

/** A user caller. */
export function asUser(username: string, revision: number): AuthInfo {
  return { kind: 'user', username, revision };
}

/**
 * What the transport knows about the sender of a request: the token it sent (gRPC
 * metadata `token`, or `authorization` from the JSON gateway) and the common name of
 * its verified TLS client certificate.
 */
export interface CallCredentials {
  /** The token the client sent, if any. */
  readonly token?: string;
  /** The verified client certificate's subject CN, on a TLS connection that asked for one. */
  readonly commonName?: string;
  /** Whether the request came through the JSON gateway, where etcd never uses a certificate's CN. */
  readonly viaGateway?: boolean;
  /** The client's address (host:port), when the transport was asked to name it (streams, observed calls). */
  readonly peer?: string;
}

/** Credentials of a call that carries none (plain connection, no token). */
export const NO_CREDENTIALS: CallCredentials = {};

/** etcd's permission types, by their protobuf names. */
export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/** A role's permission on one key or range (key and rangeEnd as etcd reads them). */
export interface KeyPermission {
  readonly permType: PermissionType;
  readonly key: Buffer;
  /** Empty: the key alone; "\0": every key from key on; else [key, rangeEnd). */
  readonly rangeEnd: Buffer;
}
