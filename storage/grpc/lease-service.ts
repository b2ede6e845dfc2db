import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { isStorageError } from '../errors.js';
import type { StoreServer } from '../server/store-server.js';
import { headerToWire } from './convert.js';
import { toServiceError } from './errors.js';
import { unary } from './unary.js';

type Wire = Record<string, unknown>;

function leaseId(v: unknown): bigint {
  try {
    return BigInt((v as string | undefined) ?? 0);
  } catch {
    return 0n;
  }
}

/** etcd's Lease service. */
export function leaseService(server: StoreServer): UntypedServiceImplementation {
  const header = (revision?: number) => headerToWire(server.header(revision));
  return {
    LeaseGrant: unary(async (req) => {
      const { id, ttl } = await server.leaseGrant(Number(req.TTL ?? 0), leaseId(req.ID));
      return { header: header(), ID: id.toString(), TTL: ttl, error: '' };
    }),
    LeaseRevoke: unary(async (req) => {
      const revision = await server.leaseRevoke(leaseId(req.ID));
      return { header: header(revision) };
    }),
    LeaseTimeToLive: unary((req) => {
      const t = server.leaseTimeToLive(leaseId(req.ID), req.keys === true);
      return { header: header(), ID: t.id.toString(), TTL: t.ttl, grantedTTL: t.grantedTtl, keys: t.keys };
    }),
    LeaseLeases: unary(() => ({ header: header(), leases: server.leaseIds().map((id) => ({ ID: id.toString() })) })),
    LeaseKeepAlive: (call: ServerDuplexStream<Wire, Wire>) => {
      call.on('data', (req: Wire) => {
        const id = leaseId(req.ID);
        let ttl: number;
        try {
          ttl = server.leaseRenew(id);
        } catch (err) {
          // etcd answers a keepalive of an unknown or expired lease with TTL 0.
          if (!isStorageError(err, 'LeaseNotFound')) {
            call.emit('error', toServiceError(err));
            return;
          }
          ttl = 0;
        }
        if (!call.writableEnded) call.write({ header: header(), ID: id.toString(), TTL: ttl });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  };
}
