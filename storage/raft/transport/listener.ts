// Accepting peers' connections on --listen-peer-urls: HTTP/2 in cleartext (h2c) on http
// URLs, TLS with ALPN h2 on https ones. With TLS, a connecting peer's certificate is
// checked (--peer-cert-allowed-cn, --peer-cert-allowed-hostname, and etcd's check of its
// SANs against the address it connects from) before any of its streams is served; the
// streams of admitted connections go to onStream.

import { createServer, createSecureServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { peerSanRefusal } from '../../tls/peer-san.js';
import { serverTlsOptions } from '../../tls/tls-material.js';
import type { TransportContext } from './context.js';
import { MAX_SESSION_MEMORY_MB, SESSION_WINDOW_BYTES, STREAM_WINDOW_BYTES, parsePeerUrl } from './protocol.js';
import { TransportError, TransportErrorCode } from './transport-error.js';

/** Marks a peer connection whose certificate is still being checked (PeerListener.admitPeer). */
const ADMISSION = Symbol('peer admission');
type AdmittedSocket = TLSSocket & { [ADMISSION]?: Promise<boolean> };

export interface ListenAddress {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

export function parseListenUrl(url: string): ListenAddress {
  const origin = parsePeerUrl(url);
  const u = new URL(origin);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const secure = u.protocol === 'https:';
  return { url, host, port: u.port === '' ? (secure ? 443 : 80) : Number(u.port), secure };
}

export class PeerListener {
  private readonly servers: Http2Server[] = [];
  private readonly sessions = new Set<Http2Session>();

  constructor(
    private readonly ctx: TransportContext,
    private readonly onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
  ) {}

  /** Listens on one address. Rejects with TransportError `address-in-use` if its port is taken. */
  listen(address: ListenAddress): Promise<void> {
    const ctx = this.ctx;
    const settings = { settings: { initialWindowSize: STREAM_WINDOW_BYTES }, maxSessionMemory: MAX_SESSION_MEMORY_MB };
    let server: Http2Server;
    if (address.secure) {
      const tls = ctx.options.tls;
      if (tls === undefined) throw new TransportError(TransportErrorCode.InvalidArgument, `cannot listen on TLS for ${address.host}:${address.port}: KeyFile and CertFile are not presented`, { url: address.url });
      server = createSecureServer({ ...settings, ...serverTlsOptions(tls, ['h2']) }) as unknown as Http2Server;
      // A failed handshake (no certificate, or one the peer CA did not sign) only ends that connection.
      server.on('tlsClientError', (err: Error) => ctx.log('warn', 'rejected connection from a peer', { url: address.url, error: err.message }));
      server.on('secureConnection', (socket: TLSSocket) => this.admitPeer(socket, address.url));
    } else {
      server = createServer(settings);
    }
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => {
        // A peer that went away; its streams close with the session.
      });
      session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
      if (ctx.isClosed) session.destroy();
    });
    server.on('stream', (stream, headers) => this.admitStream(stream, headers));
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = `${address.host}:${address.port}`;
        reject(
          err.code === 'EADDRINUSE'
            ? new TransportError(TransportErrorCode.AddressInUse, `cannot listen for peers on ${address.url}: address ${where} is already in use`, { url: address.url })
            : new TransportError(TransportErrorCode.ListenFailed, `cannot listen for peers on ${address.url}: ${err.message}`, { url: address.url }, { cause: err }),
        );
      };
      server.once('error', onError);
      server.listen(address.port, address.host, () => {
        server.off('error', onError);
        server.on('error', (err: Error) => ctx.log('warn', 'peer listener error', { url: address.url, error: err.message }));
        this.servers.push(server);
        ctx.log('info', 'listening for peers', { url: address.url });
        resolve();
      });
    });
  }

  /** Closes every peer's connection at once and stops listening. */
  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  /** --peer-cert-allowed-cn, --peer-cert-allowed-hostname: why a connecting peer's certificate is refused, or undefined. */
  private refusePeerCertificate(socket: TLSSocket): string | undefined {
    const host = this.ctx.options.tls?.allowedHostname ?? '';
    if (host !== '') {
      const cert = socket.getPeerCertificate();
      const mismatch = cert === undefined || Object.keys(cert).length === 0 ? new Error('no certificate') : checkServerIdentity(host, cert);
      if (mismatch !== undefined) return `the peer certificate is not valid for ${host}: ${mismatch.message}`;
    }
    const allowed = this.ctx.options.tls?.allowedCn ?? '';
    if (allowed === '') return undefined;
    const subject = socket.getPeerCertificate()?.subject as { CN?: string | string[] } | undefined;
    const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
    return cn === allowed ? undefined : `CommonName authentication failed: the certificate's CN ${JSON.stringify(cn ?? '')} is not ${JSON.stringify(allowed)}`;
  }

  /**
   * Checks a peer's certificate once its TLS handshake is done: --peer-cert-allowed-cn and
   * --peer-cert-allowed-hostname at once, then etcd's check of its subject alternative names
   * against the address it connects from (storage/tls/peer-san.ts), which may resolve DNS
   * names. The connection's streams wait for the verdict; a refused connection is closed
   * (on the socket itself: destroying an HTTP/2 session that has not yet seen the client's
   * preface leaves the connection open) before any of them is served.
   */
  private admitPeer(socket: TLSSocket, url: string): void {
    const refuse = (refusal: string): false => {
      this.ctx.log('warn', 'rejected connection from a peer', { url, error: refusal });
      socket.destroy();
      return false;
    };
    const refusal = this.refusePeerCertificate(socket);
    if (refusal !== undefined) {
      refuse(refusal);
      return;
    }
    if (this.ctx.options.skipClientSanVerification === true) return;
    const admission = peerSanRefusal(socket.getPeerCertificate(), socket.remoteAddress ?? '').then((r) => (r === undefined ? true : refuse(r)));
    (socket as AdmittedSocket)[ADMISSION] = admission;
    void admission.then(() => delete (socket as AdmittedSocket)[ADMISSION]);
  }

  /** Passes a stream on once its connection is admitted; a refused connection's streams are dropped. */
  private admitStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // A session's socket reads through to the connection's own (admitPeer's mark included).
    const admission = (stream.session?.socket as AdmittedSocket | undefined)?.[ADMISSION];
    if (admission !== undefined) {
      void admission.then((admitted) => {
        if (admitted) this.onStream(stream, headers);
      });
      return;
    }
    this.onStream(stream, headers);
  }
}
