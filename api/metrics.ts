/**
 * The API server's Prometheus metrics, with the names and labels
 * kube-apiserver's dashboards read: requests by verb, resource and code, their
 * latency, requests in flight, objects stored per resource, and the latency of
 * the store's calls.
 */
import { Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';

const requestLabels = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export class ApiMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests = new Counter({ name: 'apiserver_request_total', help: 'Requests by verb, dry run value, group, version, resource, scope, component and HTTP response code.', labelNames: [...requestLabels, 'code'], registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency by verb, dry run value, group, version, resource, subresource, scope and component.',
    labelNames: requestLabels,
    buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    registers: [this.registry],
  });
  readonly inflight = new Gauge({ name: 'apiserver_current_inflight_requests', help: 'Requests being served now, by kind (readOnly, mutating).', labelNames: ['request_kind'], registers: [this.registry] });
  readonly storageObjects = new Gauge({ name: 'apiserver_storage_objects', help: 'Objects stored at the time of the last check, by resource.', labelNames: ['resource'], registers: [this.registry] });
  readonly etcdDuration = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Store request latency by operation and object type.',
    labelNames: ['operation', 'type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    registers: [this.registry],
  });

  constructor() {
    this.inflight.set({ request_kind: 'readOnly' }, 0);
    this.inflight.set({ request_kind: 'mutating' }, 0);
  }

  /**
   * The watch caches' counters under kube-apiserver's names, read from stats (by
   * key prefix, /registry/<resource>/) at each scrape: lists answered from a
   * cache, events handed to watchers, and (re)initializations from the store.
   */
  watchCaches(stats: () => Readonly<Record<string, { readonly listsServed: number; readonly eventsDispatched: number; readonly initializations: number }>>): void {
    const resourceOf = (prefix: string): string => prefix.replace(/^\/registry\//, '').replace(/\/$/, '');
    const counter = (name: string, help: string, label: 'resource' | 'resource_prefix', read: (s: { listsServed: number; eventsDispatched: number; initializations: number }) => number): void => {
      new Counter({
        name,
        help,
        labelNames: label === 'resource_prefix' ? ['resource_prefix', 'index'] : ['resource'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [prefix, s] of Object.entries(stats())) {
            const r = resourceOf(prefix);
            this.inc(label === 'resource_prefix' ? { resource_prefix: `/${r}`, index: '' } : { resource: r }, read(s));
          }
        },
      });
    };
    counter('apiserver_cache_list_total', 'Lists answered from the watch cache, by resource prefix and index used.', 'resource_prefix', (s) => s.listsServed);
    counter('apiserver_watch_cache_events_dispatched_total', 'Events the watch cache handed to watchers, by resource.', 'resource', (s) => s.eventsDispatched);
    counter('apiserver_watch_cache_initializations_total', 'Times a watch cache was filled from the store, by resource.', 'resource', (s) => s.initializations);
  }
}
