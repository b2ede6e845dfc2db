import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir } from '../proto/proto-dir.js';

/**
 * A thin promise-based gRPC client for etcd's KV, Maintenance and Cluster
 * services, speaking the wire form directly (int64 as decimal strings, enums by
 * name). Works against Kite and real etcd alike; used by tests, benchmarks and,
 * later, the registry's remote store client.
 */
export type WireMessage = Record<string, unknown>;

type Unary = (req: WireMessage, options: { deadline?: number }, cb: (err: ServiceError | null, res: WireMessage) => void) => void;
type ServiceClient = Client & Record<string, Unary>;

/** A bidirectional stream of wire messages (Watch, LeaseKeepAlive). */
export type WireDuplex = ClientDuplexStream<WireMessage, WireMessage>;
type ServiceCtor = new (addr: string, creds: ReturnType<typeof credentials.createInsecure>, opts?: object) => ServiceClient;

const definition = protoLoader.loadSync(['rpc.proto'], { includeDirs: [protoDir], longs: String, enums: String, defaults: true, oneofs: true });
const etcdserverpb = (loadPackageDefinition(definition) as unknown as { etcdserverpb: Record<'KV' | 'Maintenance' | 'Cluster' | 'Watch' | 'Lease', ServiceCtor> }).etcdserverpb;

/** TLS for a client of an https store: the CA to trust (empty: the system's), and a client certificate for --client-cert-auth. */
export interface ClientTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export class EtcdGrpcClient {
  private readonly kv: ServiceClient;
  private readonly maintenance: ServiceClient;
  private readonly cluster: ServiceClient;
  private readonly watchClient: ServiceClient;
  private readonly lease: ServiceClient;
  /** Deadline of each unary call in ms (0: none). */
  private readonly deadlineMs: number;

  /**
   * endpoint is host:port; deadlineMs bounds every unary call (DEADLINE_EXCEEDED after it);
   * with tls the connection is TLS (the store's client URL is https).
   */
  constructor(endpoint: string, options: object = {}, deadlineMs = 0, tls?: ClientTls) {
    this.deadlineMs = deadlineMs;
    const creds = tls === undefined ? credentials.createInsecure() : credentials.createSsl(tls.ca.length > 0 ? tls.ca : null, tls.key ?? null, tls.cert ?? null);
    this.kv = new etcdserverpb.KV(endpoint, creds, options);
    this.watchClient = new etcdserverpb.Watch(endpoint, creds, options);
    this.lease = new etcdserverpb.Lease(endpoint, creds, options);
    this.maintenance = new etcdserverpb.Maintenance(endpoint, creds, options);
    this.cluster = new etcdserverpb.Cluster(endpoint, creds, options);
  }

  range(req: WireMessage): Promise<WireMessage> {
    return this.call(this.kv, 'Range', req);
  }

  put(req: WireMessage): Promise<WireMessage> {
    return this.call(this.kv, 'Put', req);
  }

  deleteRange(req: WireMessage): Promise<WireMessage> {
    return this.call(this.kv, 'DeleteRange', req);
  }

  txn(req: WireMessage): Promise<WireMessage> {
    return this.call(this.kv, 'Txn', req);
  }

  compact(req: WireMessage): Promise<WireMessage> {
    return this.call(this.kv, 'Compact', req);
  }

  status(): Promise<WireMessage> {
    return this.call(this.maintenance, 'Status', {});
  }

  alarm(req: WireMessage): Promise<WireMessage> {
    return this.call(this.maintenance, 'Alarm', req);
  }

  defragment(): Promise<WireMessage> {
    return this.call(this.maintenance, 'Defragment', {});
  }

  hashKv(revision: number): Promise<WireMessage> {
    return this.call(this.maintenance, 'HashKV', { revision });
  }

  memberList(): Promise<WireMessage> {
    return this.call(this.cluster, 'MemberList', {});
  }

  leaseGrant(req: WireMessage): Promise<WireMessage> {
    return this.call(this.lease, 'LeaseGrant', req);
  }

  leaseRevoke(req: WireMessage): Promise<WireMessage> {
    return this.call(this.lease, 'LeaseRevoke', req);
  }

  memberAdd(req: WireMessage): Promise<WireMessage> {
    return this.call(this.cluster, 'MemberAdd', req);
  }

  memberRemove(req: WireMessage): Promise<WireMessage> {
    return this.call(this.cluster, 'MemberRemove', req);
  }

  /** Opens a LeaseKeepAlive stream; write {ID}, read {ID, TTL}. */
  leaseKeepAlive(): WireDuplex {
    return (this.lease as unknown as { LeaseKeepAlive(): WireDuplex }).LeaseKeepAlive();
  }

  /** Opens a Watch stream; write WatchRequests, read WatchResponses. */
  watch(): WireDuplex {
    return (this.watchClient as unknown as { Watch(): WireDuplex }).Watch();
  }

  close(): void {
    this.lease.close();
    this.watchClient.close();
    this.kv.close();
    this.maintenance.close();
    this.cluster.close();
  }

  private call(client: ServiceClient, method: string, req: WireMessage): Promise<WireMessage> {
    const options = this.deadlineMs > 0 ? { deadline: Date.now() + this.deadlineMs } : {};
    return new Promise((resolve, reject) => {
      client[method]!.call(client, req, options, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }
}
