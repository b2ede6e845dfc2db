import { StorageError } from '../errors.js';
import { KvStore } from '../mvcc/kv-store.js';
import {
  checkDeleteRangeRequest,
  checkPutRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
  KvApplier,
  type Applied,
} from './kv-applier.js';
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
import type { MemberConfig } from './member-config.js';
import { systemClock, type Clock } from '../lease/clock.js';
import { Lessor, type LeaseTimeToLive } from '../lease/lessor.js';
import { toKeyRange } from '../mvcc/key-value.js';
import { writeSnapshot } from '../snapshot/etcd-snapshot.js';
import type { Event } from '../mvcc/key-value.js';
import { computeClusterId, computeMemberId } from './member-id.js';
import { INTERNAL, type AuthInfo, type CallCredentials, type Caller } from '../auth/auth-info.js';
import type { AuthCommand, AuthResult, StoredAuth } from '../auth/auth-store.js';
import { checkDeleteRange, checkLeaseKeys, checkPut, checkRange, checkTxn, type LeaseKeys } from '../auth/kv-permissions.js';
import { DEFAULT_AUTH_OPTIONS, MemberAuth } from '../auth/member-auth.js';
import { ETCD_API_VERSION } from '../version.js';
import { MemberStats, type PeerTraffic } from './member-stats.js';

/** What an Auth request answers: the applied command's result, and the token Authenticate issued. */
export type AuthAnswer = AuthResult & { readonly token?: string };

/** etcd's alarm types. */
export type AlarmType = 'NOSPACE' | 'CORRUPT';

/** A raised alarm. */
export interface AlarmInfo {
  readonly memberId: bigint;
  readonly alarm: AlarmType;
}

/** A member of the cluster, as MemberList reports it. */
export interface MemberInfo {
  readonly id: bigint;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** The fields every response header carries. */
export interface HeaderInfo {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  readonly revision: number;
  readonly raftTerm: number;
}

export interface StatusInfo {
  readonly header: HeaderInfo;
  readonly version: string;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly leader: bigint;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly errors: readonly string[];
  readonly isLearner: boolean;
}

/**
 * Index of the first client write on a fresh single member: etcd's bootstrap
 * writes four log entries (the member's conf change, the new leader's empty
 * entry, the published member attributes and the cluster version).
 */
const BOOTSTRAP_INDEX = 4;
/** Entries a single member appends on each restart: the leader's empty entry and the published attributes. */
const RESTART_ENTRIES = 2;

/**
 * One store member: the MVCC store, the request applier, and the member's
 * identity. Serves etcd's KV, Maintenance and Cluster requests; a write resolves
 * only once it is durable.
 */
export class StoreServer {
  readonly config: MemberConfig;
  readonly kv: KvStore;
  protected readonly applier: KvApplier;
  readonly lessor: Lessor;
  /** Users, roles and permissions, and the tokens issued to users (storage/auth). */
  readonly auth: MemberAuth;
  /** The keys attached to a lease, for the permission checks of lease users. */
  protected readonly leaseKeys: LeaseKeys = (id) => this.lessor.get(id)?.keys;
  /** Where new lease ids come from. */
  private readonly newLeaseIds: IdGenerator;
  readonly memberId: bigint;
  readonly clusterId: bigint;
  private readonly term: number;
  protected appliedIndex: number;
  private savingIndex = false;
  protected readonly alarms: Set<AlarmType>;
  /** Set while a defragmentation runs: writes wait for it. */
  protected gate: Promise<void> | undefined;
  private indexDirty = false;
  protected closed = false;
  /** What the member counts for its metrics (proposals, sync and commit timings). */
  readonly stats = new MemberStats();

  /** The member this one knows as leader (0: none); a single member leads itself. */
  get leaderId(): bigint {
    return this.memberId;
  }

  /** How many times this member has seen a new leader (a single member: once, itself at start). */
  get leaderChanges(): number {
    return 1;
  }

  /** The index of the last log entry known committed (a single member commits what it applies). */
  get committedIndex(): number {
    return this.appliedIndex;
  }

  /** The index of the last log entry applied. */
  get lastAppliedIndex(): number {
    return this.appliedIndex;
  }

  /** Bytes exchanged with each peer (a single member has none). */
  peerTraffic(): PeerTraffic {
    return { sent: new Map(), received: new Map() };
  }

  /** Whether this member is a learner (etcd then serves it only a few requests; a single member never is). */
  get isLearner(): boolean {
    return false;
  }

  /** identity: the member and cluster ids of a cluster member (a single member derives its own). */
  protected constructor(config: MemberConfig, kv: KvStore, clock: Clock, identity?: { memberId: bigint; clusterId: bigint }) {
    this.config = config;
    this.kv = kv;
    // etcd's minimum lease TTL: 1.5 election timeouts, rounded up to whole seconds.
    this.lessor = new Lessor(clock, Math.ceil((1.5 * config.electionTimeoutMs) / 1000));
    this.applier = new KvApplier(kv, this.lessor);
    const meta = kv.storage;
    // A single member has no log apart from its store: each lmdb commit is both its
    // log's durable sync and its backend's commit. A cluster member's log times its own.
    meta.observeCommits(
      identity === undefined
        ? (seconds) => {
            this.stats.walSync(seconds);
            this.stats.backendCommit(seconds);
          }
        : (seconds) => this.stats.backendCommit(seconds),
    );
    this.auth = new MemberAuth(meta.getMeta<StoredAuth>('auth'), config.auth ?? DEFAULT_AUTH_OPTIONS, clock);
    const stored = meta.getMeta<{ memberId: string; clusterId: string; token: string }>('identity');
    if (identity !== undefined) {
      this.memberId = identity.memberId;
      this.clusterId = identity.clusterId;
    } else if (stored === undefined) {
      this.memberId = computeMemberId(config.initialAdvertisePeerUrls, config.initialClusterToken);
      this.clusterId = computeClusterId([this.memberId]);
      void meta.putMeta('identity', { memberId: this.memberId.toString(), clusterId: this.clusterId.toString(), token: config.initialClusterToken });
    } else {
      this.memberId = BigInt(stored.memberId);
      this.clusterId = BigInt(stored.clusterId);
    }
    if (identity === undefined) {
      // A single member elects itself on every start: its term goes up by one each
      // time, from 2 on the first start as etcd's does.
      this.term = (meta.getMeta<number>('term') ?? 1) + 1;
      void meta.putMeta('term', this.term);
      const index = meta.getMeta<number>('appliedIndex');
      this.appliedIndex = index === undefined ? BOOTSTRAP_INDEX : index + RESTART_ENTRIES;
      void meta.putMeta('appliedIndex', this.appliedIndex);
    } else {
      // A cluster member's term and index are Raft's (see ClusterStoreServer).
      this.term = 0;
      this.appliedIndex = meta.getMeta<number>('consistentIndex') ?? 0;
    }
    this.newLeaseIds = new IdGenerator(this.memberId);
    this.alarms = new Set(meta.getMeta<AlarmType[]>('alarms') ?? []);
    this.restoreLeases(identity === undefined);
  }

  /** Opens the member's data dir and store. */
  static open(config: MemberConfig, clock: Clock = systemClock): StoreServer {
    const kv = KvStore.open(config.dataDir, { unsafeNoSync: config.unsafeNoFsync });
    return new StoreServer(config, kv, clock);
  }

  /**
   * Rebuilds the lessor from the stored leases and the keys that name them. Every
   * lease starts with its full TTL, as on an etcd leader's promotion. A key whose
   * lease is gone (a revoke interrupted by a crash) is deleted, finishing the revoke
   * (only on a single member: a cluster member applies a revoke in one transaction, and
   * must not write anything the log did not say).
   */
  protected restoreLeases(deleteOrphans = true): void {
    for (const { id, ttl } of this.kv.storage.storedLeases()) this.lessor.grant(id, ttl);
    const orphans: Buffer[] = [];
    const all = this.kv.range(toKeyRange(Buffer.from([0]), Buffer.from([0])));
    for (const kv of all.kvs) {
      if (kv.lease === 0n) continue;
      if (this.lessor.has(kv.lease)) this.lessor.attach(kv.key.toString('latin1'), kv.lease);
      else orphans.push(kv.key);
    }
    if (orphans.length > 0 && deleteOrphans) {
      const txn = this.kv.write();
      for (const key of orphans) txn.deleteRange(toKeyRange(key, undefined));
      void txn.end().durable;
    }
    this.lessor.refreshAll();
  }

  header(revision: number = this.kv.revision): HeaderInfo {
    return { clusterId: this.clusterId, memberId: this.memberId, revision, raftTerm: this.raftTerm() };
  }

  /** The Raft term headers and Status report (a cluster member's comes from Raft). */
  protected raftTerm(): number {
    return this.term;
  }

  /**
   * What a read must wait for to be linearizable: undefined on a single member, whose
   * reads always see every acknowledged write (see ClusterStoreServer).
   */
  readBarrier(_serializable: boolean): Promise<void> | undefined {
    return undefined;
  }

  /**
   * Requests take the caller they run as (storage/auth): a remote client's AuthInfo, or
   * INTERNAL for the member itself and trusted in-process clients. Reads are checked
   * here; writes where they are applied, as etcd's auth applier does.
   */
  range(r: RangeRequest, caller: Caller = INTERNAL): RangeResponse {
    this.assertOpen();
    checkRange(this.auth.store, caller, r);
    return this.applier.range(r);
  }

  put(r: PutRequest, caller: Caller = INTERNAL): Promise<PutResponse> {
    try {
      checkPutRequest(r);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(
      () => {
        checkPut(this.auth.store, caller, r, this.leaseKeys);
        return this.applier.put(r);
      },
      false,
      r.key.length + (r.value?.length ?? 0),
    );
  }

  async deleteRange(r: DeleteRangeRequest, caller: Caller = INTERNAL): Promise<DeleteRangeResponse> {
    checkDeleteRangeRequest(r);
    return this.write(() => {
      checkDeleteRange(this.auth.store, caller, r);
      return this.applier.deleteRange(r);
    });
  }

  async txn(r: TxnRequest, caller: Caller = INTERNAL): Promise<TxnResponse> {
    const maxTxnOps = this.config.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    checkTxnRequest(r, maxTxnOps);
    return this.write(
      () => {
        checkTxn(this.auth.store, caller, r, this.leaseKeys);
        return this.applier.txn(r, maxTxnOps);
      },
      isReadOnlyTxn(r),
      putCost(r),
    );
  }

  /**
   * Who a remote request runs as (see MemberAuth.callerOf); throws InvalidAuthToken.
   */
  callerOf(creds: CallCredentials): AuthInfo | Promise<AuthInfo> {
    return this.auth.callerOf(creds, (index) => this.tokenIssued(index));
  }

  /** What to wait for before looking up a simple token issued at index (nothing on a single member). */
  protected tokenIssued(_index: number): Promise<void> | undefined {
    return undefined;
  }

  /** An Auth request: applied (and counted as a log entry) like a write, as etcd does. */
  async authRequest(caller: Caller, cmd: AuthCommand): Promise<AuthAnswer> {
    this.assertOpen();
    if (this.gate !== undefined) await this.gate;
    const { response, durable } = this.logged(() => this.applyAuth(caller, cmd, this.appliedIndex + 1));
    await this.applied(durable);
    return response;
  }

  /**
   * Applies an auth command at log index index: the store's change is persisted with it;
   * an applied Authenticate issues its token (simple tokens on every member, which all
   * know it from then on; the answer only matters to the member that took the request).
   */
  protected applyAuth(caller: Caller, cmd: AuthCommand, index: number): { response: Promise<AuthAnswer>; durable: Promise<unknown> } {
    const { changed, result } = this.auth.store.apply(caller, cmd);
    const durable = changed ? this.kv.storage.putMeta('auth', this.auth.store.toStored()) : this.kv.untilDurable();
    const issued = result.authenticated;
    if (issued === undefined || cmd.kind !== 'authenticate') return { response: Promise.resolve(result), durable };
    const token = this.auth.tokens.assign(issued.username, issued.revision, index, cmd.tokenPrefix);
    return { response: Promise.resolve(token).then((t) => ({ token: t })), durable };
  }

  async compact(r: CompactionRequest): Promise<number> {
    this.assertOpen();
    await this.gate;
    const { scheduled, physical } = this.logged(() => this.kv.compact(r.revision));
    await this.applied(r.physical ? Promise.all([scheduled, physical]) : scheduled);
    return this.kv.revision;
  }

  /**
   * A health probe: etcd's /health runs a quorum read through the log, so it
   * takes one log entry, and a member that can take one is healthy.
   */
  async probeHealth(): Promise<void> {
    this.assertOpen();
    await this.applied(this.kv.untilDurable());
  }

  // ---- maintenance ----

  /** Raised alarms. */
  alarmList(): AlarmInfo[] {
    return [...this.alarms].map((alarm) => ({ memberId: this.memberId, alarm }));
  }

  /**
   * etcd's Alarm request: lists (alarm undefined with activate undefined), raises or
   * clears an alarm on this member. Every alarm request is a log entry in etcd, the
   * listing included. Returns the alarms the request concerned.
   */
  async alarm(alarm: AlarmType | undefined, activate: boolean | undefined): Promise<AlarmInfo[]> {
    this.assertOpen();
    if (activate === undefined || alarm === undefined) {
      await this.applied(this.kv.untilDurable());
      return this.alarmList().filter((a) => alarm === undefined || a.alarm === alarm);
    }
    const { response, durable } = this.setAlarm(this.memberId, alarm, activate);
    await this.applied(durable);
    return response;
  }

  /** Raises or clears an alarm; returns the alarms concerned and when the change is durable. */
  protected setAlarm(memberId: bigint, alarm: AlarmType, activate: boolean): { response: AlarmInfo[]; durable: Promise<unknown> } {
    const changed = activate !== this.alarms.has(alarm);
    if (activate) this.alarms.add(alarm);
    else this.alarms.delete(alarm);
    return {
      response: changed || activate ? [{ memberId, alarm }] : [],
      durable: changed ? this.kv.storage.putMeta('alarms', [...this.alarms]) : this.kv.untilDurable(),
    };
  }

  /**
   * etcd's space quota: a write that adds data is refused while NOSPACE is raised,
   * and raises it when the database would grow past the quota.
   */
  protected checkSpace(bytes: number): void {
    if (this.alarms.has('NOSPACE')) throw new StorageError('NoSpace');
    const quota = this.config.quotaBackendBytes ?? 0;
    // A recent size is enough to pass; a fresh one must confirm before the alarm goes up.
    if (quota > 0 && this.kv.storage.recentSizeOnDisk() + bytes > quota && this.kv.storage.recentSizeOnDisk(true) + bytes > quota) {
      this.alarms.add('NOSPACE');
      void this.kv.storage.putMeta('alarms', [...this.alarms]);
      throw new StorageError('NoSpace');
    }
  }

  /** Runs work with writes (and the applying of entries) held until it is done. */
  protected async gated<T>(work: () => Promise<T>): Promise<T> {
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
      return writeSnapshot(this.kv, leases, this.auth.store.toStored(), this.appliedIndex, path);
    });
  }

  /** etcd's MoveLeader on a single member: only the member itself can lead. */
  async moveLeader(target: bigint): Promise<void> {
    if (target !== this.memberId) throw new StorageError('BadLeaderTransferee');
  }

  /** Whether a write request of this many encoded bytes is accepted. */
  checkRequestSize(bytes: number): void {
    if (bytes > this.config.maxRequestBytes) throw new StorageError('RequestTooLarge', { detail: `${bytes} bytes` });
  }

  status(): StatusInfo {
    return {
      header: this.header(),
      version: ETCD_API_VERSION,
      dbSize: this.kv.storage.sizeOnDisk(),
      dbSizeInUse: this.kv.storage.sizeInUse(),
      leader: this.leaderId,
      raftIndex: this.appliedIndex,
      raftTerm: this.raftTerm(),
      raftAppliedIndex: this.appliedIndex,
      // etcd lists raised alarms as protobuf text, e.g. "memberID:42 alarm:NOSPACE ".
      errors: [...this.alarms].map((a) => `memberID:${this.memberId} alarm:${a} `),
      isLearner: false,
    };
  }

  members(): MemberInfo[] {
    return [
      {
        id: this.memberId,
        name: this.config.name,
        peerUrls: this.config.initialAdvertisePeerUrls,
        clientUrls: this.config.advertiseClientUrls,
        isLearner: false,
      },
    ];
  }

  // Membership changes need Raft: a single member cannot make them.

  async memberAdd(_peerUrls: readonly string[], _isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    throw new StorageError('NotCapable');
  }

  async memberRemove(_id: bigint): Promise<MemberInfo[]> {
    throw new StorageError('NotCapable');
  }

  async memberUpdate(_id: bigint, _peerUrls: readonly string[]): Promise<MemberInfo[]> {
    throw new StorageError('NotCapable');
  }

  async memberPromote(_id: bigint): Promise<MemberInfo[]> {
    throw new StorageError('NotCapable');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kv.storage.putMeta('appliedIndex', this.appliedIndex);
    await this.kv.close();
  }

  /**
   * Runs a write that has passed the request checks. In etcd such a request is an
   * entry in the log whether or not applying it fails, so a failure counts too.
   */
  private write<T>(apply: () => Applied<T>, readOnly = false, putBytes = 0): Promise<T> {
    try {
      this.assertOpen();
      if (this.gate !== undefined) return this.gate.then(() => this.write(apply, readOnly, putBytes));
      if (putBytes > 0) this.checkSpace(putBytes);
      const { response, write } = readOnly ? apply() : this.logged(apply);
      this.trackLeases(write.events);
      if (readOnly) return write.durable.then(() => response);
      return this.applied(write.durable, response);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Keeps the lessor's key attachments in step with committed changes. */
  protected trackLeases(events: readonly Event[]): void {
    for (const e of events) {
      const key = e.kv.key.toString('latin1');
      if (e.type === 'put') this.lessor.attach(key, e.kv.lease);
      else this.lessor.detach(key);
    }
  }

  // ---- leases ----

  /** Grants a lease; id 0n lets the member choose. Resolves once the grant is durable. */
  async leaseGrant(requestedTtl: number, requestedId: bigint): Promise<{ id: bigint; ttl: number }> {
    this.assertOpen();
    if (this.gate !== undefined) await this.gate;
    this.checkSpace(16);
    const { id, ttl } = this.logged(() => this.checkLeaseGrant(requestedTtl, requestedId));
    // Reserve the id at once so a concurrent grant cannot take it, then persist.
    this.lessor.grant(id, ttl);
    await this.applied(this.kv.storage.putLease(id, ttl));
    return { id, ttl };
  }

  /** The TTL a grant gets and the id it takes (the requested one, or a fresh one for 0n). */
  protected checkLeaseGrant(requestedTtl: number, requestedId: bigint): { id: bigint; ttl: number } {
    const ttl = this.lessor.checkGrant(requestedId, requestedTtl);
    let id = requestedId;
    while (id === 0n || this.lessor.has(id)) id = this.newLeaseIds.next() & 0x7fffffffffffffffn;
    return { id, ttl };
  }

  /** Revokes a lease, deleting its keys in one revision (the caller must be allowed to write them all). */
  async leaseRevoke(id: bigint, caller: Caller = INTERNAL): Promise<number> {
    this.assertOpen();
    if (this.gate !== undefined) await this.gate;
    const { revision, durable } = this.logged(() => {
      checkLeaseKeys(this.auth.store, caller, id, this.leaseKeys);
      return this.revokeLease(id);
    });
    await this.applied(durable);
    return revision;
  }

  /**
   * Drops a lease and deletes its keys in one write; returns that write's revision and
   * when both it and the lease's removal are durable. Throws LeaseNotFound.
   */
  protected revokeLease(id: bigint): { revision: number; durable: Promise<unknown> } {
    const keys = this.lessor.revoke(id);
    const txn = this.kv.write();
    for (const key of keys) txn.deleteRange(toKeyRange(Buffer.from(key, 'latin1'), undefined));
    const write = txn.end();
    return { revision: write.revision, durable: Promise.all([write.durable, this.kv.storage.removeLease(id)]) };
  }

  /** Renews a lease to its full TTL; throws LeaseNotFound for an unknown or expired lease. */
  leaseRenew(id: bigint): number | Promise<number> {
    this.assertOpen();
    return this.lessor.renew(id);
  }

  leaseTimeToLive(id: bigint, keys: boolean): LeaseTimeToLive | Promise<LeaseTimeToLive> {
    this.assertOpen();
    return this.lessor.timeToLive(id, keys);
  }

  leaseIds(): bigint[] {
    return this.lessor.ids();
  }

  /** Revokes every lease whose time is up; returns how many. */
  async revokeExpiredLeases(): Promise<number> {
    let n = 0;
    for (const id of this.lessor.expired()) {
      if (this.closed) break;
      if (!this.lessor.has(id)) continue;
      await this.leaseRevoke(id);
      n++;
    }
    return n;
  }

  /** Runs apply; if it throws, the request still took a log entry. */
  private logged<T>(apply: () => T): T {
    try {
      return apply();
    } catch (err) {
      this.appliedIndex++;
      throw err;
    }
  }

  /**
   * Resolves to value once a write is durable, counting it as one applied log entry, and
   * as a pending proposal until then (a failed one if it fails). One promise per write on
   * the busiest path: no async layers in between.
   */
  private applied<T = void>(durable: Promise<unknown>, value?: T): Promise<T> {
    const stats = this.stats;
    stats.proposalsPending++;
    return durable.then(
      () => {
        stats.proposalsPending--;
        this.countApplied();
        return value as T;
      },
      (err: unknown) => {
        stats.proposalsPending--;
        stats.proposalsFailed++;
        throw err;
      },
    );
  }


  private countApplied(): void {
    this.appliedIndex++;
    this.saveAppliedIndex();
  }

  /**
   * Persists the applied index, at most one write in flight: under load many
   * increments share one write instead of adding one to every commit. It is only
   * reported by Status, so after a crash it may lag by the writes of the last batch.
   */
  private saveAppliedIndex(): void {
    if (this.savingIndex) {
      this.indexDirty = true;
      return;
    }
    this.savingIndex = true;
    this.kv.storage.putMeta('appliedIndex', this.appliedIndex).then(
      () => {
        this.savingIndex = false;
        if (this.indexDirty && !this.closed) {
          this.indexDirty = false;
          this.saveAppliedIndex();
        }
      },
      () => (this.savingIndex = false),
    );
  }

  protected assertOpen(): void {
    if (this.closed) throw new StorageError('Stopped');
  }
}

/** Bytes a Txn's puts would add, for the space quota; 0 when it puts nothing. */
function putCost(r: TxnRequest): number {
  let n = 0;
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    if (op.kind === 'put') n += op.put.key.length + (op.put.value?.length ?? 0);
    else if (op.kind === 'txn') n += putCost(op.txn);
  }
  return n;
}

/** Whether a Txn can write nothing at all, in which case etcd serves it without the log. */
export function isReadOnlyTxn(r: TxnRequest): boolean {
  return [...(r.success ?? []), ...(r.failure ?? [])].every((op) => op.kind === 'range' || (op.kind === 'txn' && isReadOnlyTxn(op.txn)));
}

/**
 * Unique ids as etcd's idutil makes them (lease ids, request ids): the member id's low
 * 16 bits, then a counter that starts from the clock in ms, so ids stay unique across
 * restarts.
 */
export class IdGenerator {
  private seq: bigint;

  constructor(memberId: bigint) {
    this.seq = ((memberId & 0xffffn) << 48n) | ((BigInt(Date.now()) & 0xffffffffffn) << 8n);
  }

  next(): bigint {
    this.seq = (this.seq & ~0xffffffffffffn) | ((this.seq + 1n) & 0xffffffffffffn);
    return this.seq;
  }
}
