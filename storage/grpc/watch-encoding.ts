import protobuf from 'protobufjs';
import { join } from 'node:path';
import type { WatchEvent } from '../mvcc/watchable-store.js';
import { preEncodedKey, protoDir } from './proto.js';
import { keyValueToWire } from './convert.js';
import { lengthDelimited, varintField } from '../proto/wire.js';
import type { Wire } from './unary.js';

/**
 * Pre-encoded WatchResponses. One revision's events go to every watcher that
 * matches them; encoding each event once and splicing the bytes into each
 * watcher's response (header, watch id, events) saves encoding it per watcher.
 */
const root = new protobuf.Root();
root.resolvePath = (_o: string, target: string) => join(protoDir, target.replace(/^.*\//, ''));
root.loadSync(['rpc.proto', 'kv.proto'], { keepCase: false });
const EventType = root.lookupType('mvccpb.Event');
const HeaderType = root.lookupType('etcdserverpb.ResponseHeader');


const eventBytes = new WeakMap<WatchEvent, Buffer>();

function encodedEvent(e: WatchEvent): Buffer {
  let b = eventBytes.get(e);
  if (b === undefined) {
    const wire: Wire = { type: e.type === 'put' ? 0 : 1, kv: keyValueToWire(e.kv) };
    if (e.prevKv !== undefined) wire.prevKv = keyValueToWire(e.prevKv);
    b = Buffer.from(EventType.encode(EventType.fromObject(wire)).finish());
    eventBytes.set(e, b);
  }
  return b;
}

/** The encoded WatchResponse {header, watch_id, events}, as a response object grpc sends as is. */
export function encodedWatchEvents(header: Wire, watchId: number, events: readonly WatchEvent[]): Wire {
  const parts: Buffer[] = [...lengthDelimited(1, Buffer.from(HeaderType.encode(HeaderType.fromObject(header)).finish()))];
  if (watchId !== 0) parts.push(varintField(2, BigInt(watchId)));
  for (const e of events) parts.push(...lengthDelimited(11, encodedEvent(e)));
  return { [preEncodedKey]: Buffer.concat(parts) } as unknown as Wire;
}
