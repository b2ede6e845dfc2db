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

/** etcd's KV service over a StoreServer. */
export function kvHandlers(server: StoreServer): UnaryHandlers {
  const header = (revision: number) => headerToWire(server.header(revision));
  return {
    Range: (req) => {
      const respond = (): Record<string, unknown> => {
        const res = server.range(rangeRequestFromWire(req));
        return preEncoded(encodeRangeResponse(server.header(res.revision), res));
      };
      const barrier = server.readBarrier(req.serializable === true);
      return barrier === undefined ? respond() : barrier.then(respond);
    },
    Put: (req, size) => {
      server.checkRequestSize(size);
      return server.put(putRequestFromWire(req)).then((res) => preEncoded(encodePutResponse(server.header(res.revision), res.prevKv)));
    },
    DeleteRange: async (req, size) => {
      server.checkRequestSize(size);
      const res = await server.deleteRange(deleteRangeRequestFromWire(req));
      return deleteRangeResponseToWire(res, header(res.revision));
    },
    Txn: async (req, size) => {
      server.checkRequestSize(size);
      const res = await server.txn(txnRequestFromWire(req));
      return txnResponseToWire(res, header(res.revision));
    },
    Compact: async (req) => {
      const revision = await server.compact({ revision: Number(req.revision ?? 0), physical: req.physical === true });
      return { header: header(revision) };
    },
  };
}
