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
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Express, Request, Response } from 'express';
import { ApiError, errors } from '../registry/generic/api-error.js';
import type { ConnectRequest, ConnectTarget } from '../registry/generic/resource-store.js';
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

/** The paths of the subresources that take an upgraded connection (exec, attach, portforward, the proxies). */
const connectPath = /\/(exec|attach|portforward)$|\/proxy(\/|$)/;

/**
 * An upgrade request to any other path is served as the plain request it is (Go's server
 * ignores an Upgrade it does not take: an h2c offer, say). Node's parser stops at its headers,
 * so its body (by Content-Length) is read from the connection here.
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
 * connect subresource's ends the connection once written.
 */
export function serveUpgrades(server: Server, app: Express): void {
  server.on('upgrade', (upgrading: IncomingMessage, socket: Duplex, head: Buffer) => {
    const connects = connectPath.test((upgrading.url ?? '').split('?')[0]!);
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
    socket.on('error', () => socket.destroy());
    app(req, res);
  });
}

function isUpgrade(req: Request): boolean {
  return upgradeHeads.has(req) || (/\bupgrade\b/i.test(req.headers.connection ?? '') && req.headers.upgrade !== undefined);
}

/** The query as the registry's connecters read it: every value of each name. */
export function connectQuery(url: string): ConnectRequest['query'] {
  const q = url.indexOf('?');
  const out: Record<string, string[]> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) (out[k] ??= []).push(v);
  return out;
}

/** The request headers passed on: not the client's credentials (the API server authenticated it), not hop-by-hop ones. */
function forwardedHeaders(req: Request, target: URL, upgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined || name === 'host' || name === 'authorization' || name.startsWith('impersonate-')) continue;
    if (!upgrade && hopByHop.has(name)) continue;
    out[name] = value;
  }
  const from = req.socket.remoteAddress;
  if (from !== undefined) out['x-forwarded-for'] = typeof out['x-forwarded-for'] === 'string' ? `${out['x-forwarded-for']}, ${from}` : from;
  out['host'] = target.host;
  return out;
}

/** A connection error as Go's net package words it (dial tcp 127.0.0.1:1: connect: connection refused). */
function dialError(err: NodeJS.ErrnoException, target: URL): string {
  const hostPort = `${target.hostname.replace(/^\[|\]$/g, '')}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  const where = target.hostname.startsWith('[') ? `[${hostPort.slice(0, hostPort.lastIndexOf(':'))}]${hostPort.slice(hostPort.lastIndexOf(':'))}` : hostPort;
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

/** Sends a plain request on and streams the answer back. */
function forwardRequest(req: Request, res: Response, target: ConnectTarget & { kind: 'kubelet' | 'proxy' }, url: URL, kubelet: KubeletClient): void {
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const outgoing = send(url, { method: req.method, headers: forwardedHeaders(req, url, false), ...(https ? tlsOptions(target, kubelet) : {}), timeout: kubelet.timeoutMs });
  let connected = false;
  // A kept-alive connection is connected already.
  outgoing.on('socket', (s) => (s.connecting ? s.once(https ? 'secureConnect' : 'connect', () => (connected = true)) : (connected = true)));
  outgoing.on('timeout', () => {
    // Only connecting is timed: an answer may stream for as long as it lasts (a followed log).
    if (!connected) outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
  });
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    const message = dialError(err, url);
    // kube-apiserver's log streamer words a failed request as Go's HTTP client does; its proxy gives the dial error alone.
    const method = req.method.charAt(0) + req.method.slice(1).toLowerCase();
    sendError(res, new ApiError(500, '', target.failure === undefined ? message : `${method} ${JSON.stringify(url.href)}: ${message}`));
  });
  outgoing.on('response', (answer) => {
    outgoing.setTimeout(0);
    const code = answer.statusCode ?? 502;
    if (target.failure !== undefined && (code < 200 || code > 206)) {
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
        size += c.length;
      });
      answer.on('end', () => sendError(res, failureOf(code, Buffer.concat(chunks).toString(), target.failure!)));
      answer.on('error', (err) => sendError(res, err));
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
    if (target.contentType !== undefined) headers['content-type'] = target.contentType;
    res.writeHead(code, headers);
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  res.on('close', () => outgoing.destroy());
  req.pipe(outgoing);
}

/** Connects to the target and splices the client's upgraded connection to it. */
function forwardUpgrade(req: Request, res: Response, target: ConnectTarget & { kind: 'kubelet' | 'proxy' }, url: URL, kubelet: KubeletClient): void {
  const client = res.socket;
  if (client === null) return;
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const backend = https ? tlsConnect({ host, port, ...tlsOptions(target, kubelet) }) : netConnect({ host, port });
  const timer = setTimeout(() => backend.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), kubelet.timeoutMs);
  let spliced = false;
  backend.once('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (!spliced) return sendError(res, new ApiError(500, '', `error dialing backend: ${dialError(err, url)}`));
    client.destroy();
  });
  backend.once(https ? 'secureConnect' : 'connect', () => {
    clearTimeout(timer);
    spliced = true;
    // From here on the bytes are the two servers' own; the request counts as answered (101).
    res.statusCode = 101;
    res.detachSocket(client);
    const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
    for (const [name, value] of Object.entries(forwardedHeaders(req, url, true))) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
    backend.write(`${lines.join('\r\n')}\r\n\r\n`);
    const head = upgradeHeads.get(req);
    if (head !== undefined && head.length > 0) backend.write(head);
    client.pipe(backend);
    backend.pipe(client);
    client.on('error', () => backend.destroy());
    client.on('close', () => {
      backend.destroy();
      res.emit('close');
    });
    backend.on('close', () => client.destroy());
  });
}

/** Serves a connect subresource's request where the registry said it goes. */
export function serveConnect(req: Request, res: Response, target: ConnectTarget): void {
  if (target.kind === 'none') {
    res.status(204).end();
    return;
  }
  const upgrade = isUpgrade(req);
  if (target.upgradeRequired && !upgrade) throw errors.badRequest('Upgrade request required');
  const kubelet = (req.app.locals[kubeletClientKey] as KubeletClient | undefined) ?? defaultKubeletClient;
  const url = new URL(target.url.href);
  if (target.passQuery === true) {
    const q = req.originalUrl.indexOf('?');
    if (q >= 0) url.search = req.originalUrl.slice(q);
  }
  if (upgrade && upgradeHeads.has(req)) forwardUpgrade(req, res, target, url, kubelet);
  else forwardRequest(req, res, target, url, kubelet);
}
