import type { KeyValue } from '../mvcc/key-value.js';

/**
 * etcd's KV requests and responses as the store handles them: etcdserverpb's
 * shapes with revisions as numbers and lease ids as bigint. storage/grpc converts
 * the wire form to and from these; the in-process client uses them directly.
 */

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  readonly key: Buffer;
  readonly rangeEnd?: Buffer;
  readonly limit?: number;
  readonly revision?: number;
  readonly sortOrder?: SortOrder;
  readonly sortTarget?: SortTarget;
  readonly serializable?: boolean;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface RangeResponse {
  readonly revision: number;
  readonly kvs: KeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface PutRequest {
  readonly key: Buffer;
  readonly value?: Buffer;
  readonly lease?: bigint;
  readonly prevKv?: boolean;
  readonly ignoreValue?: boolean;
  readonly ignoreLease?: boolean;
}

export interface PutResponse {
  readonly revision: number;
  readonly prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  readonly key: Buffer;
  readonly rangeEnd?: Buffer;
  readonly prevKv?: boolean;
}

export interface DeleteRangeResponse {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/**
 * One compare of a Txn. Only the operand named by the target is read; a missing
 * operand compares as zero (or the empty value), as in etcd.
 */
export interface Compare {
  readonly result: CompareResult;
  readonly target: CompareTarget;
  readonly key: Buffer;
  readonly rangeEnd?: Buffer;
  readonly version?: number;
  readonly createRevision?: number;
  readonly modRevision?: number;
  readonly value?: Buffer;
  readonly lease?: bigint;
}

export type RequestOp =
  | { readonly kind: 'range'; readonly range: RangeRequest }
  | { readonly kind: 'put'; readonly put: PutRequest }
  | { readonly kind: 'deleteRange'; readonly deleteRange: DeleteRangeRequest }
  | { readonly kind: 'txn'; readonly txn: TxnRequest };

export type ResponseOp =
  | { readonly kind: 'range'; readonly range: RangeResponse }
  | { readonly kind: 'put'; readonly put: PutResponse }
  | { readonly kind: 'deleteRange'; readonly deleteRange: DeleteRangeResponse }
  | { readonly kind: 'txn'; readonly txn: TxnResponse };

export interface TxnRequest {
  readonly compare?: readonly Compare[];
  readonly success?: readonly RequestOp[];
  readonly failure?: readonly RequestOp[];
}

export interface TxnResponse {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly responses: ResponseOp[];
}

export interface CompactionRequest {
  readonly revision: number;
  readonly physical?: boolean;
}
