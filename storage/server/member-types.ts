// The member's vocabulary shared with the wire edge and the clients: what requests answer
// (headers, status, members, alarms), and small helpers on requests and ids. No imports of
// the member itself, so anything may use these.
import type { AuthResult } from '../auth/auth-store.js';
import type { TxnRequest } from './kv-requests.js';

/** What an Auth request answers: the applied command's result, and the token Authenticate issued. */
export type AuthAnswer = AuthResult & { readonly token?: string };

/** etcd's alarm types. */
export type AlarmType = 'NOSPACE' | 'CORRUPT';

/** A raised alarm. */
export interface AlarmInfo {
  readonly memberId: bigint;
  readonly alarm: AlarmType;
}

/** A member of the cluster, as MemberList reports it. */
export interface MemberInfo {
  readonly id: bigint;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** The fields every response header carries. */
export interface HeaderInfo {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  readonly revision: number;
  readonly raftTerm: number;
}

export interface StatusInfo {
  readonly header: HeaderInfo;
  readonly version: string;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly leader: bigint;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly errors: readonly string[];
  readonly isLearner: boolean;
}

/** Bytes a Txn's puts would add, for the space quota; 0 when it puts nothing. */
export function putCost(r: TxnRequest): number {
  let n = 0;
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    if (op.kind === 'put') n += op.put.key.length + (op.put.value?.length ?? 0);
    else if (op.kind === 'txn') n += putCost(op.txn);
  }
  return n;
}

/** Whether a Txn can write nothing at all, in which case etcd serves it without the log. */
export function isReadOnlyTxn(r: TxnRequest): boolean {
  return [...(r.success ?? []), ...(r.failure ?? [])].every((op) => op.kind === 'range' || (op.kind === 'txn' && isReadOnlyTxn(op.txn)));
}

/**
 * Unique ids as etcd's idutil makes them (lease ids, request ids): the member id's low
 * 16 bits, then a counter that starts from the clock in ms, so ids stay unique across
 * restarts.
 */
export class IdGenerator {
  private seq: bigint;

  constructor(memberId: bigint) {
    this.seq = ((memberId & 0xffffn) << 48n) | ((BigInt(Date.now()) & 0xffffffffffn) << 8n);
  }

  next(): bigint {
    this.seq = (this.seq & ~0xffffffffffffn) | ((this.seq + 1n) & 0xffffffffffffn);
    return this.seq;
  }
}

/** A member as stored in the database and sent between members (ids as decimal strings). */
export interface StoredMember {
  readonly id: string;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export function toStored(m: MemberInfo): StoredMember {
  return { id: m.id.toString(), name: m.name, peerUrls: [...m.peerUrls], clientUrls: [...m.clientUrls], isLearner: m.isLearner };
}

export function fromStored(m: StoredMember): MemberInfo {
  return { id: BigInt(m.id), name: m.name, peerUrls: [...m.peerUrls], clientUrls: [...m.clientUrls], isLearner: m.isLearner };
}
