// gRPC's standard health service on the client port, as etcd 3.4 registers it: the server as
// a whole ("") is SERVING for as long as it serves at all (etcd 3.4 never changes that status;
// whether the member has a leader is /health's and endpoint health's business), and no other
// service name is known.
import { StorageError } from '../errors.js';
import type { StreamHandler } from './http2-server.js';
import type { UnaryHandlers, Wire } from './unary.js';

const statusOf = (req: Wire): 'SERVING' | 'SERVICE_UNKNOWN' => ((req.service ?? '') === '' ? 'SERVING' : 'SERVICE_UNKNOWN');

export function healthHandlers(): UnaryHandlers {
  return {
    Check: (req) => {
      if (statusOf(req) === 'SERVICE_UNKNOWN') throw new StorageError('UnknownHealthService');
      return { status: 'SERVING' };
    },
  };
}

/** Watch: the current status at once; it never changes, so the stream then stays open until the client leaves. */
export const healthWatch: StreamHandler = (call) => {
  call.once('data', (req: Wire) => {
    if (!call.writableEnded && !call.destroyed) call.write({ status: statusOf(req) });
  });
  call.on('end', () => call.end());
};
