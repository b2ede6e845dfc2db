import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../proto/proto-dir.js';
import { decodeCompactionRequest, decodeDeleteRangeRequest, decodePutRequest, decodeRangeRequest, decodeTxnRequest } from './kv-request-decode.js';
import {
  decodeLeaseGrantRequest,
  decodeLeaseKeepAliveRequest,
  decodeLeaseLeasesRequest,
  decodeLeaseRevokeRequest,
  decodeLeaseTimeToLiveRequest,
  decodeWatchRequest,
} from './stream-request-decode.js';

/**
 * Wire conventions for the messages proto-loader decodes and encodes (the requests not
 * decoded by hand, and every response not encoded by hand): camelCase fields, 64-bit integers as
 * decimal strings (ids do not fit a double), enums by name, every field present
 * with its default, and the name of the set field of each oneof.
 */
const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

/** The etcd protos as proto-loader loads them: every method's path and response encoder, and the request decoders not written by hand. */
const packageDefinition = protoLoader.loadSync(['rpc.proto', 'kv.proto'], loaderOptions);

/** gRPC's health-checking service (grpc.health.v1.Health), as etcd serves it. */
export function healthService(): Record<string, EtcdMethod> {
  const def = protoLoader.loadSync(['health.proto'], loaderOptions)['grpc.health.v1.Health'] as protoLoader.ServiceDefinition;
  return Object.fromEntries(Object.entries(def)) as Record<string, EtcdMethod>;
}

/** The key under which a response object may carry its already-encoded bytes. */
export const preEncodedKey: unique symbol = Symbol.for('kite.preEncoded');

/** A response object that carries its encoded bytes. */
export function preEncoded(bytes: Buffer): Record<string, unknown> {
  return { [preEncodedKey]: bytes } as unknown as Record<string, unknown>;
}

/**
 * Requests decoded by hand, straight to typed requests (see kv-request-decode and
 * stream-request-decode): each method's handler takes what its decoder here gives.
 */
const handDecoders: Record<string, (bytes: Buffer) => unknown> = {
  'KV.Range': decodeRangeRequest,
  'KV.Put': decodePutRequest,
  'KV.DeleteRange': decodeDeleteRangeRequest,
  'KV.Txn': decodeTxnRequest,
  'KV.Compact': decodeCompactionRequest,
  'Lease.LeaseGrant': decodeLeaseGrantRequest,
  'Lease.LeaseRevoke': decodeLeaseRevokeRequest,
  'Lease.LeaseKeepAlive': decodeLeaseKeepAliveRequest,
  'Lease.LeaseTimeToLive': decodeLeaseTimeToLiveRequest,
  'Lease.LeaseLeases': decodeLeaseLeasesRequest,
  'Watch.Watch': decodeWatchRequest,
};

export type EtcdServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

/** One method of an etcd service, as proto-loader describes it (its request decoder possibly by hand). */
export type EtcdMethod = protoLoader.MethodDefinition<unknown, Record<string, unknown>>;

/**
 * The methods of one etcd service (e.g. 'KV') by name. A response object carrying
 * its own bytes under preEncodedKey (see watch-encoding) is sent as is.
 */
export function etcdService(name: EtcdServiceName): Record<string, EtcdMethod> {
  const def = packageDefinition[`etcdserverpb.${name}`] as protoLoader.ServiceDefinition;
  const out: Record<string, EtcdMethod> = {};
  for (const [method, m] of Object.entries(def)) {
    const serialize = m.responseSerialize;
    out[method] = {
      ...m,
      requestDeserialize: handDecoders[`${name}.${method}`] ?? m.requestDeserialize,
      responseSerialize: (res: Record<PropertyKey, unknown>) => (res[preEncodedKey] as Buffer | undefined) ?? serialize(res),
    } as EtcdMethod;
  }
  return out;
}
