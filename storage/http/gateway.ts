import protobuf from 'protobufjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { etcdService, type EtcdMethod, type EtcdServiceName } from '../grpc/proto.js';
import { protoDir } from '../proto/proto-dir.js';
import { StreamCall, type StreamHandler } from '../grpc/http2-server.js';
import { toServiceError } from '../grpc/errors.js';
import { invoke, type AnyUnaryHandler, type Wire } from '../grpc/unary.js';
import { isStorageError } from '../errors.js';
import type { CallCredentials } from '../auth/auth-info.js';
import { peerAddress } from '../grpc/client-observer.js';

/**
 * etcd's JSON gateway (grpc-gateway): POST a request message as JSON to
 * /v3/<service>/<method>; keys and values are base64, 64-bit integers may be
 * strings or numbers; the response is the message as JSON with etcd's field names,
 * 64-bit integers as strings and default values left out. Each call is decoded to
 * the same wire form the gRPC side gets and runs the same handler.
 */

// Message types with etcd's field names (snake_case), for JSON in and out.
const root = new protobuf.Root();
root.resolvePath = (_origin: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['rpc.proto', 'kv.proto'], { keepCase: true });

interface Route {
  readonly service: EtcdServiceName;
  readonly method: string;
  readonly stream?: 'watch' | 'keepalive';
}

const routes = new Map<string, Route>([
  ['kv/range', { service: 'KV', method: 'Range' }],
  ['kv/put', { service: 'KV', method: 'Put' }],
  ['kv/deleterange', { service: 'KV', method: 'DeleteRange' }],
  ['kv/txn', { service: 'KV', method: 'Txn' }],
  ['kv/compaction', { service: 'KV', method: 'Compact' }],
  ['lease/grant', { service: 'Lease', method: 'LeaseGrant' }],
  ['lease/revoke', { service: 'Lease', method: 'LeaseRevoke' }],
  ['kv/lease/revoke', { service: 'Lease', method: 'LeaseRevoke' }],
  ['lease/timetolive', { service: 'Lease', method: 'LeaseTimeToLive' }],
  ['kv/lease/timetolive', { service: 'Lease', method: 'LeaseTimeToLive' }],
  ['lease/leases', { service: 'Lease', method: 'LeaseLeases' }],
  ['kv/lease/leases', { service: 'Lease', method: 'LeaseLeases' }],
  ['lease/keepalive', { service: 'Lease', method: 'LeaseKeepAlive', stream: 'keepalive' }],
  ['watch', { service: 'Watch', method: 'Watch', stream: 'watch' }],
  ['maintenance/status', { service: 'Maintenance', method: 'Status' }],
  ['maintenance/alarm', { service: 'Maintenance', method: 'Alarm' }],
  ['maintenance/defragment', { service: 'Maintenance', method: 'Defragment' }],
  ['maintenance/hash', { service: 'Maintenance', method: 'HashKV' }],
  ['cluster/member/list', { service: 'Cluster', method: 'MemberList' }],
  ['cluster/member/add', { service: 'Cluster', method: 'MemberAdd' }],
  ['cluster/member/remove', { service: 'Cluster', method: 'MemberRemove' }],
  ['cluster/member/update', { service: 'Cluster', method: 'MemberUpdate' }],
  ['cluster/member/promote', { service: 'Cluster', method: 'MemberPromote' }],
  ['auth/enable', { service: 'Auth', method: 'AuthEnable' }],
  ['auth/disable', { service: 'Auth', method: 'AuthDisable' }],
  ['auth/status', { service: 'Auth', method: 'AuthStatus' }],
  ['auth/authenticate', { service: 'Auth', method: 'Authenticate' }],
  ['auth/user/add', { service: 'Auth', method: 'UserAdd' }],
  ['auth/user/get', { service: 'Auth', method: 'UserGet' }],
  ['auth/user/list', { service: 'Auth', method: 'UserList' }],
  ['auth/user/delete', { service: 'Auth', method: 'UserDelete' }],
  ['auth/user/changepw', { service: 'Auth', method: 'UserChangePassword' }],
  ['auth/user/grant', { service: 'Auth', method: 'UserGrantRole' }],
  ['auth/user/revoke', { service: 'Auth', method: 'UserRevokeRole' }],
  ['auth/role/add', { service: 'Auth', method: 'RoleAdd' }],
  ['auth/role/get', { service: 'Auth', method: 'RoleGet' }],
  ['auth/role/list', { service: 'Auth', method: 'RoleList' }],
  ['auth/role/delete', { service: 'Auth', method: 'RoleDelete' }],
  ['auth/role/grant', { service: 'Auth', method: 'RoleGrantPermission' }],
  ['auth/role/revoke', { service: 'Auth', method: 'RoleRevokePermission' }],
]);

/**
 * What etcd's gateway passes on of an HTTP request's caller: its Authorization header as
 * the token. A client certificate's CN is never used through the gateway.
 */
function gatewayCredentials(req: IncomingMessage, withPeer: boolean): CallCredentials {
  const token = req.headers.authorization;
  const peer = withPeer ? { peer: peerAddress(req.socket) } : {};
  return typeof token === 'string' && token !== '' ? { token, viaGateway: true, ...peer } : { viaGateway: true, ...peer };
}

/** grpc-gateway's mapping of gRPC codes to HTTP statuses. */
const httpStatus: Partial<Record<number, number>> = {
  [Status.OK]: 200,
  [Status.CANCELLED]: 499,
  [Status.UNKNOWN]: 500,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.DEADLINE_EXCEEDED]: 504,
  [Status.NOT_FOUND]: 404,
  [Status.ALREADY_EXISTS]: 409,
  [Status.PERMISSION_DENIED]: 403,
  [Status.RESOURCE_EXHAUSTED]: 429,
  [Status.FAILED_PRECONDITION]: 400,
  [Status.ABORTED]: 409,
  [Status.OUT_OF_RANGE]: 400,
  [Status.UNIMPLEMENTED]: 501,
  [Status.INTERNAL]: 500,
  [Status.UNAVAILABLE]: 503,
  [Status.DATA_LOSS]: 500,
  [Status.UNAUTHENTICATED]: 401,
};

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Renames JSON keys to the message's field names (accepting camelCase too), recursively. */
function toFieldNames(type: protobuf.Type, obj: unknown): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const field = type.fields[k] ?? type.fields[snake(k)] ?? Object.values(type.fields).find((f) => f.name.toLowerCase() === k.toLowerCase());
    if (field === undefined) continue; // unknown fields are ignored, as grpc-gateway does by default
    const sub = field.resolve().resolvedType;
    out[field.name] = sub instanceof protobuf.Type ? (Array.isArray(v) ? v.map((x) => toFieldNames(sub, x)) : toFieldNames(sub, v)) : v;
  }
  return out;
}

/** Drops fields holding proto3 default values: 0, "0", false, "", empty lists, an enum's zero value. */
function withoutDefaults(type: protobuf.Type, v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === 0 || x === '0' || x === false || x === '' || x === null || (Array.isArray(x) && x.length === 0)) continue;
    const sub = type.fields[k]?.resolve().resolvedType;
    if (sub instanceof protobuf.Enum && sub.valuesById[0] === x) continue;
    if (sub instanceof protobuf.Type) {
      out[k] = Array.isArray(x) ? x.map((e: Record<string, unknown>) => withoutDefaults(sub, e)) : withoutDefaults(sub, x as Record<string, unknown>);
    } else {
      out[k] = x;
    }
  }
  return out;
}

class GatewayError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface GatewayHandlers {
  unary(service: EtcdServiceName, method: string): AnyUnaryHandler | undefined;
  watch: StreamHandler;
  keepAlive: StreamHandler;
  /** Whether unary calls' credentials should name the client's address (see client-observer.ts). */
  isObserving?(): boolean;
}

export class Gateway {
  private readonly handlers: GatewayHandlers;
  private readonly defs = new Map<EtcdServiceName, Record<string, EtcdMethod>>();

  constructor(handlers: GatewayHandlers) {
    this.handlers = handlers;
  }

  /** Whether path is a gateway path (/v3/..., /v3beta/..., /v3alpha/...). */
  static matches(path: string): boolean {
    return /^\/v3(beta|alpha)?\//.test(path);
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const route = routes.get(path.replace(/^\/v3(beta|alpha)?\//, ''));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (route === undefined) {
        // grpc-gateway's answer for a path it has no route for.
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not Found\n');
        return;
      }
      if (req.method !== 'POST') return this.fail(res, new GatewayError(Status.UNIMPLEMENTED, 'Method Not Allowed'), 405);
      let request: unknown;
      let size: number;
      try {
        ({ request, size } = this.decode(route, Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        // A request the decoder refused keeps its own status; JSON that is no message is invalid.
        return this.fail(res, isStorageError(err) ? err : new GatewayError(Status.INVALID_ARGUMENT, err instanceof Error ? err.message : String(err)));
      }
      if (route.stream !== undefined) return this.stream(route, request, req, res);
      const handler = this.handlers.unary(route.service, route.method);
      if (handler === undefined) return this.fail(res, new GatewayError(Status.UNIMPLEMENTED, `unknown method ${route.method}`));
      invoke(handler, request, size, gatewayCredentials(req, this.handlers.isObserving?.() === true)).then(
        (out) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(this.encode(route, out)));
        },
        (err: unknown) => this.fail(res, err),
      );
    });
  }

  private def(service: EtcdServiceName): Record<string, EtcdMethod> {
    let d = this.defs.get(service);
    if (d === undefined) {
      d = etcdService(service);
      this.defs.set(service, d);
    }
    return d;
  }

  /**
   * JSON text -> the request the gRPC handlers take, via the binary encoding: the method's
   * own decoder (a typed request for KV, Lease and Watch) makes it, as for a gRPC call.
   */
  private decode(route: Route, text: string): { request: unknown; size: number } {
    const m = this.def(route.service)[route.method]!;
    const type = root.lookupType(`etcdserverpb.${(m as unknown as { requestType: { type: { name: string } } }).requestType.type.name}`);
    const json: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('request body must be a JSON object');
    const msg = type.fromObject(toFieldNames(type, json) as Record<string, unknown>);
    const buf = Buffer.from(type.encode(msg).finish());
    return { request: m.requestDeserialize(buf), size: buf.length };
  }

  /** A handler's wire response -> etcd's JSON, without default values (grpc-gateway's EmitDefaults off). */
  private encode(route: Route, wire: Wire): unknown {
    const m = this.def(route.service)[route.method]!;
    const type = root.lookupType(`etcdserverpb.${(m as unknown as { responseType: { type: { name: string } } }).responseType.type.name}`);
    const buf = m.responseSerialize(wire);
    return withoutDefaults(type, type.toObject(type.decode(buf), { longs: String, enums: String, bytes: String, defaults: false }));
  }

  /** Streams: the request body is the one message sent; each response is a line {"result": ...}. */
  private stream(route: Route, first: unknown, req: IncomingMessage, res: ServerResponse): void {
    // HTTP/2 (a TLS client that negotiated h2) has no chunked encoding: it streams anyway.
    res.writeHead(200, req.httpVersionMajor >= 2 ? { 'Content-Type': 'application/json' } : { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const call = new GatewayStreamCall(
      (msg, done) => res.write(JSON.stringify({ result: this.encode(route, msg) }) + '\n', () => done()),
      () => res.end(),
      route.stream === 'keepalive',
      gatewayCredentials(req, true),
    );
    if (route.stream === 'watch') this.handlers.watch(call);
    else this.handlers.keepAlive(call);
    call.push(first);
    const close = (): void => call.cancel();
    res.on('close', close);
    req.on('aborted', close);
  }

  private fail(res: ServerResponse, err: unknown, http?: number): void {
    const se = err instanceof GatewayError ? { code: err.code, details: err.message } : toServiceError(err);
    const code = se.code ?? Status.UNKNOWN;
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(http ?? httpStatus[code] ?? 500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: se.details, message: se.details, code }));
  }
}

/**
 * A gateway stream as the gRPC stream handlers see it: each response a JSON line of the
 * chunked HTTP response. A keep-alive answers once and ends, as etcd's gateway does. A
 * call that fails just ends: its responses are already out.
 */
class GatewayStreamCall extends StreamCall {
  constructor(
    private readonly send: (msg: Wire, done: () => void) => void,
    private readonly finish: () => void,
    private readonly answersOnce: boolean,
    credentials: CallCredentials,
  ) {
    super({ highWaterMark: 128, credentials });
  }

  override _write(msg: Wire, _encoding: BufferEncoding, done: () => void): void {
    this.send(msg, done);
    if (this.answersOnce) this.end();
  }

  override _final(done: () => void): void {
    this.finish();
    done();
  }
}
