/**
 * A narrow hook for whoever wants to see the client requests a member serves (the
 * insight page of `kite store`): the gRPC and JSON gateway edge reports each KV call it
 * answered, and each watch response it sent, to the observer set on a ClientHooks.
 * Nothing is built for it unless an observer is set and says it is observing, so a
 * member nobody looks at pays one boolean test per request. The member's watches are
 * kept in a list always (one record per watch, a counter per response), so the list is
 * complete whenever someone starts looking.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Wire = Record<string, unknown>;

/** One KV call the member answered (or refused). */
export interface ServedCall {
  /** The etcd service, e.g. KV. */
  readonly service: string;
  /** The method, e.g. Txn. */
  readonly method: string;
  /** How it came: gRPC, or the JSON gateway (/v3/...). */
  readonly via: 'grpc' | 'gateway';
  /** The client's address (host:port). */
  readonly peer: string;
  /** The etcd user it ran as ('' with auth off, or for a caller without credentials). */
  readonly user: string;
  /**
   * The request as its method's decoder gave it: the RangeRequest, PutRequest,
   * DeleteRangeRequest, TxnRequest or CompactionRequest of kv-requests.ts.
   */
  readonly request: unknown;
  /** The response (wire form) when it succeeded. */
  readonly response?: Wire;
  /** The error's message (etcd's words) when it failed. */
  readonly error?: string;
  /** Milliseconds from the call's start to its answer. */
  readonly ms: number;
}

/** One watch a client holds on this member. */
export interface ServedWatch {
  /** Unique on this member for its life. */
  readonly id: number;
  /** The watch id on its stream. */
  readonly watchId: number;
  /** The client's address. */
  readonly peer: string;
  /** The etcd user it runs as ('' with auth off). */
  readonly user: string;
  /** The key watched (or the range's start). */
  readonly key: Buffer;
  /** The range's end (empty: the key alone; "\0": every key from key on). */
  readonly rangeEnd: Buffer;
  /** start_revision (0: from the next change). */
  readonly startRevision: number;
  /** When it started (ms since the epoch). */
  readonly since: number;
  /** Events delivered so far. */
  delivered: number;
  /** The revision of the last response it was sent. */
  lastRevision: number;
}

export interface ClientObserver {
  /** Whether calls are reported now (someone is looking); read once per call. */
  readonly isObserving: boolean;
  /** A KV call was answered. */
  served(call: ServedCall): void;
  /** A watch was sent events: the revisions of the events, one entry per event. */
  delivered(watch: ServedWatch, revisions: readonly number[]): void;
}

/** An extra HTTP handler on the client URLs: returns false to leave the request to the member. */
export type ExtraHttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * What serveClients takes from outside the store: an observer and an extra HTTP handler,
 * both settable after the member is serving, and the list of served watches.
 */
export class ClientHooks {
  /** The observer of served calls, if any. */
  observer: ClientObserver | undefined;
  /** An extra handler on the HTTP side of the client URLs (asked before /health, /metrics). */
  http: ExtraHttpHandler | undefined;
  private readonly watches = new Map<number, ServedWatch>();
  private nextId = 1;

  /** Whether calls are being observed now. */
  get isObserving(): boolean {
    return this.observer?.isObserving === true;
  }

  /** Records a watch that started. */
  watchStarted(w: Omit<ServedWatch, 'id' | 'since' | 'delivered' | 'lastRevision'>, headRevision: number): ServedWatch {
    const watch: ServedWatch = { ...w, id: this.nextId++, since: Date.now(), delivered: 0, lastRevision: w.startRevision > 0 ? w.startRevision - 1 : headRevision };
    this.watches.set(watch.id, watch);
    return watch;
  }

  /** Forgets a watch that ended. */
  watchEnded(w: ServedWatch): void {
    this.watches.delete(w.id);
  }

  /** The active watches, oldest first. */
  activeWatches(): ServedWatch[] {
    return [...this.watches.values()];
  }
}

/** A socket's remote address as host:port. */
export function peerAddress(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | undefined): string {
  if (socket?.remoteAddress === undefined) return '';
  const host = socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress;
  return `${host}:${socket.remotePort ?? 0}`;
}
