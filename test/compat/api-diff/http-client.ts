import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';

/**
 * The one HTTP client both servers are called with: the same headers and bodies,
 * https (trusting the reference's self-signed certificate) or plain http, with a
 * bearer token on every request.
 */
export interface Target {
  /** reference or kite, for messages. */
  readonly name: string;
  /** http(s)://127.0.0.1:port */
  readonly url: string;
  /** Sent as Authorization: Bearer; Kite ignores it today. */
  readonly token: string;
  /** Keep-alive agent shared by this target's requests. */
  readonly agent: HttpAgent;
}

/** A target for url, with its own keep-alive agent. */
export function makeTarget(name: string, url: string, token: string): Target {
  const agent = url.startsWith('https:') ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false }) : new HttpAgent({ keepAlive: true });
  return { name, url, token, agent };
}

export interface HttpRequest {
  readonly method: string;
  /** Path with its query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  /** HTTP status, or 0 when no response came (connection error or timeout). */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Why no response came, when status is 0. */
  readonly error?: string;
}

function open(target: Target, req: HttpRequest, onResponse: (res: IncomingMessage) => void, onError: (err: Error) => void): () => void {
  const send = target.url.startsWith('https:') ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}`, ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  const r = send(`${target.url}${req.path}`, { method: req.method, headers, agent: target.agent }, onResponse);
  r.on('error', onError);
  if (req.body !== undefined) r.write(req.body);
  r.end();
  return () => r.destroy();
}

/** Sends one request and reads the whole response. */
export function send(target: Target, req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (res: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(res);
    };
    const abort = open(
      target,
      req,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          try {
            finish({ status: res.statusCode ?? 0, headers: res.headers, body: (res.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8') });
          } catch (err) {
            finish({ status: 0, headers: res.headers, body: '', error: `a gzipped body that does not unzip: ${(err as Error).message}` });
          }
        });
        res.on('error', (err) => finish({ status: 0, headers: {}, body: '', error: err.message }));
      },
      (err) => finish({ status: 0, headers: {}, body: '', error: err.message }),
    );
    const timer = setTimeout(() => {
      finish({ status: 0, headers: {}, body: '', error: `no response in ${req.timeoutMs} ms` });
      abort();
    }, req.timeoutMs);
  });
}

export interface WatchResponse {
  /** HTTP status, or 0 when no response came. */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The events read, one parsed JSON value each, when the server streamed them. */
  readonly events: unknown[];
  /** The whole body when it was not a 200 stream (a Status, usually). */
  readonly body: string;
  readonly error?: string;
}

/**
 * Opens a watch and reads newline-separated JSON events until `count` arrived or
 * timeoutMs passed, then closes the connection. A non-200 answer is read whole.
 */
export function watch(target: Target, req: HttpRequest, count: number): Promise<WatchResponse> {
  return new Promise((resolve) => {
    let settled = false;
    let abort: () => void = () => undefined;
    const events: unknown[] = [];
    // The response's status and headers once they arrived, for the timeout, which ends the watch with what came.
    let current: { status: number; headers: IncomingHttpHeaders } | undefined;
    const finish = (res: WatchResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort();
      resolve(res);
    };
    abort = open(
      target,
      req,
      (res) => {
        const status = res.statusCode ?? 0;
        let pending = '';
        res.on('data', (c: Buffer) => {
          pending += c.toString('utf8');
          if (status !== 200) return;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line === '') continue;
            try {
              events.push(JSON.parse(line) as unknown);
            } catch {
              events.push({ unparsable: line });
            }
            if (events.length >= count) finish({ status, headers: res.headers, events, body: '' });
          }
        });
        res.on('end', () => finish({ status, headers: res.headers, events, body: pending }));
        res.on('error', () => finish({ status, headers: res.headers, events, body: pending }));
        current = { status, headers: res.headers };
      },
      (err) => finish({ status: 0, headers: {}, events, body: '', error: err.message }),
    );
    const timer = setTimeout(() => {
      if (current) finish({ ...current, events, body: '' });
      else finish({ status: 0, headers: {}, events, body: '', error: `no response in ${req.timeoutMs} ms` });
    }, req.timeoutMs);
  });
}
