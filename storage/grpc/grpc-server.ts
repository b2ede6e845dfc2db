import { Server } from '@grpc/grpc-js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreServer } from '../server/store-server.js';
import { ClientListener, parseListenUrl } from './client-listener.js';
import { clusterService } from './cluster-service.js';
import { kvService } from './kv-service.js';
import { leaseService } from './lease-service.js';
import { watchService } from './watch-service.js';
import { WatchableStore } from '../mvcc/watchable-store.js';
import { maintenanceService } from './maintenance-service.js';
import { etcdService } from './proto.js';

/** etcd adds this much room above --max-request-bytes for gRPC framing. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** A member's client side: gRPC services and the HTTP endpoints, on every listen URL. */
export interface ClientServer {
  /** The ports actually bound, one per listen URL (useful with port 0). */
  readonly ports: readonly number[];
  close(): Promise<void>;
}

/** Builds the gRPC server with etcd's services for a StoreServer. */
export function createGrpcServer(store: StoreServer, watchable: WatchableStore): Server {
  const grpcServer = new Server({
    'grpc.max_receive_message_length': store.config.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
  });
  grpcServer.addService(etcdService('KV'), kvService(store));
  grpcServer.addService(etcdService('Maintenance'), maintenanceService(store));
  grpcServer.addService(etcdService('Cluster'), clusterService(store));
  grpcServer.addService(etcdService('Lease'), leaseService(store));
  grpcServer.addService(etcdService('Watch'), watchService(store, watchable));
  return grpcServer;
}

/** Serves store on each of its --listen-client-urls. */
export async function serveClients(
  store: StoreServer,
  httpHandler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<ClientServer> {
  const watchable = new WatchableStore(store.kv);
  const listener = new ClientListener(createGrpcServer(store, watchable), httpHandler);
  const ports: number[] = [];
  try {
    for (const url of store.config.listenClientUrls) ports.push(await listener.listen(parseListenUrl(url)));
  } catch (err) {
    watchable.close();
    await listener.close();
    throw err;
  }
  return {
    ports,
    close: async () => {
      watchable.close();
      await listener.close();
    },
  };
}
