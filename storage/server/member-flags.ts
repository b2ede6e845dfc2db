import { DEFAULT_MAX_REQUEST_BYTES, DEFAULT_QUOTA_BYTES, type MemberConfig } from './member-config.js';
import { DEFAULT_MAX_TXN_OPS } from './kv-applier.js';

/**
 * etcd's member flags. Each may also come from the environment as ETCD_ plus the
 * flag name upper-cased with dashes as underscores (ETCD_DATA_DIR), so an etcd env
 * file works unchanged; a flag given both ways is an error, as in etcd.
 */
export const memberFlags = {
  name: { default: 'default', help: 'human-readable name for this member' },
  'data-dir': { default: '', help: 'path to the data directory (default "<name>.etcd")' },
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
  'unsafe-no-fsync': { default: 'false', help: 'disables fsync, unsafe, will cause data loss (benchmarks only)' },
  'logger': { default: 'zap', help: "accepted for compatibility with etcd's flags" },
  'log-level': { default: 'info', help: 'log level: debug, info, warn, error' },
} as const;

export type MemberFlagName = keyof typeof memberFlags;

/** The environment variable etcd reads for a flag. */
export function envName(flag: string): string {
  return 'ETCD_' + flag.toUpperCase().replace(/-/g, '_');
}

/** Raised for configuration a member refuses to start with. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Merges flags given on the command line with ETCD_* variables and defaults.
 * `given` holds only the flags actually present on the command line.
 */
export function resolveFlags(given: Partial<Record<MemberFlagName, string>>, env: NodeJS.ProcessEnv): { values: Record<MemberFlagName, string>; explicit: Set<MemberFlagName>; warnings: string[] } {
  const values = {} as Record<MemberFlagName, string>;
  const explicit = new Set<MemberFlagName>();
  const warnings: string[] = [];
  for (const flag of Object.keys(memberFlags) as MemberFlagName[]) {
    const fromEnv = env[envName(flag)];
    const fromFlag = given[flag];
    if (fromFlag !== undefined && fromEnv !== undefined) {
      throw new ConfigError(`conflicting environment variable "${envName(flag)}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`);
    }
    const v = fromFlag ?? fromEnv;
    if (v !== undefined) explicit.add(flag);
    values[flag] = v ?? memberFlags[flag].default;
  }
  const known = new Set(Object.keys(memberFlags).map(envName));
  for (const key of Object.keys(env)) {
    if (key.startsWith('ETCD_') && !known.has(key) && key !== 'ETCD_UNSUPPORTED_ARCH') warnings.push(`unrecognized environment variable ${key}=${env[key]}`);
  }
  return { values, explicit, warnings };
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
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(retention)) {
    ms = Number(retention) * 3_600_000;
  } else {
    const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    const parts = [...retention.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== retention) {
      throw new ConfigError(`--auto-compaction-retention: expected a duration such as 5m or 1h, or a number of hours, got ${JSON.stringify(retention)}`);
    }
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
  }
  return ms === 0 ? undefined : { mode, retentionMs: ms };
}

/** Checks resolved flags as etcd does at start-up and builds the member's configuration. */
export function buildMemberConfig(values: Record<MemberFlagName, string>, explicit: ReadonlySet<MemberFlagName>): MemberConfig {
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
  const quota = Number(values['quota-backend-bytes']);
  if (!Number.isInteger(quota)) throw new ConfigError(`--quota-backend-bytes: expected an integer, got ${JSON.stringify(values['quota-backend-bytes'])}`);
  return {
    name,
    dataDir: values['data-dir'] === '' ? `${name}.etcd` : values['data-dir'],
    listenClientUrls: urls('listen-client-urls', values['listen-client-urls']),
    advertiseClientUrls: urls('advertise-client-urls', values['advertise-client-urls']),
    listenPeerUrls: urls('listen-peer-urls', values['listen-peer-urls']),
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
    unsafeNoFsync: values['unsafe-no-fsync'] === 'true',
  };
}
