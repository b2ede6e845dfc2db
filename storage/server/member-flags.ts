// Length: etcd's whole flag table, one line per flag, with the refused and no-effect lists, beside
// the parsing that reads it.

import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_QUOTA_BYTES, type MemberConfig } from './member-config.js';
import { DEFAULT_MAX_TXN_OPS } from './kv-applier.js';
import { parseAuthToken } from '../auth/auth-token-flag.js';
import { hasTls, parseTlsProtocol, type TlsSettings } from '../tls/tls-settings.js';

/**
 * etcd's member flags. Each may also come from the environment as ETCD_ plus the
 * flag name upper-cased with dashes as underscores (ETCD_DATA_DIR), so an etcd env
 * file works unchanged; a flag given both ways is an error, as in etcd.
 */
export const memberFlags = {
  name: { default: 'default', help: 'human-readable name for this member' },
  'data-dir': { default: '', help: 'path to the data directory (default "<name>.etcd")' },
  'wal-dir': { default: '', help: 'path to the dedicated WAL directory (default <data-dir>/raft/wal)' },
  'listen-client-urls': { default: 'http://localhost:2379', help: 'URLs to listen on for client traffic' },
  'advertise-client-urls': { default: 'http://localhost:2379', help: "this member's client URLs to advertise to the public" },
  'listen-peer-urls': { default: 'http://localhost:2380', help: 'URLs to listen on for peer traffic' },
  'initial-advertise-peer-urls': { default: 'http://localhost:2380', help: "this member's peer URLs to advertise to the rest of the cluster" },
  'initial-cluster': { default: 'default=http://localhost:2380', help: 'initial cluster configuration for bootstrapping' },
  'initial-cluster-state': { default: 'new', help: "initial cluster state ('new' or 'existing')" },
  'initial-cluster-token': { default: 'etcd-cluster', help: 'initial cluster token for the etcd cluster during bootstrap' },
  'max-request-bytes': { default: String(DEFAULT_MAX_REQUEST_BYTES), help: 'maximum client request size in bytes the server will accept' },
  'max-txn-ops': { default: String(DEFAULT_MAX_TXN_OPS), help: 'maximum number of operations permitted in a transaction' },
  'heartbeat-interval': { default: '100', help: 'time (in milliseconds) of a heartbeat interval' },
  'election-timeout': { default: '1000', help: 'time (in milliseconds) for an election to timeout' },
  'snapshot-count': { default: '100000', help: 'number of committed transactions to trigger a snapshot to disk' },
  'experimental-snapshot-catchup-entries': { default: '5000', help: 'number of entries for a slow follower to catch up after compacting the raft storage entries' },
  'quota-backend-bytes': { default: '0', help: 'raise alarms when backend size exceeds the given quota (0 defaults to low space quota)' },
  'auto-compaction-mode': { default: 'periodic', help: "interpret 'auto-compaction-retention' one of: periodic|revision" },
  'auto-compaction-retention': { default: '0', help: 'auto compaction retention length; 0 means disable auto compaction' },
  'unsafe-no-fsync': { default: 'false', bool: true, help: 'disables fsync, unsafe, will cause data loss (benchmarks only)' },
  'strict-reconfig-check': { default: 'true', bool: true, help: 'reject reconfiguration requests that would cause quorum loss' },
  'force-new-cluster': { default: 'false', bool: true, help: "force to create a new one member cluster: on a restart, commit entries that remove every other member (leave it off once the cluster has grown again, or it removes them again)" },
  // Security: TLS of the client and peer URLs.
  'cert-file': { default: '', help: 'path to the TLS certificate of the client URLs' },
  'key-file': { default: '', help: 'path to the TLS key of the client URLs' },
  'client-cert-auth': { default: 'false', bool: true, help: 'refuse clients without a certificate signed by --trusted-ca-file; a certificate CN names the auth user' },
  'client-crl-file': { default: '', help: 'path to a certificate revocation list for client certificates' },
  'client-cert-allowed-hostname': { default: '', help: 'host name a client certificate must be valid for' },
  'trusted-ca-file': { default: '', help: 'path to the CA bundle that client certificates must be signed by' },
  'auto-tls': { default: 'false', bool: true, help: 'serve the client URLs with a generated self-signed certificate' },
  'peer-cert-file': { default: '', help: 'path to the TLS certificate of the peer URLs (also presented to peers)' },
  'peer-key-file': { default: '', help: 'path to the TLS key of the peer URLs' },
  'peer-client-cert-auth': { default: 'false', bool: true, help: 'refuse peers without a certificate signed by --peer-trusted-ca-file' },
  'peer-trusted-ca-file': { default: '', help: 'path to the CA bundle that peer certificates must be signed by' },
  'peer-cert-allowed-cn': { default: '', help: 'the common name a peer certificate must have' },
  'peer-cert-allowed-hostname': { default: '', help: 'host name a peer certificate must be valid for' },
  'peer-auto-tls': { default: 'false', bool: true, help: 'serve the peer URLs with a generated self-signed certificate when no peer cert and key are given' },
  'peer-crl-file': { default: '', help: 'path to a certificate revocation list for peer certificates' },
  'cipher-suites': { default: '', help: 'comma-separated TLS 1.2 cipher suites (Go names) for clients and peers (empty: defaults)' },
  'tls-min-version': { default: 'TLS1.2', help: "minimum TLS version for clients and peers: TLS1.2 or TLS1.3 (etcd 3.5's flag)" },
  // Auth.
  'auth-token': { default: 'simple', help: "auth token type and options: 'simple' or 'jwt,pub-key=FILE,priv-key=FILE,sign-method=RS256,ttl=5m'" },
  'bcrypt-cost': { default: '10', help: 'bcrypt cost of stored password hashes (4 to 31)' },
  'auth-token-ttl': { default: '300', help: 'seconds a simple auth token lives unused' },
  // Honoured, beyond the above.
  debug: { default: 'false', bool: true, help: 'log at debug level (etcd 3.4: same as --log-level=debug)' },
  'pre-vote': { default: 'true', bool: true, help: "Raft's pre-vote phase, which keeps a rejoining member from disrupting the leader (etcd 3.4 defaults to false; Kite to true, as etcd 3.5)" },
  'backend-batch-interval': { default: '0', help: 'how long a cluster member holds applied writes before committing them together (Go duration; 0: 100ms, as etcd)' },
  'experimental-watch-progress-notify-interval': { default: '10m0s', help: 'interval of progress notifications to watchers that asked for them (Go duration)' },
  'experimental-peer-skip-client-san-verification': { default: 'false', bool: true, help: "skip the check of a peer certificate's SANs against the address it connects from" },
  'listen-metrics-urls': { default: '', help: 'extra URLs serving only /metrics and /health (https ones with the client certificate)' },
  'experimental-initial-corrupt-check': { default: 'false', bool: true, help: "before joining in, compare this member's data with its peers' and refuse to start on a mismatch" },
  'logger': { default: 'zap', help: "log format: zap, etcd's JSON lines (the only one Kite writes)" },
  'log-level': { default: 'info', help: 'lowest level logged: debug, info, warn, error, dpanic, panic, fatal' },
  'log-outputs': { default: 'default', help: "where logs go: 'default' (stderr), or a comma-separated list of stderr, stdout and absolute file paths" },
} as const;

export type MemberFlagName = keyof typeof memberFlags;

/**
 * etcd 3.4 flags for features Kite does not have. Their defaults (what etcd does when they are
 * not given) are accepted; any other value stops the start, naming the flag and saying why.
 */
const REFUSED: Record<string, { readonly default: string; readonly bool?: true; readonly why: string }> = {
  'enable-v2': { default: 'false', bool: true, why: "Kite serves etcd's v3 API only" },
  'experimental-enable-v2v3': { default: '', why: "Kite serves etcd's v3 API only" },
  'enable-pprof': { default: 'false', bool: true, why: "Kite is not a Go program; profile it with node's --cpu-prof or --inspect" },
  discovery: { default: '', why: 'discovery services are not supported; list the members in --initial-cluster' },
  'discovery-srv': { default: '', why: 'DNS discovery is not supported; list the members in --initial-cluster' },
  'discovery-srv-name': { default: '', why: 'DNS discovery is not supported; list the members in --initial-cluster' },
  'discovery-proxy': { default: '', why: 'discovery services are not supported; list the members in --initial-cluster' },
  'discovery-fallback': { default: 'proxy', why: 'discovery services are not supported' },
  proxy: { default: 'off', why: "etcd's v2 proxy mode is not supported" },
  'proxy-dial-timeout': { default: '1000', why: "etcd's v2 proxy mode is not supported" },
  'proxy-failure-wait': { default: '5000', why: "etcd's v2 proxy mode is not supported" },
  'proxy-read-timeout': { default: '0', why: "etcd's v2 proxy mode is not supported" },
  'proxy-refresh-interval': { default: '30000', why: "etcd's v2 proxy mode is not supported" },
  'proxy-write-timeout': { default: '5000', why: "etcd's v2 proxy mode is not supported" },
  'log-package-levels': { default: '', why: "it applies to the capnslog logger only; Kite logs as zap (use --log-level)" },
  'host-whitelist': { default: '*', why: 'Host header checks are not supported' },
  cors: { default: '', why: 'CORS headers are not supported' },
  'experimental-enable-lease-checkpoint': { default: 'false', bool: true, why: 'lease checkpoints are not supported yet' },
  'experimental-corrupt-check-time': { default: '0s', why: 'periodic corruption checks are not supported yet' },
  'grpc-keepalive-min-time': { default: '5s', why: 'configurable gRPC keepalive is not supported yet (the defaults are etcd\'s)' },
  'grpc-keepalive-interval': { default: '2h0m0s', why: 'configurable gRPC keepalive is not supported yet (the defaults are etcd\'s)' },
  'grpc-keepalive-timeout': { default: '20s', why: 'configurable gRPC keepalive is not supported yet (the defaults are etcd\'s)' },
  'max-concurrent-streams': { default: '4294967295', why: 'a per-connection stream limit is not supported yet' },
};

/**
 * etcd 3.4 flags that tune parts etcd has and Kite does not (bbolt, WAL and snapshot files).
 * Any value is accepted and the start-up log says, for each one given, why it has no effect.
 */
const WITHOUT_EFFECT: Record<string, { readonly default: string; readonly bool?: true; readonly why: string }> = {
  'max-snapshots': { default: '5', why: 'Kite writes no snapshot files to retain (its Raft snapshots live in lmdb)' },
  'max-wals': { default: '5', why: 'Kite writes no WAL files to retain (its Raft log lives in lmdb)' },
  'backend-batch-limit': { default: '0', why: "Kite's backend commits by --backend-batch-interval only" },
  'experimental-backend-bbolt-freelist-type': { default: 'map', why: "Kite's backend is lmdb, not bbolt" },
  'experimental-compaction-batch-limit': { default: '1000', why: 'Kite compacts in one lmdb transaction per batch of its own size' },
  'experimental-warning-apply-duration': { default: '100ms', why: 'Kite does not log slow applies yet' },
  'initial-election-tick-advance': { default: 'true', bool: true, why: "Kite's Raft always waits a full election timeout before its first election" },
  metrics: { default: 'basic', why: 'Kite serves the same metric families at either level' },
};

export interface FlagSpec {
  readonly default: string;
  readonly bool?: true;
  readonly help: string;
}

/** The etcd 3.4 flags Kite takes without acting on them: refused unless at their default, or without effect. */
export const etcdOnlyFlags: Readonly<Record<string, FlagSpec>> = Object.fromEntries([
  ...Object.entries(REFUSED).map(([flag, r]) => [flag, { default: r.default, ...(r.bool ? { bool: true } : {}), help: `accepted only as ${JSON.stringify(r.default)}: ${r.why}` }]),
  ...Object.entries(WITHOUT_EFFECT).map(([flag, r]) => [flag, { default: r.default, ...(r.bool ? { bool: true } : {}), help: `no effect in Kite: ${r.why}` }]),
]);

/** Every flag kite store takes: its own and etcd's others. */
export function allFlagSpecs(): Record<string, FlagSpec> {
  return { ...memberFlags, ...etcdOnlyFlags };
}

/** Stops the start on a flag Kite refuses at a value other than its default. */
function refuseUnsupported(values: Readonly<Record<string, string>>): void {
  for (const [flag, r] of Object.entries(REFUSED)) {
    const v = values[flag] ?? r.default;
    const same = r.bool ? parseBool(flag, v) === parseBool(flag, r.default) : v === r.default || (isDuration(r.default) && isDuration(v) && goDurationMs(flag, v) === goDurationMs(flag, r.default));
    if (!same) throw new ConfigError(`--${flag}=${v} is not supported: ${r.why}`);
  }
}

/** For the start-up log: each flag given that has no effect in Kite, and why. */
export function withoutEffectNotes(values: Readonly<Record<string, string>>, explicit: ReadonlySet<string>): string[] {
  return Object.keys(WITHOUT_EFFECT)
    .filter((flag) => explicit.has(flag))
    .map((flag) => `--${flag}=${values[flag]} has no effect: ${WITHOUT_EFFECT[flag]!.why}`);
}

const DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const isDuration = (v: string): boolean => v === '0' || DURATION.test(v);

function positiveDuration(flag: string, v: string): number {
  const ms = goDurationMs(flag, v);
  if (ms <= 0) throw new ConfigError(`--${flag}: expected a positive duration, got ${JSON.stringify(v)}`);
  return ms;
}

/**
 * --listen-metrics-urls: http, or https served with the client certificate (as etcd serves
 * them), which must then be given or generated.
 */
function metricsUrls(v: string, clientTls: TlsSettings): string[] {
  const list = urls('listen-metrics-urls', v);
  for (const u of list) {
    if (u.startsWith('https:') && !hasTls(clientTls)) throw new ConfigError(`cannot listen on TLS for ${new URL(u).host}: KeyFile and CertFile are not presented`);
    if (!u.startsWith('http:') && !u.startsWith('https:')) throw new ConfigError(`--listen-metrics-urls=${u} is not supported: metrics URLs must be http or https`);
  }
  return list;
}

/** A Go duration ("1h30m", "500ms", "0") in milliseconds. */
export function goDurationMs(flag: string, v: string): number {
  if (v === '0') return 0;
  if (!DURATION.test(v)) throw new ConfigError(`invalid value ${JSON.stringify(v)} for --${flag}: expected a duration such as 100ms, 5s or 10m0s`);
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return [...v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** Whether a flag is boolean: given alone (--client-cert-auth) it means true. */
export function isBoolFlag(flag: string): boolean {
  return allFlagSpecs()[flag]?.bool === true;
}

/** Go's strconv.ParseBool, as etcd reads boolean flags and variables. */
function parseBool(flag: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new ConfigError(`invalid boolean value ${JSON.stringify(v)} for --${flag}: parse error`);
}

/** The environment variable etcd reads for a flag. */
export function envName(flag: string): string {
  return 'ETCD_' + flag.toUpperCase().replace(/-/g, '_');
}

/** The level the member logs at: debug with --debug (etcd 3.4's older flag), else --log-level. */
export function logLevelOf(values: Readonly<Record<string, string>>): string {
  return parseBool('debug', values.debug ?? 'false') ? 'debug' : (values['log-level'] ?? 'info');
}

/** Raised for configuration a member refuses to start with. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Every flag's value: Kite's own by name, and etcd's others. */
export type FlagValues = Record<MemberFlagName, string> & Readonly<Record<string, string>>;

/**
 * Merges flags given on the command line with ETCD_* variables and defaults.
 * `given` holds only the flags actually present on the command line.
 */
export function resolveFlags(given: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): { values: FlagValues; explicit: Set<MemberFlagName>; warnings: string[] } {
  const values: Record<string, string> = {};
  const explicit = new Set<string>();
  const warnings: string[] = [];
  const specs = allFlagSpecs();
  for (const [flag, spec] of Object.entries(specs)) {
    const fromEnv = env[envName(flag)];
    const fromFlag = given[flag];
    if (fromFlag !== undefined && fromEnv !== undefined) {
      throw new ConfigError(`conflicting environment variable "${envName(flag)}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`);
    }
    const v = fromFlag ?? fromEnv;
    if (v !== undefined) explicit.add(flag);
    values[flag] = v ?? spec.default;
  }
  const known = new Set(Object.keys(specs).map(envName));
  for (const key of Object.keys(env)) {
    if (key.startsWith('ETCD_') && !known.has(key) && key !== 'ETCD_UNSUPPORTED_ARCH') warnings.push(`unrecognized environment variable ${key}=${env[key]}`);
  }
  return { values: values as FlagValues, explicit: explicit as Set<MemberFlagName>, warnings };
}

function urls(flag: string, v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const u of list) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new ConfigError(`--${flag}: invalid URL ${JSON.stringify(u)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== 'unix:' && parsed.protocol !== 'unixs:') {
      throw new ConfigError(`--${flag}: URL scheme must be http, https, unix, or unixs: ${u}`);
    }
  }
  return list;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`--${flag}: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Parses --initial-cluster: name=url[,name=url...]; a name may repeat for several URLs. */
export function parseInitialCluster(v: string): Map<string, string[]> {
  const cluster = new Map<string, string[]>();
  for (const part of v.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--initial-cluster: expected name=URL, got ${JSON.stringify(part)}`);
    const name = part.slice(0, eq);
    const list = cluster.get(name) ?? [];
    list.push(...urls('initial-cluster', part.slice(eq + 1)));
    cluster.set(name, list);
  }
  return cluster;
}

/**
 * etcd's --auto-compaction-retention: in revision mode a count of revisions; in
 * periodic mode a duration ("5m", "1h30m") or a bare number of hours. 0 turns it off.
 */
export function parseAutoCompaction(mode: 'periodic' | 'revision', retention: string): MemberConfig['autoCompaction'] {
  if (mode === 'revision') {
    const n = Number(retention);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`--auto-compaction-retention: expected a revision count, got ${JSON.stringify(retention)}`);
    return n === 0 ? undefined : { mode, retention: n };
  }
  const hours = /^\d+(\.\d+)?$/.test(retention);
  if (!hours && !DURATION.test(retention)) {
    throw new ConfigError(`--auto-compaction-retention: expected a duration such as 5m or 1h, or a number of hours, got ${JSON.stringify(retention)}`);
  }
  const ms = hours ? Number(retention) * 3_600_000 : goDurationMs('auto-compaction-retention', retention);
  return ms === 0 ? undefined : { mode, retentionMs: ms };
}

/** Checks resolved flags as etcd does at start-up and builds the member's configuration. */
export function buildMemberConfig(values: FlagValues, explicit: ReadonlySet<MemberFlagName>): MemberConfig {
  refuseUnsupported(values);
  logLevelOf(values); // the log reads it (bin/kite.ts); a bad --debug is refused here too
  const name = values.name;
  if (explicit.has('listen-client-urls') && !explicit.has('advertise-client-urls')) {
    throw new ConfigError('--advertise-client-urls is required when --listen-client-urls is set explicitly');
  }
  const state = values['initial-cluster-state'];
  if (state !== 'new' && state !== 'existing') {
    throw new ConfigError(`invalid value "${state}" for --initial-cluster-state: valid values are "new" or "existing"`);
  }
  const advertisePeer = urls('initial-advertise-peer-urls', values['initial-advertise-peer-urls']);
  // As etcd: a member named other than "default" with no --initial-cluster bootstraps alone.
  const initialClusterText =
    !explicit.has('initial-cluster') && name !== 'default' ? advertisePeer.map((u) => `${name}=${u}`).join(',') : values['initial-cluster'];
  const initialCluster = parseInitialCluster(initialClusterText);
  const mine = initialCluster.get(name);
  if (mine === undefined) throw new ConfigError(`couldn't find local name "${name}" in the initial cluster configuration`);
  const sortedMine = [...mine].sort().join(',');
  if (sortedMine !== [...advertisePeer].sort().join(',')) {
    throw new ConfigError(
      `--initial-cluster has ${name}=${mine.join(',')} but missing from --initial-advertise-peer-urls=${advertisePeer.join(',')}`,
    );
  }
  if (Number(values['election-timeout']) < 5 * Number(values['heartbeat-interval'])) {
    throw new ConfigError(`--election-timeout[${values['election-timeout']}ms] should be at least as 5 times as --heartbeat-interval[${values['heartbeat-interval']}ms]`);
  }
  const mode = values['auto-compaction-mode'];
  if (mode !== 'periodic' && mode !== 'revision') {
    throw new ConfigError(`unknown auto-compaction-mode ${JSON.stringify(mode)}: expected periodic or revision`);
  }
  const autoCompaction = parseAutoCompaction(mode, values['auto-compaction-retention']);
  const clientTls: TlsSettings = {
    certFile: values['cert-file'],
    keyFile: values['key-file'],
    trustedCaFile: values['trusted-ca-file'],
    clientCertAuth: parseBool('client-cert-auth', values['client-cert-auth']),
    crlFile: values['client-crl-file'],
    autoTls: parseBool('auto-tls', values['auto-tls']),
    allowedCn: '',
    allowedHostname: values['client-cert-allowed-hostname'],
  };
  const peerTls: TlsSettings = {
    certFile: values['peer-cert-file'],
    keyFile: values['peer-key-file'],
    trustedCaFile: values['peer-trusted-ca-file'],
    clientCertAuth: parseBool('peer-client-cert-auth', values['peer-client-cert-auth']),
    crlFile: values['peer-crl-file'],
    autoTls: parseBool('peer-auto-tls', values['peer-auto-tls']),
    allowedCn: values['peer-cert-allowed-cn'],
    allowedHostname: values['peer-cert-allowed-hostname'],
  };
  const listenClientUrls = urls('listen-client-urls', values['listen-client-urls']);
  const listenPeerUrls = urls('listen-peer-urls', values['listen-peer-urls']);
  // etcd's start-up checks: an https URL needs a certificate (given or generated).
  for (const u of listenClientUrls) {
    if (u.startsWith('https:') && !hasTls(clientTls)) throw new ConfigError(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${u} with HTTPS scheme`);
  }
  for (const u of listenPeerUrls) {
    if (u.startsWith('https:') && !hasTls(peerTls)) throw new ConfigError(`cannot listen on TLS for ${new URL(u).host}: KeyFile and CertFile are not presented`);
  }
  const tlsProtocol = parseTlsProtocol(values['cipher-suites'], values['tls-min-version']);
  if ('error' in tlsProtocol) throw new ConfigError(tlsProtocol.error);
  const bcryptCost = Number(values['bcrypt-cost']);
  if (!Number.isInteger(bcryptCost) || bcryptCost < 4 || bcryptCost > 31) {
    throw new ConfigError(`--bcrypt-cost: expected an integer between 4 and 31, got ${JSON.stringify(values['bcrypt-cost'])}`);
  }
  let jwt;
  try {
    jwt = parseAuthToken(values['auth-token']);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const auth = {
    ...(jwt === undefined ? {} : { jwt }),
    tokenTtlSeconds: positiveInt('auth-token-ttl', values['auth-token-ttl']),
    bcryptCost,
    clientCertAuth: clientTls.clientCertAuth,
  };
  const quota = Number(values['quota-backend-bytes']);
  if (!Number.isInteger(quota)) throw new ConfigError(`--quota-backend-bytes: expected an integer, got ${JSON.stringify(values['quota-backend-bytes'])}`);
  return {
    name,
    dataDir: values['data-dir'] === '' ? `${name}.etcd` : values['data-dir'],
    ...(values['wal-dir'] === '' ? {} : { walDir: values['wal-dir'] }),
    listenClientUrls,
    advertiseClientUrls: urls('advertise-client-urls', values['advertise-client-urls']),
    listenPeerUrls,
    initialAdvertisePeerUrls: advertisePeer,
    initialCluster,
    initialClusterState: state,
    initialClusterToken: values['initial-cluster-token'],
    maxRequestBytes: positiveInt('max-request-bytes', values['max-request-bytes']),
    maxTxnOps: positiveInt('max-txn-ops', values['max-txn-ops']),
    quotaBackendBytes: quota === 0 ? DEFAULT_QUOTA_BYTES : Math.max(0, quota),
    ...(autoCompaction === undefined ? {} : { autoCompaction }),
    electionTimeoutMs: positiveInt('election-timeout', values['election-timeout']),
    heartbeatIntervalMs: positiveInt('heartbeat-interval', values['heartbeat-interval']),
    snapshotCount: positiveInt('snapshot-count', values['snapshot-count']),
    snapshotCatchUpEntries: positiveInt('experimental-snapshot-catchup-entries', values['experimental-snapshot-catchup-entries']),
    unsafeNoFsync: parseBool('unsafe-no-fsync', values['unsafe-no-fsync']),
    strictReconfigCheck: parseBool('strict-reconfig-check', values['strict-reconfig-check']),
    forceNewCluster: parseBool('force-new-cluster', values['force-new-cluster']),
    preVote: parseBool('pre-vote', values['pre-vote']),
    initialCorruptCheck: parseBool('experimental-initial-corrupt-check', values['experimental-initial-corrupt-check']),
    backendBatchIntervalMs: goDurationMs('backend-batch-interval', values['backend-batch-interval']),
    watchProgressNotifyIntervalMs: positiveDuration('experimental-watch-progress-notify-interval', values['experimental-watch-progress-notify-interval']),
    peerSkipClientSanVerification: parseBool('experimental-peer-skip-client-san-verification', values['experimental-peer-skip-client-san-verification']),
    listenMetricsUrls: metricsUrls(values['listen-metrics-urls'], clientTls),
    clientTls,
    peerTls,
    tlsProtocol,
    auth,
  };
}
