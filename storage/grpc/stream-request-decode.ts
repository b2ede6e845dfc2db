/**
 * etcd's Lease and Watch requests, from their protobuf bytes straight to typed
 * requests, as kv-request-decode does for KV: ids read from the varint as bigint,
 * unknown fields skipped, wrong wire types refused in gogoproto's words.
 */
import { ProtoReader } from '../proto/proto-reader.js';

const VARINT = 0;
const BYTES = 2;
const EMPTY: Buffer = Buffer.alloc(0);

/** LeaseGrantRequest: the TTL asked for (seconds) and the id (0: the member picks one). */
export interface LeaseGrantRequest {
  readonly ttl: number;
  readonly id: bigint;
}

/** LeaseRevokeRequest and LeaseKeepAliveRequest: one lease id. */
export interface LeaseIdRequest {
  readonly id: bigint;
}

/** LeaseTimeToLiveRequest: a lease id, and whether to list the keys attached to it. */
export interface LeaseTimeToLiveRequest {
  readonly id: bigint;
  readonly keys: boolean;
}

/** WatchCreateRequest, with its filters as two flags (a filter value etcd names none of is ignored). */
export interface WatchCreateRequest {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly startRevision: number;
  readonly progressNotify: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly watchId: number;
  readonly fragment: boolean;
}

/**
 * One message of the Watch stream: its request_union oneof (the field seen last), or
 * 'none' when it sets none, which etcd ignores.
 */
export type WatchRequest =
  | { readonly kind: 'create'; readonly create: WatchCreateRequest }
  | { readonly kind: 'cancel'; readonly watchId: number }
  | { readonly kind: 'progress' }
  | { readonly kind: 'none' };

export function decodeLeaseGrantRequest(buf: Buffer): LeaseGrantRequest {
  let ttl = 0;
  let id = 0n;
  const r = new ProtoReader(buf, 'LeaseGrantRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(VARINT, 'TTL');
        ttl = r.int64Number();
        break;
      case 2:
        r.expect(VARINT, 'ID');
        id = r.int64();
        break;
      default:
        r.skip();
    }
  }
  return { ttl, id };
}

/** LeaseRevokeRequest and LeaseKeepAliveRequest (field 1, ID); message names the one decoded, for errors. */
function leaseIdDecoder(message: string): (buf: Buffer) => LeaseIdRequest {
  return (buf) => {
    let id = 0n;
    const r = new ProtoReader(buf, message);
    while (!r.done) {
      if (r.field() === 1) {
        r.expect(VARINT, 'ID');
        id = r.int64();
      } else r.skip();
    }
    return { id };
  };
}

export const decodeLeaseRevokeRequest = leaseIdDecoder('LeaseRevokeRequest');
export const decodeLeaseKeepAliveRequest = leaseIdDecoder('LeaseKeepAliveRequest');

export function decodeLeaseTimeToLiveRequest(buf: Buffer): LeaseTimeToLiveRequest {
  let id = 0n;
  let keys = false;
  const r = new ProtoReader(buf, 'LeaseTimeToLiveRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(VARINT, 'ID');
        id = r.int64();
        break;
      case 2:
        r.expect(VARINT, 'Keys');
        keys = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return { id, keys };
}

/** A message with no fields of its own (LeaseLeasesRequest, WatchProgressRequest): checked, then nothing. */
function emptyDecoder(message: string): (buf: Buffer) => Record<string, never> {
  return (buf) => {
    const r = new ProtoReader(buf, message);
    while (!r.done) {
      r.field();
      r.skip();
    }
    return {};
  };
}

export const decodeLeaseLeasesRequest = emptyDecoder('LeaseLeasesRequest');
const decodeWatchProgressRequest = emptyDecoder('WatchProgressRequest');

function decodeWatchCreateRequest(buf: Buffer): WatchCreateRequest {
  let key = EMPTY;
  let rangeEnd = EMPTY;
  let startRevision = 0;
  let progressNotify = false;
  let noPut = false;
  let noDelete = false;
  let prevKv = false;
  let watchId = 0;
  let fragment = false;
  const filter = (n: number): void => {
    if (n === 0) noPut = true;
    else if (n === 1) noDelete = true;
  };
  const r = new ProtoReader(buf, 'WatchCreateRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'Key');
        key = r.bytes();
        break;
      case 2:
        r.expect(BYTES, 'RangeEnd');
        rangeEnd = r.bytes();
        break;
      case 3:
        r.expect(VARINT, 'StartRevision');
        startRevision = r.int64Number();
        break;
      case 4:
        r.expect(VARINT, 'ProgressNotify');
        progressNotify = r.bool();
        break;
      case 5:
        // A repeated enum: one value per field, or packed into one length-delimited field.
        if (r.wireType === VARINT) filter(r.int32());
        else {
          r.expect(BYTES, 'Filters');
          const packed = new ProtoReader(r.bytes(), 'WatchCreateRequest');
          while (!packed.done) filter(packed.int32());
        }
        break;
      case 6:
        r.expect(VARINT, 'PrevKv');
        prevKv = r.bool();
        break;
      case 7:
        r.expect(VARINT, 'WatchId');
        watchId = r.int64Number();
        break;
      case 8:
        r.expect(VARINT, 'Fragment');
        fragment = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return { key, rangeEnd, startRevision, progressNotify, noPut, noDelete, prevKv, watchId, fragment };
}

function decodeWatchCancelRequest(buf: Buffer): number {
  let watchId = 0;
  const r = new ProtoReader(buf, 'WatchCancelRequest');
  while (!r.done) {
    if (r.field() === 1) {
      r.expect(VARINT, 'WatchId');
      watchId = r.int64Number();
    } else r.skip();
  }
  return watchId;
}

export function decodeWatchRequest(buf: Buffer): WatchRequest {
  let req: WatchRequest = { kind: 'none' };
  const r = new ProtoReader(buf, 'WatchRequest');
  while (!r.done) {
    switch (r.field()) {
      case 1:
        r.expect(BYTES, 'CreateRequest');
        req = { kind: 'create', create: decodeWatchCreateRequest(r.bytes()) };
        break;
      case 2:
        r.expect(BYTES, 'CancelRequest');
        req = { kind: 'cancel', watchId: decodeWatchCancelRequest(r.bytes()) };
        break;
      case 3:
        r.expect(BYTES, 'ProgressRequest');
        decodeWatchProgressRequest(r.bytes());
        req = { kind: 'progress' };
        break;
      default:
        r.skip();
    }
  }
  return req;
}
