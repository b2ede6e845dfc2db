/**
 * What the insight page's endpoints work with, handed to the API app by the
 * composition root: the trail, the watchers, the cluster monitor, and a reader
 * of the store that is not recorded (the page's own reads stay out of the trail).
 */
import type { ClusterMonitor } from '../../registry/insight/cluster-monitor.js';
import type { KeyReader } from '../../registry/insight/key-history.js';
import type { RequestTrail } from '../../registry/insight/request-trail.js';
import type { WatcherRegistry } from '../../registry/insight/watcher-registry.js';
import type { ListOptions, ListResult } from '../../registry/insight/store-reads.js';

export interface InsightServices {
  /** The request trail (--insight-trail-size entries). */
  readonly trail: RequestTrail;
  /** Every active store and API watch. */
  readonly watchers: WatcherRegistry;
  /** The store cluster's members and leader changes. */
  readonly cluster: ClusterMonitor;
  /** Asks every store watch for a progress notice, so idle watches show how far they are. */
  readonly requestProgress?: () => void;
  /** Reads of the store that bypass the trail. */
  readonly store: KeyReader & { list(prefix: string, options?: ListOptions): Promise<ListResult> };
}

/** Where the app keeps its InsightServices (app.locals), for the watch stream to report to. */
export const insightKey = 'kiteInsight';
