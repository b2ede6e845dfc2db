import type { StoreServer } from '../server/store-server.js';
import type { CompactionRequest, DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest } from '../server/kv-requests.js';
import { deleteRangeResponseToWire, headerToWire, txnResponseToWire } from './convert.js';
import { encodePutResponse, encodeRangeResponse } from './kv-codec.js';
import { preEncoded } from './proto.js';
import type { UnaryHandler } from './unary.js';
import { asCaller } from './auth-service.js';

/** The KV methods, each taking the typed request its decoder gives (kv-request-decode). */
export type KvHandlers = {
  readonly Range: UnaryHandler<RangeRequest>;
  readonly Put: UnaryHandler<PutRequest>;
  readonly DeleteRange: UnaryHandler<DeleteRangeRequest>;
  readonly Txn: UnaryHandler<TxnRequest>;
  readonly Compact: UnaryHandler<CompactionRequest>;
};

/**
 * etcd's KV service over a StoreServer; each request runs as its caller (storage/auth).
 * The requests' own checks (empty keys, flags, txn limits) are the member's, made once there.
 */
export function kvHandlers(server: StoreServer): KvHandlers {
  const header = (revision: number) => headerToWire(server.header(revision));
  return {
    Range: (req, _size, creds) =>
      asCaller(server, creds, (caller) => {
        const respond = (): Record<string, unknown> => {
          const res = server.range(req, caller);
          return preEncoded(encodeRangeResponse(server.header(res.revision), res));
        };
        const barrier = server.readBarrier(req.serializable === true);
        return barrier === undefined ? respond() : barrier.then(respond);
      }),
    Put: (req, size, creds) => {
      server.checkRequestSize(size);
      return asCaller(server, creds, (caller) =>
        server.put(req, caller).then((res) => preEncoded(encodePutResponse(server.header(res.revision), res.prevKv))),
      );
    },
    DeleteRange: async (req, size, creds) => {
      server.checkRequestSize(size);
      const caller = await server.callerOf(creds);
      const res = await server.deleteRange(req, caller);
      return deleteRangeResponseToWire(res, header(res.revision));
    },
    Txn: async (req, size, creds) => {
      server.checkRequestSize(size);
      const caller = await server.callerOf(creds);
      const res = await server.txn(req, caller);
      return txnResponseToWire(res, header(res.revision));
    },
    Compact: async (req, _size, creds) => {
      // etcd lets any user compact; a token that names no one is still refused.
      await server.callerOf(creds);
      const revision = await server.compact(req);
      return { header: header(revision) };
    },
  };
}
