/**
 * `kite apiserver`: the composition root of the API server. It is the one place
 * that sees every layer: it embeds a single-member store (or connects to
 * --etcd-servers), builds the registry on the store client, and serves the API.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { createApiApp, type OpenApiSource } from '../api/app.js';
import type { Registry } from '../registry/generic/resource-store.js';
import { EmbeddedStoreClient } from '../storage/client/embedded-client.js';
import { GrpcStoreClient } from '../storage/client/grpc-store-client.js';
import type { StoreClient } from '../storage/client/store-client.js';
import { buildMemberConfig, resolveFlags } from '../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../storage/server/run-member.js';

export interface ApiServerOptions {
  readonly dataDir: string;
  readonly bindAddress: string;
  readonly port: number;
  /** External store endpoints (a Kite cluster or etcd); empty: embed one. */
  readonly etcdServers: readonly string[];
  /** Where the embedded store also serves etcd's API (read-only for others), or 'none'. */
  readonly embeddedStoreUrl: string;
  /** Builds the registry on a store client; returns it with its shutdown. */
  readonly makeRegistry: (client: StoreClient) => Promise<{ registry: Registry; stop(): Promise<void> }>;
  readonly openapi?: OpenApiSource;
}

export interface RunningApiServer {
  readonly url: string;
  readonly kubeconfig: string;
  stop(): Promise<void>;
}

/** A kubeconfig with one cluster, user and context for this server. */
export function kubeconfigFor(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kite',
    '  cluster:',
    `    server: ${url}`,
    // Plain http has no TLS to verify; client libraries such as client-node refuse an
    // http server unless this is set (kubectl does not need it).
    '    insecure-skip-tls-verify: true',
    'contexts:',
    '- name: kite',
    '  context:',
    '    cluster: kite',
    '    user: kite',
    '    namespace: default',
    'current-context: kite',
    'users:',
    '- name: kite',
    '  user: {}',
    '',
  ].join('\n');
}

export async function runApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  mkdirSync(o.dataDir, { recursive: true });
  let member: RunningMember | undefined;
  let client: StoreClient;
  if (o.etcdServers.length > 0) {
    client = new GrpcStoreClient(o.etcdServers);
  } else {
    const serve = o.embeddedStoreUrl !== 'none';
    const given: Record<string, string> = { name: 'kite', 'data-dir': join(o.dataDir, 'store') };
    if (serve) {
      given['listen-client-urls'] = o.embeddedStoreUrl;
      given['advertise-client-urls'] = o.embeddedStoreUrl;
    }
    const { values, explicit } = resolveFlags(given, {});
    member = await runMember(buildMemberConfig(values, explicit), { serveClients: serve, readOnly: true });
    client = new EmbeddedStoreClient(member.store, member.watchable);
  }
  let registry: Awaited<ReturnType<ApiServerOptions['makeRegistry']>>;
  try {
    registry = await o.makeRegistry(client);
  } catch (err) {
    await client.close();
    await member?.stop();
    throw err;
  }
  const serverAddress = `${o.bindAddress}:${o.port}`;
  const app = createApiApp({ registry: registry.registry, serverAddress, ...(o.openapi ? { openapi: o.openapi } : {}) });
  const server: Server = createServer(app);
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE' ? `listen tcp ${serverAddress}: bind: address already in use` : err.message)));
    server.listen(o.port, o.bindAddress, () => {
      const a = server.address();
      resolvePort(typeof a === 'object' && a !== null ? a.port : o.port);
    });
  }).catch(async (err: unknown) => {
    await registry.stop();
    await client.close();
    await member?.stop();
    throw err;
  });
  const host = o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress;
  const url = `http://${host}:${port}`;
  const kubeconfig = resolve(o.dataDir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(url), { mode: 0o600 });
  return {
    url,
    kubeconfig,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await registry.stop();
      await client.close();
      await member?.stop();
    },
  };
}
