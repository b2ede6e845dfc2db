// Unary requests between members (rafthttp's pipeline posts one message per request; ours
// carries the member's own requests, such as lease renewals forwarded to the leader): one
// POST per request on the peer's session, answered by the receiver's onRequest. Both ends
// are here.

import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { TransportContext } from './context.js';
import type { PeerSession } from './peer-session.js';
import { HEADER_REFUSAL, MAX_BODY_BYTES, SNAPSHOT_PATH, STREAM_PATH, hex, respondText, type PeerResponse } from './protocol.js';
import { TransportError, TransportErrorCode, errorText } from './transport-error.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** A unary POST to a peer; resolves with the response body, rejects with TransportError on error or timeout. */
export async function sendRequest(ctx: TransportContext, peer: PeerSession, path: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  const id = peer.id;
  if (!path.startsWith('/') || path === STREAM_PATH || path === SNAPSHOT_PATH) {
    throw new TransportError(TransportErrorCode.InvalidArgument, `cannot send a unary request to path ${JSON.stringify(path)}`, { peerId: id, path });
  }
  const req = peer.openRequest(path, {});
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    req.close(constants.NGHTTP2_CANCEL);
  }, timeoutMs);
  req.end(body);
  ctx.countSent(id, body.length);
  let res: PeerResponse;
  try {
    res = await readResponse(req);
  } catch (err) {
    if (isTimedOut) throw new TransportError(TransportErrorCode.Timeout, `peer ${hex(id)} did not answer ${path} within ${timeoutMs} ms`, { peerId: id, path });
    if (ctx.isClosed) throw new TransportError(TransportErrorCode.Closed, 'the peer transport closed during the request', { peerId: id, path });
    throw new TransportError(TransportErrorCode.Unreachable, `request ${path} to peer ${hex(id)} failed: ${errorText(err)}`, { peerId: id, path }, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 200) return res.body;
  const text = res.body.toString('utf8');
  if (res.status === 412) {
    peer.noteRefusal(res);
    const code = res.headers[HEADER_REFUSAL] === 'member-id-mismatch' ? TransportErrorCode.MemberIdMismatch : TransportErrorCode.ClusterIdMismatch;
    throw new TransportError(code, text, { peerId: id, path, status: res.status });
  }
  throw new TransportError(TransportErrorCode.RemoteError, `peer ${hex(id)} answered ${path} with status ${res.status}: ${text}`, { peerId: id, path, status: res.status });
}

/** The receiving end: runs onRequest on the body and answers 200 with its result, or 500 with what it threw. */
export async function serveRequest(ctx: TransportContext, stream: ServerHttp2Stream, path: string, from: string): Promise<void> {
  const onRequest = ctx.options.onRequest;
  if (onRequest === undefined) {
    respondText(stream, 404, `member ${ctx.memberIdHex} serves no unary peer requests (${path})`);
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(stream);
  } catch (err) {
    respondText(stream, 413, errorText(err));
    return;
  }
  ctx.countReceived(from, body.length);
  let response: Buffer;
  try {
    response = await onRequest(path, body);
  } catch (err) {
    // The contract: whatever the handler throws goes back to the caller as a 500.
    ctx.log('info', 'peer request failed', { 'remote-peer-id': from, path, error: errorText(err) });
    respondText(stream, 500, errorText(err));
    return;
  }
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
  stream.end(response);
}

/** Collects a response (status, headers, body); rejects if the stream breaks first. */
export function readResponse(stream: ClientHttp2Stream): Promise<PeerResponse> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        reject(new Error(`response body exceeds ${MAX_BODY_BYTES} bytes`));
        stream.close(constants.NGHTTP2_CANCEL);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (status === undefined) reject(new Error('the stream ended without a response'));
      else resolve({ status, headers, body: Buffer.concat(chunks, length) });
    });
    stream.on('error', reject);
    stream.on('close', () => reject(new Error(`the stream closed before the response was complete (code ${stream.rstCode})`)));
  });
}

/** Collects a request body up to MAX_BODY_BYTES. */
async function readBody(stream: ServerHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) throw new Error(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
