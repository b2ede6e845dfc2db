import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientServer } from '../http/serve-clients.js';
import type { ClientHooks } from '../grpc/client-observer.js';
import { WatchableStore } from '../mvcc/watchable-store.js';
import { walDirOf, type MemberConfig } from '../server/member-config.js';
import { stderrLog, type MemberLog } from '../server/member-log.js';
import { ConfigError } from '../server/member-flags.js';
import { StoreServer } from '../server/store-server.js';
import { hasRaftLog } from '../raft/disk-storage.js';
import { Compactor } from '../server/compactor.js';
import { systemClock } from '../lease/clock.js';
import { readMemberTls, withAutoTls, type MemberTls } from '../server/member-tls.js';
import { TlsConfigError, type TlsMaterial } from '../tls/tls-material.js';

/** A running member: its store, its watchable view, and its client listeners (if it serves clients). */
export interface RunningMember {
  readonly store: StoreServer;
  readonly watchable: WatchableStore;
  readonly clients: ClientServer | undefined;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Serve etcd's API on --listen-client-urls (default true). */
  readonly serveClients?: boolean;
  /**
   * Runs once the store is open, before clients are served: the API server sets up
   * the embedded store's users here, so no client ever sees it without them. clientTls is
   * the certificate of https client URLs (--cert-file, --key-file, --trusted-ca-file).
   */
  readonly beforeServing?: (store: StoreServer, watchable: WatchableStore, clientTls: TlsMaterial | undefined) => Promise<void>;
  /** Called after the member stopped because the cluster removed it. */
  readonly onRemoved?: () => void;
  /** Called after the member stopped because it failed (see StoreServer.onFatal). */
  readonly onFatal?: (err: Error) => void;
  /** An observer of served calls and an extra HTTP handler for the client URLs (see client-observer.ts). */
  readonly hooks?: ClientHooks;
  /** Where the member logs (--log-level, --log-outputs); default: every line to stderr. */
  readonly log?: MemberLog;
}

function isMissingOrEmpty(dir: string): boolean {
  return !existsSync(dir) || (statSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

/** Removes what a failed start created: a new data dir, and a new --wal-dir outside it (emptied if it was there, empty). */
function removeCreated(dataDir: string, newDataDir: boolean, walDir: string, walDirState: 'missing' | 'empty' | 'used'): void {
  if (newDataDir) rmSync(dataDir, { recursive: true, force: true });
  if (walDirState === 'missing') rmSync(walDir, { recursive: true, force: true });
  if (walDirState === 'empty') {
    for (const name of readdirSync(walDir)) rmSync(join(walDir, name), { recursive: true, force: true });
  }
}

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot access data directory ${JSON.stringify(dir)}: ${why}`);
  }
}

/** Reads the member's certificate files; a bad one is a configuration error. */
function readTls(config: MemberConfig): MemberTls {
  try {
    return readMemberTls(config);
  } catch (err) {
    if (err instanceof TlsConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

/**
 * Starts a member with config: opens its store and serves clients. Configuration is checked
 * before anything is written; a data dir this start created is removed again if the member
 * cannot start, so a failed start leaves nothing behind.
 */
export async function runMember(config: MemberConfig, options: RunOptions = {}): Promise<RunningMember> {
  const log = options.log ?? stderrLog;
  const givenTls = readTls(config);
  const isNewDataDir = isMissingOrEmpty(config.dataDir);
  const walDir = walDirOf(config);
  // Only a --wal-dir of its own is cleaned up after a failed start; the default one is in the data dir.
  const walDirState = config.walDir === undefined || config.walDir === '' ? 'used' : !existsSync(walDir) ? 'missing' : isMissingOrEmpty(walDir) ? 'empty' : 'used';
  if (config.forceNewCluster === true && !hasRaftLog(join(config.dataDir, 'raft'), walDir)) {
    // As etcd: the flag acts on a restart of a member with a log; a new data dir forms the
    // cluster the flags describe.
    log('info', 'kite/main', '--force-new-cluster has no effect: the data dir holds no Raft log', { 'data-dir': config.dataDir });
  }
  checkDataDir(config.dataDir);
  let store: StoreServer;
  let tls: MemberTls;
  try {
    tls = await withAutoTls(config, givenTls);
    const clusterLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void => log(level, 'kite/cluster', msg, fields);
    store = await StoreServer.start(config, { log: clusterLog, ...(tls.peer === undefined ? {} : { peerTls: tls.peer }) });
  } catch (err) {
    removeCreated(config.dataDir, isNewDataDir, walDir, walDirState);
    if (err instanceof TlsConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const watchable = new WatchableStore(store.kv);
  let clients: ClientServer | undefined;
  try {
    // A member alone elects itself at once; like etcd, it serves clients once it has
    // published its client URLs. (Members of a larger cluster may wait for the others.)
    if (store.isSoleVoter) await store.untilPublished();
    await options.beforeServing?.(store, watchable, tls.client);
    // The wire edge (gRPC, protobuf, the JSON gateway) loads only for a member that serves it:
    // an API server's embedded store without client URLs never needs it.
    if (options.serveClients !== false) clients = await (await import('../http/serve-clients.js')).serveClients(store, { watchable, ...(options.hooks === undefined ? {} : { hooks: options.hooks }), ...(tls.client === undefined ? {} : { tls: tls.client }) });
  } catch (err) {
    watchable.close();
    await store.close();
    removeCreated(config.dataDir, isNewDataDir, walDir, walDirState);
    throw err;
  }
  const warn = (msg: string, err: unknown): void => log('warn', 'kite/store', msg, { error: String(err) });
  // etcd checks for expired leases every 500 ms.
  let revoking = false;
  const leaseTimer = setInterval(() => {
    if (revoking) return;
    revoking = true;
    store.revokeExpiredLeases().then(
      () => (revoking = false),
      (err: unknown) => {
        revoking = false;
        warn('failed to revoke expired leases', err);
      },
    );
  }, 500);
  let compactTimer: NodeJS.Timeout | undefined;
  if (config.autoCompaction !== undefined) {
    const compactor = new Compactor({ get revision() { return store.kv.revision; }, get compactRevision() { return store.kv.compactRevision; }, compact: (rev) => store.compact({ revision: rev }) }, systemClock, config.autoCompaction);
    compactTimer = setInterval(() => void compactor.tick().catch((err: unknown) => warn('auto compaction failed', err)), Math.max(1000, Math.min(compactor.interval, 60_000)));
  }
  const member: RunningMember = {
    store,
    watchable,
    clients,
    stop: async () => {
      clearInterval(leaseTimer);
      if (compactTimer !== undefined) clearInterval(compactTimer);
      await clients?.close();
      watchable.close();
      await store.close();
    },
  };
  store.onRemoved = () => {
    void member.stop().then(() => options.onRemoved?.());
  };
  store.onFatal = (err) => {
    void member.stop().finally(() => options.onFatal?.(err));
  };
  return member;
}

