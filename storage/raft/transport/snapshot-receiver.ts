// Receives a Snap message with its database file (the receiving end of POST
// /raft/snapshot): the file goes to a temp file in snapshotDir, is fsynced, renamed and
// handed to onSnapshot; the sender is answered 204, or an error status it logs.

import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { join } from 'node:path';
import { MessageType, type Message } from '../core/messages.js';
import { MessageCodecError, decodeMessages } from '../message-codec.js';
import type { TransportContext } from './context.js';
import { FrameReader } from './frame.js';
import { HEADER_SNAPSHOT_SIZE, MAX_FRAME_BYTES, respondText } from './protocol.js';
import { errorText } from './transport-error.js';

export async function receiveSnapshot(ctx: TransportContext, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, from: string): Promise<void> {
  const size = Number(headers[HEADER_SNAPSHOT_SIZE]);
  if (!Number.isSafeInteger(size) || size < 0) {
    respondText(stream, 400, `missing or invalid ${HEADER_SNAPSHOT_SIZE} header`);
    return;
  }
  const dir = ctx.options.snapshotDir;
  const tmpPath = join(dir, `.receiving-${randomUUID()}.snap.db.part`);
  let msg: Message | undefined;
  let dbPath: string;
  try {
    const fh = await open(tmpPath, 'wx');
    try {
      const head = new FrameReader(MAX_FRAME_BYTES);
      let written = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        ctx.countReceived(from, chunk.length);
        let rest = chunk;
        if (msg === undefined) {
          head.push(chunk);
          const frame = head.next();
          if (frame === undefined) continue;
          msg = snapMessage(decodeMessages(frame));
          rest = head.rest();
        }
        written += rest.length;
        if (written > size) throw new Error(`more than the announced ${size} bytes`);
        await writeAll(fh, rest);
      }
      if (msg === undefined) throw new Error('the stream ended before the snap message');
      if (written !== size) throw new Error(`the stream ended after ${written} of ${size} bytes`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const index = msg.snapshot?.metadata.index ?? 0;
    dbPath = join(dir, `${index.toString(16).padStart(16, '0')}-${randomUUID().slice(0, 8)}.snap.db`);
    await rename(tmpPath, dbPath);
    await syncDir(dir);
  } catch (err) {
    // The edge of the wire: report to the sender and log; the leader retries later.
    await rm(tmpPath, { force: true });
    if (!ctx.isClosed) ctx.log('warn', 'failed to receive database snapshot from peer', { 'remote-peer-id': from, error: errorText(err) });
    respondText(stream, err instanceof MessageCodecError ? 400 : 500, `cannot receive snapshot: ${errorText(err)}`);
    return;
  }
  if (ctx.isClosed) {
    await rm(dbPath, { force: true });
    return;
  }
  ctx.log('info', 'received database snapshot from peer', { 'remote-peer-id': from, 'snapshot-index': msg.snapshot?.metadata.index, path: dbPath });
  ctx.options.onSnapshot(msg, dbPath);
  if (!stream.destroyed && !stream.headersSent) {
    stream.respond({ ':status': 204 }, { endStream: true });
  }
}

function snapMessage(msgs: Message[]): Message {
  const [msg] = msgs;
  if (msgs.length !== 1 || msg === undefined || msg.type !== MessageType.Snap || msg.snapshot === undefined) {
    throw new MessageCodecError('a snapshot transfer must start with exactly one snap message carrying a snapshot', 0);
  }
  return msg;
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
