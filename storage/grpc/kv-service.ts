import type { StoreServer } from '../server/store-server.js';
import {
  deleteRangeRequestFromWire,
  deleteRangeResponseToWire,
  headerToWire,
  putRequestFromWire,
  putResponseToWire,
  rangeRequestFromWire,
  rangeResponseToWire,
  txnRequestFromWire,
  txnResponseToWire,
} from './convert.js';
import type { UnaryHandlers } from './unary.js';

/** etcd's KV service over a StoreServer. */
export function kvHandlers(server: StoreServer): UnaryHandlers {
  const header = (revision: number) => headerToWire(server.header(revision));
  return {
    Range: (req) => {
      const respond = (): Record<string, unknown> => {
        const res = server.range(rangeRequestFromWire(req));
        return rangeResponseToWire(res, header(res.revision));
      };
      const barrier = server.readBarrier(req.serializable === true);
      return barrier === undefined ? respond() : barrier.then(respond);
    },
    Put: async (req, size) => {
      server.checkRequestSize(size);
      const res = await server.put(putRequestFromWire(req));
      return putResponseToWire(res, header(res.revision));
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
