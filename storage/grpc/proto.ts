import * as protoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { fileURLToPath } from 'node:url';

/** Where our .proto files are, next to the compiled code. */
export const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));

/**
 * Wire conventions for every message: camelCase fields, 64-bit integers as
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

const packageDefinition = protoLoader.loadSync(['rpc.proto', 'kv.proto'], loaderOptions);

/** The key under which a response object may carry its already-encoded bytes. */
export const preEncodedKey: unique symbol = Symbol.for('kite.preEncoded');

/** Byte length of the encoded request, attached by the deserializer. */
export const encodedSize: unique symbol = Symbol('encodedSize');

/** A decoded request with its encoded size attached. */
export type Sized<T> = T & { [encodedSize]?: number };

/**
 * The definition of one etcd service (e.g. 'KV'), with request deserializers
 * that remember each request's encoded size for the request-size limit.
 */
export type EtcdServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance';

export function etcdService(name: EtcdServiceName): ServiceDefinition {
  const def = packageDefinition[`etcdserverpb.${name}`] as unknown as ServiceDefinition;
  const sized: Record<string, ServiceDefinition[string]> = {};
  for (const [method, m] of Object.entries(def)) {
    const deserialize = m.requestDeserialize;
    const serialize = m.responseSerialize;
    sized[method] = {
      ...m,
      // A response carrying its own bytes (see watch-encoding) is sent as is.
      responseSerialize: (res: Record<PropertyKey, unknown>) => (res[preEncodedKey] as Buffer | undefined) ?? serialize(res),
      requestDeserialize: (buf: Buffer) => {
        const req = deserialize(buf) as Record<PropertyKey, unknown>;
        req[encodedSize] = buf.length;
        return req;
      },
    };
  }
  return sized as ServiceDefinition;
}
