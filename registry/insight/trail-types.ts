/**
 * What the request trail records: one entry per API request (or per piece of the
 * API server's own work), and under it the store operations it caused, in the
 * words of etcd's API (ranges with their options, a txn's compare and its ops).
 */

/** A range (get, list or count) the request read. */
export interface RangeOp {
  readonly kind: 'range';
  /** The key, or the prefix of a list or count. */
  readonly key: string;
  /** Whether it read a whole prefix (range_end = the prefix's end). */
  readonly isPrefix: boolean;
  /** The revision asked for (0: the newest). */
  readonly revision: number;
  /** limit (0: none). */
  readonly limit: number;
  /** count_only. */
  readonly isCountOnly: boolean;
  /** The key a paged list started after, when it did. */
  readonly after?: string;
  /** How many keys came back (or were counted). */
  readonly count: number;
  /** The revision the store answered at. */
  readonly atRevision: number;
  /** Milliseconds the store took. */
  readonly ms: number;
  /** The store endpoint that answered (a cluster member's client URL), when known. */
  readonly servedBy?: string;
  /** The error code when it failed. */
  readonly error?: string;
}

/** A conditional write: kube-apiserver's one-compare txn. */
export interface TxnOp {
  readonly kind: 'txn';
  /** The key compared and written. */
  readonly key: string;
  /** The compare: mod_revision(key) = expectedModRevision (0: the key must not exist). */
  readonly expectedModRevision: number;
  /** The op on success. */
  readonly then: 'put' | 'delete';
  /** The lease a put attaches ("0": none), as a decimal string. */
  readonly lease: string;
  /** Bytes put. */
  readonly valueBytes: number;
  /** Whether the compare held. */
  readonly isSucceeded: boolean;
  /** The revision the txn produced (or the store's revision at a failed compare). */
  readonly revision: number;
  /** Milliseconds the store took. */
  readonly ms: number;
  /** The store endpoint that answered, when known. */
  readonly servedBy?: string;
  /** The error code when it failed. */
  readonly error?: string;
  /** Watch events delivered because of this write: to store watches and to API watches. */
  readonly delivered: { storeWatchers: number; apiWatchers: number };
}

/** A store watch the request opened. */
export interface WatchOp {
  readonly kind: 'watch';
  /** The prefix watched. */
  readonly key: string;
  /** start_revision (0: from the next change). */
  readonly startRevision: number;
}

/** Anything else the store was asked: lease grants and compactions. */
export interface OtherOp {
  /** A LeaseGrant or a Compact. */
  readonly kind: 'lease' | 'compact';
  /** The request and its answer, as one line. */
  readonly detail: string;
  /** Milliseconds the store took. */
  readonly ms: number;
}

/** A KV call a client made of a `kite store` member, in etcd's words. */
export interface EtcdCallOp {
  readonly kind: 'etcd';
  /** Range, Put, DeleteRange, Txn or Compact. */
  readonly method: string;
  /** The key, or the range's start ('' for Compact). */
  readonly key: string;
  /** The range's end as etcdctl would give it ('' : the key alone). */
  readonly rangeEnd: string;
  /** Every key range the call reads or writes, for access checks (rangeEnd '' : the key alone; "\0": from key on). */
  readonly ranges: readonly { readonly key: string; readonly rangeEnd: string }[];
  /** A txn's compares, e.g. `mod_revision("/a") = 5`. */
  readonly compares: readonly string[];
  /** The ops run when the compares held (a txn), or the call itself (put, delete, range). */
  readonly success: readonly string[];
  /** A txn's ops run when a compare failed. */
  readonly failure: readonly string[];
  /** Whether the compares held (true for anything but a failed txn). */
  readonly isSucceeded: boolean;
  /** Whether it wrote (a revision was produced). */
  readonly isWrite: boolean;
  /** The revision in the answer's header: the one produced by a write, or read at. */
  readonly revision: number;
  /** Keys read or deleted, when the answer says. */
  readonly count?: number;
  /** Milliseconds the member took. */
  readonly ms: number;
  /** The error (etcd's words) when it failed. */
  readonly error?: string;
  /** Watch events delivered because of this write (store watchers; API watchers stay 0). */
  readonly delivered: { storeWatchers: number; apiWatchers: number };
}

export type StoreOp = RangeOp | TxnOp | WatchOp | OtherOp | EtcdCallOp;

/** Who made a request and what it asked, as the API server's request info says. */
export interface RequestFacts {
  /** The user (or component) name; `kite-apiserver` for the server's own work. */
  readonly user: string;
  /** The user's groups. */
  readonly groups: readonly string[];
  /** The client's User-Agent ('' when none), which names the component (kubectl, kube-controller-manager). */
  readonly userAgent: string;
  /** get, list, watch, create, update, patch, delete, ...; the HTTP method for other paths. */
  readonly verb: string;
  /** The request's path and query. */
  readonly uri: string;
  /** The API group ('' for core, and for non-resource requests). */
  readonly group: string;
  /** The resource ('' for non-resource requests). */
  readonly resource: string;
  /** The subresource (status, scale, ...) or ''. */
  readonly subresource: string;
  /** The namespace the request is in, or ''. */
  readonly namespace: string;
  /** The object's name, or '' for collections. */
  readonly name: string;
}

/** One row of the trail. */
export interface TrailEntry extends RequestFacts {
  /** Increasing from 1 in this server's life. */
  readonly id: number;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
  /** The HTTP status once answered; undefined while running (and for the server's own work). */
  code?: number;
  /** Milliseconds from arrival to answer. */
  ms?: number;
  /** The store operations, oldest first (at most maxOpsPerEntry; dropped counts the rest). */
  readonly ops: StoreOp[];
  /** Operations left out once ops was full. */
  dropped: number;
}
