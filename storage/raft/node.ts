// Length: the driver is one Ready loop; its steps (persist, send, apply, reads, snapshots) share
// the loop's state and its one-Ready-in-flight rule.
//
// The Raft driver of a store member: the core (storage/raft/core) given a clock, a disk
// (DiskLogStorage) and a network (PeerTransport). It runs the core's Ready loop in the
// order docs/raft.md prescribes: persist, send, apply, serve reads, advance. Clock, disk,
// network and randomness are passed in, so the simulator (test/sim) runs this same driver.

import { randomInt } from 'node:crypto';
import type { ConfChange } from './core/conf-change.js';
import { RaftError, RaftErrorCode } from './core/errors.js';
import type { LogStorage } from './core/log-storage.js';
import { NONE, type ConfState, type Entry, type HardState, type Message, type NodeId, type Snapshot } from './core/messages.js';
import type { ReadOnlyOption } from './core/read-only.js';
import { RawNode, type Status } from './core/raw-node.js';
import type { RandomSource } from './core/random.js';
import type { StorageUpdate } from './disk-storage.js';
import { systemClock, type DriverClock } from './driver-clock.js';

/** What the driver asks of the application it replicates. */
export interface RaftApplication {
  /**
   * Applies committed entries in order. The application may wait before it starts (for a
   * defragmentation, say) but then applies them all in one turn, so that one lmdb
   * transaction takes their changes. Conf-change entries are passed too: the application
   * must call node.applyConfChange for each.
   */
  apply(entries: readonly Entry[]): void | Promise<void>;
  /** Replaces the application's state with the snapshot's (received with its database). */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** Resolves once everything applied so far is in the application's own durable state. */
  appliedDurable(): Promise<void>;
  /** The leader or term changed. */
  leaderChanged(leader: NodeId, term: number): void;
}

/**
 * The persisted Raft log as the driver uses it (DiskLogStorage, or the simulator's disk):
 * the core's read view plus the writes. Each write changes the read view before it returns.
 */
export interface DriverLogStorage extends LogStorage {
  /** The last saved hard state. */
  hardState(): HardState;
  /**
   * Saves a Ready's snapshot, entries and hard state; resolves once written, and durable if
   * `sync`. With `overlap`, the sync leaves the event loop free meanwhile (the leader's
   * appends to its followers are still to go out onto the wire).
   */
  save(update: StorageUpdate, sync: boolean, overlap?: boolean): Promise<void>;
  /** Records a snapshot of the applied state at `index`; the log is kept. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot;
  /** Drops the entries before `index`. */
  compact(index: number): void;
  /** Waits for queued writes and closes. */
  close(): Promise<void>;
}

/** Where the driver sends Raft messages (PeerTransport, or the simulator's network). */
export interface MessageSender {
  /** Sends each message to its `to`; delivery is not guaranteed. */
  send(msgs: readonly Message[]): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly storage: DriverLogStorage;
  readonly transport: MessageSender;
  readonly heartbeatMs: number;
  readonly electionMs: number;
  /** Create a Raft snapshot (and compact the log) after this many applied entries. */
  readonly snapshotCount: number;
  /** Log entries kept behind a snapshot, so slow followers can catch up without one (etcd: 5000). */
  readonly catchUpEntries?: number;
  /** Persist durably (fsync). Off only for benchmarks that say so. */
  readonly sync?: boolean;
  /** Raft's pre-vote phase (default on). */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down (default on). */
  readonly checkQuorum?: boolean;
  /** How ReadIndex confirms leadership (the core's default, safe, if unset). */
  readonly readOnlyOption?: ReadOnlyOption;
  /** The byte budget of one append message (the core's default if unset). */
  readonly maxSizePerMsg?: number;
  /** Appends in flight to one follower (the core's default if unset). */
  readonly maxInflightMsgs?: number;
  /** Time, timers and deferred work (default: the event loop's). */
  readonly clock?: DriverClock;
  /** Entropy for election timeouts (default: crypto.randomInt). */
  readonly random?: RandomSource;
  readonly log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** The node stopped because the core or the disk failed; the member must not go on. */
  readonly onFailure?: (err: Error) => void;
}

/** Entropy for election timeouts; the core only needs a uniform integer. */
const systemRandom: RandomSource = { intn: (n: number) => randomInt(n) };

/** A read waiting for the leader to confirm the commit index it must see. */
interface PendingRead {
  readonly context: Uint8Array;
  readonly waiters: { resolve: (index: number) => void; reject: (err: Error) => void }[];
  sentAt: number;
}

/** A proposal waiting to enter the log with the others of its event-loop turn. */
interface PendingProposal {
  readonly data: Uint8Array;
  readonly accepted: () => void;
  readonly dropped: (err: Error) => void;
}

/** Proposals stepped as one message hold at most about this many bytes of commands. */
const MAX_PROPOSAL_BATCH_BYTES = 1 << 20;

/** Warn when persisting a Ready takes longer than this (etcd's slow fdatasync warning). */
const SLOW_SYNC_MS = 1000;

export class RaftNode {
  readonly id: NodeId;
  readonly raw: RawNode;
  private readonly storage: DriverLogStorage;
  private readonly transport: MessageSender;
  private readonly options: RaftNodeOptions;
  private readonly clock: DriverClock;
  private app: RaftApplication | undefined;
  private stopTicker: (() => void) | undefined;
  private scheduled = false;
  private running = false;
  private stopped = false;
  private leader: NodeId = NONE;
  private term = 0;
  private appliedIndex: number;
  private snapshotIndex: number;
  /** A snapshot waits for the store's writes to be durable (see maybeSnapshot). */
  private snapshotting = false;
  private readCounter = 0n;
  /** The read-index request in flight, and the one that gathers reads meanwhile. */
  private inFlightRead: PendingRead | undefined;
  private nextRead: PendingRead | undefined;
  private readonly appliedWaiters: { index: number; resolve: () => void }[] = [];
  private readonly proposals: PendingProposal[] = [];
  private failure: Error | undefined;

  constructor(options: RaftNodeOptions) {
    this.id = options.id;
    this.storage = options.storage;
    this.transport = options.transport;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const electionTick = Math.max(2, Math.round(options.electionMs / options.heartbeatMs));
    this.raw = new RawNode({
      id: options.id,
      storage: options.storage,
      electionTick,
      heartbeatTick: 1,
      random: options.random ?? systemRandom,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      readOnlyOption: options.readOnlyOption,
      maxSizePerMsg: options.maxSizePerMsg,
      maxInflightMsgs: options.maxInflightMsgs,
      logger: { info: (m) => options.log('info', m), warn: (m) => options.log('warn', m) },
    });
    this.snapshotIndex = options.storage.snapshot().metadata.index;
    this.appliedIndex = this.snapshotIndex;
    this.term = options.storage.hardState().term;
  }

  /** Starts ticking and processing; app receives committed entries from now on. */
  start(app: RaftApplication): void {
    this.app = app;
    this.stopTicker = this.clock.every(this.options.heartbeatMs, () => {
      this.raw.tick();
      this.checkReadTimeout();
      this.schedule();
    });
    this.schedule();
  }

  /** Steps messages that arrived from peers. */
  receive(msgs: readonly Message[]): void {
    for (const m of msgs) {
      try {
        this.raw.step(m);
      } catch (err) {
        // A message that breaks an invariant (a commit index past the end of this member's
        // log: entries it acknowledged are gone) stops the member, as etcd panics; any other
        // refusal concerns that message only.
        if (err instanceof RaftError && err.code === RaftErrorCode.InvariantViolated) {
          this.fail(err);
          return;
        }
        this.options.log('warn', 'dropped a raft message', { type: m.type, from: m.from.toString(16), error: String(err) });
      }
    }
    this.schedule();
  }

  /**
   * Proposes an application command. The commands proposed in one event-loop turn enter
   * the log together, as one proposal: one message to the leader and one append to each
   * follower for all of them, not one each (what a busy member does most). Resolves once
   * the command is in this member's log (or forwarded to the leader); rejects with
   * RaftError 'proposal-dropped' when it could not be taken.
   */
  propose(data: Uint8Array): Promise<void> {
    this.assertRunning();
    return new Promise((accepted, dropped) => {
      this.proposals.push({ data, accepted, dropped });
      this.schedule();
    });
  }

  /** Steps the proposals gathered so far, in batches of at most MAX_PROPOSAL_BATCH_BYTES. */
  private flushProposals(): void {
    while (this.proposals.length > 0) {
      let bytes = 0;
      let n = 0;
      for (const p of this.proposals) {
        if (n > 0 && bytes + p.data.length > MAX_PROPOSAL_BATCH_BYTES) break;
        bytes += p.data.length;
        n++;
      }
      const batch = this.proposals.splice(0, n);
      try {
        this.raw.proposeBatch(batch.map((p) => p.data));
      } catch (err) {
        for (const p of batch) p.dropped(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      for (const p of batch) p.accepted();
    }
  }

  /** Proposes a membership change. */
  proposeConfChange(cc: ConfChange): void {
    this.assertRunning();
    this.flushProposals(); // commands proposed before it enter the log before it
    this.raw.proposeConfChange(cc);
    this.schedule();
  }

  /** Applies a committed conf change to the core's membership (the application calls this). */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raw.applyConfChange(cc);
  }

  /** Asks the leader to hand leadership to transferee. */
  transferLeader(transferee: NodeId): void {
    this.assertRunning();
    this.raw.transferLeader(transferee);
    this.schedule();
  }

  /**
   * A linearizable read barrier: resolves with an index such that once it is applied,
   * local reads reflect every write acknowledged before this call. Reads that arrive
   * while a request is in flight share the next one, as etcd's read loop batches them.
   */
  readIndex(): Promise<number> {
    this.assertRunning();
    return new Promise((resolve, reject) => {
      this.gatherRead([{ resolve, reject }]);
      this.sendRead();
    });
  }

  /** Adds waiters to the read that gathers reads for the next request (a new one if none). */
  private gatherRead(waiters: PendingRead['waiters']): void {
    if (this.nextRead === undefined) {
      this.readCounter++;
      const context = Buffer.alloc(8);
      context.writeBigUInt64BE(this.readCounter);
      this.nextRead = { context, waiters: [], sentAt: 0 };
    }
    this.nextRead.waiters.push(...waiters);
  }

  /** Resolves once the entry at index is applied. */
  waitApplied(index: number): Promise<void> {
    if (index <= this.appliedIndex) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  get currentTerm(): number {
    return this.term;
  }

  status(): Status {
    return this.raw.status();
  }

  /** Stops ticking and processing; pending reads fail. */
  stop(): void {
    this.stopped = true;
    this.stopTicker?.();
    const err = new RaftError(RaftErrorCode.ProposalDropped, 'raft node stopped');
    for (const p of this.proposals.splice(0)) p.dropped(err);
    for (const read of [this.inFlightRead, this.nextRead]) for (const w of read?.waiters ?? []) w.reject(err);
    this.inFlightRead = this.nextRead = undefined;
  }

  /** Closes the log storage; call after stop(). */
  async closeStorage(): Promise<void> {
    while (this.running) await new Promise<void>((r) => this.clock.after(5, r));
    await this.storage.close();
  }

  private assertRunning(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.stopped) throw new RaftError(RaftErrorCode.ProposalDropped, 'raft node stopped');
  }

  private sendRead(): void {
    if (this.inFlightRead !== undefined || this.nextRead === undefined) return;
    const read = this.nextRead;
    this.nextRead = undefined;
    try {
      this.raw.readIndex(read.context);
    } catch (err) {
      for (const w of read.waiters) w.reject(err as Error);
      return;
    }
    read.sentAt = this.clock.now();
    this.inFlightRead = read;
    this.schedule();
  }

  /** A read-index request or its answer can be lost; ask again after an election timeout. */
  private checkReadTimeout(): void {
    const read = this.inFlightRead;
    if (read === undefined || this.clock.now() - read.sentAt < this.options.electionMs) return;
    this.inFlightRead = undefined;
    this.gatherRead(read.waiters);
    this.sendRead();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.clock.soon(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped || this.app === undefined) return;
    this.running = true;
    try {
      for (;;) {
        if (!this.stopped) {
          this.campaignIfSoleVoter();
          this.flushProposals();
        }
        if (this.stopped || !this.raw.hasReady()) break;
        await this.processReady(this.app);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  /** The core or the disk failed: the member must stop rather than go on inconsistent. */
  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.options.log('warn', 'raft node failed; stopping', { error: String(err) });
    this.stop();
    this.options.onFailure?.(this.failure);
  }

  private async processReady(app: RaftApplication): Promise<void> {
    const rd = this.raw.ready();
    if (rd.softState !== undefined || (rd.hardState !== undefined && rd.hardState.term !== this.term)) {
      const lead = rd.softState?.lead ?? this.leader;
      const term = rd.hardState?.term ?? this.term;
      if (lead !== this.leader) {
        this.options.log('info', lead === NONE ? 'raft lost its leader' : 'raft elected a leader', {
          leader: lead.toString(16),
          term,
        });
      }
      this.leader = lead;
      this.term = term;
      app.leaderChanged(lead, term);
    }
    // A leader whose term and vote stand sends its appends while it writes them itself
    // (the Raft thesis, 10.2.1, as etcd does): followers write in parallel. Its committed
    // entries are applied only from a later Ready, after this write is durable, so an
    // acknowledged write is on the leader's disk and a quorum's. Everyone else persists
    // first: a vote or an acknowledgement must never leave before what it promises.
    const persistedHard = this.storage.hardState();
    const sendFirst =
      this.raw.raft.state === 'leader' &&
      rd.snapshot === undefined &&
      (rd.hardState === undefined || (rd.hardState.term === persistedHard.term && rd.hardState.vote === persistedHard.vote));
    if (sendFirst) this.transport.send(rd.messages);
    const started = this.clock.now();
    // A leader's appends reach the wire only on a later turn of the event loop (the stream
    // writers and node's HTTP/2 both write from setImmediate): its own sync must then not
    // block the loop, or the followers would start writing only once it is done.
    const overlap = sendFirst && rd.messages.length > 0;
    const persisted = this.storage.save({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState }, rd.mustSync && this.options.sync !== false, overlap);
    if (rd.mustSync) await persisted;
    else persisted.catch((err: unknown) => this.options.log('warn', 'failed to persist raft hard state', { error: String(err) }));
    const took = this.clock.now() - started;
    if (took > SLOW_SYNC_MS) this.options.log('warn', 'slow fdatasync', { took: `${Math.round(took)}ms`, expected: `${SLOW_SYNC_MS}ms` });
    if (!sendFirst) this.transport.send(rd.messages);
    if (rd.snapshot !== undefined) {
      await app.installSnapshot(rd.snapshot);
      this.appliedIndex = this.snapshotIndex = rd.snapshot.metadata.index;
    }
    if (rd.committedEntries.length > 0) {
      const applyStarted = this.clock.now();
      await app.apply(rd.committedEntries);
      const applyTook = this.clock.now() - applyStarted;
      if (applyTook > 100) this.options.log('warn', 'apply request took too long', { took: `${Math.round(applyTook)}ms`, expected: '100ms' });
      this.appliedIndex = (rd.committedEntries[rd.committedEntries.length - 1] as Entry).index;
    }
    for (const rs of rd.readStates) this.resolveRead(rs.requestCtx, rs.index);
    this.raw.advance();
    this.releaseApplied();
    this.maybeSnapshot(app);
  }

  /**
   * A member that is its cluster's only voter elects itself at once rather than after an
   * election timeout (etcd advances a single member's ticks for the same reason): nobody
   * else can lead, and a one-member store would refuse every request until then. It waits
   * until the log's conf changes are applied, as any campaign does.
   */
  private campaignIfSoleVoter(): void {
    if (this.leader !== NONE || this.raw.raft.state !== 'follower') return;
    const status = this.raw.status();
    const { voters } = status.confState;
    if (voters.length !== 1 || voters[0] !== this.id || status.applied < status.hardState.commit) return;
    this.raw.campaign();
  }

  private resolveRead(context: Uint8Array, index: number): void {
    const read = this.inFlightRead;
    if (read === undefined || Buffer.compare(Buffer.from(read.context), Buffer.from(context)) !== 0) return;
    this.inFlightRead = undefined;
    for (const w of read.waiters) w.resolve(index);
    this.sendRead();
  }

  private releaseApplied(): void {
    if (this.appliedWaiters.length === 0) return;
    const due = this.appliedWaiters.filter((w) => w.index <= this.appliedIndex);
    if (due.length === 0) return;
    const rest = this.appliedWaiters.filter((w) => w.index > this.appliedIndex);
    this.appliedWaiters.length = 0;
    this.appliedWaiters.push(...rest);
    for (const w of due) w.resolve();
  }

  /**
   * Every snapshotCount applied entries, records a Raft snapshot at the applied index and
   * drops the log before it, keeping catchUpEntries so that a follower a little behind is
   * sent entries rather than the whole database. The snapshot's data is empty: the state
   * is the store's database, which the transport streams to a follower that needs it.
   *
   * Both wait until the store's own writes up to that index are durable: a member restarts
   * applying from its snapshot index on, so a snapshot recorded ahead of the store (whose
   * commits a cluster member batches) would leave the entries in between applied nowhere.
   */
  private maybeSnapshot(app: RaftApplication): void {
    const applied = this.appliedIndex;
    if (this.snapshotting || applied - this.snapshotIndex < this.options.snapshotCount) return;
    this.snapshotting = true;
    const confState = this.raw.status().confState;
    app.appliedDurable().then(
      () => {
        this.snapshotting = false;
        // Stopped, or overtaken by a snapshot from the leader in the meantime.
        if (this.stopped || applied <= this.storage.snapshot().metadata.index) return;
        this.storage.createSnapshot(applied, confState, new Uint8Array(0));
        this.snapshotIndex = applied;
        this.options.log('info', 'saved raft snapshot', { index: applied });
        const compactTo = applied - (this.options.catchUpEntries ?? 5000);
        if (compactTo <= this.storage.firstIndex()) return;
        this.storage.compact(compactTo);
        this.options.log('info', 'compacted raft log', { compactIndex: compactTo });
      },
      (err: unknown) => {
        this.snapshotting = false;
        this.options.log('warn', 'no raft snapshot: the store failed to persist', { error: String(err) });
      },
    ).catch((err: unknown) => this.options.log('warn', 'raft snapshot failed', { error: String(err) }));
  }
}
