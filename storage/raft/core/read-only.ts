// Pending ReadIndex requests on the leader, each confirmed by a heartbeat round that a
// majority acknowledges (Raft thesis §6.4).

import type { Message, NodeId } from './messages.js';

export const ReadOnlyOption = {
  /** Confirm leadership with a heartbeat quorum for every read (linearizable). */
  Safe: 'safe',
  /** Trust the leader lease kept by CheckQuorum (faster; relies on bounded clock drift). */
  LeaseBased: 'lease-based',
} as const;
export type ReadOnlyOption = (typeof ReadOnlyOption)[keyof typeof ReadOnlyOption];

/** A read-index request waiting for its heartbeat quorum. */
export interface ReadIndexStatus {
  /** The original request (its `from` gets the answer). */
  readonly request: Message;
  /** The commit index when the request arrived: the read index to return. */
  readonly index: number;
  /** Members that acknowledged a heartbeat carrying this request's context. */
  readonly acks: Set<NodeId>;
}

/** Renders a request context as a map key. */
export function contextKey(context: Uint8Array): string {
  let key = '';
  for (let i = 0; i < context.length; i++) key += String.fromCharCode(context[i] as number);
  return key;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Queues a request with the read index `index`. Duplicate contexts are ignored. */
  addRequest(index: number, request: Message): void {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { request, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records an acknowledgement; returns the acks so far, or undefined for an unknown context. */
  recvAck(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return undefined;
    status.acks.add(from);
    return status.acks;
  }

  /**
   * The request with `context` is confirmed: it and every request queued before it (whose
   * heartbeats were sent earlier) are answered. Returns them in order and forgets them.
   */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const status = this.pending.get(k);
      if (status !== undefined) out.push(status);
      this.pending.delete(k);
    }
    return out;
  }

  /** The context of the newest pending request (sent with every heartbeat), if any. */
  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.request.context;
  }

  /** How many requests are waiting. */
  pendingCount(): number {
    return this.queue.length;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
