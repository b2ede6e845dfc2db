import type { StoreServer } from '../server/store-server.js';
import {
  deleteRangeRequestFromWire,
  deleteRangeResponseToWire,
  headerToWire,
  putRequestFromWire,
  rangeRequestFromWire,
  txnRequestFromWire,
  txnResponseToWire,
} from './convert.js';
import { encodePutResponse, encodeRangeResponse } from './kv-codec.js';
import { preEncoded } from './proto.js';
import type { UnaryHandlers } from './unary.js';
import { asCaller } from './auth-service.js';

/** etcd's KV service over a StoreServer; each request runs as its caller (storage/auth). */
export function kvHandlers(server: StoreServer): UnaryHandlers {
  const header = (revision: number) => headerToWire(server.header(revision));
  return {
    Range: (req, _size, creds) =>
      asCaller(server, creds, (caller) => {
        const respond = (): Record<string, unknown> => {
          const res = server.range(rangeRequestFromWire(req), caller);
          return preEncoded(encodeRangeResponse(server.header(res.revision), res));
        };
        const barrier = server.readBarrier(req.serializable === true);
        return barrier === undefined ? respond() : barrier.then(respond);
      }),
    Put: (req, size, creds) => {
      server.checkRequestSize(size);
      return asCaller(server, creds, (caller) =>
        server.put(putRequestFromWire(req), caller).then((res) => preEncoded(encodePutResponse(server.header(res.revision), res.prevKv))),
      );
    },
    DeleteRange: async (req, size, creds) => {
      server.checkRequestSize(size);
      const caller = await server.callerOf(creds);
      const res = await server.deleteRange(deleteRangeRequestFromWire(req), caller);
      return deleteRangeResponseToWire(res, header(res.revision));
    },
    Txn: async (req, size, creds) => {
      server.checkRequestSize(size);
      const caller = await server.callerOf(creds);
      const res = await server.txn(txnRequestFromWire(req), caller);
      return txnResponseToWire(res, header(res.revision));
    },
    Compact: async (req, _size, creds) => {
      // etcd lets any user compact; a token that names no one is still refused.
      await server.callerOf(creds);
      const revision = await server.compact({ revision: Number(req.revision ?? 0), physical: req.physical === true });
      return { header: header(revision) };
    },
  };
}
