// The commands a cluster member puts in the Raft log, and their encoding as entry data.
// Everything that changes a member's state goes through here, so every member applies the
// same commands in the same order (etcd's InternalRaftRequest plays this part).

import { Packr } from 'msgpackr';
import type { CompactionRequest, DeleteRangeRequest, PutRequest, TxnRequest } from './kv-requests.js';
import type { AlarmType } from './member-types.js';
import { INTERNAL, type Caller } from '../auth/auth-info.js';
import type { AuthCommand } from '../auth/auth-store.js';

/** A member's name and client URLs, published by the member through the log once it starts. */
export interface MemberAttributes {
  readonly memberId: bigint;
  readonly name: string;
  readonly clientUrls: readonly string[];
}

/**
 * The requests that need permissions carry their caller (etcd's RequestHeader username and
 * auth revision), checked when the entry is applied; absent, the caller is anonymous.
 */
export type ReplicatedRequest =
  | { readonly op: 'put'; readonly put: PutRequest; readonly caller?: Caller }
  | { readonly op: 'deleteRange'; readonly deleteRange: DeleteRangeRequest; readonly caller?: Caller }
  | { readonly op: 'txn'; readonly txn: TxnRequest; readonly caller?: Caller }
  | { readonly op: 'compact'; readonly compact: CompactionRequest }
  | { readonly op: 'leaseGrant'; readonly id: bigint; readonly ttl: number }
  | { readonly op: 'leaseRevoke'; readonly id: bigint; readonly caller?: Caller }
  | { readonly op: 'auth'; readonly cmd: AuthCommand; readonly caller?: Caller }
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

// Envelopes are msgpack maps, except puts, the commonest command by far, which have a fixed
// binary layout that costs a fraction of msgpack's time to write and read:
//
//   0x01 | flags u8 | id u64 | lease i64 (if flags has LEASE)
//        | auth revision u64, user name length u16, user name (if flags has USER)
//        | key length u32 | key | value (if VALUE)
//
// (an INTERNAL flag marks a put by the member itself or a trusted in-process client; with
// neither flag the caller is anonymous)
// (all big-endian). A msgpack map never starts with 0x01, so a member still reads the
// msgpack puts of logs written before this layout.

// bigints travel as msgpack 64-bit integers; Buffers as binary.
// (useBigInt64 is an option of msgpackr's that its type declarations leave out.)
const packr = new Packr({ useRecords: false, useBigInt64: true, int64AsType: 'bigint', moreTypes: false } as ConstructorParameters<typeof Packr>[0]);

const BINARY_PUT = 0x01;
const PutFlag = { Value: 1, Lease: 2, PrevKv: 4, IgnoreValue: 8, IgnoreLease: 16, User: 32, Internal: 64 } as const;

/**
 * Request ids are uint64 (IdGenerator) and lease ids int64 (etcd's); a value outside
 * those ranges throws a RangeError here rather than entering the log.
 */
export function encodeEnvelope(e: Envelope): Uint8Array {
  return e.request.op === 'put' ? encodePut(e.id, e.request.put, e.request.caller) : packr.pack(e);
}

function encodePut(id: bigint, put: PutRequest, caller: Caller | undefined): Buffer {
  const { key, value, lease } = put;
  const user = caller?.kind === 'user' && (caller.username !== '' || caller.revision !== 0) ? caller : undefined;
  const userName = user === undefined ? undefined : Buffer.from(user.username);
  const flags =
    (value !== undefined ? PutFlag.Value : 0) |
    (lease !== undefined ? PutFlag.Lease : 0) |
    (put.prevKv === true ? PutFlag.PrevKv : 0) |
    (put.ignoreValue === true ? PutFlag.IgnoreValue : 0) |
    (put.ignoreLease === true ? PutFlag.IgnoreLease : 0) |
    (userName !== undefined ? PutFlag.User : 0) |
    (caller?.kind === 'internal' ? PutFlag.Internal : 0);
  const authBytes = userName === undefined ? 0 : 10 + userName.length;
  const out = Buffer.allocUnsafe(2 + 8 + (lease !== undefined ? 8 : 0) + authBytes + 4 + key.length + (value?.length ?? 0));
  out[0] = BINARY_PUT;
  out[1] = flags;
  out.writeBigUInt64BE(id, 2);
  let at = 10;
  if (lease !== undefined) at = out.writeBigInt64BE(lease, at);
  if (user !== undefined && userName !== undefined) {
    at = out.writeBigUInt64BE(BigInt(user.revision), at);
    at = out.writeUInt16BE(userName.length, at);
    at += userName.copy(out, at);
  }
  at = out.writeUInt32BE(key.length, at);
  at += key.copy(out, at);
  if (value !== undefined) value.copy(out, at);
  return out;
}

/** Decodes an entry's data; throws if it is not an envelope this build wrote. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes[0] === BINARY_PUT) return decodePut(bytes);
  // Unpacked from a Buffer, msgpackr's binary values are Buffers, as the applier expects.
  const e = packr.unpack(bytes) as Envelope;
  if (typeof e !== 'object' || e === null || typeof e.id !== 'bigint' || typeof e.request?.op !== 'string') {
    throw new Error('raft entry is not a Kite request');
  }
  return e;
}

function decodePut(bytes: Buffer): Envelope {
  const malformed = (): never => {
    throw new Error('raft entry is not a Kite request: malformed put');
  };
  const flags = bytes[1]!;
  if (flags >= 128 || bytes.length < 10) malformed();
  const hasLease = (flags & PutFlag.Lease) !== 0;
  const hasValue = (flags & PutFlag.Value) !== 0;
  let at = hasLease ? 18 : 10;
  let caller: Caller | undefined = (flags & PutFlag.Internal) !== 0 ? INTERNAL : undefined;
  if ((flags & PutFlag.User) !== 0) {
    if (bytes.length < at + 10) malformed();
    const revision = Number(bytes.readBigUInt64BE(at));
    const nameLength = bytes.readUInt16BE(at + 8);
    if (bytes.length < at + 10 + nameLength) malformed();
    caller = { kind: 'user', username: bytes.toString('utf8', at + 10, at + 10 + nameLength), revision };
    at += 10 + nameLength;
  }
  const keyAt = at + 4;
  const keyLength = bytes.length >= keyAt ? bytes.readUInt32BE(at) : -1;
  const valueAt = keyAt + keyLength;
  if (keyLength < 0 || valueAt > bytes.length || (!hasValue && valueAt !== bytes.length)) malformed();
  const put: PutRequest = {
    key: copyOf(bytes, keyAt, valueAt),
    value: hasValue ? copyOf(bytes, valueAt, bytes.length) : undefined,
    lease: hasLease ? bytes.readBigInt64BE(10) : undefined,
    prevKv: (flags & PutFlag.PrevKv) !== 0,
    ignoreValue: (flags & PutFlag.IgnoreValue) !== 0,
    ignoreLease: (flags & PutFlag.IgnoreLease) !== 0,
  };
  return { id: bytes.readBigUInt64BE(2), request: caller === undefined ? { op: 'put', put } : { op: 'put', put, caller } };
}

/**
 * A copy of bytes[start, end): the entry's bytes may be a view of a larger network or log
 * buffer, which the store must not keep alive through a key or value it holds on to.
 */
function copyOf(bytes: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  bytes.copy(out, 0, start, end);
  return out;
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
