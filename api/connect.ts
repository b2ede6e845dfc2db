/**
 * The subresources another server answers (pods/log, exec, attach, portforward, the proxies):
 * the registry says where a request goes (resource-store's ConnectTarget), and this forwards
 * it there, as kube-apiserver's upgrade-aware proxy does. A plain request is sent on and its
 * answer streamed back; an upgrade request (SPDY or WebSocket, as kubectl exec and
 * port-forward send) gets a connection to the other server, spliced to the client's once
 * the other server answers. Kubelets are reached with the kubelet client's TLS
 * (--kubelet-client-certificate, --kubelet-certificate-authority); pods and service
 * endpoints through the proxy (plain HTTP, or TLS without verification).
 */
import { IncomingMessage, request as httpRequest, ServerResponse, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express, Request, Response } from 'express';
import { ApiError, errors } from '../registry/generic/api-error.js';
import type { ConnectRequest, ConnectTarget, Registry } from '../registry/generic/resource-store.js';
import { resolvePath } from './request-path.js';
import { sendError } from './status.js';

/** How the API server reaches kubelets (kube-apiserver's kubelet client flags). */
export interface KubeletClient {
  /** --kubelet-client-certificate and --kubelet-client-key: the API server's identity to kubelets. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** --kubelet-certificate-authority: verifies kubelets' serving certificates; not verified without it. */
  readonly ca?: Buffer;
  /** --kubelet-timeout: how long connecting to a kubelet may take. */
  readonly timeoutMs: number;
}

export const defaultKubeletClient: KubeletClient = { timeoutMs: 5_000 };

/** Where the app keeps its KubeletClient (app.locals). */
export const kubeletClientKey = 'kiteKubeletClient';

/** The most of another server's error answer read into the Status made of it, as kube-apiserver reads. */
const MAX_ERROR_BODY = 50_000;

/** The bytes a client sent after an upgrade request's headers, by request (see serveUpgrades). */
const upgradeHeads = new WeakMap<IncomingMessage, Buffer>();

/** Headers that concern one connection, not the request: never passed on (but an upgrade's own). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * An upgrade request to any path but a connect subresource's is served as the plain request it
 * is (Go's server ignores an Upgrade it does not take: an h2c offer, say). Node's parser stops
 * at its headers, so its body (by Content-Length) is read from the connection here.
 */
function plainRequest(req: IncomingMessage, socket: Duplex, head: Buffer): IncomingMessage | ApiError {
  const plain = new IncomingMessage(socket as Socket);
  Object.assign(plain, { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, httpVersion: req.httpVersion, httpVersionMajor: req.httpVersionMajor, httpVersionMinor: req.httpVersionMinor });
  if (req.headers['transfer-encoding'] !== undefined) return errors.badRequest('a chunked body is not read on a request that asks for an upgrade; send its Content-Length');
  let wanted = Number(req.headers['content-length'] ?? 0);
  // Complete, so that the message's end does not count as the client going away (which destroys the connection).
  const end = (): void => {
    plain.complete = true;
    plain.push(null);
  };
  const take = (chunk: Buffer): void => {
    const part = chunk.subarray(0, wanted);
    wanted -= part.length;
    if (part.length > 0) plain.push(part);
    if (wanted === 0) {
      socket.off('data', take);
      end();
    }
  };
  if (wanted === 0) end();
  else {
    take(head);
    if (wanted > 0) socket.on('data', take);
  }
  return plain;
}

/**
 * Routes upgrade requests through the app like any other request (its filters authenticate
 * and authorize them), on a response bound to the raw connection. An answer other than a
 * connect subresource's ends the connection once written. The returned function ends every
 * upgraded connection still open (a server that stops: node's closeAllConnections does not
 * see them).
 */
export function serveUpgrades(server: Server, app: Express, registry: Registry): () => void {
  const isConnect = (path: string): boolean => {
    const rp = resolvePath(registry, path);
    return rp?.name !== undefined && rp.subresource !== undefined && rp.store.subresource(rp.subresource)?.connect !== undefined;
  };
  const open = new Set<Duplex>();
  server.on('upgrade', (upgrading: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    const connects = isConnect((upgrading.url ?? '').split('?')[0]!);
    const req = connects ? upgrading : plainRequest(upgrading, socket, head);
    if (req instanceof ApiError) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(req.toStatus())}`);
      return;
    }
    if (connects) upgradeHeads.set(req, head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => socket.end());
    app(req, res);
  });
  return () => {
    for (const socket of open) socket.destroy();
  };
}

/** Whether a request asked for an upgrade, and came through serveUpgrades (which alone can splice it). */
function isUpgrade(req: Request): boolean {
  return upgradeHeads.has(req);
}

/** The query as the registry's connecters read it: every value of each name. */
export function connectQuery(url: string): ConnectRequest['query'] {
  const q = url.indexOf('?');
  const out: Record<string, string[]> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) (out[k] ??= []).push(v);
  return out;
}

/**
 * The request headers passed on: not the client's credentials (the API server authenticated
 * it), not hop-by-hop ones but an upgrade's Connection and Upgrade.
 */
function forwardedHeaders(req: Request, target: URL, upgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined || name === 'host' || name === 'authorization' || name.startsWith('impersonate-') || hopByHop.has(name)) continue;
    out[name] = value;
  }
  if (upgrade) {
    out['connection'] = 'Upgrade';
    out['upgrade'] = req.headers.upgrade ?? '';
  }
  const from = req.socket.remoteAddress;
  if (from !== undefined) out['x-forwarded-for'] = typeof out['x-forwarded-for'] === 'string' ? `${out['x-forwarded-for']}, ${from}` : from;
  out['host'] = target.host;
  return out;
}

/** A connection error as Go's net package words it (dial tcp 127.0.0.1:1: connect: connection refused). */
function dialError(err: NodeJS.ErrnoException, target: URL): string {
  // A URL's hostname keeps an IPv6 address's brackets, as Go prints it: [::1]:10250.
  const where = `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${where}: connect: connection refused`;
    case 'ETIMEDOUT':
      return `dial tcp ${where}: i/o timeout`;
    case 'EHOSTUNREACH':
      return `dial tcp ${where}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${where}: connect: network is unreachable`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${target.hostname}: no such host`;
    default:
      return err.message;
  }
}

/** The TLS options of a connection to the target. */
function tlsOptions(target: ConnectTarget & { kind: 'kubelet' | 'proxy' }, kubelet: KubeletClient): { rejectUnauthorized: boolean; ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } {
  if (target.kind === 'proxy') return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: kubelet.ca !== undefined,
    ...(kubelet.ca === undefined ? {} : { ca: kubelet.ca }),
    ...(kubelet.cert === undefined || kubelet.key === undefined ? {} : { cert: kubelet.cert, key: kubelet.key }),
  };
}

/**
 * Another server's error answer as kube-apiserver's response checker makes it an error of
 * its own: a 500's text as an internal error, a 400's as a bad request, any other code with
 * its usual words and the object it was about.
 */
function failureOf(code: number, body: string, about: { resource: string; name: string }): ApiError {
  if (code === 500) return errors.internal(body);
  if (code === 400) return errors.badRequest(body);
  const words: Record<number, [ApiError['reason'], string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', body],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    409: ['Conflict', 'the server reported a conflict'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  const [reason, message] = words[code] ?? (code >= 500 ? ['InternalError', `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`] : ['', `the server responded with the status code ${code} but did not return more information`]);
  // Go prints the verb it was not given before the resource: "( pods/log p)".
  return new ApiError(code, reason, `${message} ( ${about.resource} ${about.name})`, { name: about.name, group: '', kind: about.resource });
}

/** The HTTP code and headers of an answer passed on (hop-by-hop ones left out). */
function answerHeaders(answer: IncomingMessage, contentType: string | undefined): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  if (contentType !== undefined) headers['content-type'] = contentType;
  return headers;
}

/**
 * Sends the request on and answers with what comes back. An upgrade request is spliced to the
 * other server's connection only once that server answers 101 Switching Protocols (any other
 * answer is passed on and the connection ends), so that nothing the client sends reaches the
 * other server outside the upgraded stream it was authorized for.
 */
function forward(req: Request, res: Response, target: ConnectTarget & { kind: 'kubelet' | 'proxy' }, url: URL, kubelet: KubeletClient, upgrade: boolean): void {
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  // A log is asked for as kube-apiserver's log streamer asks: a bare GET.
  const headers = target.failure !== undefined ? { host: url.host } : forwardedHeaders(req, url, upgrade);
  // A connection of its own (no pool), so that ending this request ends only its connection.
  const outgoing = send(url, { method: req.method, headers, ...(https ? tlsOptions(target, kubelet) : {}), timeout: kubelet.timeoutMs, agent: false });
  let connected = false;
  outgoing.on('socket', (s) => s.once(https ? 'secureConnect' : 'connect', () => (connected = true)));
  outgoing.on('timeout', () => {
    // Only connecting is timed: an answer may stream for as long as it lasts (a followed log).
    if (!connected) outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
  });
  // The client gone (before or after the other server answered): the other connection goes too.
  res.on('close', () => outgoing.destroy());
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    // Failing once the answer is under way (a malformed or cut answer), the response is cut too.
    if (res.headersSent) return void res.destroy();
    const message = dialError(err, url);
    // An upgrade that cannot connect is kube-apiserver's "error dialing backend"; its log streamer
    // words a failed request as Go's HTTP client does; its proxy gives the dial error alone.
    const method = req.method.charAt(0) + req.method.slice(1).toLowerCase();
    const text = upgrade ? `error dialing backend: ${message}` : target.failure === undefined ? message : `${method} ${JSON.stringify(url.href)}: ${message}`;
    sendError(res, new ApiError(500, '', text));
  });
  outgoing.on('upgrade', (answer: IncomingMessage, backend: Socket, backendHead: Buffer) => {
    outgoing.setTimeout(0);
    const client = res.socket;
    if (client === null || !upgrade) return backend.destroy();
    // From here on the bytes are the two servers' own; the request counts as answered (101).
    res.statusCode = 101;
    res.detachSocket(client);
    const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]!}: ${answer.rawHeaders[i + 1]!}`);
    client.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (backendHead.length > 0) client.write(backendHead);
    const clientHead = upgradeHeads.get(req);
    if (clientHead !== undefined && clientHead.length > 0) backend.write(clientHead);
    client.pipe(backend);
    backend.pipe(client);
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
    client.on('close', () => {
      backend.destroy();
      res.emit('close');
    });
    backend.on('close', () => client.destroy());
  });
  outgoing.on('response', (answer) => {
    outgoing.setTimeout(0);
    const code = answer.statusCode ?? 502;
    if (target.failure !== undefined && (code < 200 || code > 206)) {
      // Read as kube-apiserver reads it: at most MAX_ERROR_BODY bytes, the rest not waited for.
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => sendError(res, failureOf(code, Buffer.concat(chunks).toString(), target.failure!));
      answer.on('data', (c: Buffer) => {
        chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
        size += c.length;
        if (size >= MAX_ERROR_BODY) {
          answer.removeAllListeners('end');
          answer.destroy();
          done();
        }
      });
      answer.on('end', done);
      answer.on('error', (err) => sendError(res, err));
      return;
    }
    // A log returns its text alone, as kube-apiserver's log streamer does; a proxy passes headers on.
    res.writeHead(code, target.failure !== undefined ? { 'content-type': target.contentType ?? 'text/plain' } : answerHeaders(answer, target.contentType));
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  if (upgrade) outgoing.end();
  else req.pipe(outgoing);
}

/** Serves a connect subresource's request where the registry said it goes (subpath: what followed a proxy subresource). */
export function serveConnect(req: Request, res: Response, target: ConnectTarget, subpath: string): void {
  if (target.kind === 'none') {
    res.status(204).end();
    return;
  }
  const upgrade = isUpgrade(req);
  if (target.upgradeRequired && !upgrade) throw errors.badRequest('Upgrade request required');
  // A proxy asked for its root without the slash is sent to it with one, as kube-apiserver
  // does (relative links in what the root serves then resolve under the proxy path).
  if (target.passQuery === true && subpath === '' && !req.path.endsWith('/') && (req.method === 'GET' || req.method === 'HEAD') && !upgrade) {
    const q = req.originalUrl.indexOf('?');
    res.status(301).setHeader('Location', `${req.path}/${q >= 0 ? req.originalUrl.slice(q) : ''}`);
    res.end();
    return;
  }
  const kubelet = (req.app.locals[kubeletClientKey] as KubeletClient | undefined) ?? defaultKubeletClient;
  const url = new URL(target.url.href);
  if (target.passQuery === true) {
    const q = req.originalUrl.indexOf('?');
    if (q >= 0) url.search = req.originalUrl.slice(q);
  }
  forward(req, res, target, url, kubelet, upgrade);
}
