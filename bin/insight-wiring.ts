/**
 * The insight page's parts, put together for `kite apiserver`: the trail and the
 * watcher registry, the recording decorator the registry's store client goes
 * through, and the cluster monitor over the embedded member or --etcd-servers.
 */
import type { InsightServices } from '../api/insight/insight-services.js';
import { ClusterMonitor } from '../registry/insight/cluster-monitor.js';
import { recordingStoreClient } from '../registry/insight/recording-store-client.js';
import { RequestTrail } from '../registry/insight/request-trail.js';
import { WatcherRegistry } from '../registry/insight/watcher-registry.js';
import type { ClientTls } from '../storage/client/etcd-grpc-client.js';
import type { StoreClient } from '../storage/client/store-client.js';
import type { StoreServer } from '../storage/server/store-server.js';
import { embeddedProbe, remoteProbe } from './insight-cluster-probe.js';

export interface InsightWiring {
  /** The store client for the registry: client, recorded. */
  readonly client: StoreClient;
  /** What the API app serves the page with. */
  readonly insight: InsightServices;
  /** Closes the connections the cluster monitor holds. */
  close(): void;
}

export interface InsightWiringOptions {
  /** --insight-trail-size. */
  readonly trailSize: number;
  /** The client the registry would use (timed); the page's own reads use it unrecorded. */
  readonly client: StoreClient;
  /** The embedded member, when there is one. */
  readonly embedded?: { readonly store: StoreServer; readonly endpoint: string };
  /** --etcd-servers and their TLS, when the store is remote. */
  readonly remote?: { readonly endpoints: readonly string[]; readonly tls: ClientTls | undefined };
}

export function wireInsight(o: InsightWiringOptions): InsightWiring {
  const trail = new RequestTrail({ size: o.trailSize });
  const watchers = new WatcherRegistry();
  const client = recordingStoreClient(o.client, { trail, watchers });
  const remote = o.remote === undefined ? undefined : remoteProbe(o.remote.endpoints, o.remote.tls);
  const embedded = o.embedded;
  const cluster = new ClusterMonitor(remote === undefined ? 'embedded' : 'remote', remote?.probe ?? (embedded === undefined ? async () => [] : embeddedProbe(embedded.store, embedded.endpoint)));
  return {
    client,
    insight: { trail, watchers, cluster, store: o.client, requestProgress: () => client.requestProgress() },
    close: () => remote?.close(),
  };
}
