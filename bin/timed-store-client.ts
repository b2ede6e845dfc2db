/**
 * A store client that reports how long each call took, for
 * etcd_request_duration_seconds: operation (get, list, count, create, update,
 * delete) and the key or prefix it touched.
 */
import type { StoreClient } from '../storage/client/store-client.js';

export type StoreTiming = (operation: string, key: string, seconds: number) => void;

export function timedStoreClient(client: StoreClient, observe: StoreTiming): StoreClient {
  const timed = async <T>(operation: string, key: string, call: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      observe(operation, key, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  return {
    get: (key, revision) => timed('get', key, () => client.get(key, revision)),
    list: (prefix, options) => timed('list', prefix, () => client.list(prefix, options)),
    count: (prefix) => timed('count', prefix, () => client.count(prefix)),
    optimisticPut: (key, value, expected, lease) => timed(expected === 0 ? 'create' : 'update', key, () => client.optimisticPut(key, value, expected, lease)),
    optimisticDelete: (key, expected) => timed('delete', key, () => client.optimisticDelete(key, expected)),
    watch: (prefix, from, onNotice) => client.watch(prefix, from, onNotice),
    requestProgress: () => client.requestProgress(),
    grantLease: (ttl) => timed('grant', '/leases', () => client.grantLease(ttl)),
    compact: (revision) => client.compact(revision),
    close: () => client.close(),
  };
}
