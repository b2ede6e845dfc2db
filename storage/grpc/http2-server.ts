// Length: one protocol, gRPC over HTTP/2: the call classes and the server share framing, status
// and compression details (the authority filter and the HPACK decoder are already apart).

/**
 * The server side of gRPC's HTTP/2 protocol, on node:http2: each call is one HTTP/2
 * stream of length-prefixed messages (a compressed flag byte and a 4-byte big-endian
 * length), answered with headers, messages and trailers carrying grpc-status and
 * grpc-message.
 *
 * @grpc/grpc-js's Server does the same with several layers of interceptors, listeners
 * and metadata objects per call. Answering Put with a fixed response, it spent
 * 0.066 ms of CPU per call at 256 concurrent clients, more than all of etcd's work per
 * put (0.05-0.06 ms); the same answer through node:http2 by hand took 0.031 ms. A
 * member's client port is its hottest path, so it speaks the protocol itself, with the
 * parts etcd's clients use: unary calls, server and bidirectional streams, gzip and
 * deflate request messages, the receive size limit and grpc-go's status messages.
 * Deadlines are the client's to enforce (it resets the stream).
 */
import { peerAddress } from './client-observer.js';
import {
  constants as h2,
  createServer,
  Http2ServerRequest,
  Http2ServerResponse,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { NO_CREDENTIALS, type CallCredentials } from '../auth/auth-info.js';
import { gunzipSync, inflateSync } from 'node:zlib';
import { status as Status } from '@grpc/grpc-js';
import { toServiceError } from './errors.js';
import { invoke, type AnyUnaryHandler, type Wire } from './unary.js';
import { isStorageError } from '../errors.js';
import { AuthorityFilterSocket } from './authority-filter.js';
import { readFirstRequest } from './first-request.js';

/**
 * How one method's messages are decoded and encoded. A decoder refuses malformed bytes
 * with a WireError (see ProtoReader; or any error of proto-loader's decoders), which the client gets as grpc-go's
 * unmarshalling error; a StorageError is a refused request, answered with its own status.
 */
export interface MethodCodec {
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(message: Wire): Buffer;
}

/**
 * A streaming call as its handler sees it: requests arrive as 'data' (then 'end' when
 * the client is done sending), responses are written in order, and 'cancelled' fires
 * if the client goes away first. The transport pushes the requests and calls cancel();
 * subclasses send the responses and end the call (the JSON gateway's streams are one).
 */
export abstract class StreamCall extends Duplex {
  /** Whether the client went away before the call ended. */
  cancelled = false;
  /** What fail() ended the call with, if it did. */
  protected failure: { readonly err: unknown } | undefined;
  /** What the transport knows of the caller (its token, its client certificate). */
  readonly credentials: CallCredentials;

  constructor(options: { readonly highWaterMark: number; readonly credentials?: CallCredentials }) {
    super({ objectMode: true, readableHighWaterMark: options.highWaterMark, writableHighWaterMark: options.highWaterMark });
    this.credentials = options.credentials ?? NO_CREDENTIALS;
    this.on('error', () => undefined); // writes after the client left; 'cancelled' says so
  }

  /** The gRPC status code the call ended (or will end) with: fail()'s, or OK. */
  statusCode(): number {
    return this.failure === undefined ? Status.OK : statusOf(this.failure.err).code;
  }

  /** Ends the call with err's gRPC status, after the responses already written. */
  fail(err: unknown): void {
    if (this.writableEnded) return;
    this.failure = { err };
    this.end();
  }

  /** The client went away: no more responses can be sent. */
  cancel(): void {
    if (this.cancelled || this.writableFinished) return;
    this.cancelled = true;
    this.emit('cancelled');
    this.destroy();
  }

  override _read(): void {
    // Requests are pushed by the transport as they arrive.
  }
}

export type StreamHandler = (call: StreamCall) => void;

/** A method the server answers: unary, or streaming (server or bidirectional). */
export type MethodImpl = { readonly kind: 'unary'; readonly handler: AnyUnaryHandler } | { readonly kind: 'stream'; readonly handler: StreamHandler };

/** A status to end a call with. */
interface CallStatus {
  readonly code: number;
  readonly message: string;
}

class CallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const OK_STATUS: CallStatus = { code: Status.OK, message: '' };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * grpc-go's status for a request it cannot decode, in its words for a unary call and for a
 * stream's message (RecvMsg's); a request the decoder refused (a StorageError) keeps its own.
 */
function unmarshalError(err: unknown, onStream = false): unknown {
  if (isStorageError(err)) return err;
  const message = messageOf(err);
  return new CallError(Status.INTERNAL, onStream ? `grpc: failed to unmarshal the received message ${message}` : `grpc: error unmarshalling request: ${message}`);
}

/** grpc-go's status for a response it cannot encode. */
function marshalStatus(err: unknown): CallStatus {
  return { code: Status.INTERNAL, message: `grpc: error while marshaling: ${messageOf(err)}` };
}

function statusOf(err: unknown): CallStatus {
  if (err instanceof CallError) return { code: err.code, message: err.message };
  const se = toServiceError(err);
  return { code: se.code ?? Status.UNKNOWN, message: se.details ?? '' };
}

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%'. */
function encodeMessage(message: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(message) ? message : encodeURIComponent(message);
}

const RESPONSE_HEADERS = { [h2.HTTP2_HEADER_STATUS]: 200, [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' };
const OK_TRAILERS = { 'grpc-status': '0' };

function statusHeaders(s: CallStatus): Record<string, string> {
  return { 'grpc-status': String(s.code), 'grpc-message': encodeMessage(s.message) };
}

/** Messages, each with its 5-byte prefix (uncompressed, and its length), in one buffer. */
function framed(messages: readonly Buffer[]): Buffer {
  let size = 0;
  for (const m of messages) size += 5 + m.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const m of messages) {
    out[pos] = 0;
    out.writeUInt32BE(m.length, pos + 1);
    pos += 5 + m.copy(out, pos + 5);
  }
  return out;
}

/**
 * Splits a stream's bytes into messages, refusing any over the size limit as soon as
 * its length is known, and decompressing those sent compressed.
 */
class MessageReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Length of the message being read, once its prefix is in; -1 before. */
  private need = -1;
  private compressed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly encoding: string | undefined,
  ) {}

  /** The complete messages chunk finishes; throws CallError for one the server will not take. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // The common case: one whole message in one chunk.
    if (this.bufferedBytes === 0 && chunk.length >= 5 && chunk.length === 5 + chunk.readUInt32BE(1)) {
      this.check(chunk.length - 5);
      out.push(this.decompress(chunk[0] === 1, chunk.subarray(5)));
      return out;
    }
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.bufferedBytes < 5) return out;
        const prefix = this.take(5);
        this.compressed = prefix[0] === 1;
        this.need = prefix.readUInt32BE(1);
        this.check(this.need);
      }
      if (this.bufferedBytes < this.need) return out;
      out.push(this.decompress(this.compressed, this.take(this.need)));
      this.need = -1;
    }
  }

  /** Whether bytes of an unfinished message are left. */
  get partial(): boolean {
    return this.bufferedBytes > 0 || this.need >= 0;
  }

  private check(length: number): void {
    if (length > this.maxBytes) throw new CallError(Status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${length} vs. ${this.maxBytes})`);
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const taken = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    return taken;
  }

  private decompress(compressed: boolean, bytes: Buffer): Buffer {
    if (!compressed) return bytes;
    const options = { maxOutputLength: Math.max(1, this.maxBytes) };
    try {
      if (this.encoding === 'gzip') return gunzipSync(bytes, options);
      if (this.encoding === 'deflate') return inflateSync(bytes, options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new CallError(Status.RESOURCE_EXHAUSTED, `grpc: received message after decompression larger than max (${this.maxBytes})`);
      throw new CallError(Status.INTERNAL, `grpc: failed to decompress the received message: ${(err as Error).message}`);
    }
    if (this.encoding === undefined || this.encoding === 'identity') throw new CallError(Status.INTERNAL, 'grpc: compressed flag set with identity or empty encoding');
    throw new CallError(Status.UNIMPLEMENTED, `grpc: Decompressor is not installed for grpc-encoding "${this.encoding}"`);
  }
}

/** Sends the response headers of a call that will end with trailers (grpc-go sends no date). */
function respondHeaders(stream: ServerHttp2Stream): void {
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true, sendDate: false } as { waitForTrailers: boolean });
}

/**
 * Ends stream with status, after last if given: in the trailers once headers went out,
 * else as a trailers-only response.
 */
function endWithStatus(stream: ServerHttp2Stream, s: CallStatus, last?: Buffer): void {
  if (stream.destroyed || stream.closed) return;
  if (!stream.headersSent && last === undefined) {
    stream.respond({ ...RESPONSE_HEADERS, ...statusHeaders(s) }, { endStream: true, sendDate: false } as { endStream: boolean });
    return;
  }
  if (stream.writableEnded) return;
  if (!stream.headersSent) respondHeaders(stream);
  stream.once('wantTrailers', () => stream.sendTrailers(s.code === Status.OK ? OK_TRAILERS : statusHeaders(s)));
  stream.end(last);
}

/** A streaming call over one HTTP/2 stream: an object-mode duplex of wire messages. */
class Http2StreamCall extends StreamCall {
  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly codec: MethodCodec,
    credentials: CallCredentials,
  ) {
    super({ highWaterMark: 16, credentials });
  }

  override _write(message: Wire, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.sendMessages([message], done);
  }

  override _writev(chunks: Array<{ chunk: Wire }>, done: (err?: Error | null) => void): void {
    this.sendMessages(chunks.map((c) => c.chunk), done);
  }

  /** Encodes and sends messages; one that cannot be encoded ends the call with INTERNAL instead. */
  private sendMessages(messages: Wire[], done: (err?: Error | null) => void): void {
    let bytes: Buffer;
    try {
      bytes = framed(messages.map((m) => this.codec.responseSerialize(m)));
    } catch (err) {
      endWithStatus(this.stream, marshalStatus(err));
      return done();
    }
    this.send(bytes, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    endWithStatus(this.stream, this.failure === undefined ? OK_STATUS : statusOf(this.failure.err));
    done();
  }

  private send(bytes: Buffer, done: (err?: Error | null) => void): void {
    if (this.stream.destroyed || this.stream.closed) return done();
    if (!this.stream.headersSent) respondHeaders(this.stream);
    // Done once the HTTP/2 layer has taken the bytes, so that writableLength counts the
    // responses still waiting (the watch service sets watchers aside when it grows).
    this.stream.write(bytes, () => done());
  }
}

export interface GrpcServerOptions {
  /** Largest request message accepted, in bytes (after decompression). */
  readonly maxReceiveBytes: number;
  /**
   * Serves the HTTP/2 requests that are not gRPC (a client that negotiated h2 by ALPN asks
   * for /health or the JSON gateway over it, as etcd serves them on its TLS port).
   */
  readonly http?: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  /**
   * Whether a unary call's credentials should name the client's address (someone observes
   * the calls: client-observer.ts). Streams always carry it.
   */
  readonly isObserving?: () => boolean;
}

/** gRPC services on HTTP/2 connections handed over by a listener. */
export class GrpcServer {
  private readonly methods = new Map<string, { codec: MethodCodec; impl: MethodImpl }>();
  private readonly services = new Set<string>();
  private readonly http2: Http2Server;
  private readonly sessions = new Set<Http2Session>();
  /** The CN of the connection being handed to the HTTP/2 server (its session starts at once). */
  private acceptingCommonName = '';
  /** The client address of that connection (the session's socket is a wrapper that does not know it). */
  private acceptingPeer = '';

  constructor(private readonly options: GrpcServerOptions) {
    // Session memory is bounded per stream by flow control; node's default cap (10 MB)
    // would refuse new streams from a busy client.
    this.http2 = createServer({ maxSessionMemory: 1 << 20 });
    this.http2.on('session', (session: Http2Session) => {
      sessionCommonNames.set(session, this.acceptingCommonName);
      sessionPeers.set(session, this.acceptingPeer);
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    this.http2.on('stream', (stream, headers) => this.route(stream, headers));
  }

  /** Serves method (e.g. '/etcdserverpb.KV/Put') with impl. */
  add(path: string, codec: MethodCodec, impl: MethodImpl): void {
    this.methods.set(path, { codec, impl });
    this.services.add(path.split('/')[1]!);
  }

  /**
   * Takes over a connection whose first bytes are the HTTP/2 preface (or that negotiated
   * h2) once its first request is in (first-request.ts): node's session reads the socket
   * itself when that request's authority is one it takes, else through the filter that
   * lets URL-form authorities in (authority-filter.ts). The session may then see the
   * filter, not the socket: the client certificate's CN is read here.
   */
  accept(socket: Socket): void {
    readFirstRequest(socket, (first) => {
      this.acceptingCommonName = verifiedCommonName(socket);
      this.acceptingPeer = peerAddress(socket);
      try {
        if (first === 'accepted') {
          this.http2.emit('connection', socket);
          // The session takes the bytes put back on the next tick (queued by now); resuming
          // before then would let the socket's own pending flow drop them.
          process.nextTick(() => socket.resume());
        } else {
          this.http2.emit('connection', new AuthorityFilterSocket(socket));
        }
      } finally {
        this.acceptingCommonName = '';
        this.acceptingPeer = '';
      }
    });
  }

  /** Ends every open session at once. */
  close(): void {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }

  private route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined); // a reset stream; its 'close' does the cleaning up
    const path = String(headers[h2.HTTP2_HEADER_PATH] ?? '');
    const contentType = String(headers[h2.HTTP2_HEADER_CONTENT_TYPE] ?? '');
    const isGrpc = /^application\/grpc($|[+;])/.test(contentType);
    if (!isGrpc && this.options.http !== undefined) {
      this.options.http(new Http2ServerRequest(stream, headers, {}, []), new Http2ServerResponse(stream));
      return;
    }
    if (headers[h2.HTTP2_HEADER_METHOD] !== 'POST' || !isGrpc) {
      stream.respond({ [h2.HTTP2_HEADER_STATUS]: 415, ...statusHeaders({ code: Status.INTERNAL, message: `invalid gRPC request content-type "${contentType}"` }) }, { endStream: true });
      return;
    }
    const method = this.methods.get(path);
    if (method === undefined) {
      const [, service = '', name = ''] = path.split('/');
      const message = this.services.has(service) ? `unknown method ${name} for service ${service}` : `unknown service ${service}`;
      this.refuse(stream, { code: Status.UNIMPLEMENTED, message });
      return;
    }
    const encoding = headers['grpc-encoding'];
    const reader = new MessageReader(this.options.maxReceiveBytes, typeof encoding === 'string' ? encoding : undefined);
    const creds = this.credentials(stream, headers, method.impl.kind === 'stream' || this.options.isObserving?.() === true);
    if (method.impl.kind === 'unary') this.unary(stream, reader, method.codec, method.impl.handler, creds);
    else this.streaming(stream, reader, method.codec, method.impl.handler, creds);
  }

  /**
   * The caller's token (etcd's `token` metadata, or `authorization`) and, on a TLS
   * connection whose client certificate was verified, its common name (read once per
   * connection).
   */
  private credentials(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, withPeer: boolean): CallCredentials {
    const token = headers.token ?? headers.authorization;
    const session = stream.session;
    const cn = session === undefined ? undefined : sessionCommonNames.get(session);
    if (!withPeer && token === undefined && (cn === undefined || cn === '')) return NO_CREDENTIALS;
    return { ...(typeof token === 'string' ? { token } : {}), ...(cn ? { commonName: cn } : {}), ...(withPeer ? { peer: session === undefined ? '' : (sessionPeers.get(session) ?? '') } : {}) };
  }

  /** Answers with status without reading the request; what the client still sends is dropped. */
  private refuse(stream: ServerHttp2Stream, s: CallStatus): void {
    endWithStatus(stream, s);
    stream.resume();
  }

  private unary(stream: ServerHttp2Stream, reader: MessageReader, codec: MethodCodec, handler: AnyUnaryHandler, creds: CallCredentials): void {
    let request: Buffer | undefined;
    let refused = false;
    const refuse = (err: unknown): void => {
      refused = true;
      this.refuse(stream, statusOf(err));
    };
    stream.on('data', (chunk: Buffer) => {
      if (refused) return;
      try {
        for (const m of reader.push(chunk)) {
          if (request !== undefined) throw new CallError(Status.UNIMPLEMENTED, 'grpc: too many request messages for a unary call');
          request = m;
        }
      } catch (err) {
        refuse(err);
      }
    });
    stream.on('end', () => {
      if (refused) return;
      if (request === undefined || reader.partial) return refuse(new CallError(Status.INTERNAL, 'grpc: unary call ended without a whole request message'));
      let req: unknown;
      try {
        req = codec.requestDeserialize(request);
      } catch (err) {
        return refuse(unmarshalError(err));
      }
      invoke(handler, req, request.length, creds).then(
        (res) => {
          if (stream.destroyed || stream.closed) return;
          let bytes: Buffer;
          try {
            bytes = framed([codec.responseSerialize(res)]);
          } catch (err) {
            return endWithStatus(stream, marshalStatus(err));
          }
          endWithStatus(stream, OK_STATUS, bytes);
        },
        (err: unknown) => endWithStatus(stream, statusOf(err)),
      );
    });
  }

  private streaming(stream: ServerHttp2Stream, reader: MessageReader, codec: MethodCodec, handler: StreamHandler, creds: CallCredentials): void {
    const call = new Http2StreamCall(stream, codec, creds);
    stream.on('close', () => call.cancel());
    stream.on('data', (chunk: Buffer) => {
      if (call.writableEnded) return;
      let requests: unknown[];
      try {
        requests = reader.push(chunk).map((m) => codec.requestDeserialize(m));
      } catch (err) {
        return call.fail(err instanceof CallError ? err : unmarshalError(err, true));
      }
      try {
        for (const req of requests) call.push(req);
      } catch (err) {
        call.fail(err); // the handler threw on a request
      }
    });
    // The client is done sending. Node's http2 client cancels a stream by ending its side
    // and then resetting it: one turn of the event loop lets that reset arrive, so such a
    // call is seen cancelled (as etcd sees it) rather than half-closed first.
    stream.on('end', () =>
      setImmediate(() => {
        if (!call.cancelled) call.push(null);
      }),
    );
    try {
      handler(call);
    } catch (err) {
      call.fail(err);
    }
  }
}

/** The verified client certificate CN of each session GrpcServer accepted ('' for none). */
const sessionCommonNames = new WeakMap<Http2Session, string>();

/** The client address (host:port) of each session GrpcServer accepted. */
const sessionPeers = new WeakMap<Http2Session, string>();

/**
 * The CN of the verified client certificate a request came with ('' for none): an
 * HTTP/1.1 request's from its socket, an HTTP/2 one's from its session.
 */
export function requestCommonName(req: { readonly socket: unknown; readonly stream?: { readonly session?: Http2Session } }): string {
  const session = req.stream?.session;
  if (session !== undefined) return sessionCommonNames.get(session) ?? '';
  return verifiedCommonName(req.socket as Socket | TLSSocket);
}

/** The client address (host:port) of an HTTP/1.1 request, or of an HTTP/2 one from its session. */
export function requestPeer(req: { readonly socket: unknown; readonly stream?: { readonly session?: Http2Session } }): string {
  const session = req.stream?.session;
  if (session !== undefined) return sessionPeers.get(session) ?? '';
  return peerAddress(req.socket as Socket);
}

/** The CN of a TLS socket's verified client certificate; '' when there is none. */
export function verifiedCommonName(socket: Socket | TLSSocket): string {
  // (An HTTP/2 session's socket is a proxy: ask for the method rather than test with `in`.)
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function' || tls.authorized !== true) return '';
  const subject = tls.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
  const cn = subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? '') : '';
}
