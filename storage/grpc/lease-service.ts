import { isStorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import { big, headerToWire } from './convert.js';
import type { StreamCall } from './http2-server.js';
import type { UnaryHandlers, Wire } from './unary.js';

/** etcd's Lease service, its unary methods. */
export function leaseHandlers(server: StoreServer): UnaryHandlers {
  const header = (revision?: number) => headerToWire(server.header(revision));
  return {
    LeaseGrant: async (req, _size, creds) => {
      await server.callerOf(creds); // any user may grant; an invalid token is refused
      const { id, ttl } = await server.leaseGrant(Number(req.TTL ?? 0), big(req.ID));
      return { header: header(), ID: id.toString(), TTL: ttl, error: '' };
    },
    LeaseRevoke: async (req, _size, creds) => {
      const revision = await server.leaseRevoke(big(req.ID), await server.callerOf(creds));
      return { header: header(revision) };
    },
    LeaseTimeToLive: async (req) => {
      const t = await server.leaseTimeToLive(big(req.ID), req.keys === true);
      return { header: header(), ID: t.id.toString(), TTL: t.ttl, grantedTTL: t.grantedTtl, keys: t.keys };
    },
    LeaseLeases: () => ({ header: header(), leases: server.leaseIds().map((id) => ({ ID: id.toString() })) }),
  };
}

/** LeaseKeepAlive: each request renews its lease and gets the TTL back (0 for an unknown lease, as etcd). */
export function leaseKeepAlive(server: StoreServer): (call: StreamCall) => void {
  return (call) => {
    call.on('data', (req: Wire) => {
      let id = 0n;
      const answer = (ttl: number): void => {
        if (!call.writableEnded && !call.destroyed) call.write({ header: headerToWire(server.header()), ID: id.toString(), TTL: ttl });
      };
      const fail = (err: unknown): void => {
        if (isStorageError(err, 'LeaseNotFound')) answer(0);
        else call.fail(err);
      };
      try {
        id = big(req.ID);
        const ttl = server.leaseRenew(id);
        if (typeof ttl === 'number') answer(ttl);
        else ttl.then(answer, fail);
      } catch (err) {
        fail(err);
      }
    });
    call.on('end', () => call.end());
  };
}
