// The commands a cluster member puts in the Raft log, and their encoding as entry data.
// Everything that changes a member's state goes through here, so every member applies the
// same commands in the same order (etcd's InternalRaftRequest plays this part).

import { Packr } from 'msgpackr';
import type { CompactionRequest, DeleteRangeRequest, PutRequest, TxnRequest } from './kv-requests.js';
import type { AlarmType } from './store-server.js';

/** A member's name and client URLs, published by the member through the log once it starts. */
export interface MemberAttributes {
  readonly memberId: bigint;
  readonly name: string;
  readonly clientUrls: readonly string[];
}

export type ReplicatedRequest =
  | { readonly op: 'put'; readonly put: PutRequest }
  | { readonly op: 'deleteRange'; readonly deleteRange: DeleteRangeRequest }
  | { readonly op: 'txn'; readonly txn: TxnRequest }
  | { readonly op: 'compact'; readonly compact: CompactionRequest }
  | { readonly op: 'leaseGrant'; readonly id: bigint; readonly ttl: number }
  | { readonly op: 'leaseRevoke'; readonly id: bigint }
  | { readonly op: 'alarm'; readonly memberId: bigint; readonly alarm: AlarmType; readonly activate: boolean }
  | { readonly op: 'publish'; readonly attributes: MemberAttributes }
  /** Changes nothing; takes a log entry (etcd's health checks and alarm listings do). */
  | { readonly op: 'noop' };

/** A command and the id its proposer waits on. */
export interface Envelope {
  /** Unique per proposal: the proposer's member id mixed with a counter. */
  readonly id: bigint;
  readonly request: ReplicatedRequest;
}

// bigints travel as msgpack 64-bit integers; Buffers as binary.
// (useBigInt64 is an option of msgpackr's that its type declarations leave out.)
const packr = new Packr({ useRecords: false, useBigInt64: true, int64AsType: 'bigint', moreTypes: false } as ConstructorParameters<typeof Packr>[0]);

export function encodeEnvelope(e: Envelope): Uint8Array {
  return packr.pack(e);
}

/** Decodes an entry's data; throws if it is not an envelope this build wrote. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  // Unpacked from a Buffer, msgpackr's binary values are Buffers, as the applier expects.
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const e = packr.unpack(bytes) as Envelope;
  if (typeof e !== 'object' || e === null || typeof e.id !== 'bigint' || typeof e.request?.op !== 'string') {
    throw new Error('raft entry is not a Kite request');
  }
  return e;
}

/** Context of a membership change entry: who the member is. */
export interface MemberContext {
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly isLearner: boolean;
  /** The proposer's request id (decimal), so it can answer its caller when the change is applied. */
  readonly requestId?: string;
}

export function encodeMemberContext(m: MemberContext): Uint8Array {
  return Buffer.from(JSON.stringify(m));
}

export function decodeMemberContext(data: Uint8Array | undefined): MemberContext | undefined {
  if (data === undefined || data.byteLength === 0) return undefined;
  return JSON.parse(Buffer.from(data).toString('utf8')) as MemberContext;
}
