import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { checkServerIdentity, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { GrpcServer } from '../grpc/http2-server.js';
import { serverTlsOptions, type TlsMaterial } from '../tls/tls-material.js';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/** Where a member listens: parsed from a client URL such as http://127.0.0.1:2379. */
export interface ListenAddress {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** An https URL: the listener speaks TLS. */
  readonly secure: boolean;
}

/** Parses a listen URL as etcd accepts them (http or https). */
export function parseListenUrl(url: string): ListenAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL ${JSON.stringify(url)}: expected scheme://host:port`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${url}: unsupported scheme ${u.protocol} (expected http:// or https://)`);
  if (u.port === '') throw new Error(`${url}: a port is required`);
  if (u.pathname !== '/' && u.pathname !== '') throw new Error(`${url}: a listen URL takes no path`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { url, host, port: Number(u.port), secure: u.protocol === 'https:' };
}

/**
 * One client port serving both gRPC (HTTP/2 with prior knowledge) and HTTP/1.1,
 * as etcd does: each connection is told apart by its first bytes. Anything that
 * is not the HTTP/2 preface goes to the HTTP/1 side, which answers garbage with
 * 400 and closes. An https port does the same inside TLS: ALPN says h2 or http/1.1,
 * and a client that negotiated neither is told apart by its first bytes.
 */
export class ClientListener {
  private readonly grpcServer: GrpcServer;
  private readonly httpServer: HttpServer;
  private readonly netServers: NetServer[] = [];
  private readonly sockets = new Set<Socket>();

  /** tls: the certificate of https listen URLs (required to listen on one). */
  constructor(
    grpcServer: GrpcServer,
    httpHandler: (req: IncomingMessage, res: ServerResponse) => void,
    private readonly tls?: TlsMaterial,
  ) {
    this.grpcServer = grpcServer;
    this.httpServer = createHttpServer(httpHandler);
    this.httpServer.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listens on addr; resolves with the bound port, rejects with etcd-style text when it cannot. */
  listen(addr: ListenAddress): Promise<number> {
    const server = addr.secure ? this.tlsServer(addr) : createNetServer({ noDelay: true }, (socket) => this.route(socket));
    this.netServers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : err.message;
        reject(new Error(`listen tcp ${addr.host}:${addr.port}: bind: ${why}`));
      });
      server.listen(addr.port, addr.host, () => {
        const bound = server.address();
        resolve(typeof bound === 'object' && bound !== null ? bound.port : addr.port);
      });
    });
  }

  /** A TLS listener: each connection is routed once its handshake is done. */
  private tlsServer(addr: ListenAddress): NetServer {
    const tls = this.tls;
    if (tls === undefined) throw new Error(`${addr.url}: an https listen URL needs a certificate (--cert-file and --key-file, or --auto-tls)`);
    const server = createTlsServer(serverTlsOptions(tls, ['h2', 'http/1.1']), (socket) => this.routeTls(socket, tls));
    // Nagle's algorithm would hold small responses back waiting for ACKs. The raw sockets
    // are tracked, so close() can end connections still in their handshake too.
    server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A failed handshake (no certificate, an untrusted one) only ends that connection.
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    return server;
  }

  private routeTls(socket: TLSSocket, tls: TlsMaterial): void {
    if (tls.allowedHostname !== '' && !certificateValidFor(socket, tls.allowedHostname)) {
      socket.destroy();
      return;
    }
    if (socket.alpnProtocol === 'h2') {
      socket.on('error', () => socket.destroy());
      this.grpcServer.accept(socket);
    } else if (socket.alpnProtocol === 'http/1.1') {
      socket.on('error', () => socket.destroy());
      this.httpServer.emit('connection', socket);
    } else {
      this.route(socket);
    }
  }

  private route(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, HTTP2_PREFACE.length);
      const isPrefaceSoFar = head.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      if (isPrefaceSoFar && head.length < HTTP2_PREFACE.length) return; // need more bytes to decide
      // Put the bytes back unread and hand the socket over paused: the http2 session
      // drains the readable buffer itself; the HTTP/1 parser reads once resumed.
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      if (isPrefaceSoFar) {
        this.grpcServer.accept(socket);
      } else {
        this.httpServer.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }

  /**
   * Stops accepting and ends open connections, gRPC sessions included. (A listener's close
   * completes only once its connections are gone, so they are ended before waiting for it:
   * a client that keeps reconnecting must not hold a member's shutdown up.)
   */
  async close(): Promise<void> {
    const closed = Promise.all(this.netServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.grpcServer.close();
    for (const s of this.sockets) s.destroy();
    this.httpServer.close();
    await closed;
  }
}

/** --client-cert-allowed-hostname: the client's certificate must be valid for host. */
function certificateValidFor(socket: TLSSocket, host: string): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== undefined && Object.keys(cert).length > 0 && checkServerIdentity(host, cert) === undefined;
}
