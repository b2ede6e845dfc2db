/**
 * gzip of large responses, as kube-apiserver does it (its APIResponseCompression feature,
 * on by default since 1.16): a body over 128 KiB is gzipped at level 1 when the request's
 * Accept-Encoding lists `gzip`. client-go asks for it on every request (Go's HTTP transport
 * does), so kubectl, informers and controllers get their large lists compressed; small
 * bodies and watch streams are never compressed.
 *
 * Measured against kube-apiserver 1.26 (2026-12-07): a list of 131,730 bytes was gzipped,
 * one of 130,374 was not; `gzip, deflate`, ` gzip ` and `identity, gzip` count as asking,
 * `gzip;q=1`, `GZIP`, `x-gzip` and `*` do not (it compares comma-separated tokens, trimmed,
 * with `gzip`); a gzipped answer carries `Vary: Accept-Encoding` and no Content-Length.
 *
 * The compression runs on libuv's thread pool, off the event loop.
 */
import type { Request, Response } from 'express';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

/** The size above which a body is compressed (kube-apiserver's defaultGzipThresholdBytes). */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;
/** kube-apiserver's level: the fastest. */
const GZIP_LEVEL = 1;

/** Whether the request's Accept-Encoding names gzip as one of its comma-separated tokens, as kube-apiserver reads it. */
export function acceptsGzip(req: Request): boolean {
  const header = req.headers['accept-encoding'];
  if (header === undefined) return false;
  return header.split(',').some((token) => token.trim() === 'gzip');
}

/** Whether body is larger than the threshold, counted in bytes without encoding a string that is clearly smaller or larger. */
function isLarge(body: string | Buffer, threshold: number): boolean {
  if (typeof body !== 'string') return body.length > threshold;
  // A UTF-8 character takes one to three bytes per UTF-16 code unit.
  if (body.length > threshold) return true;
  if (body.length * 3 <= threshold) return false;
  return Buffer.byteLength(body) > threshold;
}

/**
 * Sends body with code and content type, gzipped when the client asked for it and the body
 * is over threshold bytes (0: any body, as Prometheus' handler does for /metrics). If the
 * compression fails the body goes out as it is.
 */
export function sendBody(req: Request, res: Response, code: number, type: string, body: string | Buffer, threshold = GZIP_THRESHOLD_BYTES): void {
  res.status(code).type(type);
  // The size first: nearly every answer is small, and then the header is not read at all.
  if (!isLarge(body, threshold) || !acceptsGzip(req)) {
    res.send(body);
    return;
  }
  gzip(body, { level: GZIP_LEVEL }, (err, compressed) => (err === null ? sendGzipped(res, compressed) : res.send(body)));
}

function sendGzipped(res: Response, compressed: Buffer): void {
  res.setHeader('Content-Encoding', 'gzip');
  res.append('Vary', 'Accept-Encoding');
  res.send(compressed);
}

const gzipAsync = promisify(gzip);

/**
 * A served document (OpenAPI v2: megabytes, the same until the served resources change)
 * whose gzip is made once per version and kept, instead of once per request.
 */
export class GzippedDocument {
  private last: { readonly hash: string; readonly gzipped: Promise<Buffer> } | undefined;

  /** Sends body (identified by hash) as sendBody would, from the kept gzip when it is this version's. */
  send(req: Request, res: Response, type: string, body: string, hash: string): void {
    res.status(200).type(type);
    if (!isLarge(body, GZIP_THRESHOLD_BYTES) || !acceptsGzip(req)) {
      res.send(body);
      return;
    }
    if (this.last?.hash !== hash) this.last = { hash, gzipped: gzipAsync(body, { level: GZIP_LEVEL }) };
    const kept = this.last;
    kept.gzipped.then(
      (compressed) => sendGzipped(res, compressed),
      () => {
        if (this.last === kept) this.last = undefined;
        res.send(body);
      },
    );
  }
}
