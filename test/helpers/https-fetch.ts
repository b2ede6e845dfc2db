// fetch() over https with a client certificate and a private CA, which Node's built-in
// fetch cannot be given: the same Request-in, Response-out shape, on node:https. Bodies
// stream (a watch can be read line by line) and an AbortSignal ends the request.
import { request } from 'node:https';
import { Readable } from 'node:stream';

/** The TLS material of a client: the CA that signed the server's certificate, and its own certificate and key. */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Skip verifying the server's certificate (only for probing a server whose CA is not known). */
  readonly insecure?: boolean;
}

/** A fetch-like call: init takes method, headers, a string or Buffer body, and a signal. */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export function httpsFetch(tls: ClientTls): Fetch {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
        reject(new TypeError('httpsFetch takes a string or Buffer body'));
        return;
      }
      const method = init.method ?? 'GET';
      const req = request(
        url,
        {
          method,
          headers,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls.cert === undefined ? {} : { cert: tls.cert }),
          ...(tls.key === undefined ? {} : { key: tls.key }),
          rejectUnauthorized: tls.insecure !== true,
          ...(init.signal === undefined || init.signal === null ? {} : { signal: init.signal }),
        },
        (res) => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) for (const x of v) h.append(k, x);
            else if (v !== undefined) h.set(k, v);
          }
          const status = res.statusCode ?? 0;
          const noBody = status === 204 || status === 304 || method === 'HEAD';
          if (noBody) res.resume();
          resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: h }));
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
}
