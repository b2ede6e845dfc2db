// A seeded, deterministic simulation of a cluster of store members' Raft drivers (RaftNode,
// storage/raft/node.ts, the same driver a store member runs) on simulated time: a network
// that loses, duplicates, delays and partitions messages; disks whose unsynced writes a
// crash may lose; members that crash and restart from what their disk kept; slow disks;
// membership changes, leader transfers and log compaction during faults; and a client that
// proposes writes and linearizable reads. The SafetyChecker runs after every step. After
// the faults heal, a leader must be elected and a new proposal must commit within a bounded
// number of ticks.

import { ConfChangeType, decodeConfChange, type ConfChange } from '../../storage/raft/core/conf-change.js';
import { RaftError, RaftErrorCode } from '../../storage/raft/core/errors.js';
import { EntryType, MessageType, NONE, type Entry, type Message, type NodeId, type Snapshot } from '../../storage/raft/core/messages.js';
import { SeededRandom } from '../../storage/raft/core/random.js';
import { ReadOnlyOption } from '../../storage/raft/core/read-only.js';
import { RaftNode, type RaftApplication } from '../../storage/raft/node.js';
import { SafetyChecker, type Violation } from './checker.js';
import { stateHash } from './hash.js';
import { CALM_LINKS, SimNetwork } from './network.js';
import { SimDisk, type DiskWrite } from './sim-disk.js';
import { SimScheduler } from './sim-scheduler.js';

/** Simulator time units per tick. */
export const TICK = 10;
export const ELECTION_TICK = 10;
export const HEARTBEAT_TICK = 1;
/** After healing, a leader must commit a new proposal within this many ticks. */
export const LIVENESS_BOUND_TICKS = 200;
/** ...and every live member must have applied it within this many ticks after that. */
export const CATCH_UP_BOUND_TICKS = 200;

export const FaultMix = {
  /** No faults: a baseline with client load, reads and compaction. */
  Calm: 'calm',
  /** Message loss, duplication, long delays and reordering. */
  Lossy: 'lossy',
  /** Symmetric, asymmetric, leader-isolating and flapping partitions, with some loss. */
  Partitions: 'partitions',
  /** Crashes and restarts (some right after a vote), slow disks, some loss. */
  Crashes: 'crashes',
  /** Membership changes, leader transfers and frequent snapshots, under light partitions and crashes. */
  Membership: 'membership',
  /** Leaders cut off right after election and crashed right after a commit, clients writing to stale leaders. */
  LeaderChurn: 'leader-churn',
  /** Everything at once. */
  Chaos: 'chaos',
} as const;
export type FaultMix = (typeof FaultMix)[keyof typeof FaultMix];
export const FAULT_MIXES: readonly FaultMix[] = Object.values(FaultMix);

/** How hard each kind of fault hits, per tick (or per occasion for the "critical moment" ones). */
interface FaultProfile {
  /** Chance per tick to redraw the link loss, duplication and delay. */
  readonly linkChurn: number;
  /** Mild background loss and delay for the whole fault phase. */
  readonly mildLinks: boolean;
  /** Chance per tick to start a partition (when none is in force). */
  readonly partitions: number;
  /** Chance per tick to crash a member (half the time the leader). */
  readonly crashes: number;
  /** Chance per tick to change some member's disk latency. */
  readonly slowDisks: number;
  /** Chance per tick of a membership change or leader transfer. */
  readonly membership: number;
  /** Chance to crash a member just after it persisted a vote. */
  readonly crashAfterVote: number;
  /** Chance to crash a leader just after it persisted a new commit index. */
  readonly crashAfterCommit: number;
  /** Chance to cut a newly elected leader off from everyone. */
  readonly isolateNewLeader: number;
}

const NO_FAULTS: FaultProfile = {
  linkChurn: 0,
  mildLinks: false,
  partitions: 0,
  crashes: 0,
  slowDisks: 0,
  membership: 0,
  crashAfterVote: 0,
  crashAfterCommit: 0,
  isolateNewLeader: 0,
};

const PROFILES: Record<Exclude<FaultMix, 'chaos'>, FaultProfile> = {
  calm: NO_FAULTS,
  lossy: { ...NO_FAULTS, linkChurn: 0.05 },
  partitions: { ...NO_FAULTS, mildLinks: true, partitions: 0.1, isolateNewLeader: 0.2 },
  crashes: { ...NO_FAULTS, mildLinks: true, crashes: 0.05, slowDisks: 0.03, crashAfterVote: 0.3, crashAfterCommit: 0.3, isolateNewLeader: 0.2 },
  membership: { ...NO_FAULTS, mildLinks: true, partitions: 0.03, crashes: 0.015, membership: 0.05, crashAfterVote: 0.2, crashAfterCommit: 0.2 },
  'leader-churn': { ...NO_FAULTS, mildLinks: true, partitions: 0.03, crashes: 0.02, crashAfterVote: 0.2, crashAfterCommit: 0.5, isolateNewLeader: 0.5 },
};

/**
 * Chaos: every kind of fault at once, at rates that still let the cluster make progress
 * between them (the strongest rate of each would keep it leaderless most of the time).
 */
const CHAOS: FaultProfile = {
  linkChurn: 0.05,
  mildLinks: true,
  partitions: 0.05,
  crashes: 0.02,
  slowDisks: 0.03,
  membership: 0.04,
  crashAfterVote: 0.15,
  crashAfterCommit: 0.25,
  isolateNewLeader: 0.2,
};

function profileFor(mix: FaultMix): FaultProfile {
  return mix === FaultMix.Chaos ? CHAOS : PROFILES[mix];
}

export interface SimConfig {
  readonly seed: number;
  /** The number of founding voters. */
  readonly size: number;
  readonly mix: FaultMix;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly readOnlyOption: ReadOnlyOption;
  /** Ticks of faults before everything heals. */
  readonly faultTicks: number;
  /** Take a snapshot (and compact) after this many applied entries. */
  readonly snapshotEvery: number;
  /** Entries kept behind a snapshot when compacting. */
  readonly catchUpEntries: number;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  /** How long a sync takes on a disk that is not slow, in time units (a tick is 10). */
  readonly syncDelay: number;
}

/** The configuration a seed stands for: size and fault mix cycle with the seed, the rest is drawn from it. */
export function configForSeed(seed: number, overrides: Partial<Pick<SimConfig, 'size' | 'mix'>> = {}): SimConfig {
  const rng = new SeededRandom(seed ^ 0x5eed);
  const size = overrides.size ?? (seed % 2 === 0 ? 3 : 5);
  const mix = overrides.mix ?? (FAULT_MIXES[Math.floor(seed / 2) % FAULT_MIXES.length] as FaultMix);
  const preVote = rng.chance(0.75);
  const checkQuorum = rng.chance(0.75);
  const leaseReads = checkQuorum && rng.chance(0.15);
  const aggressiveSnapshots = mix === FaultMix.Membership || mix === FaultMix.Chaos || rng.chance(0.3);
  return {
    seed,
    size,
    mix,
    preVote,
    checkQuorum,
    readOnlyOption: leaseReads ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe,
    faultTicks: 200 + rng.intn(200),
    snapshotEvery: aggressiveSnapshots ? 3 + rng.intn(20) : 50 + rng.intn(100),
    // One entry per message, a few entries, or effectively unlimited.
    maxSizePerMsg: rng.pick([1, 64 + rng.intn(512), 1 << 20, 1 << 20]),
    maxInflightMsgs: 1 + rng.intn(16),
    catchUpEntries: rng.intn(4),
    // Mostly a sync well within a network delay, so a crash can land between a write and its sync.
    syncDelay: rng.pick([0, 1, 2, 3]),
  };
}

/** What a run exercised, to show the faults actually bite. */
export interface SimStats {
  /** Distinct terms in which some member became leader. */
  leaderTerms: number;
  crashes: number;
  /** Crashes that lost writes not yet synced. */
  lostWrites: number;
  /** Appends a leader sent before it had written their entries itself (as etcd allows). */
  appendsAheadOfDisk: number;
  snapshotsInstalled: number;
  confChangesApplied: number;
  leaderTransfers: number;
  readsChecked: number;
  messagesSent: number;
  messagesDropped: number;
}

export function emptyStats(): SimStats {
  return {
    leaderTerms: 0,
    crashes: 0,
    lostWrites: 0,
    appendsAheadOfDisk: 0,
    snapshotsInstalled: 0,
    confChangesApplied: 0,
    leaderTransfers: 0,
    readsChecked: 0,
    messagesSent: 0,
    messagesDropped: 0,
  };
}

export function addStats(into: SimStats, from: SimStats): void {
  for (const key of Object.keys(into) as (keyof SimStats)[]) into[key] += from[key];
}

export interface SimResult {
  readonly config: SimConfig;
  readonly violations: readonly Violation[];
  /** Why liveness failed after healing, if it did. */
  readonly livenessFailure?: string;
  readonly steps: number;
  readonly ticks: number;
  /** Ticks from healing until a new proposal committed. */
  readonly recoveryTicks?: number;
  readonly acknowledged: number;
  readonly stats: SimStats;
}

export interface SimOptions {
  /** Print what happens. */
  readonly verbose?: boolean;
  /**
   * Every disk reports a sync done as soon as it starts (the writes become durable later):
   * the driver then acknowledges writes and votes that a crash can take back. Only for the
   * test that shows the checker catches it.
   */
  readonly lyingDisks?: boolean;
  readonly log?: (line: string) => void;
}

/** One member: its disk survives a crash, its driver and state machine do not. */
class SimMember {
  /** The disk of the running incarnation. */
  disk: SimDisk | undefined = undefined;
  /** What the last crash left on the disk (the next incarnation starts from it). */
  history: readonly (readonly DiskWrite[])[] = [];
  /** The running driver; undefined while crashed or shut down. */
  node: RaftNode | undefined = undefined;
  /** Bumped on every crash, to void what was meant for the previous incarnation. */
  gen = 0;
  /** How long a sync takes on this disk now, in time units. */
  syncDelay: number;
  appIndex = 0;
  appHash = 0;
  /** The state hash after each applied index since the last snapshot, for the next snapshot. */
  readonly appHashes = new Map<number, number>();
  /** Client proposals submitted here and not yet applied here (lost on crash). */
  readonly proposals = new Set<number>();
  /** Removed from the cluster and stopped for good. */
  shutDown = false;
  restartScheduled = false;
  /** The last term in which this member's first commit as leader was considered for a crash. */
  commitCrashTerm = -1;

  constructor(
    readonly id: NodeId,
    syncDelay: number,
  ) {
    this.syncDelay = syncDelay;
  }
}

interface Flapping {
  untilTick: number;
  period: number;
}

/** A one-line description of a failed run, with the command that replays it. */
export function describeFailure(result: SimResult): string | undefined {
  const { seed, size, mix } = result.config;
  const v = result.violations[0];
  const what = v !== undefined ? `VIOLATION ${v.kind}: ${v.message} (step ${v.step})` : result.livenessFailure !== undefined ? `LIVENESS FAILURE: ${result.livenessFailure}` : undefined;
  if (what === undefined) return undefined;
  return `seed ${seed} (size ${size}, mix ${mix}): ${what}\n  replay: npm run sim -- --seed ${seed} --verbose`;
}

export function runSimulation(config: SimConfig, options: SimOptions = {}): Promise<SimResult> {
  return new Simulation(config, options).run();
}

class Simulation {
  private readonly rng: SeededRandom;
  private readonly checker = new SafetyChecker();
  private readonly sched = new SimScheduler();
  private readonly network: SimNetwork;
  private readonly members = new Map<NodeId, SimMember>();
  private tickNo = 0;
  private steps = 0;
  private nextNodeId: bigint;
  private nextProposalId = 1;
  private healed = false;
  private healTick = 0;
  private probeIds = new Set<number>();
  private probeIndex = 0;
  private probeAckTick = -1;
  private lastProbeTick = -1000;
  private flapping: Flapping | undefined = undefined;
  private readonly removedIds = new Set<NodeId>();
  private readonly stats = emptyStats();
  private readonly profile: FaultProfile;
  private readonly leaderTermsSeen = new Set<number>();
  private readonly confIndexesSeen = new Set<number>();
  private readonly log: (line: string) => void;
  private readonly verbose: boolean;
  private readonly lyingDisks: boolean;

  constructor(
    private readonly config: SimConfig,
    options: SimOptions,
  ) {
    this.rng = new SeededRandom(config.seed);
    this.profile = profileFor(config.mix);
    this.verbose = options.verbose ?? false;
    this.lyingDisks = options.lyingDisks ?? false;
    this.log = options.log ?? ((line) => console.log(line));
    this.network = new SimNetwork(this.rng, (at, message) => this.sched.at(at, () => this.deliver(message)));
    this.nextNodeId = BigInt(config.size + 1);
  }

  private say(line: string): void {
    if (this.verbose) this.log(`[t=${this.tickNo} step=${this.steps}] ${line}`);
  }

  async run(): Promise<SimResult> {
    const founders: NodeId[] = [];
    for (let i = 1; i <= this.config.size; i++) founders.push(BigInt(i));
    this.say(`start: ${JSON.stringify({ ...this.config })}`);
    this.beginStep();
    for (const id of founders) {
      const member = new SimMember(id, this.config.syncDelay);
      this.members.set(id, member);
      this.startNode(member, founders);
    }
    await this.endStep();

    let livenessFailure: string | undefined;
    const maxTicks = this.config.faultTicks + LIVENESS_BOUND_TICKS + CATCH_UP_BOUND_TICKS + 10;
    for (this.tickNo = 0; this.tickNo < maxTicks && this.checker.ok; this.tickNo++) {
      const tickEnd = (this.tickNo + 1) * TICK;
      while (this.sched.peekTime() < tickEnd && this.checker.ok) {
        this.beginStep();
        this.sched.runNext();
        await this.endStep();
      }
      if (!this.checker.ok) break;
      this.sched.now = tickEnd;

      this.beginStep();
      if (!this.healed) {
        this.injectFaults();
        this.clientLoad();
        if (this.tickNo + 1 >= this.config.faultTicks) this.heal();
      } else {
        const verdict = this.livenessStep();
        if (verdict === 'done') {
          await this.endStep();
          break;
        }
        if (verdict !== undefined) {
          livenessFailure = verdict;
          break;
        }
      }
      await this.endStep();
    }
    if (this.checker.ok && livenessFailure === undefined && this.probeAckTick < 0) {
      livenessFailure = 'the run ended before a new proposal committed';
    }
    if (this.checker.ok && livenessFailure === undefined) this.finalChecks();
    for (const member of this.members.values()) member.node?.stop();
    for (const v of this.checker.violations) this.say(`VIOLATION ${v.kind}: ${v.message}`);
    if (livenessFailure !== undefined) this.say(`LIVENESS FAILURE: ${livenessFailure}`);
    return {
      config: this.config,
      violations: this.checker.violations,
      livenessFailure,
      steps: this.steps,
      ticks: this.tickNo,
      recoveryTicks: this.probeAckTick >= 0 ? this.probeAckTick - this.healTick : undefined,
      acknowledged: this.checker.acked.size,
      stats: { ...this.stats, messagesSent: this.network.sent, messagesDropped: this.network.dropped },
    };
  }

  private beginStep(): void {
    this.steps++;
    this.checker.step = this.steps;
  }

  /** Lets the drivers finish what the step started, then checks. */
  private async endStep(): Promise<void> {
    if (!(await this.sched.settle())) {
      this.checker.coreFailure(NONE, new Error('the drivers never settle (a Ready loop that does not end)'));
    }
    this.checkStep();
  }

  // ---- members ------------------------------------------------------------------------

  /** Starts a driver on what the member's disk holds; founders bootstrap a new cluster. */
  private startNode(member: SimMember, founders?: readonly NodeId[]): void {
    const { id } = member;
    const gen = member.gen;
    const isLive = (): boolean => member.gen === gen;
    const touch = (): void => {
      this.sched.activity++;
    };
    const disk = new SimDisk(member.history, {
      after: (delay, fn) => this.sched.after(delay, fn),
      now: () => this.sched.now,
      syncDelay: () => member.syncDelay,
      isLying: this.lyingDisks,
      wrote: (write) => {
        touch();
        this.diskWrote(member, write);
      },
      snapshotData: (index) => this.snapshotData(member, index),
    });
    member.disk = disk;
    const node = new RaftNode({
      id,
      storage: disk,
      transport: {
        send: (msgs) => {
          touch();
          if (isLive()) this.send(disk, msgs);
        },
      },
      heartbeatMs: TICK * HEARTBEAT_TICK,
      electionMs: TICK * ELECTION_TICK,
      snapshotCount: this.config.snapshotEvery,
      catchUpEntries: this.config.catchUpEntries,
      preVote: this.config.preVote,
      checkQuorum: this.config.checkQuorum,
      readOnlyOption: this.config.readOnlyOption,
      maxSizePerMsg: this.config.maxSizePerMsg,
      maxInflightMsgs: this.config.maxInflightMsgs,
      clock: this.sched.clock(isLive, (err) => this.checker.coreFailure(id, err)),
      random: new SeededRandom(this.rng.next32()),
      log: (level, msg, fields) => {
        // The driver's own warnings (they carry fields; the core's do not) are failures the
        // simulator must never see: a message step() threw on, a snapshot that failed, ...
        if (level === 'warn' && fields !== undefined) {
          this.checker.coreFailure(id, new Error(`the driver warned: ${msg} ${JSON.stringify(fields)}`));
        } else if (this.verbose) {
          this.say(`  ${id}: ${level === 'warn' ? 'warn ' : ''}${msg}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
        }
      },
      onFailure: (err) => this.checker.coreFailure(id, err),
    });
    member.node = node;

    // The log's survivors are what the checker knows of this member from now on, and the
    // state machine restarts from the snapshot (the driver replays the rest).
    const first = disk.firstIndex();
    const last = disk.lastIndex();
    const hs = disk.hardState();
    this.checker.restartLog(id, { index: first - 1, term: disk.term(first - 1) }, last >= first ? disk.entries(first, last + 1, Infinity) : [], hs.commit, hs.term);
    const snap = disk.snapshot();
    member.appIndex = snap.metadata.index;
    member.appHash = decodeSnapshotData(snap).hash;
    member.appHashes.clear();
    member.appHashes.set(member.appIndex, member.appHash);
    this.checker.startApplying(id, member.appIndex, member.appHash);

    const app: RaftApplication = {
      apply: (entries) => {
        touch();
        if (isLive()) for (const entry of entries) this.applyEntry(member, node, disk, entry);
      },
      installSnapshot: (snapshot) => {
        touch();
        if (isLive()) this.installSnapshot(member, snapshot);
        return Promise.resolve();
      },
      // The state machine's writes become durable a little later, as a store's batched commits.
      appliedDurable: () => {
        touch();
        return new Promise<void>((resolve) => this.sched.after(this.rng.intn(2 * TICK), () => isLive() && resolve()));
      },
      leaderChanged: touch,
    };
    if (founders !== undefined) node.raw.bootstrap(founders);
    node.start(app);
  }

  /** The checker learns of every write as it reaches the member's log; some set off a crash. */
  private diskWrote(member: SimMember, write: DiskWrite): void {
    const { id } = member;
    switch (write.kind) {
      case 'snapshot': {
        const { index, term } = write.snapshot.metadata;
        this.checker.persistSnapshot(id, index, term, decodeSnapshotData(write.snapshot).chain);
        return;
      }
      case 'entries':
        this.checker.persistEntries(id, write.entries);
        return;
      case 'compaction':
        this.checker.compact(id, write.index);
        return;
      case 'created-snapshot':
        return;
      case 'hard-state': {
        const { hardState, previous } = write;
        this.checker.persistCommit(id, hardState.commit, hardState.term);
        if (this.healed) return;
        const raft = member.node?.raw.raft;
        // Crash a new leader just after its first commit (which may cover entries of earlier
        // terms): its successor must keep them.
        const firstCommitOfTerm = hardState.commit > previous.commit && raft?.state === 'leader' && member.commitCrashTerm !== raft.term;
        if (firstCommitOfTerm) member.commitCrashTerm = raft.term;
        if (firstCommitOfTerm && this.rng.chance(this.profile.crashAfterCommit)) this.crashSoon(member, 2 * TICK);
        const votedNow = hardState.vote !== previous.vote && hardState.vote !== NONE;
        if (votedNow && this.rng.chance(this.profile.crashAfterVote)) this.crashSoon(member, 3 * TICK);
        return;
      }
    }
  }

  /** Crashes the member within `within` time units (perhaps before the write just made is synced). */
  private crashSoon(member: SimMember, within: number): void {
    const gen = member.gen;
    this.sched.after(this.rng.intn(within), () => {
      // Faults stop at healing, including crashes scheduled before it.
      if (member.gen !== gen || this.healed) return;
      this.crashAndScheduleRestart(member, 'at a critical moment');
    });
  }

  private send(disk: SimDisk, msgs: readonly Message[]): void {
    for (const m of msgs) {
      const last = m.entries[m.entries.length - 1];
      if (m.type === MessageType.App && last !== undefined && last.index > disk.lastIndex()) this.stats.appendsAheadOfDisk++;
      this.network.send(this.sched.now, m);
    }
  }

  private deliver(m: Message): void {
    const node = this.members.get(m.to)?.node;
    if (node === undefined || this.network.isBlocked(m.from, m.to)) return;
    node.receive([m]);
  }

  /** The simulator's snapshot payload at applied `index`: the state hash and the log hash chain there. */
  private snapshotData(member: SimMember, index: number): Uint8Array {
    const hash = member.appHashes.get(index);
    const chain = this.checker.chainAt(member.id, index);
    if (hash === undefined || chain === undefined) throw new Error(`member ${member.id} has no state or log hash at ${index} to snapshot`);
    for (const i of member.appHashes.keys()) if (i < index) member.appHashes.delete(i);
    return encodeSnapshotData(hash, chain);
  }

  private crash(member: SimMember, why: string): void {
    const { node, disk } = member;
    if (node === undefined || disk === undefined) return;
    const image = disk.crash(this.rng);
    this.say(`crash ${member.id} (${why})${image.lost > 0 ? `, losing ${image.lost} unsynced writes${image.lostSynced ? ' (one being synced)' : ''}` : ''}`);
    this.stats.crashes++;
    if (image.lost > 0) this.stats.lostWrites++;
    member.history = image.history;
    member.disk = undefined;
    member.node = undefined;
    member.gen++;
    member.proposals.clear();
    node.stop();
  }

  private restart(member: SimMember): void {
    member.restartScheduled = false;
    if (member.node !== undefined || member.shutDown) return;
    this.say(`restart ${member.id}`);
    this.startNode(member);
  }

  private shutDown(member: SimMember): void {
    if (member.shutDown) return;
    this.say(`shut down removed member ${member.id}`);
    this.crash(member, 'shut down');
    member.shutDown = true;
  }

  private installSnapshot(member: SimMember, snapshot: Snapshot): void {
    const state = decodeSnapshotData(snapshot);
    member.appIndex = snapshot.metadata.index;
    member.appHash = state.hash;
    member.appHashes.clear();
    member.appHashes.set(member.appIndex, member.appHash);
    this.checker.startApplying(member.id, member.appIndex, member.appHash);
    this.stats.snapshotsInstalled++;
  }

  private applyEntry(member: SimMember, node: RaftNode, disk: SimDisk, entry: Entry): void {
    member.appHash = stateHash(member.appHash, entry);
    member.appIndex = entry.index;
    member.appHashes.set(entry.index, member.appHash);
    this.checker.apply(member.id, entry, member.appHash, disk.hardState().commit);
    if (entry.type === EntryType.ConfChange) {
      const cc = decodeConfChange(entry.data);
      const confState = node.applyConfChange(cc);
      if (!this.confIndexesSeen.has(entry.index)) {
        this.confIndexesSeen.add(entry.index);
        this.stats.confChangesApplied++;
        this.say(`conf change ${cc.type} ${cc.nodeId} applied at ${entry.index}: voters ${confState.voters.join(',')} learners ${confState.learners.join(',')}`);
      }
      if (cc.type === ConfChangeType.RemoveNode) this.memberRemoved(cc.nodeId);
      return;
    }
    if (entry.data.byteLength !== 8) return;
    const proposalId = decodeId(entry.data);
    if (member.proposals.delete(proposalId)) {
      this.checker.ack(proposalId, entry.index);
      if (this.probeIds.has(proposalId) && this.probeAckTick < 0) {
        this.probeAckTick = this.tickNo;
        this.probeIndex = entry.index;
        this.say(`probe proposal ${proposalId} committed at ${entry.index}, ${this.tickNo - this.healTick} ticks after healing`);
      }
    }
  }

  /** A removal was applied somewhere: the operator shuts the removed member down soon. */
  private memberRemoved(id: NodeId): void {
    this.removedIds.add(id);
    const member = this.members.get(id);
    if (member === undefined || member.shutDown) return;
    const delay = this.healed ? 0 : this.rng.intn(30 * TICK);
    this.sched.after(delay, () => this.shutDown(member));
  }

  // ---- faults -------------------------------------------------------------------------

  private upMembers(): SimMember[] {
    return [...this.members.values()].filter((m) => m.node !== undefined);
  }

  private allIds(): NodeId[] {
    return [...this.members.values()].filter((m) => !m.shutDown).map((m) => m.id);
  }

  /** The up member that is leader in the highest term, if any. */
  private leader(): SimMember | undefined {
    let best: SimMember | undefined;
    for (const member of this.members.values()) {
      const r = member.node?.raw.raft;
      if (r === undefined || r.state !== 'leader') continue;
      if (best === undefined || r.term > (best.node?.raw.raft.term ?? 0)) best = member;
    }
    return best;
  }

  private injectFaults(): void {
    const rng = this.rng;
    const p = this.profile;
    if (this.tickNo === 0 && p.mildLinks) this.network.faults = { loss: 0.02, duplicate: 0.02, minDelay: 1, maxDelay: 12 };
    if (rng.chance(p.linkChurn)) {
      this.network.faults = { loss: rng.float() * 0.4, duplicate: rng.float() * 0.2, minDelay: 1, maxDelay: 5 + rng.intn(55) };
      this.say(`links: ${JSON.stringify(this.network.faults)}`);
    }
    if (p.partitions > 0) this.partitionFaults(p.partitions);
    if (p.crashes > 0) this.crashFaults(p.crashes);
    if (rng.chance(p.slowDisks)) {
      const member = rng.pick([...this.members.values()]);
      member.syncDelay = rng.chance(0.5) ? this.config.syncDelay : 1 + rng.intn(4 * TICK);
      this.say(`disk of ${member.id}: sync delay ${member.syncDelay}`);
    }
    if (p.membership > 0) this.membershipFaults(p.membership);
  }

  private partitionFaults(rate: number): void {
    const rng = this.rng;
    if (this.flapping !== undefined) {
      if (this.tickNo >= this.flapping.untilTick) {
        this.flapping = undefined;
        this.network.healPartitions();
        this.say('flapping ends');
      } else if (this.tickNo % this.flapping.period === 0) {
        if (this.network.hasPartitions()) this.network.healPartitions();
        else this.randomSplit();
      }
      return;
    }
    if (this.network.hasPartitions() && rng.chance(0.05)) {
      this.network.healPartitions();
      this.say('partitions heal');
      return;
    }
    if (this.network.hasPartitions() || !rng.chance(rate)) return;
    const ids = this.allIds();
    switch (rng.intn(5)) {
      case 0:
        this.randomSplit();
        return;
      case 1: {
        // Asymmetric: one member can hear but not be heard, or be heard but not hear.
        const x = rng.pick(ids);
        const outbound = rng.chance(0.5);
        for (const y of ids) {
          if (y === x) continue;
          if (outbound) this.network.block(x, y);
          else this.network.block(y, x);
        }
        this.say(`asymmetric partition: ${x} ${outbound ? 'cannot send' : 'cannot receive'}`);
        return;
      }
      case 2:
      case 3: {
        const leader = this.leader();
        if (leader === undefined) return;
        this.network.partition([[leader.id], ids.filter((id) => id !== leader.id)]);
        this.say(`leader ${leader.id} isolated`);
        return;
      }
      default:
        this.flapping = { untilTick: this.tickNo + 20 + rng.intn(80), period: 3 + rng.intn(15) };
        this.say(`flapping partitions every ${this.flapping.period} ticks until ${this.flapping.untilTick}`);
        return;
    }
  }

  private randomSplit(): void {
    const ids = this.allIds();
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    for (const id of ids) (this.rng.chance(0.5) ? a : b).push(id);
    if (a.length === 0 || b.length === 0) return;
    this.network.partition([a, b]);
    this.say(`partition ${a.join(',')} | ${b.join(',')}`);
  }

  private crashFaults(rate: number): void {
    if (!this.rng.chance(rate)) return;
    const up = this.upMembers();
    if (up.length === 0) return;
    const member = this.rng.chance(0.5) ? (this.leader() ?? this.rng.pick(up)) : this.rng.pick(up);
    this.crashAndScheduleRestart(member, 'random');
  }

  private crashAndScheduleRestart(member: SimMember, why: string): void {
    this.crash(member, why);
    if (this.healed || member.shutDown) return;
    member.restartScheduled = true;
    const gen = member.gen;
    this.sched.after((1 + this.rng.intn(30)) * TICK, () => {
      if (member.gen === gen) this.restart(member);
    });
  }

  private membershipFaults(rate: number): void {
    const rng = this.rng;
    if (!rng.chance(rate)) return;
    const leader = this.leader();
    const leaderNode = leader?.node;
    if (leader === undefined || leaderNode === undefined) return;
    const conf = leaderNode.raw.raft.prs.confState();
    const voters = conf.voters;
    const learners = conf.learners;
    // Propose through the leader, or through another member to exercise forwarding.
    const up = this.upMembers();
    const via = rng.chance(0.7) ? leader : rng.pick(up);
    const choice = rng.intn(10);
    let cc: ConfChange | undefined;
    if (choice < 3 && voters.length + learners.length < 7) {
      const id = this.nextNodeId++;
      const member = new SimMember(id, this.config.syncDelay);
      this.members.set(id, member);
      this.startNode(member);
      cc = { type: ConfChangeType.AddLearner, nodeId: id };
    } else if (choice < 5 && learners.length > 0) {
      cc = { type: ConfChangeType.AddNode, nodeId: rng.pick(learners) };
    } else if (choice < 7 && voters.length > 3) {
      cc = { type: ConfChangeType.RemoveNode, nodeId: rng.pick(voters) };
    } else if (choice < 8 && learners.length > 0) {
      cc = { type: ConfChangeType.RemoveNode, nodeId: rng.pick(learners) };
    } else if (choice < 9 && voters.length > 3) {
      cc = { type: ConfChangeType.AddLearner, nodeId: rng.pick(voters.filter((v) => v !== leader.id)) };
    } else {
      const target = rng.pick(voters);
      this.say(`transfer leadership from ${leader.id} to ${target}`);
      try {
        leaderNode.transferLeader(target);
      } catch (err) {
        this.checker.coreFailure(leader.id, err);
      }
      this.stats.leaderTransfers++;
      return;
    }
    const node = via.node;
    if (node === undefined) return;
    try {
      node.proposeConfChange(cc);
      this.say(`propose ${cc.type} ${cc.nodeId} via ${via.id}`);
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
      if (err.code !== RaftErrorCode.ConfChangeRejected && err.code !== RaftErrorCode.ProposalDropped) {
        this.checker.coreFailure(via.id, err);
      }
    }
  }

  // ---- client -------------------------------------------------------------------------

  private clientLoad(): void {
    const rng = this.rng;
    const up = this.upMembers();
    if (up.length === 0) return;
    if (rng.chance(0.6)) {
      // Mostly to a leader, any leader (a deposed one that has not noticed grows a divergent
      // tail), else to any member (forwarding).
      const leaders = up.filter((m) => m.node?.raw.raft.state === 'leader');
      const target = rng.chance(0.7) && leaders.length > 0 ? rng.pick(leaders) : rng.pick(up);
      const n = rng.chance(0.2) ? 1 + rng.intn(5) : 1;
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(this.nextProposalId++);
      this.propose(target, ids);
    }
    if (rng.chance(0.15)) this.read(rng.pick(up));
  }

  /**
   * Proposes each id through the member's driver (which batches the proposals of one turn
   * into one). onDropped runs for an id the driver could not take.
   */
  private propose(member: SimMember, ids: readonly number[], onDropped?: () => void): void {
    const node = member.node;
    if (node === undefined) return;
    for (const id of ids) {
      member.proposals.add(id);
      node.propose(encodeId(id)).then(
        () => this.sched.activity++,
        (err: unknown) => {
          this.sched.activity++;
          member.proposals.delete(id);
          if (!(err instanceof RaftError && err.code === RaftErrorCode.ProposalDropped)) this.checker.coreFailure(member.id, err);
          onDropped?.();
        },
      );
    }
  }

  /** A linearizable read: its index must cover every write acknowledged before it was issued. */
  private read(member: SimMember): void {
    const required = this.checker.maxAckedIndex;
    member.node?.readIndex().then(
      (index) => {
        this.sched.activity++;
        if (this.config.readOnlyOption !== ReadOnlyOption.Safe) return;
        this.checker.readState(member.id, required, index);
        this.stats.readsChecked++;
      },
      (err: unknown) => {
        this.sched.activity++;
        if (!(err instanceof RaftError && err.code === RaftErrorCode.ReadIndexDropped) && !(err instanceof RaftError && err.code === RaftErrorCode.ProposalDropped)) {
          this.checker.coreFailure(member.id, err);
        }
      },
    );
  }

  // ---- healing and liveness -----------------------------------------------------------

  private heal(): void {
    this.healed = true;
    this.healTick = this.tickNo;
    this.say('HEAL: links calm, partitions gone, disks fast, crashed members restarting');
    this.flapping = undefined;
    this.network.healPartitions();
    this.network.faults = CALM_LINKS;
    for (const member of this.members.values()) {
      member.syncDelay = this.config.syncDelay;
      if (member.node === undefined && !member.shutDown) {
        member.gen++;
        this.restart(member);
      }
    }
    // Members whose removal was applied somewhere are shut down now.
    for (const id of this.removedIds) {
      const member = this.members.get(id);
      if (member !== undefined) this.shutDown(member);
    }
  }

  /** One tick after healing. Returns 'done', a failure description, or undefined to go on. */
  private livenessStep(): string | undefined {
    const sinceHeal = this.tickNo - this.healTick;
    if (this.probeAckTick < 0) {
      if (sinceHeal > LIVENESS_BOUND_TICKS) {
        const leader = this.leader();
        return leader === undefined
          ? `no leader ${LIVENESS_BOUND_TICKS} ticks after healing`
          : `leader ${leader.id} did not commit a new proposal within ${LIVENESS_BOUND_TICKS} ticks after healing`;
      }
      const leader = this.leader();
      if (leader !== undefined && this.tickNo - this.lastProbeTick >= 2 * ELECTION_TICK) {
        const id = this.nextProposalId++;
        this.probeIds.add(id);
        this.lastProbeTick = this.tickNo;
        this.say(`probe proposal ${id} via leader ${leader.id}`);
        // Dropped (the leader stepped down meanwhile): try again next tick.
        this.propose(leader, [id], () => (this.lastProbeTick = -1000));
      }
      return undefined;
    }
    // A new proposal committed; now every live member of the leader's configuration must
    // apply it.
    const leader = this.leader();
    const conf = leader?.node?.raw.raft.prs.confState();
    const lagging: NodeId[] = [];
    if (conf === undefined) {
      lagging.push(0n);
    } else {
      for (const id of [...conf.voters, ...conf.learners]) {
        const member = this.members.get(id);
        if (member === undefined || member.shutDown) continue;
        if (member.appIndex < this.probeIndex) lagging.push(id);
      }
    }
    if (lagging.length === 0) return 'done';
    if (this.tickNo - this.probeAckTick > CATCH_UP_BOUND_TICKS) {
      return `members ${lagging.join(',')} did not apply index ${this.probeIndex} within ${CATCH_UP_BOUND_TICKS} ticks`;
    }
    return undefined;
  }

  private finalChecks(): void {
    const leader = this.leader();
    const node = leader?.node;
    if (leader === undefined || node === undefined) return;
    const log = node.raw.raft.raftLog;
    const first = log.firstIndex();
    this.checker.checkAcknowledged(
      leader.id,
      first,
      (index) => (index >= first && index <= log.lastIndex() ? log.slice(index, index + 1, Infinity)[0] : undefined),
      (entry) => (entry.type === EntryType.Normal && entry.data.byteLength === 8 ? decodeId(entry.data) : undefined),
    );
  }

  // ---- checks -------------------------------------------------------------------------

  private checkStep(): void {
    for (const member of this.members.values()) {
      const r = member.node?.raw.raft;
      if (r === undefined || r.state !== 'leader') continue;
      this.checker.observeLeader(member.id, r.term);
      if (!this.leaderTermsSeen.has(r.term)) {
        this.leaderTermsSeen.add(r.term);
        this.stats.leaderTerms++;
        this.say(`${member.id} is leader of term ${r.term}`);
        // Cut a new leader off before its first appends land: its successor may then hold
        // a tail the old leader never saw (the setting of the paper's Figure 8).
        if (!this.healed && this.flapping === undefined && this.rng.chance(this.profile.isolateNewLeader)) {
          this.network.healPartitions();
          this.network.partition([[member.id], this.allIds().filter((x) => x !== member.id)]);
          this.say(`new leader ${member.id} isolated`);
        }
      }
      this.checker.checkLeaderCompleteness(member.id, r.term, r.raftLog.firstIndex(), (i) => r.raftLog.term(i));
    }
  }
}

function encodeId(id: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, id);
  return out;
}

function decodeId(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(0);
}

/** The simulator's snapshot payload: the state hash and the log hash chain at the snapshot index. */
function encodeSnapshotData(hash: number, chain: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, hash);
  view.setUint32(4, chain);
  return out;
}

function decodeSnapshotData(snapshot: Snapshot): { hash: number; chain: number } {
  if (snapshot.data.byteLength < 8) return { hash: 0, chain: 0 };
  const view = new DataView(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength);
  return { hash: view.getUint32(0), chain: view.getUint32(4) };
}
