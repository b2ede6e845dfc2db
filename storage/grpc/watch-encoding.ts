import type { WatchEvent } from '../mvcc/watchable-store.js';
import type { HeaderInfo } from '../server/store-server.js';
import { preEncoded } from './proto.js';
import { encodeHeader, encodeKeyValue } from './kv-codec.js';
import { lengthDelimited, varintField } from '../proto/wire.js';
import type { Wire } from './unary.js';

/**
 * Pre-encoded WatchResponses. One revision's events go to every watcher that
 * matches them; encoding each event once and splicing the bytes into each
 * watcher's response (header, watch id, events) saves encoding it per watcher.
 */
const eventBytes = new WeakMap<WatchEvent, Buffer>();

/** An mvccpb.Event: type (PUT is 0, left out), kv, prev_kv. */
function encodedEvent(e: WatchEvent): Buffer {
  let b = eventBytes.get(e);
  if (b === undefined) {
    const parts: Buffer[] = [];
    if (e.type === 'delete') parts.push(varintField(1, 1n));
    parts.push(...lengthDelimited(2, encodeKeyValue(e.kv)));
    if (e.prevKv !== undefined) parts.push(...lengthDelimited(3, encodeKeyValue(e.prevKv)));
    b = Buffer.concat(parts);
    eventBytes.set(e, b);
  }
  return b;
}

/** The encoded WatchResponse {header, watch_id, events}, as a response object sent as is. */
export function encodedWatchEvents(header: HeaderInfo, watchId: number, events: readonly WatchEvent[]): Wire {
  const parts: Buffer[] = [...lengthDelimited(1, encodeHeader(header))];
  if (watchId !== 0) parts.push(varintField(2, BigInt(watchId)));
  for (const e of events) parts.push(...lengthDelimited(11, encodedEvent(e)));
  return preEncoded(Buffer.concat(parts));
}
