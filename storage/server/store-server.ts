// The store member: etcd's server. Requests become proposals; apply() is the only writer of
// the store, the lessor, the alarms and the membership. It is one class because every one of
// these shares the member's state (the node, the applied index, the waiters); how a member
// starts is in member-bootstrap.ts, what requests answer in member-types.ts.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { INTERNAL, ANONYMOUS, type AuthInfo, type CallCredentials, type Caller } from '../auth/auth-info.js';
import type { AuthCommand, StoredAuth } from '../auth/auth-store.js';
import { checkDeleteRange, checkLeaseKeys, checkPut, checkRange, checkTxn, type LeaseKeys } from './kv-permissions.js';
import { DEFAULT_AUTH_OPTIONS, MemberAuth } from '../auth/member-auth.js';
import { StorageError, type StorageErrorCode } from '../errors.js';
import { systemClock, type Clock } from '../lease/clock.js';
import { Lessor, type LeaseTimeToLive } from '../lease/lessor.js';
import { toKeyRange, type Event } from '../mvcc/key-value.js';
import { KvStore } from '../mvcc/kv-store.js';
import { ConfChangeType, decodeConfChange, type ConfChange } from '../raft/core/conf-change.js';
import { EntryType, NONE, type Entry, type Message, type NodeId, type Snapshot } from '../raft/core/messages.js';
import { DiskLogStorage, hasRaftLog } from '../raft/disk-storage.js';
import { RaftNode, type RaftApplication } from '../raft/node.js';
import { PeerTransport } from '../raft/transport/transport.js';
import type { TlsMaterial } from '../tls/tls-material.js';
import { ETCD_API_VERSION } from '../version.js';
import type { ClusterView } from './cluster-join.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest, DEFAULT_MAX_TXN_OPS, KvApplier } from './kv-applier.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
} from './kv-requests.js';
import { forceNewClusterAndLog, planStart } from './member-bootstrap.js';
import { walDirOf, type MemberConfig } from './member-config.js';
import { ConfigError } from './member-flags.js';
import { computeMemberId, formatMemberId } from './member-id.js';
import { stderrLog, type ComponentLog } from './member-log.js';
import { MemberStats, type PeerTraffic } from './member-stats.js';
import { Proposals, toStorageError } from './proposals.js';
import {
  fromStored,
  IdGenerator,
  isReadOnlyTxn,
  toStored,
  type AlarmInfo,
  type AlarmType,
  type AuthAnswer,
  type HeaderInfo,
  type MemberInfo,
  type StatusInfo,
  type StoredMember,
} from './member-types.js';
import { refuseAdd, refusePromote, refuseRemove, type ReconfigView } from './reconfig-check.js';
import {
  decodeEnvelope,
  decodeMemberContext,
  encodeEnvelope,
  encodeMemberContext,
  type MemberContext,
  type ReplicatedRequest,
} from './replicated-request.js';

/** etcd's default --snapshot-count. */
export const DEFAULT_SNAPSHOT_COUNT = 100_000;

/**
 * What applying one command produced: the response, and what the caller must wait for
 * besides (a physical compaction); `durable` is when lmdb has the change, which only the
 * Raft log's compaction waits for (the log already holds the entry durably).
 */
interface AppliedCommand {
  readonly response: unknown;
  readonly durable: Promise<unknown>;
  readonly wait?: Promise<unknown>;
}

/** A broken invariant of the log or the store: the member stops rather than go on inconsistent. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

const defaultLog: ComponentLog = (level, msg, fields) => stderrLog(level, 'kite/cluster', msg, fields);

/**
 * How long a member holds the writes it applies before lmdb commits them together. Nothing
 * but Raft log compaction waits for these commits, and each costs two fsyncs, so fewer of them
 * leave more CPU for the puts. etcd's backend batch interval has the same default.
 */
const BACKEND_BATCH_INTERVAL_MS = 100;

/** Paths a member answers on its peer port besides Raft's own. */
const PEER_PATHS = {
  leaseRenew: '/kite/lease/renew',
  leaseTimeToLive: '/kite/lease/ttl',
  promote: '/kite/member/promote',
  hashKv: '/kite/member/hashkv',
} as const;

/**
 * A store member, alone or one of a cluster: a lone member is a one-voter cluster with the
 * same log and applier. Every change goes through the Raft log: a request is proposed as an
 * entry, and answered when this member applies it. Linearizable reads wait
 * for a ReadIndex confirmation; serializable reads answer from local state.
 *
 * Data dir layout: `kite.mdb` holds the MVCC store, leases, membership and the index of the
 * last applied entry (written in the same lmdb transaction as the entry's changes, so a
 * crash never applies an entry twice or skips one); `raft/wal/` holds the Raft log, hard
 * state and snapshot metadata (storage/raft/wal).
 */
export class StoreServer implements RaftApplication {
  readonly config: MemberConfig;
  readonly kv: KvStore;
  private readonly applier: KvApplier;
  readonly lessor: Lessor;
  /** Users, roles and permissions, and the tokens issued to users (storage/auth). */
  readonly auth: MemberAuth;
  /** The keys attached to a lease, for the permission checks of lease users. */
  private readonly leaseKeys: LeaseKeys = (id) => this.lessor.get(id)?.keys;
  /** Where new lease ids come from. */
  private readonly newLeaseIds: IdGenerator;
  readonly memberId: bigint;
  readonly clusterId: bigint;
  /** The index of the last entry applied, committed with the changes it made (the consistent index). */
  private appliedIndex: number;
  private readonly alarms: Set<AlarmType>;
  /** Set while work that must not interleave with applying runs (defragment, snapshots): writes wait for it. */
  private gate: Promise<void> | undefined;
  private closed = false;
  /** What the member counts for its metrics (proposals, sync and commit timings). */
  readonly stats = new MemberStats();
  private node!: RaftNode;
  private transport!: PeerTransport;
  private readonly memberMap = new Map<NodeId, MemberInfo>();
  private readonly removed = new Set<NodeId>();
  private readonly proposals: Proposals;
  private leader: NodeId = NONE;
  /** Times a leader (other than the one before) was seen, as etcd_server_leader_changes_seen_total counts. */
  private leaderChangeCount = 0;
  /** Database files received with snapshot messages, by snapshot index. */
  private readonly receivedSnapshots = new Map<number, string>();
  private publishTimer: NodeJS.Timeout | undefined;
  private markPublished!: () => void;
  private readonly published = new Promise<void>((resolve) => (this.markPublished = resolve));
  private removing = false;
  private readonly logFn: ComponentLog;
  private readonly requestTimeoutMs: number;
  /** The peer certificate (https peer URLs); set once at start. */
  private peerTls: TlsMaterial | undefined;
  /** Called when this member has been removed from the cluster; it must stop. */
  onRemoved: (() => void) | undefined;
  /** Called when the member failed (its log or store broke an invariant); it must stop. */
  onFatal: ((err: Error) => void) | undefined;
  /** Why the member failed, once it has. */
  private failure: Error | undefined;
  /** The index of the last entry Raft handed to apply() (or of the snapshot installed) in this run. */
  private handedIndex: number | undefined;

  private constructor(config: MemberConfig, kv: KvStore, clock: Clock, identity: { memberId: bigint; clusterId: bigint }, log: ComponentLog) {
    this.config = config;
    this.kv = kv;
    this.memberId = identity.memberId;
    this.clusterId = identity.clusterId;
    // etcd's minimum lease TTL: 1.5 election timeouts, rounded up to whole seconds.
    this.lessor = new Lessor(clock, Math.ceil((1.5 * config.electionTimeoutMs) / 1000));
    this.applier = new KvApplier(kv, this.lessor);
    kv.storage.observeCommits((seconds) => this.stats.backendCommit(seconds));
    this.auth = new MemberAuth(kv.storage.getMeta<StoredAuth>('auth'), config.auth ?? DEFAULT_AUTH_OPTIONS, clock);
    this.appliedIndex = kv.storage.getMeta<number>('consistentIndex') ?? 0;
    this.newLeaseIds = new IdGenerator(this.memberId);
    this.alarms = new Set(kv.storage.getMeta<AlarmType[]>('alarms') ?? []);
    this.restoreLeases();
    this.logFn = log;
    // etcd's request timeout: 5 s plus two election timeouts.
    this.requestTimeoutMs = 5000 + 2 * config.electionTimeoutMs;
    this.proposals = new Proposals(this.memberId, () => this.node.currentTerm, this.stats, this.requestTimeoutMs);
    this.loadMembership();
  }

  /**
   * Opens (or updates) the transport's way to member m, unless m is this member. A founding
   * member's entry carries no URLs: a member that joined later and replays the log meets
   * members it never knew (removed since), with nowhere to send to.
   */
  private dial(m: MemberInfo): void {
    if (m.id !== this.memberId && m.peerUrls.length > 0) this.transport.addPeer(m.id, m.peerUrls);
  }

  /** Membership as the database records it (on start, and after a snapshot replaced it). */
  private loadMembership(): void {
    this.memberMap.clear();
    for (const m of this.kv.storage.getMeta<StoredMember[]>('members') ?? []) this.memberMap.set(BigInt(m.id), fromStored(m));
    for (const id of this.kv.storage.getMeta<string[]>('removedMembers') ?? []) this.removed.add(BigInt(id));
  }

  /**
   * Opens a cluster member: a restart from its data dir, the founding of a new cluster
   * (--initial-cluster-state=new), or joining a running one (existing) that has already
   * added it with `member add`.
   */
  static async start(config: MemberConfig, options: { clock?: Clock; log?: ComponentLog; peerTls?: TlsMaterial } = {}): Promise<StoreServer> {
    const log = options.log ?? defaultLog;
    const raftDir = join(config.dataDir, 'raft');
    mkdirSync(raftDir, { recursive: true });
    // Reads see applied writes at once: an entry is durable in the Raft log before it is
    // applied, so an applied write survives a crash (it is applied again from the log,
    // after the consistent index committed with it). For the same reason lmdb commits can
    // gather writes for a while, as etcd's backend batches them.
    const kv = KvStore.open(config.dataDir, { unsafeNoSync: config.unsafeNoFsync, visibleOnWrite: true, batchIntervalMs: config.backendBatchIntervalMs || BACKEND_BATCH_INTERVAL_MS });
    const walDir = walDirOf(config);
    // Entries were applied from a log that is not here: starting would lose them (and vote again).
    const applied = kv.storage.getMeta<number>('consistentIndex') ?? 0;
    if (applied > 0 && !hasRaftLog(raftDir, walDir)) {
      await kv.close();
      throw new ConfigError(
        `data dir ${config.dataDir} has applied its Raft log up to index ${applied}, but there is no WAL in ${walDir}; start the member with the --wal-dir it was started with`,
      );
    }
    let storage: DiskLogStorage;
    try {
      storage = DiskLogStorage.open(raftDir, { unsafeNoSync: config.unsafeNoFsync, walDir });
    } catch (err) {
      await kv.close();
      throw err;
    }
    if (storage.openReport.converted) log('info', 'converted the lmdb raft log of an earlier version to a WAL', { dir: walDir });
    const repair = storage.openReport.repair;
    if (repair !== undefined) log('warn', 'repaired a torn WAL tail', { path: repair.file, offset: repair.offset, bytesCut: repair.bytes, copy: repair.brokenCopy });
    let server: StoreServer;
    let founding: NodeId[] | undefined;
    try {
      const start = await planStart(config, storage, kv, options.peerTls);
      // On a restart (the data dir has a log), --force-new-cluster makes this member the only one.
      if (config.forceNewCluster === true && start.members === undefined) await forceNewClusterAndLog(config, storage, kv, start.identity, log);
      server = new StoreServer(config, kv, options.clock ?? systemClock, start.identity, log);
      server.peerTls = options.peerTls;
      if (start.members !== undefined) {
        for (const m of start.members) server.memberMap.set(m.id, m);
        void server.saveMembers();
        void kv.storage.putMeta('identity', {
          memberId: start.identity.memberId.toString(),
          clusterId: start.identity.clusterId.toString(),
          token: config.initialClusterToken,
        });
      }
      founding = start.founding;
    } catch (err) {
      await storage.close();
      await kv.close();
      throw err;
    }
    await server.startRaft(storage, founding);
    return server;
  }

  private async startRaft(storage: DiskLogStorage, founding: NodeId[] | undefined): Promise<void> {
    const snapshotDir = join(this.config.dataDir, 'raft', 'snap');
    rmSync(snapshotDir, { recursive: true, force: true });
    mkdirSync(snapshotDir, { recursive: true });
    try {
      this.transport = await PeerTransport.listen({
        memberId: this.memberId,
        clusterId: this.clusterId,
        listenPeerUrls: this.config.listenPeerUrls,
        ...(this.peerTls === undefined ? {} : { tls: this.peerTls }),
        skipClientSanVerification: this.config.peerSkipClientSanVerification === true,
        onRoundTrip: (peer, seconds) => this.stats.peerRoundTrip(peer, seconds),
        snapshotDir,
        // Peers may send before the node exists (during the initial corruption check): Raft
        // tolerates lost messages, so those are dropped.
        onMessages: (msgs) => (this.node as RaftNode | undefined)?.receive(msgs),
        onSnapshot: (msg, dbPath) => this.receiveSnapshot(msg, dbPath),
        onRequest: (path, body) => this.answerPeer(path, body),
        membersView: () => this.clusterView(),
        isRemoved: (id) => this.removed.has(id),
        onRemoved: () => this.removedFromCluster(),
        log: this.logFn,
      });
    } catch (err) {
      await storage.close();
      await this.kv.close();
      throw err;
    }
    this.transport.snapshotSource = () => this.databaseCopy();
    storage.observeSyncs((seconds) => this.stats.walSync(seconds));
    for (const m of this.memberMap.values()) this.dial(m);
    if (this.config.initialCorruptCheck === true) {
      try {
        await this.checkInitialHashKv();
      } catch (err) {
        await this.transport.close();
        await storage.close();
        await this.kv.close();
        throw err;
      }
    }
    this.node = new RaftNode({
      id: this.memberId,
      storage,
      transport: this.transport,
      heartbeatMs: this.config.heartbeatIntervalMs,
      electionMs: this.config.electionTimeoutMs,
      snapshotCount: this.config.snapshotCount ?? DEFAULT_SNAPSHOT_COUNT,
      catchUpEntries: this.config.snapshotCatchUpEntries,
      sync: !this.config.unsafeNoFsync,
      preVote: this.config.preVote ?? true,
      log: this.logFn,
      onFailure: (err) => this.fail(err),
    });
    // A write lmdb did not persist leaves the store behind the applied index.
    this.kv.onFailure = (err) => this.fail(new InvariantError(`the store failed to persist a write: ${err.message}`));
    if (founding !== undefined) this.node.raw.bootstrap(founding);
    this.node.start(this);
    this.publishTimer = setInterval(() => this.publish(), 500);
  }

  // ---- RaftApplication ----

  /**
   * Stops the member for good: the log or the store broke an invariant, so going on could
   * serve or replicate a state no other member has. The node stops, and onFatal tells the
   * process, which exits non-zero.
   */
  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.logFn('error', 'the member broke an invariant and stops', { error: err.message });
    (this.node as RaftNode | undefined)?.stop();
    setImmediate(() => this.onFatal?.(err));
  }

  /** The entries Raft hands over follow each other and what was applied, with no gap and never going back. */
  private checkHanded(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (this.handedIndex !== undefined && first.index !== this.handedIndex + 1) {
      const how = first.index <= this.handedIndex ? 'went back' : 'skipped ahead';
      throw new InvariantError(`the applied index ${how}: entry ${first.index} was handed to apply after entry ${this.handedIndex}`);
    }
    if (first.index > this.appliedIndex + 1) {
      throw new InvariantError(`entries ${this.appliedIndex + 1} to ${first.index - 1} were never applied: the store is at index ${this.appliedIndex} and the log goes on at ${first.index}`);
    }
    entries.forEach((e, i) => {
      if (i > 0 && e.index !== entries[i - 1]!.index + 1) throw new InvariantError(`committed entries out of order: ${e.index} after ${entries[i - 1]!.index}`);
    });
    this.handedIndex = entries[entries.length - 1]!.index;
  }

  async apply(entries: readonly Entry[]): Promise<void> {
    while (this.gate !== undefined) await this.gate;
    this.checkHanded(entries);
    // Everything below runs in one turn, so the entries' changes and the new applied index
    // join the same backend batch, which commits in one explicit lmdb transaction.
    let index = this.appliedIndex;
    for (const e of entries) {
      if (e.type === EntryType.ConfChange) this.applyConfChange(e, e.index > index);
      else if (e.data.byteLength === 0) this.proposals.failLost(e.term);
      else if (e.index > index) this.applyNormal(e);
      if (e.index > index) index = e.index;
    }
    if (index !== this.appliedIndex) {
      this.appliedIndex = index;
      this.kv.storage.putMeta('consistentIndex', index).catch((err: unknown) => this.fail(new InvariantError(`the store failed to persist the applied index ${index}: ${String(err)}`)));
    }
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    const { index } = snapshot.metadata;
    const path = this.receivedSnapshots.get(index);
    if (path === undefined) throw new InvariantError(`raft snapshot at ${index} arrived without its database`);
    if (index <= this.appliedIndex) throw new InvariantError(`a snapshot at index ${index} would take the applied index back from ${this.appliedIndex}`);
    this.receivedSnapshots.delete(index);
    await this.gated(async () => {
      await this.kv.restore(path);
      // Lessor, alarms, membership and the applied index now come from the new database.
      for (const id of this.lessor.ids()) this.lessor.revoke(id);
      this.restoreLeases();
      this.alarms.clear();
      for (const a of this.kv.storage.getMeta<AlarmType[]>('alarms') ?? []) this.alarms.add(a);
      this.auth.store.restore(this.kv.storage.getMeta<StoredAuth>('auth'));
      this.loadMembership();
      this.appliedIndex = this.kv.storage.getMeta<number>('consistentIndex') ?? index;
      this.handedIndex = index;
      for (const m of this.memberMap.values()) this.dial(m);
      this.logFn('info', 'installed database snapshot', { index, appliedIndex: this.appliedIndex, revision: this.kv.revision });
    });
  }

  appliedDurable(): Promise<void> {
    return this.kv.untilDurable();
  }

  get leaderId(): bigint {
    return this.leader;
  }

  get leaderChanges(): number {
    return this.leaderChangeCount;
  }

  get committedIndex(): number {
    return this.node.status().hardState.commit;
  }

  peerTraffic(): PeerTraffic {
    return this.transport.traffic();
  }

  leaderChanged(leader: NodeId, term: number): void {
    const was = this.leader;
    this.leader = leader;
    if (leader !== NONE && leader !== was) this.leaderChangeCount++;
    if (leader !== NONE && this.publishTimer !== undefined) setImmediate(() => this.publish());
    if (leader === this.memberId && was !== this.memberId) {
      // A new leader gives every lease its full TTL, as etcd's lessor promotion does.
      this.lessor.refreshAll();
      this.logFn('info', 'became leader', { term });
    }
    if (leader !== NONE && was !== NONE && leader !== was) {
      this.logFn('warn', 'leader changed', { from: formatMemberId(was), to: formatMemberId(leader), term });
    }
  }

  private applyNormal(e: Entry): void {
    let envelope;
    try {
      envelope = decodeEnvelope(e.data);
    } catch (err) {
      // Every member would apply it alike, so it is a broken log (or a newer version's), not a bad request.
      throw new InvariantError(`entry ${e.index} (term ${e.term}) is not a request this member can apply: ${err instanceof Error ? err.message : String(err)}`);
    }
    const waiter = this.proposals.take(envelope.id);
    try {
      const { response, durable, wait } = this.applyCommand(envelope.request, e.index);
      durable.catch((err: unknown) => this.fail(new InvariantError(`the store failed to persist entry ${e.index}: ${err instanceof Error ? err.message : String(err)}`)));
      if (waiter === undefined) return;
      if (wait === undefined) waiter.resolve(response);
      else wait.then(() => waiter.resolve(response), (err: unknown) => waiter.reject(err));
    } catch (err) {
      waiter?.reject(err);
      // A refused request took its entry like any other; anything else is the store breaking.
      if (!(err instanceof StorageError) || err.code === 'Corrupt') throw err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * Applies one command at log index index; throws the request's error (which still took
   * its log entry). Permissions are checked here, against the auth store as of this entry.
   */
  private applyCommand(req: ReplicatedRequest, index: number): AppliedCommand {
    switch (req.op) {
      case 'put': {
        checkPut(this.auth.store, req.caller ?? ANONYMOUS, req.put, this.leaseKeys);
        const { response, write } = this.applier.put(req.put);
        this.trackLeases(write.events);
        return { response, durable: write.durable };
      }
      case 'deleteRange': {
        checkDeleteRange(this.auth.store, req.caller ?? ANONYMOUS, req.deleteRange);
        const { response, write } = this.applier.deleteRange(req.deleteRange);
        this.trackLeases(write.events);
        return { response, durable: write.durable };
      }
      case 'txn': {
        checkTxn(this.auth.store, req.caller ?? ANONYMOUS, req.txn, this.leaseKeys);
        const { response, write } = this.applier.txn(req.txn);
        this.trackLeases(write.events);
        return { response, durable: write.durable };
      }
      case 'compact': {
        const { scheduled, physical } = this.kv.compact(req.compact.revision);
        return { response: this.kv.revision, durable: scheduled, ...(req.compact.physical ? { wait: physical } : {}) };
      }
      case 'leaseGrant': {
        if (this.lessor.has(req.id)) throw new StorageError('LeaseExists', { lease: req.id });
        this.lessor.grant(req.id, req.ttl);
        return { response: { id: req.id, ttl: req.ttl }, durable: this.kv.storage.putLease(req.id, req.ttl) };
      }
      case 'leaseRevoke': {
        checkLeaseKeys(this.auth.store, req.caller ?? ANONYMOUS, req.id, this.leaseKeys);
        const { revision, durable } = this.revokeLease(req.id);
        return { response: revision, durable };
      }
      case 'auth':
        return this.applyAuth(req.caller ?? ANONYMOUS, req.cmd, index);
      case 'alarm':
        return this.setAlarm(req.memberId, req.alarm, req.activate);
      case 'publish': {
        const { memberId, name, clientUrls } = req.attributes;
        const m = this.memberMap.get(memberId);
        if (m === undefined) return { response: undefined, durable: Promise.resolve() };
        this.memberMap.set(memberId, { ...m, name, clientUrls: [...clientUrls] });
        return { response: undefined, durable: this.saveMembers() };
      }
      case 'noop':
        return { response: undefined, durable: this.kv.untilDurable() };
    }
  }

  private applyConfChange(e: Entry, isNew: boolean): void {
    const cc = decodeConfChange(e.data);
    const context = decodeMemberContext(cc.context);
    this.node.applyConfChange(cc);
    if (!isNew) return;
    const id = cc.nodeId;
    const known = this.memberMap.get(id);
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearner: {
        const isLearner = cc.type === ConfChangeType.AddLearner;
        const member: MemberInfo = known
          ? { ...known, isLearner }
          : { id, name: context?.name ?? '', peerUrls: context?.peerUrls ?? [], clientUrls: [], isLearner };
        this.memberMap.set(id, member);
        this.dial(member);
        if (known === undefined) this.logFn('info', 'added member', { id: formatMemberId(id), peerUrls: member.peerUrls, isLearner });
        else if (known.isLearner && !isLearner) this.logFn('info', 'promoted learner', { id: formatMemberId(id) });
        break;
      }
      case ConfChangeType.RemoveNode:
        this.memberMap.delete(id);
        this.removed.add(id);
        this.logFn('info', 'removed member', { id: formatMemberId(id) });
        if (id === this.memberId) this.removedFromCluster();
        else this.transport.removePeer(id);
        break;
      case ConfChangeType.UpdateNode:
        if (known !== undefined && context !== undefined) {
          const updated = { ...known, peerUrls: [...context.peerUrls] };
          this.memberMap.set(id, updated);
          this.dial(updated);
          this.logFn('info', 'updated member', { id: formatMemberId(id), peerUrls: context.peerUrls });
        }
        break;
    }
    void this.saveMembers();
    void this.kv.storage.putMeta('removedMembers', [...this.removed].map(String));
    const requestId = context?.requestId;
    if (requestId !== undefined) {
      this.proposals.take(BigInt(requestId))?.resolve(this.members());
    }
  }

  /** This member was removed (it applied its own removal, or a peer said so): it stops. */
  private removedFromCluster(): void {
    if (this.closed || this.removing) return;
    this.removing = true;
    this.logFn('warn', 'the member has been permanently removed from the cluster; the data-dir used by this member must be removed');
    setImmediate(() => this.onRemoved?.());
  }

  private saveMembers(): Promise<void> {
    return this.kv.storage.putMeta('members', [...this.memberMap.values()].map(toStored));
  }

  // ---- proposals and reads ----

  /** Proposes a command and resolves with its response once this member has applied it. */
  private async replicate<T>(request: ReplicatedRequest): Promise<T> {
    this.assertOpen();
    if (this.gate !== undefined) await this.gate;
    const id = this.proposals.nextId();
    return this.proposals.wait<T>(id, () => this.node.propose(encodeEnvelope({ id, request })));
  }

  readBarrier(serializable: boolean): Promise<void> | undefined {
    return serializable ? undefined : this.linearizableRead();
  }

  /** Waits until this member has applied everything committed before the call (ReadIndex). */
  private async linearizableRead(): Promise<void> {
    this.assertOpen();
    await this.proposals.withinTimeout(
      (async () => {
        const index = await this.node.readIndex().catch((err: unknown) => Promise.reject(toStorageError(err)));
        await this.node.waitApplied(index);
      })(),
    );
  }

  // ---- KV ----

  async put(r: PutRequest, caller: Caller = INTERNAL): Promise<PutResponse> {
    checkPutRequest(r);
    this.checkSpace(r.key.length + (r.value?.length ?? 0));
    return this.replicate(withCaller({ op: 'put', put: r }, caller));
  }

  async deleteRange(r: DeleteRangeRequest, caller: Caller = INTERNAL): Promise<DeleteRangeResponse> {
    checkDeleteRangeRequest(r);
    return this.replicate(withCaller({ op: 'deleteRange', deleteRange: r }, caller));
  }

  async txn(r: TxnRequest, caller: Caller = INTERNAL): Promise<TxnResponse> {
    checkTxnRequest(r, this.config.maxTxnOps ?? DEFAULT_MAX_TXN_OPS);
    if (isReadOnlyTxn(r)) {
      await this.linearizableRead();
      checkTxn(this.auth.store, caller, r, this.leaseKeys);
      return this.applier.txn(r).response;
    }
    return this.replicate(withCaller({ op: 'txn', txn: r }, caller));
  }

  async authRequest(caller: Caller, cmd: AuthCommand): Promise<AuthAnswer> {
    return this.replicate(withCaller({ op: 'auth', cmd }, caller));
  }

  /** A simple token names the log index it was issued at: this member must have applied it to know it. */
  private tokenIssued(index: number): Promise<void> | undefined {
    if (index <= this.appliedIndex) return undefined;
    // After the timeout the token is checked as this member knows it.
    return this.proposals.withinTimeout(this.node.waitApplied(index)).catch(() => undefined);
  }

  async compact(r: CompactionRequest): Promise<number> {
    return this.replicate({ op: 'compact', compact: r });
  }

  /** etcd 3.4's /health proposes a quorum read: one log entry, taken by a healthy member. */
  async probeHealth(): Promise<void> {
    this.assertOpen();
    if (this.leader === NONE) throw new StorageError('NoLeader');
    await this.replicate({ op: 'noop' });
  }

  // ---- leases ----

  async leaseGrant(requestedTtl: number, requestedId: bigint): Promise<{ id: bigint; ttl: number }> {
    this.assertOpen();
    this.checkSpace(16);
    const { id, ttl } = this.checkLeaseGrant(requestedTtl, requestedId);
    return this.replicate({ op: 'leaseGrant', id, ttl });
  }

  async leaseRevoke(id: bigint, caller: Caller = INTERNAL): Promise<number> {
    return this.replicate(withCaller({ op: 'leaseRevoke', id }, caller));
  }

  /** Keep-alives are served by the leader, whose lessor alone keeps time; others forward. */
  leaseRenew(id: bigint): number | Promise<number> {
    this.assertOpen();
    if (this.leader === this.memberId) return this.asLeader(() => this.lessor.renew(id));
    return this.askLeader(PEER_PATHS.leaseRenew, { id: id.toString() }).then((r) => (r as { ttl: number }).ttl);
  }

  /**
   * Runs a lease request on the leader once it has confirmed its leadership with a quorum
   * and applied everything committed (so its lessor knows every granted lease). A deposed
   * leader that has not noticed yet would otherwise answer from an old lessor: "not found"
   * for a lease granted since, which a client takes as the lease's end.
   */
  private async asLeader<T>(f: () => T): Promise<T> {
    await this.linearizableRead();
    if (this.leader !== this.memberId) throw new StorageError('NotLeader');
    return f();
  }

  leaseTimeToLive(id: bigint, keys: boolean): LeaseTimeToLive | Promise<LeaseTimeToLive> {
    this.assertOpen();
    if (this.leader === this.memberId) return this.asLeader(() => this.lessor.timeToLive(id, keys));
    return this.askLeader(PEER_PATHS.leaseTimeToLive, { id: id.toString(), keys }).then((r) => {
      const t = r as { id: string; ttl: number; grantedTtl: number; keys: string[] };
      return { id: BigInt(t.id), ttl: t.ttl, grantedTtl: t.grantedTtl, keys: t.keys.map((k) => Buffer.from(k, 'base64')) };
    });
  }

  /** Only the leader revokes expired leases (through the log). */
  async revokeExpiredLeases(): Promise<number> {
    if (this.leader !== this.memberId) return 0;
    let n = 0;
    for (const id of this.lessor.expired()) {
      if (this.closed) break;
      if (!this.lessor.has(id)) continue;
      await this.leaseRevoke(id);
      n++;
    }
    return n;
  }

  private async askLeader(path: string, body: unknown): Promise<unknown> {
    const leader = this.leader;
    if (leader === NONE) throw new StorageError('NoLeader');
    let reply: Buffer;
    try {
      reply = await this.transport.request(leader, path, Buffer.from(JSON.stringify(body)), this.requestTimeoutMs);
    } catch {
      throw new StorageError('Unavailable');
    }
    const parsed = JSON.parse(reply.toString('utf8')) as { error?: string; result?: unknown };
    if (parsed.error !== undefined) throw new StorageError(parsed.error as StorageError['code']);
    return parsed.result;
  }

  /** Requests forwarded by other members. */
  private async answerPeer(path: string, body: Buffer): Promise<Buffer> {
    const req = JSON.parse(body.toString('utf8')) as { id: string; keys?: boolean };
    let result: unknown;
    try {
      switch (path) {
        case PEER_PATHS.leaseRenew:
          if (this.leader !== this.memberId) throw new StorageError('NotLeader');
          result = { ttl: await this.asLeader(() => this.lessor.renew(BigInt(req.id))) };
          break;
        case PEER_PATHS.leaseTimeToLive: {
          if (this.leader !== this.memberId) throw new StorageError('NotLeader');
          const t = await this.asLeader(() => this.lessor.timeToLive(BigInt(req.id), req.keys === true));
          result = { id: t.id.toString(), ttl: t.ttl, grantedTtl: t.grantedTtl, keys: t.keys.map((k) => k.toString('base64')) };
          break;
        }
        case PEER_PATHS.promote:
          result = (await this.memberPromote(BigInt(req.id))).map(toStored);
          break;
        case PEER_PATHS.hashKv:
          result = this.kv.hashKv((req as unknown as { revision: number }).revision);
          break;
        default:
          throw new Error(`unknown peer path ${path}`);
      }
    } catch (err) {
      if (err instanceof StorageError) return Buffer.from(JSON.stringify({ error: err.code }));
      throw err;
    }
    return Buffer.from(JSON.stringify({ result }));
  }

  /**
   * etcd's --experimental-initial-corrupt-check, before the member joins in: the hash of this
   * member's history is compared with each reachable peer's at the same revision. A different
   * hash at the same compaction revision is corruption, and the member refuses to start;
   * peers that are down, behind or compacted past it are logged and skipped, as etcd does.
   */
  private async checkInitialHashKv(): Promise<void> {
    const own = this.kv.hashKv(0);
    const local = formatMemberId(this.memberId);
    this.logFn('info', 'starting initial corruption check', { 'local-member-id': local, timeout: `${this.requestTimeoutMs}ms` });
    let mismatches = 0;
    for (const m of this.memberMap.values()) {
      if (m.id === this.memberId || m.peerUrls.length === 0) continue;
      const remote = formatMemberId(m.id);
      let reply: { error?: string; result?: { hash: number; revision: number; compactRevision: number } };
      try {
        const raw = await this.transport.request(m.id, PEER_PATHS.hashKv, Buffer.from(JSON.stringify({ revision: own.revision })), this.requestTimeoutMs);
        reply = JSON.parse(raw.toString('utf8')) as typeof reply;
      } catch (err) {
        this.logFn('warn', 'failed hash kv request', { 'local-member-id': local, 'remote-peer-id': remote, error: String(err) });
        continue;
      }
      if (reply.error === 'FutureRevision') this.logFn('warn', 'cannot fetch hash from slow remote peer', { 'local-member-id': local, 'remote-peer-id': remote });
      else if (reply.error === 'Compacted') this.logFn('warn', 'cannot fetch hash from remote peer; local member is behind', { 'local-member-id': local, 'remote-peer-id': remote });
      else if (reply.result !== undefined && reply.result.hash !== own.hash) {
        const fields = { 'local-member-id': local, 'local-member-revision': own.revision, 'local-member-compact-revision': own.compactRevision, 'local-member-hash': own.hash, 'remote-peer-id': remote, 'remote-peer-hash': reply.result.hash, 'remote-peer-compact-revision': reply.result.compactRevision };
        if (reply.result.compactRevision === own.compactRevision) {
          this.logFn('warn', 'found different hash values from remote peer', fields);
          mismatches++;
        } else {
          this.logFn('warn', 'found different compact revision values from remote peer', fields);
        }
      }
    }
    if (mismatches > 0) throw new StorageError('Corrupt', { detail: `${local} found data inconsistency with peers` });
    this.logFn('info', 'initial corruption checking passed; no corruption detected', { 'local-member-id': local });
  }

  // ---- alarms ----

  async alarm(alarm: AlarmType | undefined, activate: boolean | undefined): Promise<AlarmInfo[]> {
    this.assertOpen();
    if (activate === undefined || alarm === undefined) {
      // etcd lists alarms through the log too.
      await this.replicate({ op: 'noop' });
      return this.alarmList().filter((a) => alarm === undefined || a.alarm === alarm);
    }
    return this.replicate({ op: 'alarm', memberId: this.memberId, alarm, activate });
  }

  // ---- membership ----

  get isLearner(): boolean {
    return this.memberMap.get(this.memberId)?.isLearner ?? false;
  }

  members(): MemberInfo[] {
    return [...this.memberMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async memberAdd(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    this.assertOpen();
    this.strictReconfigCheck(refuseAdd(this.reconfigView(), isLearner));
    for (const m of this.memberMap.values()) {
      if (m.peerUrls.some((u) => peerUrls.includes(u))) throw new StorageError('PeerUrlExists');
    }
    if (isLearner && [...this.memberMap.values()].some((m) => m.isLearner)) throw new StorageError('TooManyLearners');
    const id = computeMemberId(peerUrls, this.config.initialClusterToken, Math.floor(Date.now() / 1000));
    if (this.memberMap.has(id) || this.removed.has(id)) throw new StorageError('MemberExists');
    const members = await this.changeMembership({
      type: isLearner ? ConfChangeType.AddLearner : ConfChangeType.AddNode,
      nodeId: id,
      context: { name: '', peerUrls: [...peerUrls], isLearner },
    });
    const member = members.find((m) => m.id === id) ?? { id, name: '', peerUrls, clientUrls: [], isLearner };
    return { member, members };
  }

  async memberRemove(id: bigint): Promise<MemberInfo[]> {
    this.assertOpen();
    this.strictReconfigCheck(refuseRemove(this.reconfigView(), id));
    if (!this.memberMap.has(id)) throw new StorageError('MemberNotFound');
    return this.changeMembership({ type: ConfChangeType.RemoveNode, nodeId: id });
  }

  async memberUpdate(id: bigint, peerUrls: readonly string[]): Promise<MemberInfo[]> {
    this.assertOpen();
    const m = this.memberMap.get(id);
    if (m === undefined) throw new StorageError('MemberNotFound');
    for (const other of this.memberMap.values()) {
      if (other.id !== id && other.peerUrls.some((u) => peerUrls.includes(u))) throw new StorageError('PeerUrlExists');
    }
    return this.changeMembership({ type: ConfChangeType.UpdateNode, nodeId: id, context: { name: m.name, peerUrls: [...peerUrls], isLearner: m.isLearner } });
  }

  async memberPromote(id: bigint): Promise<MemberInfo[]> {
    this.assertOpen();
    const m = this.memberMap.get(id);
    if (m === undefined) throw new StorageError('MemberNotFound');
    if (!m.isLearner) throw new StorageError('MemberNotLearner');
    // Only the leader knows how far the learner is; others forward.
    if (this.leader !== this.memberId) {
      const reply = (await this.askLeader(PEER_PATHS.promote, { id: id.toString() })) as StoredMember[];
      return reply.map(fromStored);
    }
    const progress = this.node.status().progress?.get(id);
    const commit = this.node.status().hardState.commit;
    // etcd's readiness rule: the learner has at least 90% of the leader's committed log.
    if (progress === undefined || progress.match < commit * 0.9) throw new StorageError('LearnerNotReady');
    this.strictReconfigCheck(refusePromote(this.reconfigView()));
    return this.changeMembership({ type: ConfChangeType.AddNode, nodeId: id, context: { name: m.name, peerUrls: [...m.peerUrls], isLearner: false } });
  }

  /** This member's view of the membership and its peer connections, for reconfig-check.ts. */
  private reconfigView(): ReconfigView {
    return { self: this.memberId, members: this.members(), activeSince: (id) => this.transport.activeSince(id), now: Date.now() };
  }

  /** Throws the refusal of a membership change, unless --strict-reconfig-check=false. */
  private strictReconfigCheck(refusal: StorageErrorCode | undefined): void {
    if (refusal !== undefined && this.config.strictReconfigCheck !== false) throw new StorageError(refusal);
  }

  private changeMembership(change: { type: ConfChangeType; nodeId: bigint; context?: MemberContext }): Promise<MemberInfo[]> {
    const requestId = this.proposals.nextId();
    const cc: ConfChange = {
      type: change.type,
      nodeId: change.nodeId,
      context: change.context === undefined ? encodeMemberContext({ name: '', peerUrls: [], isLearner: false, requestId: requestId.toString() }) : encodeMemberContext({ ...change.context, requestId: requestId.toString() }),
    };
    return this.proposals.wait<MemberInfo[]>(requestId, () => this.node.proposeConfChange(cc));
  }

  /** Publishes this member's name and client URLs through the log until they are applied. */
  private publish(): void {
    const me = this.memberMap.get(this.memberId);
    if (me === undefined || this.leader === NONE || this.closed) return;
    const urls = this.config.advertiseClientUrls;
    if (me.name === this.config.name && me.clientUrls.length === urls.length && me.clientUrls.every((u, i) => u === urls[i])) {
      clearInterval(this.publishTimer);
      this.publishTimer = undefined;
      this.markPublished();
      return;
    }
    this.replicate({ op: 'publish', attributes: { memberId: this.memberId, name: this.config.name, clientUrls: [...urls] } }).then(
      () => this.publish(),
      () => undefined,
    );
  }

  /**
   * Resolves once this member's name and client URLs are in the membership, which etcd
   * waits for before it serves clients (so `member list` never shows it without them);
   * fails after the request timeout.
   */
  untilPublished(): Promise<void> {
    return this.proposals.withinTimeout(this.published);
  }

  /** Whether this member is its cluster's only voter. */
  get isSoleVoter(): boolean {
    const voters = [...this.memberMap.values()].filter((m) => !m.isLearner);
    return voters.length === 1 && voters[0]!.id === this.memberId;
  }

  /** The cluster as a joining member fetches it from a peer. */
  private clusterView(): ClusterView {
    return { clusterId: this.clusterId.toString(), members: this.members().map(toStored) };
  }

  // ---- maintenance ----

  async moveLeader(target: bigint): Promise<void> {
    this.assertOpen();
    if (this.leader !== this.memberId) throw new StorageError('NotLeader');
    const m = this.memberMap.get(target);
    if (m === undefined || m.isLearner) throw new StorageError('BadLeaderTransferee');
    if (target === this.memberId) return;
    this.node.transferLeader(target);
    const deadline = Date.now() + this.requestTimeoutMs;
    while (this.leader !== target) {
      if (Date.now() > deadline) throw new StorageError('Timeout');
      await new Promise((r) => setTimeout(r, this.config.heartbeatIntervalMs));
    }
  }

  private raftTerm(): number {
    return this.node?.currentTerm ?? 0;
  }

  status(): StatusInfo {
    // etcd lists raised alarms as protobuf text, e.g. "memberID:42 alarm:NOSPACE ", after a missing leader.
    const alarms = [...this.alarms].map((a) => `memberID:${this.memberId} alarm:${a} `);
    return {
      header: this.header(),
      version: ETCD_API_VERSION,
      dbSize: this.kv.storage.sizeOnDisk(),
      dbSizeInUse: this.kv.storage.sizeInUse(),
      leader: this.leaderId,
      raftIndex: this.node.status().hardState.commit,
      raftTerm: this.raftTerm(),
      raftAppliedIndex: this.appliedIndex,
      errors: this.leader === NONE ? ['etcdserver: no leader', ...alarms] : alarms,
      isLearner: this.isLearner,
    };
  }

  /** The index of the last log entry applied. */
  get lastAppliedIndex(): number {
    return this.appliedIndex;
  }

  /**
   * Rebuilds the lessor from the stored leases and the keys that name them; every lease
   * starts with its full TTL, as on an etcd leader's promotion. (A revoke is applied in one
   * transaction, so no key can name a lease that is gone.)
   */
  private restoreLeases(): void {
    for (const { id, ttl } of this.kv.storage.storedLeases()) this.lessor.grant(id, ttl);
    const all = this.kv.range(toKeyRange(Buffer.from([0]), Buffer.from([0])));
    for (const kv of all.kvs) {
      if (kv.lease !== 0n && this.lessor.has(kv.lease)) this.lessor.attach(kv.key.toString('latin1'), kv.lease);
    }
    this.lessor.refreshAll();
  }

  header(revision: number = this.kv.revision): HeaderInfo {
    return { clusterId: this.clusterId, memberId: this.memberId, revision, raftTerm: this.raftTerm() };
  }

  /**
   * Requests take the caller they run as (storage/auth): a remote client's AuthInfo, or
   * INTERNAL for the member itself and trusted in-process clients. Reads are checked
   * here (after readBarrier); writes where they are applied, as etcd's auth applier does.
   */
  range(r: RangeRequest, caller: Caller = INTERNAL): RangeResponse {
    this.assertOpen();
    checkRangeRequest(r);
    checkRange(this.auth.store, caller, r);
    return this.applier.range(r);
  }

  /** Who a remote request runs as (see MemberAuth.callerOf); throws InvalidAuthToken. */
  callerOf(creds: CallCredentials): AuthInfo | Promise<AuthInfo> {
    return this.auth.callerOf(creds, (index) => this.tokenIssued(index));
  }

  /**
   * Applies an auth command at log index index: the store's change is persisted with it;
   * an applied Authenticate issues its token (simple tokens on every member, which all
   * know it from then on; the answer only matters to the member that took the request).
   */
  private applyAuth(caller: Caller, cmd: AuthCommand, index: number): { response: Promise<AuthAnswer>; durable: Promise<unknown> } {
    const { changed, result } = this.auth.store.apply(caller, cmd);
    const durable = changed ? this.kv.storage.putMeta('auth', this.auth.store.toStored()) : this.kv.untilDurable();
    const issued = result.authenticated;
    if (issued === undefined || cmd.kind !== 'authenticate') return { response: Promise.resolve(result), durable };
    const token = this.auth.tokens.assign(issued.username, issued.revision, index, cmd.tokenPrefix);
    return { response: Promise.resolve(token).then((t) => ({ token: t })), durable };
  }

  /** Raised alarms. */
  alarmList(): AlarmInfo[] {
    return [...this.alarms].map((alarm) => ({ memberId: this.memberId, alarm }));
  }

  /** Applies an alarm change; returns the alarms concerned and when the change is durable. */
  private setAlarm(memberId: bigint, alarm: AlarmType, activate: boolean): { response: AlarmInfo[]; durable: Promise<unknown> } {
    const changed = activate !== this.alarms.has(alarm);
    if (activate) this.alarms.add(alarm);
    else this.alarms.delete(alarm);
    return {
      response: changed || activate ? [{ memberId, alarm }] : [],
      durable: changed ? this.kv.storage.putMeta('alarms', [...this.alarms]) : this.kv.untilDurable(),
    };
  }

  /**
   * etcd's space quota: a write that adds data is refused while NOSPACE is raised. One that
   * would grow the database past the quota is refused too, and the member proposes the
   * NOSPACE alarm, so every member raises it when it applies that entry, as etcd does.
   */
  private checkSpace(bytes: number): void {
    if (this.alarms.has('NOSPACE')) throw new StorageError('NoSpace');
    const quota = this.config.quotaBackendBytes ?? 0;
    // A recent size is enough to pass; a fresh one must confirm before the alarm goes up.
    if (quota > 0 && this.kv.storage.recentSizeOnDisk() + bytes > quota && this.kv.storage.recentSizeOnDisk(true) + bytes > quota) {
      this.replicate({ op: 'alarm', memberId: this.memberId, alarm: 'NOSPACE', activate: true }).catch((err: unknown) => {
        this.logFn('warn', 'failed to raise the NOSPACE alarm', { error: String(err) });
      });
      throw new StorageError('NoSpace');
    }
  }

  /** Runs work with writes (and the applying of entries) held until it is done. */
  private async gated<T>(work: () => Promise<T>): Promise<T> {
    while (this.gate !== undefined) await this.gate;
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    try {
      return await work();
    } finally {
      this.gate = undefined;
      release();
    }
  }

  /** Rewrites the database without free space; writes wait until it is done. */
  async defragment(): Promise<void> {
    this.assertOpen();
    await this.gated(async () => {
      await this.kv.untilDurable();
      await this.kv.compactionsDone();
      await this.kv.storage.defragment();
    });
  }

  /**
   * Writes an etcd-format snapshot of the store (keys, leases and the auth store) to
   * path (see storage/snapshot); returns the revision it holds. Applied writes that lmdb
   * has not committed yet are committed first (etcd's snapshot commits its batch too), and
   * none are applied meanwhile, so the file holds every write acknowledged before.
   */
  async snapshot(path: string): Promise<number> {
    this.assertOpen();
    return this.gated(async () => {
      await this.kv.untilDurable();
      const leases = this.lessor.ids().map((id) => ({ id, ttl: this.lessor.get(id)!.ttl }));
      // The snapshot's protobuf code loads when the first snapshot is taken.
      const { writeSnapshot } = await import('../snapshot/etcd-snapshot.js');
      return writeSnapshot(this.kv, leases, this.auth.store.toStored(), this.appliedIndex, path);
    });
  }

  /** Whether a write request of this many encoded bytes is accepted. */
  checkRequestSize(bytes: number): void {
    if (bytes > this.config.maxRequestBytes) throw new StorageError('RequestTooLarge', { detail: `${bytes} bytes` });
  }

  /** Keeps the lessor's key attachments in step with committed changes. */
  private trackLeases(events: readonly Event[]): void {
    for (const e of events) {
      const key = e.kv.key.toString('latin1');
      if (e.type === 'put') this.lessor.attach(key, e.kv.lease);
      else this.lessor.detach(key);
    }
  }

  /** The TTL a grant gets and the id it takes (the requested one, or a fresh one for 0n). */
  private checkLeaseGrant(requestedTtl: number, requestedId: bigint): { id: bigint; ttl: number } {
    const ttl = this.lessor.checkGrant(requestedId, requestedTtl);
    let id = requestedId;
    while (id === 0n || this.lessor.has(id)) id = this.newLeaseIds.next() & 0x7fffffffffffffffn;
    return { id, ttl };
  }

  /**
   * Drops a lease and deletes its keys in one write; returns that write's revision and
   * when both it and the lease's removal are durable. Throws LeaseNotFound.
   */
  private revokeLease(id: bigint): { revision: number; durable: Promise<unknown> } {
    const keys = this.lessor.revoke(id);
    const txn = this.kv.write();
    for (const key of keys) txn.deleteRange(toKeyRange(Buffer.from(key, 'latin1'), undefined));
    const write = txn.end();
    return { revision: write.revision, durable: Promise.all([write.durable, this.kv.storage.removeLease(id)]) };
  }

  leaseIds(): bigint[] {
    return this.lessor.ids();
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('Stopped');
  }

  /** The leader's side of a snapshot: a consistent copy of the database to stream. */
  private async databaseCopy(): Promise<{ path: string; release: () => void }> {
    await this.kv.untilDurable();
    const dir = join(this.config.dataDir, 'raft', 'snap-out');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `db-${Date.now()}-${Math.floor(Math.random() * 1e9)}.mdb`);
    await this.kv.storage.copyTo(path);
    return { path, release: () => rmSync(path, { force: true }) };
  }

  private receiveSnapshot(msg: Message, dbPath: string): void {
    const index = msg.snapshot?.metadata.index;
    if (index === undefined) {
      rmSync(dbPath, { force: true });
      return;
    }
    const kept = join(this.config.dataDir, 'raft', 'snap', `incoming-${index}.mdb`);
    renameSync(dbPath, kept);
    const old = this.receivedSnapshots.get(index);
    if (old !== undefined && old !== kept) rmSync(old, { force: true });
    this.receivedSnapshots.set(index, kept);
    this.node.receive([msg]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.publishTimer !== undefined) clearInterval(this.publishTimer);
    this.node.stop();
    this.proposals.abandonAll();
    await this.transport.close();
    await this.node.closeStorage();
    await this.kv.close();
  }
}

// ---- helpers ----

/** The request with its caller attached; an anonymous caller is left out (absent means anonymous). */
function withCaller<R extends ReplicatedRequest & { caller?: Caller }>(req: R, caller: Caller): R {
  return caller.kind === 'user' && caller.username === '' && caller.revision === 0 ? req : { ...req, caller };
}

