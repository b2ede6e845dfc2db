#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { allFlagSpecs, buildMemberConfig, ConfigError, resolveFlags, envName, goDurationMs, isBoolFlag, logLevelOf, withoutEffectNotes } from '../storage/server/member-flags.js';
import { runMember } from '../storage/embed/run-member.js';
import { openMemberLog, parseLogSettings, stderrLog, type LogLevel, type MemberLog } from '../storage/server/member-log.js';
import { formatMemberId } from '../storage/server/member-id.js';
import { limitHeapGrowth } from './heap-growth.js';
import { collectWhenIdle } from './idle-collect.js';
import { existsSync, readdirSync } from 'node:fs';
import { ETCD_API_VERSION, KITE_VERSION, versionText } from '../storage/version.js';

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ level, ts: new Date().toISOString(), msg, ...fields }) + '\n');
}

/** Shuts down cleanly on SIGTERM or SIGINT, then exits (1 if the shutdown failed). */
function stopOnSignals(stop: () => Promise<void>, say: (level: 'info' | 'error', msg: string, fields?: Record<string, unknown>) => void = log): void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say('info', 'received signal; shutting down', { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        say('error', 'shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** A flag's boolean value as Go's flag package reads it (alone: true; =true/=false, 1/0, t/f). */
function parseBool(v: string | undefined): boolean {
  if (v === undefined) return true;
  const s = v.toLowerCase();
  if (['true', 't', '1'].includes(s)) return true;
  if (['false', 'f', '0'].includes(s)) return false;
  throw new InvalidArgumentError(`expected true or false, got ${JSON.stringify(v)}`);
}

const program = new Command();
program.name('kite').description('Kite: a small Kubernetes-style control plane on its own etcd-compatible store').version(KITE_VERSION).enablePositionalOptions().showHelpAfterError();

const store = program
  .command('store')
  .description("run a store member: etcd's v3 API on its client URLs, taking etcd's flags and ETCD_* variables");
for (const [flag, spec] of Object.entries(allFlagSpecs())) {
  // Defaults are applied after ETCD_* variables are merged, so commander gets none.
  // A boolean flag alone means true (--client-cert-auth), as in etcd; --flag=false works too.
  const value = isBoolFlag(flag) ? '[value]' : '<value>';
  store.addOption(new Option(`--${flag} ${value}`, `${spec.help} [env ${envName(flag)}] (default ${JSON.stringify(spec.default)})`));
}
store.addOption(new Option('--config-file <file>', "etcd's YAML config file; when given, the other flags and the ETCD_* variables are ignored, as in etcd [env ETCD_CONFIG_FILE]"));
store.addOption(new Option('--version', "print Kite's version and the etcd API version it implements, then exit (etcd's --version)"));
store.addOption(new Option('--from-snapshot <file>', 'when the data dir holds no data yet, restore it from this etcd-format snapshot (Kite\'s or etcd\'s) first'));
store.addOption(new Option('--insight-trail-size <n>', 'how many client calls (with their keys, compares and revisions) the insight page at /ui/ on the client URLs keeps in memory').default('1000'));
store.action(async (opts: Record<string, string | boolean | undefined>) => {
  if (opts.version === true) {
    console.log(versionText());
    return;
  }
  const trailSize = Number(opts.insightTrailSize);
  if (!Number.isInteger(trailSize) || trailSize < 1 || trailSize > 1_000_000) {
    log('error', `--insight-trail-size: expected a whole number from 1 to 1000000, got ${JSON.stringify(opts.insightTrailSize)}`);
    process.exit(1);
  }
  let given: Record<string, string> = {};
  for (const flag of Object.keys(allFlagSpecs())) {
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = opts[key];
    if (v !== undefined) given[flag] = String(v);
  }
  const configFile = typeof opts.configFile === 'string' ? opts.configFile : process.env.ETCD_CONFIG_FILE;
  // Until the flags say where the log goes, it goes to stderr.
  let memberLog: MemberLog = stderrLog;
  const say = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => memberLog(level, 'kite/main', msg, fields);
  try {
    // As etcd: a config file replaces the command line and the environment.
    const ignored = configFile === undefined ? [] : [...Object.keys(given).map((f) => `--${f}`), ...Object.keys(process.env).filter((k) => k.startsWith('ETCD_') && k !== 'ETCD_CONFIG_FILE')];
    if (configFile !== undefined) given = (await import('../storage/server/config-file.js')).readConfigFile(configFile);
    const { values, explicit, warnings } = resolveFlags(given, configFile === undefined ? process.env : {});
    memberLog = openMemberLog(parseLogSettings(values.logger, logLevelOf(values), values['log-outputs'])).log;
    if (configFile !== undefined) say('info', 'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided', { path: configFile, ignored });
    // etcd's first lines say what it is; so do Kite's.
    say('info', 'starting kite store', { 'kite-version': KITE_VERSION, 'etcd-api-version': ETCD_API_VERSION, 'node-version': process.version, 'node-os': process.platform, 'node-arch': process.arch });
    for (const w of warnings) say('warn', w);
    const config = buildMemberConfig(values, explicit);
    for (const note of withoutEffectNotes(values, explicit)) say('info', note);
    if (typeof opts.fromSnapshot === 'string' && (!existsSync(config.dataDir) || readdirSync(config.dataDir).length === 0)) {
      const { restoreSnapshot } = await import('../storage/snapshot/etcd-snapshot.js');
      const r = await restoreSnapshot(opts.fromSnapshot, config.dataDir);
      say('info', 'restored snapshot', { path: opts.fromSnapshot, 'data-dir': config.dataDir, revision: r.revision, 'key-versions': r.keys, leases: r.leases, users: r.users, roles: r.roles, 'auth-enabled': r.authEnabled });
    }
    // The page's modules (express, its routes) load here, after the flags are read.
    const { storeInsight } = await import('./store-insight.js');
    const insight = storeInsight(trailSize);
    const member = await runMember(config, {
      log: memberLog,
      hooks: insight.hooks,
      beforeServing: (s, watchable, clientTls) => {
        insight.attach(s, watchable, clientTls);
        return Promise.resolve();
      },
      onRemoved: () => {
        say('warn', 'the member has been permanently removed from the cluster; exiting', { name: config.name });
        process.exit(0);
      },
      onFatal: (err) => {
        say('error', 'the member failed and stopped', { name: config.name, error: String(err) });
        process.exit(1);
      },
    });
    say('info', 'serving client traffic', {
      name: config.name,
      'member-id': formatMemberId(member.store.memberId),
      'cluster-id': formatMemberId(member.store.clusterId),
      'data-dir': config.dataDir,
      'listen-client-urls': config.listenClientUrls,
      ports: member.clients?.ports ?? [],
      revision: member.store.kv.revision,
      insight: config.advertiseClientUrls.map((u) => `${u.replace(/\/$/, '')}/ui/`),
    });
    collectWhenIdle();
    stopOnSignals(async () => {
      insight.close();
      await member.stop();
    }, say);
  } catch (err) {
    if (err instanceof ConfigError || (err instanceof Error && err.message.startsWith('listen tcp'))) {
      say('error', err.message);
      process.exit(1);
    }
    // Anything else that stops the start (a corrupt member, a broken data dir) is fatal too,
    // said in one line rather than as a stack trace.
    say('fatal', 'the member cannot start', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
});

program
  .command('apiserver')
  .description('run the Kubernetes-style API server, on an embedded store unless --etcd-servers is given')
  .option('--data-dir <dir>', 'where the embedded store and the kubeconfig live', './kite-data')
  .option('--bind-address <addr>', 'address to serve the API on', '127.0.0.1')
  .option('--port <port>', 'port to serve the API on', '8080')
  .option('--etcd-servers <urls>', 'comma-separated etcd endpoints (a Kite cluster or real etcd 3.4+) instead of the embedded store', '')
  .option('--etcd-cafile <file>', 'CA bundle that signed the certificates of https --etcd-servers')
  .option('--etcd-certfile <file>', 'client certificate presented to --etcd-servers (its CN is the etcd user under --client-cert-auth)')
  .option('--etcd-keyfile <file>', 'key of --etcd-certfile')
  .option('--embedded-store-url <url>', "where the embedded store also serves etcd's API, with etcd auth on (root's password in <data-dir>/etcd-root-password; 'none' to turn off)", 'http://127.0.0.1:2379')
  .option('--controllers <names>', "controllers to run in process, as kube-controller-manager names them: garbagecollector, namespace, serviceaccount, root-ca-cert-publisher; '*' for all, '-name' to leave one out, '' for none (when kube-controller-manager runs them)", '*')
  .option('--service-cluster-ip-range <cidr>', 'the IPv4 range service cluster IPs come from', '10.96.0.0/12')
  .option('--service-node-port-range <range>', 'the ports NodePort services get', '30000-32767')
  .option('--advertise-address <ip>', "the address in the kubernetes service's endpoints (default: the bind address)")
  .option('--log-level <level>', "the request log's level: info logs one line per request; warn, error or silent log less", 'info')
  .option('--tls-cert-file <file>', 'serving certificate (with its chain) instead of the one generated in <data-dir>/pki')
  .option('--tls-private-key-file <file>', 'key of --tls-cert-file')
  .option('--client-ca-file <file>', "CA bundle that signs client certificates (CN = user, O = groups) instead of Kite's generated CA")
  .option('--tls-san <names>', 'more DNS names or IPs for the generated serving certificate (comma-separated; repeatable)', (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter((s) => s !== '')], [] as string[])
  .option('--token-auth-file <file>', "static bearer tokens, kube-apiserver's CSV: token,user,uid,\"group1,group2\"")
  .option('--anonymous-auth [bool]', 'treat requests without credentials as system:anonymous in system:unauthenticated instead of refusing them with 401', parseBool, false)
  .option('--authorization-mode <modes>', "authorizers in order, kube-apiserver's flag: RBAC, AlwaysAllow, AlwaysDeny; Node is accepted without effect (kubelets get what RBAC grants); ABAC and Webhook are refused", 'RBAC')
  .option('--service-account-signing-key-file <file>', 'private key ServiceAccount tokens are signed with (default: generated in <data-dir>/pki/sa.key)')
  .option('--service-account-key-file <file>', 'PEM file of keys ServiceAccount tokens are verified with (repeatable; default: the signing key)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--service-account-issuer <url>', 'issuer of ServiceAccount tokens (repeatable: the first is written into new tokens, all are accepted)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--api-audiences <list>', 'audiences the API server accepts tokens for (comma-separated; default: the issuers)', (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
  .option('--service-account-jwks-uri <url>', "jwks_uri of /.well-known/openid-configuration (default: this server's /openid/v1/jwks)")
  .option('--watch-cache [bool]', 'serve lists and watches from a cache of each resource in memory, fed by one store watch per resource', parseBool, true)
  .option('--watch-cache-consistent-reads [bool]', "serve consistent lists (resourceVersion unset) from the cache once the store's progress notification shows it is current (default: on with the embedded store, off with --etcd-servers: etcd before 3.4.31 may send progress before earlier events)", parseBool)
  .option('--insight-trail-size <n>', 'how many API requests (with the store operations each caused) the insight page at /ui/ keeps in memory', '1000')
  .option('--kubelet-client-certificate <file>', "client certificate the API server presents to kubelets (pods/log, exec, attach, portforward, nodes/proxy); default: one Kite's CA signs, CN kube-apiserver-kubelet-client, O system:masters")
  .option('--kubelet-client-key <file>', 'key of --kubelet-client-certificate')
  .option('--kubelet-certificate-authority <file>', "CA bundle that verifies kubelets' serving certificates (without it they are not verified, as kube-apiserver does)")
  .option('--kubelet-preferred-address-types <types>', 'node address types that reach a kubelet, most preferred first', 'Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP')
  .option('--kubelet-timeout <duration>', 'how long connecting to a kubelet may take (a Go duration: 5s, 500ms, 1m)', '5s')
  .option('--insecure-plain-http', 'serve plain HTTP without TLS or authentication (every request is system:unsecured in system:masters); only on a loopback --bind-address, for tests and local study', false)
  .action(
    async (o: {
      dataDir: string;
      bindAddress: string;
      port: string;
      etcdServers: string;
      etcdCafile?: string;
      etcdCertfile?: string;
      etcdKeyfile?: string;
      embeddedStoreUrl: string;
      controllers: string;
      serviceClusterIpRange: string;
      serviceNodePortRange: string;
      advertiseAddress?: string;
      logLevel: string;
      tlsCertFile?: string;
      tlsPrivateKeyFile?: string;
      clientCaFile?: string;
      tlsSan: string[];
      tokenAuthFile?: string;
      anonymousAuth: boolean;
      authorizationMode: string;
      insecurePlainHttp: boolean;
      watchCache: boolean;
      watchCacheConsistentReads?: boolean;
      insightTrailSize: string;
      serviceAccountSigningKeyFile?: string;
      serviceAccountKeyFile: string[];
      serviceAccountIssuer: string[];
      apiAudiences?: string[];
      serviceAccountJwksUri?: string;
      kubeletClientCertificate?: string;
      kubeletClientKey?: string;
      kubeletCertificateAuthority?: string;
      kubeletPreferredAddressTypes: string;
      kubeletTimeout: string;
    }) => {
      const port = Number(o.port);
      const insightTrailSize = Number(o.insightTrailSize);
      if (!Number.isInteger(insightTrailSize) || insightTrailSize < 1 || insightTrailSize > 1_000_000) {
        log('error', `--insight-trail-size: expected a whole number from 1 to 1000000, got ${JSON.stringify(o.insightTrailSize)}`);
        process.exit(1);
      }
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        log('error', `--port: expected a port number, got ${JSON.stringify(o.port)}`);
        process.exit(1);
      }
      let kubeletTimeoutMs = 0;
      try {
        kubeletTimeoutMs = goDurationMs('kubelet-timeout', o.kubeletTimeout);
      } catch (err) {
        log('error', (err as Error).message);
        process.exit(1);
      }
      if (kubeletTimeoutMs <= 0) {
        log('error', `--kubelet-timeout: expected a positive duration such as 5s, got ${JSON.stringify(o.kubeletTimeout)}`);
        process.exit(1);
      }
      limitHeapGrowth();
      collectWhenIdle();
      try {
        // The API server's modules (schemas, registry) load only for this command: `kite store`
        // starts without them.
        const [{ runApiServer, rootPasswordFile }, { parseControllers }] = await Promise.all([import('./apiserver.js'), import('../registry/controllers/controllers.js')]);
        const server = await runApiServer({
          dataDir: o.dataDir,
          bindAddress: o.bindAddress,
          port,
          etcdServers: o.etcdServers.split(',').map((s) => s.trim()).filter((s) => s !== ''),
          etcdTls: { caFile: o.etcdCafile, certFile: o.etcdCertfile, keyFile: o.etcdKeyfile },
          embeddedStoreUrl: o.embeddedStoreUrl,
          controllers: parseControllers(o.controllers),
          serviceClusterIpRange: o.serviceClusterIpRange,
          serviceNodePortRange: o.serviceNodePortRange,
          ...(o.advertiseAddress === undefined ? {} : { advertiseAddress: o.advertiseAddress }),
          logLevel: o.logLevel,
          ...(o.tlsCertFile === undefined ? {} : { tlsCertFile: o.tlsCertFile }),
          ...(o.tlsPrivateKeyFile === undefined ? {} : { tlsPrivateKeyFile: o.tlsPrivateKeyFile }),
          ...(o.clientCaFile === undefined ? {} : { clientCaFile: o.clientCaFile }),
          tlsSans: o.tlsSan,
          ...(o.tokenAuthFile === undefined ? {} : { tokenAuthFile: o.tokenAuthFile }),
          anonymousAuth: o.anonymousAuth,
          authorizationMode: o.authorizationMode,
          insecurePlainHttp: o.insecurePlainHttp,
          ...(o.serviceAccountSigningKeyFile === undefined ? {} : { serviceAccountSigningKeyFile: o.serviceAccountSigningKeyFile }),
          serviceAccountKeyFiles: o.serviceAccountKeyFile,
          serviceAccountIssuers: o.serviceAccountIssuer,
          ...(o.apiAudiences === undefined ? {} : { apiAudiences: o.apiAudiences }),
          ...(o.serviceAccountJwksUri === undefined ? {} : { serviceAccountJwksUri: o.serviceAccountJwksUri }),
          watchCache: o.watchCache,
          ...(o.watchCacheConsistentReads === undefined ? {} : { watchCacheConsistentReads: o.watchCacheConsistentReads }),
          insightTrailSize,
          ...(o.kubeletClientCertificate === undefined ? {} : { kubeletClientCertificate: o.kubeletClientCertificate }),
          ...(o.kubeletClientKey === undefined ? {} : { kubeletClientKey: o.kubeletClientKey }),
          ...(o.kubeletCertificateAuthority === undefined ? {} : { kubeletCertificateAuthority: o.kubeletCertificateAuthority }),
          kubeletPreferredAddressTypes: o.kubeletPreferredAddressTypes.split(',').map((s) => s.trim()).filter((s) => s !== ''),
          kubeletTimeoutMs,
        });
        log('info', 'kite apiserver is serving', { url: server.url, kubeconfig: server.kubeconfig, store: o.etcdServers || (o.embeddedStoreUrl === 'none' ? 'embedded' : `embedded, etcd API at ${o.embeddedStoreUrl} (etcd auth on; root's password in ${rootPasswordFile(o.dataDir)})`) });
        if (o.insecurePlainHttp) log('warn', 'serving plain HTTP without authentication: every request acts as system:unsecured in system:masters (loopback only; for tests and local study)');
        else if (o.anonymousAuth && o.authorizationMode.split(',').includes('AlwaysAllow')) log('warn', 'anonymous requests are on and authorization is AlwaysAllow: anyone who can reach the server can do anything');
        process.stdout.write(`Kite API server at ${server.url}. Point kubectl at it:\n  export KUBECONFIG=${server.kubeconfig}\n  kubectl get namespaces\nWatch Kubernetes use its store, live: open ${server.url}/ui/ in a browser\n`);
        stopOnSignals(() => server.stop());
      } catch (err) {
        log('error', err instanceof Error ? err.message : String(err));
        process.exit(1);
      }
    },
  );

const snapshot = program.command('snapshot').description('etcd-format snapshots');
snapshot
  .command('restore <file>')
  .description(
    "builds a new data dir from a snapshot saved by `etcdctl snapshot save` (from Kite or from etcd), taking etcdctl's restore flags. " +
      'With any of --name, --initial-cluster, --initial-advertise-peer-urls, --initial-cluster-token the data dir starts a member of a new cluster ' +
      'of exactly that membership (restore every member from the same snapshot with the same flags); without them, a single-member store.',
  )
  .option('--data-dir <dir>', 'path to the data directory (default "<name>.etcd")')
  .option('--name <name>', 'human-readable name for this member (default "default")')
  .option('--initial-cluster <list>', 'initial cluster configuration for restore bootstrap (default "default=http://localhost:2380")')
  .option('--initial-cluster-token <token>', 'initial cluster token for the etcd cluster during restore bootstrap (default "etcd-cluster")')
  .option('--initial-advertise-peer-urls <urls>', "list of this member's peer URLs to advertise to the rest of the cluster (default \"http://localhost:2380\")")
  .option('--skip-hash-check [bool]', 'ignore snapshot integrity hash value (required if copied from data directory)', parseBool, false)
  .option('--wal-dir <dir>', 'path to the WAL directory (default <data-dir>/raft/wal); written only with the membership flags above')
  .action(async (file: string, o: { dataDir?: string; name?: string; initialCluster?: string; initialClusterToken?: string; initialAdvertisePeerUrls?: string; skipHashCheck: boolean; walDir?: string }) => {
    // etcdctl's way of failing: "Error: " and the reason on stderr, exit status 1.
    const fail = (message: string): never => {
      process.stderr.write(`Error: ${message}\n`);
      process.exit(1);
    };
    try {
      const { restoreMember } = await import('../storage/server/restore-member.js');
      const r = await restoreMember(file, {
        name: o.name ?? 'default',
        dataDir: o.dataDir ?? '',
        initialCluster: o.initialCluster ?? 'default=http://localhost:2380',
        initialClusterToken: o.initialClusterToken ?? 'etcd-cluster',
        initialAdvertisePeerUrls: o.initialAdvertisePeerUrls ?? 'http://localhost:2380',
        skipHashCheck: o.skipHashCheck,
        walDir: o.walDir ?? '',
        asClusterMember: [o.name, o.initialCluster, o.initialClusterToken, o.initialAdvertisePeerUrls].some((v) => v !== undefined),
      });
      const auth = `${r.users} users, ${r.roles} roles, auth ${r.authEnabled ? 'enabled' : 'disabled'}`;
      console.log(`restored ${file} into ${r.dataDir}: revision ${r.revision}, ${r.keys} key versions, ${r.leases} leases, ${auth}`);
      if (r.cluster !== undefined) {
        const members = r.cluster.members.map((m) => `${m.name}=${formatMemberId(m.id)}`).join(', ');
        console.log(`member ${formatMemberId(r.cluster.memberId)} of new cluster ${formatMemberId(r.cluster.clusterId)}: ${members}`);
      }
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  });

await program.parseAsync(process.argv);
