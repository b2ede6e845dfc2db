/**
 * `kite apiserver`: the composition root of the API server. It is the one place
 * that sees every layer: it embeds a single-member store (or connects to
 * --etcd-servers), builds the registry and its controllers on the store
 * client, and serves the API with its health checks, metrics and request log.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createServer as createNetServer, isIP } from 'node:net';
import { resolve, join } from 'node:path';
import { destination, pino, type Logger } from 'pino';
import { createApiApp } from '../api/app.js';
import { defaultKubeletClient, serveUpgrades, type KubeletClient } from '../api/connect.js';
import { insecurePortAuthenticator, unionAuthenticator, type Authenticator } from '../api/authentication/authenticator.js';
import { bearerTokenAuthenticator, staticTokens, type TokenAuthenticator } from '../api/authentication/bearer-token.js';
import { serviceAccountTokenAuthenticator } from '../api/authentication/service-account-authenticator.js';
import { parseTokenFile } from '../api/authentication/token-file.js';
import { tokenReviewer } from '../api/authentication/token-reviewer.js';
import type { UserInfo } from '../api/authentication/user-info.js';
import { x509Authenticator } from '../api/authentication/x509-authenticator.js';
import { buildAuthorization, parseAuthorizationModes, type Authorization, type AuthorizationMode } from '../api/authorization/modes.js';
import type { HealthCheck } from '../api/health.js';
import { ApiMetrics } from '../api/metrics.js';
import { componentProbe } from './component-probe.js';
import { startControllers, type ControllerName, type RunningControllers } from '../registry/controllers/controllers.js';
import { KiteRegistry } from '../registry/registry.js';
import { EmbeddedStoreClient } from '../storage/client/embedded-client.js';
import type { StoreClient } from '../storage/client/store-client.js';
import { buildMemberConfig, resolveFlags } from '../storage/server/member-flags.js';
import { runMember, type RunningMember } from '../storage/embed/run-member.js';
import { API_SERVER_USER, apiServerCaller, setUpApiServerAuth } from '../storage/server/api-server-user.js';
import { preparePki, type ApiServerPki } from './apiserver-pki.js';
import { prepareServiceAccountKeys } from './service-account-keys.js';
import type { TokenReviewer } from '../registry/tokenreview/token-review.js';
import type { ServiceAccountTokens } from '../registry/serviceaccount/service-account-tokens.js';
import { timedStoreClient } from './timed-store-client.js';
import { wireInsight } from './insight-wiring.js';

/** How long an idle kept-alive client connection stays open (kube-apiserver's IdleTimeout). */
export const IDLE_CONNECTION_MS = 90_000;

export interface ApiServerOptions {
  readonly dataDir: string;
  readonly bindAddress: string;
  readonly port: number;
  /** External store endpoints (a Kite cluster or etcd); empty: embed one. */
  readonly etcdServers: readonly string[];
  /**
   * kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile: TLS to an https store.
   * With --client-cert-auth on the store, the certificate's CN is the etcd user the API
   * server runs as (give its role readwrite on /registry/).
   */
  readonly etcdTls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /**
   * Where the embedded store also serves etcd's API, or 'none'. Its etcd auth is on: the
   * API server is the user kite-apiserver (read-write on /registry/), root's password is
   * in <data-dir>/etcd-root-password, and others get what root grants them.
   */
  readonly embeddedStoreUrl: string;
  /** The controllers to run in process (--controllers). */
  readonly controllers: readonly ControllerName[];
  /** --service-cluster-ip-range. */
  readonly serviceClusterIpRange?: string;
  /** --service-node-port-range. */
  readonly serviceNodePortRange?: string;
  /** --advertise-address: the address in the kubernetes service's endpoints. */
  readonly advertiseAddress?: string;
  /** The request log's level (info logs every request); 'silent' turns it off. */
  readonly logLevel?: string;
  /**
   * Serve plain HTTP instead of HTTPS, without authentication (every request is
   * system:unsecured in system:masters). Only on a loopback bind address; for tests and local study.
   */
  readonly insecurePlainHttp?: boolean;
  /** --tls-cert-file and --tls-private-key-file: the operator's serving certificate instead of a generated one. */
  readonly tlsCertFile?: string;
  readonly tlsPrivateKeyFile?: string;
  /** --client-ca-file: the CAs that sign client certificates, instead of Kite's generated CA. */
  readonly clientCaFile?: string;
  /** --tls-san: more names (DNS or IP) for the generated serving certificate. */
  readonly tlsSans?: readonly string[];
  /** --token-auth-file: static bearer tokens, kube-apiserver's CSV. */
  readonly tokenAuthFile?: string;
  /** --anonymous-auth: requests without credentials are system:anonymous (off: 401). */
  readonly anonymousAuth?: boolean;
  /** --authorization-mode: comma-separated authorizers (RBAC by default; AlwaysAllow, AlwaysDeny; Node accepted without effect). */
  readonly authorizationMode?: string;
  /** --service-account-signing-key-file: the key ServiceAccount tokens are signed with (default: generated in <data-dir>/pki/sa.key). */
  readonly serviceAccountSigningKeyFile?: string;
  /** --service-account-key-file: keys tokens are verified with (default: the signing key's). */
  readonly serviceAccountKeyFiles?: readonly string[];
  /** --service-account-issuer: the first is written into tokens, all are accepted (default https://kubernetes.default.svc.cluster.local). */
  readonly serviceAccountIssuers?: readonly string[];
  /** --api-audiences: the audiences the API server accepts tokens for (default: the issuers). */
  readonly apiAudiences?: readonly string[];
  /** --service-account-jwks-uri: the jwks_uri of the discovery document (default: this server's /openid/v1/jwks). */
  readonly serviceAccountJwksUri?: string;
  /** --watch-cache: serve lists and watches from a watch cache per resource (default true). */
  readonly watchCache?: boolean;
  /**
   * --watch-cache-consistent-reads: serve consistent lists (resourceVersion "") from the
   * cache once a progress notification shows it has every acknowledged write. Default:
   * on with the embedded store; off with --etcd-servers, since etcd before 3.4.31 may
   * send a requested progress notification before earlier events (a Kite cluster is safe).
   */
  readonly watchCacheConsistentReads?: boolean;
  /** --insight-trail-size: how many requests the insight page's trail keeps (default 1000). */
  readonly insightTrailSize?: number;
  /**
   * --kubelet-client-certificate and --kubelet-client-key: who the API server is to kubelets
   * (pods/log, exec, attach, portforward, nodes/proxy). Default: a certificate Kite's CA signs
   * (CN kube-apiserver-kubelet-client, O system:masters), none with --client-ca-file.
   */
  readonly kubeletClientCertificate?: string;
  readonly kubeletClientKey?: string;
  /** --kubelet-certificate-authority: verifies kubelets' serving certificates (not verified without it, as kube-apiserver). */
  readonly kubeletCertificateAuthority?: string;
  /** --kubelet-preferred-address-types: the node address types that reach a kubelet, most preferred first. */
  readonly kubeletPreferredAddressTypes?: readonly string[];
  /** --kubelet-timeout: how long connecting to a kubelet may take (default 5 s). */
  readonly kubeletTimeoutMs?: number;
}

export interface RunningApiServer {
  readonly url: string;
  /** The kubeconfig written for this server: its CA and the admin's client certificate (none on plain HTTP). */
  readonly kubeconfig: string;
  readonly log: Logger;
  stop(): Promise<void>;
}

/** What a kubeconfig carries besides the server's URL: the CA to verify it with, and the user's client certificate. */
export interface KubeconfigCredentials {
  readonly ca?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
}

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** A kubeconfig with one cluster, user and context for this server. */
export function kubeconfigFor(url: string, c: KubeconfigCredentials): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kite',
    '  cluster:',
    `    server: ${url}`,
    ...(c.ca === undefined ? [] : [`    certificate-authority-data: ${b64(c.ca)}`]),
    'contexts:',
    '- name: kite',
    '  context:',
    '    cluster: kite',
    '    user: kite-admin',
    '    namespace: default',
    'current-context: kite',
    'users:',
    '- name: kite-admin',
    ...(c.clientCert === undefined || c.clientKey === undefined ? ['  user: {}'] : ['  user:', `    client-certificate-data: ${b64(c.clientCert)}`, `    client-key-data: ${b64(c.clientKey)}`]),
    '',
  ].join('\n');
}

/** Where the embedded store's root password is kept (readable by its owner only). */
export function rootPasswordFile(dataDir: string): string {
  return resolve(dataDir, 'etcd-root-password');
}

/**
 * The password for a new root user: the one in file when an earlier start wrote it but
 * stopped before creating the user, else a new random one, written (and synced) to file
 * before the user exists, so it is never lost.
 */
function newRootPassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${password}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return password;
}

/** Whether addr is a loopback address (or localhost), where plain HTTP may be served. */
export function isLoopback(addr: string): boolean {
  if (addr === 'localhost' || addr === '::1') return true;
  return isIP(addr) === 4 && addr.startsWith('127.');
}

/** A setting the API server cannot start with. */
export class ApiServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiServerConfigError';
  }
}

/** The users of --token-auth-file, read at start (a bad file stops the start). */
function readTokenFile(o: ApiServerOptions): Map<string, UserInfo> | undefined {
  if (o.tokenAuthFile === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(o.tokenAuthFile, 'utf8');
  } catch (err) {
    throw new ApiServerConfigError(`--token-auth-file: cannot read ${o.tokenAuthFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseTokenFile(text, o.tokenAuthFile);
}

/** The bearer-token authenticators, in kube-apiserver's order: the token file, then ServiceAccount tokens. */
function tokenAuthenticators(fileUsers: Map<string, UserInfo> | undefined, apiAudiences: readonly string[], serviceAccounts: ServiceAccountTokens | undefined): TokenAuthenticator[] {
  return [...(fileUsers === undefined ? [] : [staticTokens(fileUsers, apiAudiences)]), ...(serviceAccounts === undefined ? [] : [serviceAccountTokenAuthenticator(serviceAccounts)])];
}

/** The request authenticator the flags ask for: client certificates, then bearer tokens. */
function buildAuthenticator(o: ApiServerOptions, tokens: readonly TokenAuthenticator[]): Authenticator {
  if (o.insecurePlainHttp === true) return insecurePortAuthenticator;
  return unionAuthenticator([x509Authenticator, ...(tokens.length === 0 ? [] : [bearerTokenAuthenticator(...tokens)])]);
}

/** How often apiserver_storage_objects is refreshed, as kube-apiserver does (every minute). */
const objectCountIntervalMs = 60_000;

export async function runApiServer(o: ApiServerOptions): Promise<RunningApiServer> {
  const plain = o.insecurePlainHttp === true;
  if (plain && !isLoopback(o.bindAddress)) {
    throw new ApiServerConfigError(`--insecure-plain-http serves the API without TLS or authentication, so only on a loopback --bind-address (127.0.0.1 or ::1); refusing to serve it on ${o.bindAddress}`);
  }
  if (plain && (o.tlsCertFile !== undefined || o.clientCaFile !== undefined || o.tokenAuthFile !== undefined || (o.tlsSans ?? []).length > 0)) {
    throw new ApiServerConfigError('--insecure-plain-http serves no TLS and authenticates no one: it cannot be combined with --tls-cert-file, --tls-private-key-file, --client-ca-file, --tls-san or --token-auth-file');
  }
  let modes: AuthorizationMode[];
  try {
    modes = parseAuthorizationModes(o.authorizationMode ?? 'RBAC');
  } catch (err) {
    throw new ApiServerConfigError(`--authorization-mode: ${(err as Error).message}`);
  }
  mkdirSync(o.dataDir, { recursive: true });
  const fileUsers = readTokenFile(o);
  const saKeys = prepareServiceAccountKeys({
    dataDir: o.dataDir,
    ...(o.serviceAccountSigningKeyFile === undefined ? {} : { signingKeyFile: o.serviceAccountSigningKeyFile }),
    ...(o.serviceAccountKeyFiles === undefined ? {} : { keyFiles: o.serviceAccountKeyFiles }),
    ...(o.serviceAccountIssuers === undefined ? {} : { issuers: o.serviceAccountIssuers }),
    ...(o.apiAudiences === undefined ? {} : { apiAudiences: o.apiAudiences }),
  });
  // The reviewer uses the registry's token checks, so it is set once the registry exists.
  const review: { reviewer?: TokenReviewer } = {};
  const advertised = o.advertiseAddress ?? (o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? '127.0.0.1' : o.bindAddress);
  // --port 0 asks for any free port; it is picked now, before anything starts, because the
  // kubernetes Service the registry writes at start names the port the API is served on.
  const listenPort = o.port === 0 ? await freePort(o.bindAddress) : o.port;
  const pki: ApiServerPki | undefined = plain
    ? undefined
    : await preparePki({
        dataDir: o.dataDir,
        hosts: [o.bindAddress, advertised, ...(o.tlsSans ?? [])],
        ...(o.tlsCertFile === undefined ? {} : { tlsCertFile: o.tlsCertFile }),
        ...(o.tlsPrivateKeyFile === undefined ? {} : { tlsPrivateKeyFile: o.tlsPrivateKeyFile }),
        ...(o.clientCaFile === undefined ? {} : { clientCaFile: o.clientCaFile }),
      });
  const kubeletClient = readKubeletClient(o, pki);
  const log = pino({ level: o.logLevel ?? 'info', base: { component: 'apiserver' } }, destination(2));
  const metrics = new ApiMetrics();
  let member: RunningMember | undefined;
  let raw: StoreClient;
  if (o.etcdServers.length > 0) {
    // gRPC and protobuf load only for an external store.
    const { GrpcStoreClient } = await import('../storage/client/grpc-store-client.js');
    raw = new GrpcStoreClient(o.etcdServers, storeClientTls(o.etcdTls));
  } else {
    const serve = o.embeddedStoreUrl !== 'none';
    // It never has followers, so applied entries are needed by no one: a Raft snapshot every
    // 10,000 of them (etcd's default before 3.2) with 100 kept behind it holds at most about
    // 10,100 entries in memory, where etcd's defaults (100,000 and 5,000) hold up to 105,000
    // (about 1.1 KiB each for a ConfigMap: some 115 MiB of a 100,000-object fill).
    const given: Record<string, string> = { name: 'kite', 'data-dir': join(o.dataDir, 'store'), 'snapshot-count': '10000', 'experimental-snapshot-catchup-entries': '100' };
    if (serve) {
      given['listen-client-urls'] = o.embeddedStoreUrl;
      given['advertise-client-urls'] = o.embeddedStoreUrl;
    }
    const { values, explicit } = resolveFlags(given, {});
    const passwordFile = rootPasswordFile(o.dataDir);
    // A one-voter cluster that listens for no peers: it never meets another member, and
    // several API servers (or an etcd) on one machine must not contend for port 2380.
    const embedded = await runMember({ ...buildMemberConfig(values, explicit), listenPeerUrls: [] }, {
      serveClients: serve,
      beforeServing: async (store) => {
        const setup = await setUpApiServerAuth(store, () => newRootPassword(passwordFile));
        if (setup.created) log.info({ user: API_SERVER_USER, rootPasswordFile: passwordFile }, 'turned on etcd auth in the embedded store: the API server is its own user; root may grant others access');
      },
    });
    member = embedded;
    raw = new EmbeddedStoreClient(embedded.store, embedded.watchable, { caller: () => apiServerCaller(embedded.store) });
  }
  const timed = timedStoreClient(raw, (operation, key, seconds) => metrics.etcdDuration.observe({ operation, type: resourceOfKey(key) }, seconds));
  // The insight page (/ui/): the registry's store calls go through the recording decorator.
  const { client, insight, close: closeInsight } = wireInsight({
    trailSize: o.insightTrailSize ?? 1000,
    client: timed,
    ...(member === undefined ? {} : { embedded: { store: member.store, endpoint: o.embeddedStoreUrl === 'none' ? 'in-process' : o.embeddedStoreUrl } }),
    ...(o.etcdServers.length > 0 ? { remote: { endpoints: o.etcdServers, tls: storeClientTls(o.etcdTls) } } : {}),
  });
  const advertiseAddress = advertised;
  const readStore = (): Promise<void> =>
    Promise.race([client.get('/registry/health').then(() => undefined), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 2000).unref())]);
  const registry = new KiteRegistry(client, {
    ...(o.serviceClusterIpRange === undefined ? {} : { serviceClusterIpRange: o.serviceClusterIpRange }),
    ...(o.serviceNodePortRange === undefined ? {} : { serviceNodePortRange: o.serviceNodePortRange }),
    ...(/^[0-9.]+$/.test(advertiseAddress) ? { advertiseAddress } : {}),
    advertisePort: listenPort,
    watchCache: o.watchCache === false ? false : { trustProgress: o.watchCacheConsistentReads ?? o.etcdServers.length === 0 },
    serviceAccountTokens: saKeys,
    tokenReviewer: () => review.reviewer,
    componentProbe: componentProbe(readStore, o.controllers.length > 0),
    ...(o.kubeletPreferredAddressTypes === undefined ? {} : { kubeletPreferredAddressTypes: o.kubeletPreferredAddressTypes }),
  });
  metrics.watchCaches(() => registry.watchCache?.stats() ?? {});
  const tokens = tokenAuthenticators(fileUsers, saKeys.apiAudiences, registry.serviceAccountTokens);
  review.reviewer = tokenReviewer(tokens);
  const authenticator = buildAuthenticator(o, tokens);
  let controllers: RunningControllers | undefined;
  const closeStore = async (): Promise<void> => {
    closeInsight();
    await client.close();
    await member?.stop();
  };
  let authorization: Authorization;
  try {
    await registry.start();
    authorization = buildAuthorization(modes, await registry.startRbac());
    registry.useAuthorizer(authorization.access);
    if (modes.includes('Node')) log.warn('--authorization-mode: the Node authorizer is not implemented; kubelets (system:nodes) get only what RBAC grants them');
    controllers = startControllers(registry, o.controllers, pki?.servingCa === undefined ? {} : { rootCa: pki.servingCa });
  } catch (err) {
    await controllers?.stop();
    await closeStore();
    throw err;
  }
  const storeCheck: HealthCheck = { name: 'etcd', check: readStore };
  const bootstrap: HealthCheck = { name: 'poststarthook/bootstrap-controller', check: () => undefined };
  const serverAddress = `${o.bindAddress}:${listenPort}`;
  let servedUrl = '';
  const app = createApiApp({
    registry,
    serverAddress,
    metrics,
    log,
    livez: () => [storeCheck],
    readyz: () => [bootstrap],
    authenticator,
    anonymous: o.anonymousAuth ?? false,
    authorizer: authorization.authorizer,
    issuerDiscovery: { issuer: saKeys.issuers[0]!, jwksUri: () => o.serviceAccountJwksUri ?? `${servedUrl}/openid/v1/jwks`, keys: saKeys.verificationKeys },
    insight,
    kubeletClient,
  });
  // Every client is asked for a certificate; one the client CA did not sign is refused by the
  // authentication filter (401), not in the handshake, as kube-apiserver does.
  const server: Server =
    pki === undefined
      ? createServer(app)
      : createHttpsServer({ cert: pki.serving.cert, key: pki.serving.key, ca: pki.clientCa, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, app);
  // An idle kept-alive connection stays open 90 s, as kube-apiserver's (Go's default transport
  // keeps idle connections as long). Node's 5 s closed connections that clients had pooled, and
  // a client sending on one just as it closed got a reset ("socket hang up").
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  // kubectl exec, attach and port-forward upgrade their connection (SPDY, WebSocket).
  const closeUpgrades = serveUpgrades(server, app, registry);
  const countObjects = async (): Promise<void> => {
    for (const info of registry.resources()) {
      if (!info.verbs.includes('list') || info.version !== preferredVersion(registry, info.group)) continue;
      const store = registry.generic(info);
      metrics.storageObjects.set({ resource: info.group === '' ? info.resource : `${info.resource}.${info.group}` }, await store.count());
    }
  };
  const counter = setInterval(() => countObjects().catch((e: unknown) => log.warn({ error: String(e) }, 'counting stored objects failed')), objectCountIntervalMs);
  counter.unref();
  void countObjects().catch(() => undefined);
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE' ? `listen tcp ${serverAddress}: bind: address already in use` : err.message)));
    server.listen(listenPort, o.bindAddress, () => resolvePort(listenPort));
  }).catch(async (err: unknown) => {
    clearInterval(counter);
    await controllers?.stop();
    await closeStore();
    throw err;
  });
  // Clients reach an unspecified bind address on loopback (a name the serving certificate has).
  const reach = o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? '127.0.0.1' : o.bindAddress;
  const host = reach.includes(':') ? `[${reach}]` : reach;
  const url = `${plain ? 'http' : 'https'}://${host}:${port}`;
  servedUrl = url;
  const kubeconfig = resolve(o.dataDir, 'kubeconfig');
  const credentials: KubeconfigCredentials = {
    ...(pki?.servingCa === undefined ? {} : { ca: pki.servingCa }),
    ...(pki?.admin === undefined ? {} : { clientCert: pki.admin.cert, clientKey: pki.admin.key }),
  };
  writeFileSync(kubeconfig, kubeconfigFor(url, credentials), { mode: 0o600 });
  return {
    url,
    kubeconfig,
    log,
    stop: async () => {
      clearInterval(counter);
      server.closeAllConnections();
      closeUpgrades();
      await new Promise<void>((r) => server.close(() => r()));
      await controllers?.stop();
      // The CRD controllers (apiextensions) that registry.start() started.
      await registry.stop();
      await closeStore();
      log.flush();
    },
  };
}

/** The kubelet client's TLS from the --kubelet-* flags, or Kite's own client certificate. */
function readKubeletClient(o: ApiServerOptions, pki: ApiServerPki | undefined): KubeletClient {
  if ((o.kubeletClientCertificate === undefined) !== (o.kubeletClientKey === undefined)) {
    throw new ApiServerConfigError('--kubelet-client-certificate and --kubelet-client-key must be given together');
  }
  const read = (flag: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ApiServerConfigError(`${flag}: ${(err as Error).message}`);
    }
  };
  const own = pki?.kubeletClient;
  const identity =
    o.kubeletClientCertificate !== undefined && o.kubeletClientKey !== undefined
      ? { cert: read('--kubelet-client-certificate', o.kubeletClientCertificate), key: read('--kubelet-client-key', o.kubeletClientKey) }
      : own === undefined
        ? {}
        : { cert: Buffer.from(own.cert), key: Buffer.from(own.key) };
  return {
    ...identity,
    ...(o.kubeletCertificateAuthority === undefined ? {} : { ca: read('--kubelet-certificate-authority', o.kubeletCertificateAuthority) }),
    timeoutMs: o.kubeletTimeoutMs ?? defaultKubeletClient.timeoutMs,
  };
}

/**
 * A port free on the address now: the system's choice for a socket bound to port 0, released
 * at once. Another process could take it before the API server binds it; the bind then fails
 * with the usual "address already in use".
 */
function freePort(address: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, address, () => {
      const a = probe.address();
      probe.close(() => (typeof a === 'object' && a !== null ? resolvePort(a.port) : reject(new Error(`no port was given on ${address}`))));
    });
  });
}

/** The group's preferred version among what the registry serves (objects are counted once, there). */
function preferredVersion(registry: KiteRegistry, group: string): string | undefined {
  const versions = registry.resources().filter((r) => r.group === group).map((r) => r.version);
  return versions.includes('v1') ? 'v1' : versions.includes('v2') ? 'v2' : versions[0];
}

/** The resource a key belongs to (/registry/<resource>/...), as etcd_request_duration_seconds' type. */
function resourceOfKey(key: string): string {
  const parts = key.split('/');
  return parts[1] === 'registry' && parts[2] !== undefined ? parts[2] : key;
}

/** The store client's TLS from --etcd-cafile/--etcd-certfile/--etcd-keyfile; undefined when none is given. */
function storeClientTls(files: ApiServerOptions['etcdTls']): { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (files === undefined || (files.caFile === undefined && files.certFile === undefined && files.keyFile === undefined)) return undefined;
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) throw new Error('--etcd-certfile and --etcd-keyfile must be given together');
  const read = (flag: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  return {
    ca: files.caFile === undefined ? Buffer.alloc(0) : read('--etcd-cafile', files.caFile),
    ...(files.certFile === undefined ? {} : { cert: read('--etcd-certfile', files.certFile) }),
    ...(files.keyFile === undefined ? {} : { key: read('--etcd-keyfile', files.keyFile) }),
  };
}
