import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** How long one request may take before the bench gives up on it (a stuck server must not stall the run). */
const REQUEST_TIMEOUT_MS = 60_000;

/** A finished request: its status code and body. */
export interface Response {
  /** HTTP status code (0 never: network errors reject). */
  readonly status: number;
  /** The whole body, as text. */
  readonly body: string;
}

/** One API server under test: how to reach it and which processes are it. */
export interface Target {
  /** What the tables call it. */
  readonly name: string;
  /** How requests reach it, for the table's notes. */
  readonly transport: string;
  /** The server's processes (for CPU time and RSS). */
  readonly pids: readonly number[];
  /** One request; a body is sent as JSON, with contentType as its Content-Type (application/json by default). */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Response>;
  /** Opens a streaming GET (a watch) on a connection of its own; resolves with the response once headers arrive. */
  stream(path: string): Promise<IncomingMessage>;
  /** Closes the client's connections, then stops the server (when this target owns it). */
  stop(): Promise<void>;
}

/** How a Target proves who the bench is: a bearer token, or a client certificate (with the CA to trust). */
export type Credentials = { readonly token: string; readonly ca?: Buffer } | { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };

/**
 * A Target reached over http or https on 127.0.0.1:port: the one neutral client
 * both servers get, keep-alive HTTP/1.1 with up to 64 sockets, JSON bodies.
 */
export function httpTarget(name: string, url: string, pids: readonly number[], stop: () => Promise<void>, credentials?: Credentials): Target {
  const { protocol, hostname, port } = new URL(url);
  const secure = protocol === 'https:';
  const token = credentials !== undefined && 'token' in credentials ? credentials.token : undefined;
  // The server's CA when given (Kite's); the reference's certificate is self-signed in its temp dir.
  const tls = credentials === undefined ? { rejectUnauthorized: false } : 'cert' in credentials ? credentials : credentials.ca !== undefined ? { ca: credentials.ca } : { rejectUnauthorized: false };
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ...tls }) : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const streamAgent = secure ? new HttpsAgent({ keepAlive: false, ...tls }) : new HttpAgent({ keepAlive: false });
  const request = secure ? httpsRequest : httpRequest;
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const base = { host: hostname, port: Number(port) };
  const open = (method: string, path: string, body: unknown, streaming: boolean, contentType = 'application/json'): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { ...auth, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }) };
      const req = request({ ...base, method, path, agent: streaming ? streamAgent : agent, headers }, resolve);
      req.on('error', reject);
      // Watches stay open as long as the workload wants; other requests get a bound.
      if (!streaming) req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${name}: ${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.end(payload);
    });
  return {
    name,
    transport: !secure ? 'plain HTTP, no authentication or authorization' : token !== undefined ? 'HTTPS, a token-file user authorized by a bound ClusterRole' : 'HTTPS, client certificate (system:masters), RBAC',
    pids,
    call: async (method, path, body, contentType) => {
      const res = await open(method, path, body, false, contentType);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() };
    },
    stream: (path) => open('GET', path, undefined, true),
    stop: async () => {
      agent.destroy();
      streamAgent.destroy();
      await stop();
    },
  };
}

/** One request that must succeed (2xx); resolves to its parsed JSON body. */
export async function ok(t: Target, method: string, path: string, body?: unknown, contentType?: string): Promise<Record<string, unknown>> {
  const r = await t.call(method, path, body, contentType);
  if (r.status < 200 || r.status >= 300) throw new Error(`${t.name}: ${method} ${path}: ${r.status} ${r.body.slice(0, 500)}`);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** An object's name and resourceVersion. */
export const meta = (o: Record<string, unknown>): { name: string; resourceVersion: string } => o.metadata as { name: string; resourceVersion: string };

/** A ConfigMap manifest (labels optional). */
export const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: labels === undefined ? { name } : { name, labels },
  data,
});

/** Creates a namespace (unmeasured set-up). */
export async function createNamespace(t: Target, name: string): Promise<void> {
  await ok(t, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}
