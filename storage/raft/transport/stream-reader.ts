// The receiving end of a peer's raft stream (POST /raft/stream): frames are decoded as
// they complete and each batch goes to onMessages. A malformed stream is closed; so is the
// stream of a member removed while it was open, so that its reconnection is answered 410.

import { constants, type ServerHttp2Stream } from 'node:http2';
import type { Message } from '../core/messages.js';
import { MessageCodecError, decodeMessages } from '../message-codec.js';
import type { TransportContext } from './context.js';
import { FrameReader } from './frame.js';
import { MAX_FRAME_BYTES } from './protocol.js';
import { TransportError } from './transport-error.js';

export function receiveStream(ctx: TransportContext, stream: ServerHttp2Stream, from: string): void {
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
  const reader = new FrameReader(MAX_FRAME_BYTES);
  let isBroken = false;
  stream.on('data', (chunk: Buffer) => {
    if (isBroken) return;
    ctx.countReceived(from, chunk.length);
    reader.push(chunk);
    for (;;) {
      let msgs: Message[];
      try {
        const frame = reader.next();
        if (frame === undefined) return;
        msgs = decodeMessages(frame);
      } catch (err) {
        if (!(err instanceof MessageCodecError) && !(err instanceof TransportError)) throw err;
        isBroken = true;
        ctx.log('warn', 'malformed raft stream from peer; closing it', { 'remote-peer-id': from, error: err.message });
        stream.close(constants.NGHTTP2_PROTOCOL_ERROR);
        return;
      }
      // A member removed while its stream was open: close the stream, so that its
      // reconnection is answered 410 Gone and it learns it was removed.
      const sender = msgs[0]?.from;
      if (sender !== undefined && ctx.options.isRemoved?.(sender) === true) {
        isBroken = true;
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      // Outside the try: an exception from the driver is not a wire problem.
      if (msgs.length > 0) ctx.options.onMessages(msgs);
    }
  });
  stream.on('end', () => {
    if (!stream.destroyed) stream.end();
  });
}
