import { isStorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import type { StreamCall } from './http2-server.js';
import type { LeaseGrantRequest, LeaseIdRequest, LeaseTimeToLiveRequest } from './stream-request-decode.js';
import type { UnaryHandler } from './unary.js';

/** The Lease service's unary methods, each taking the typed request its decoder gives (stream-request-decode). */
export type LeaseHandlers = {
  readonly LeaseGrant: UnaryHandler<LeaseGrantRequest>;
  readonly LeaseRevoke: UnaryHandler<LeaseIdRequest>;
  readonly LeaseTimeToLive: UnaryHandler<LeaseTimeToLiveRequest>;
  readonly LeaseLeases: UnaryHandler<unknown>;
};

/** etcd's Lease service, its unary methods. */
export function leaseHandlers(server: StoreServer): LeaseHandlers {
  const header = (revision?: number) => headerToWire(server.header(revision));
  return {
    LeaseGrant: async (req, _size, creds) => {
      await server.callerOf(creds); // any user may grant; an invalid token is refused
      const { id, ttl } = await server.leaseGrant(req.ttl, req.id);
      return { header: header(), ID: id.toString(), TTL: ttl, error: '' };
    },
    LeaseRevoke: async (req, _size, creds) => {
      const revision = await server.leaseRevoke(req.id, await server.callerOf(creds));
      return { header: header(revision) };
    },
    LeaseTimeToLive: async (req) => {
      const t = await server.leaseTimeToLive(req.id, req.keys);
      return { header: header(), ID: t.id.toString(), TTL: t.ttl, grantedTTL: t.grantedTtl, keys: t.keys };
    },
    LeaseLeases: () => ({ header: header(), leases: server.leaseIds().map((id) => ({ ID: id.toString() })) }),
  };
}

/** LeaseKeepAlive: each request renews its lease and gets the TTL back (0 for an unknown lease, as etcd). */
export function leaseKeepAlive(server: StoreServer): (call: StreamCall) => void {
  return (call) => {
    call.on('data', ({ id }: LeaseIdRequest) => {
      const answer = (ttl: number): void => {
        if (!call.writableEnded && !call.destroyed) call.write({ header: headerToWire(server.header()), ID: id.toString(), TTL: ttl });
      };
      const fail = (err: unknown): void => {
        if (isStorageError(err, 'LeaseNotFound')) answer(0);
        else call.fail(err);
      };
      try {
        const ttl = server.leaseRenew(id);
        if (typeof ttl === 'number') answer(ttl);
        else ttl.then(answer, fail);
      } catch (err) {
        fail(err);
      }
    });
    // Done sending: the stream ends OK, as etcd's does.
    call.on('end', () => call.end());
  };
}
