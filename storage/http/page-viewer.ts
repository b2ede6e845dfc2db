/**
 * Who asks for a page served on a member's client URLs (the insight page of
 * `kite store`), by the member's own security: with etcd auth off, anyone, who may
 * read every key; with it on, an etcd user, by HTTP basic (user and password, checked
 * as Authenticate checks them) or by an etcd token in Authorization (as the JSON
 * gateway takes it). As the gateway, a client certificate's CN never names the user,
 * and with --client-cert-auth a request carrying a named certificate is refused.
 * Callers without credentials, with a wrong password or with a token that names no one
 * are refused in etcd's words.
 */
import type { IncomingMessage } from 'node:http';
import { asUser, type AuthInfo } from '../auth/auth-info.js';
import { StorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import { toServiceError } from '../grpc/errors.js';
import { requestCommonName, requestPeer } from '../grpc/http2-server.js';

export interface PageViewer {
  /** The etcd user, or the client's address with auth off. */
  readonly name: string;
  /** Whether etcd auth is on (and so the viewer is an etcd user). */
  readonly isAuthenticated: boolean;
  /** Whether the viewer may read every key in [key, rangeEnd) (rangeEnd empty: the key alone; "\0": from key on). */
  mayRead(key: Buffer, rangeEnd?: Buffer): boolean;
}

/** A refusal: the HTTP status and etcd's message. */
export class PageRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function basicCredentials(header: string): { name: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The viewer of req; rejects with a PageRefusal when the member's auth refuses it. */
export async function pageViewer(store: StoreServer, req: IncomingMessage): Promise<PageViewer> {
  const auth = store.auth.store;
  if (!auth.isEnabled) return { name: requestPeer(req), isAuthenticated: false, mayRead: () => true };
  // As the JSON gateway: with --client-cert-auth, a request that carries a named certificate is refused.
  if (store.config.auth?.clientCertAuth === true && requestCommonName(req) !== '') {
    throw new PageRefusal(400, 'CommonName of client sending a request against gateway will be ignored and not used as expected');
  }
  const header = req.headers.authorization ?? '';
  let caller: AuthInfo;
  try {
    if (header === '') throw new StorageError('UserEmpty');
    const basic = basicCredentials(header);
    if (basic !== undefined) caller = asUser(basic.name, await store.auth.checkPassword(basic.name, basic.password));
    else caller = await store.callerOf({ token: header.replace(/^Bearer\s+/i, ''), viaGateway: true });
  } catch (err) {
    const se = toServiceError(err);
    // gRPC's UNAUTHENTICATED and INVALID_ARGUMENT (no user) are 401; the rest as the gateway maps them.
    throw new PageRefusal(se.code === 7 ? 403 : 401, se.details ?? String(err));
  }
  const mayRead = (key: Buffer, rangeEnd?: Buffer): boolean => {
    try {
      auth.checkKeys(caller, 'read', key, rangeEnd !== undefined && rangeEnd.length > 0 ? rangeEnd : undefined);
      return true;
    } catch (err) {
      if (err instanceof StorageError) return false;
      throw err;
    }
  };
  return { name: caller.username, isAuthenticated: true, mayRead };
}
