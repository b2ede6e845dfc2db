import type { WatchEvent } from '../mvcc/watchable-store.js';
import type { HeaderInfo } from '../server/member-types.js';
import { preEncoded } from './proto.js';
import { encodeEvent, encodeWatchResponse } from './kv-codec.js';
import type { Wire } from './unary.js';

/**
 * Pre-encoded WatchResponses. One revision's events go to every watcher that
 * matches them; encoding each event once and splicing the bytes into each
 * watcher's response (header, watch id, events) saves encoding it per watcher.
 */
const eventBytes = new WeakMap<WatchEvent, Buffer>();

function encodedEvent(e: WatchEvent): Buffer {
  let b = eventBytes.get(e);
  if (b === undefined) {
    b = encodeEvent(e.type, e.kv, e.prevKv);
    eventBytes.set(e, b);
  }
  return b;
}

/** The encoded WatchResponse {header, watch_id, events}, as a response object sent as is. */
export function encodedWatchEvents(header: HeaderInfo, watchId: number, events: readonly WatchEvent[]): Wire {
  return preEncoded(encodeWatchResponse(header, watchId, events.map(encodedEvent)));
}
