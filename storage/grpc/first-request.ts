/**
 * Reads the start of a client's HTTP/2 connection up to its first request's header block,
 * so that the server knows, before node's session takes the socket, whether the client
 * sends an :authority that nghttp2 accepts.
 *
 * Why: node's session reads a socket natively, but through the authority filter
 * (authority-filter.ts) it reads a JavaScript stream, which costs about a fifth of a
 * member's CPU per put. Only clients that send URL-form authorities need the filter
 * (etcdctl 3.4 for URL endpoints, etcd 3.5's clients), and a client sends the same
 * authority on every request of a connection, so the first request decides. (A client
 * that sent an accepted authority first and a refused one later would have that later
 * stream reset by nghttp2; none of etcd's clients does.)
 *
 * grpc-go's clients send no request until the server's SETTINGS arrive, so this side
 * sends an empty SETTINGS frame at once. The client acknowledges it, and that ACK is
 * taken out of what is handed on: node's session sends its own SETTINGS when it starts
 * and would take an ACK it did not ask for as a protocol error. What was read is put back
 * into the socket unchanged otherwise, for node's session (or the filter) to read.
 */
import type { Socket } from 'node:net';
import { HpackDecoder, HpackError, type DecodedField } from './hpack-decoder.js';
import {
  CLIENT_PREFACE as PREFACE,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FRAME_HEADER_LENGTH,
  TYPE_HEADERS,
  TYPE_SETTINGS,
  headerBlockBounds,
  isAcceptedAuthority,
} from './authority-filter.js';

/** A SETTINGS frame with no settings (RFC 9113 section 6.5): this side's part of the connection preface. */
export const EMPTY_SETTINGS = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);
/** What a client may send before its first request and the ACK; more than this ends the connection. */
const MAX_HELD_BYTES = 256 * 1024;

/** How the first request's :authority came out. */
export type FirstRequest =
  /** nghttp2 takes it (or there was none): node's session may read the socket itself. */
  | 'accepted'
  /** It needs the filter: refused octets, or a header block this reader does not follow (split over frames, malformed). */
  | 'filter';

/**
 * How long a client that has acknowledged the SETTINGS may wait before its first request
 * and still be read here; then the filter takes the connection (it serves any authority), and
 * node's session answers what the client sent meanwhile (its keepalive PINGs, say).
 */
export const FIRST_REQUEST_WAIT_MS = 1000;

/**
 * Sends this side's SETTINGS, reads socket up to its first request's header block and the
 * ACK of those SETTINGS, puts back what it read less the ACK, pauses the socket, and calls
 * done. Not called when the connection ends or misbehaves first (the socket is destroyed).
 * The socket must not have been read past the bytes it holds unread (the preface may be
 * among them).
 */
export function readFirstRequest(socket: Socket, done: (first: FirstRequest) => void, waitMs = FIRST_REQUEST_WAIT_MS): void {
  /** What was read so far, and how far its frames were followed. */
  let read: Buffer = Buffer.alloc(0);
  let pos = 0;
  let isPrefaceRead = false;
  let ackAt = -1;
  let first: FirstRequest | undefined;

  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', fail);
    socket.off('close', stop);
  };
  const finish = (): void => {
    stop();
    socket.pause();
    // Only node's session, which takes the handle itself, needs it stopped. The filter reads the
    // socket as a stream, and a handle stopped between reads (the wait below ran out) would be
    // started again by no one: the stream thinks a read is still under way.
    if (first === 'accepted') stopReading(socket);
    const rest = ackAt < 0 ? read : Buffer.concat([read.subarray(0, ackAt), read.subarray(ackAt + FRAME_HEADER_LENGTH)]);
    if (rest.length > 0) socket.unshift(rest);
    done(first ?? 'filter');
  };
  function fail(): void {
    stop();
    socket.destroy();
  }
  const onData = (chunk: Buffer): void => {
    read = read.length === 0 ? chunk : Buffer.concat([read, chunk]);
    if (read.length > MAX_HELD_BYTES) return fail();
    if (!isPrefaceRead) {
      if (read.length < PREFACE.length) return;
      if (!read.subarray(0, PREFACE.length).equals(PREFACE)) {
        // Not a client's preface after all: node's session refuses it itself.
        first = 'filter';
        return finish();
      }
      isPrefaceRead = true;
      pos = PREFACE.length;
    }
    while (read.length - pos >= FRAME_HEADER_LENGTH) {
      const length = read.readUIntBE(pos, 3);
      const type = read[pos + 3]!;
      const flags = read[pos + 4]!;
      if (read.length - pos < FRAME_HEADER_LENGTH + length) return;
      if (type === TYPE_SETTINGS && flags & FLAG_ACK && length === 0 && ackAt < 0) {
        ackAt = pos; // the first ACK is of this side's SETTINGS: node's are not sent yet
      } else if (type === TYPE_HEADERS && first === undefined) {
        first = firstAuthority(read.subarray(pos + FRAME_HEADER_LENGTH, pos + FRAME_HEADER_LENGTH + length), flags);
      }
      pos += FRAME_HEADER_LENGTH + length;
      if (first !== undefined && ackAt >= 0) return finish();
    }
  };
  // A client that sends no request for a while goes to the filter once its ACK is in.
  const timer = setTimeout(function waited() {
    if (ackAt >= 0) finish();
    else timer.refresh();
  }, waitMs);
  timer.unref();
  socket.on('data', onData);
  socket.on('end', fail);
  socket.on('close', stop);
  socket.resume(); // (a listener that read the preface hands the socket over paused)
  socket.write(EMPTY_SETTINGS);
}

/**
 * Stops the socket's handle reading until the socket is resumed. pause() alone leaves the
 * handle reading (it stops only once the readable buffer is full), and node's session,
 * which takes the handle over at once but the bytes put back only on the next tick, would
 * then get the client's next frames before its preface.
 */
function stopReading(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStop?: () => number } })._handle;
  if (handle?.reading !== true || typeof handle.readStop !== 'function') return;
  handle.reading = false;
  handle.readStop();
}

/** Whether a HEADERS frame's block (the connection's first, so the dynamic table is empty) carries an authority nghttp2 takes. */
function firstAuthority(payload: Buffer, flags: number): FirstRequest {
  const bounds = headerBlockBounds(payload, flags);
  if ((flags & FLAG_END_HEADERS) === 0 || bounds === undefined) return 'filter';
  const fields: DecodedField[] = [];
  try {
    new HpackDecoder().decode(payload, bounds.start, bounds.stop, fields, ':authority');
  } catch (err) {
    if (err instanceof HpackError) return 'filter';
    throw err;
  }
  return fields.every((f) => isAcceptedAuthority(f.value)) ? 'accepted' : 'filter';
}
