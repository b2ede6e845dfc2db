// A seeded, deterministic simulation of a cluster of Raft cores: a network that loses,
// duplicates, delays and partitions messages; members that crash and restart from what they
// persisted; slow disks; membership changes, leader transfers and log compaction during
// faults; and a client that proposes writes and linearizable reads. The SafetyChecker runs
// after every step. After the faults heal, a leader must be elected and a new proposal must
// commit within a bounded number of ticks.

import { ConfChangeType, decodeConfChange, type ConfChange } from '../../storage/raft/core/conf-change.js';
import { RaftError, RaftErrorCode } from '../../storage/raft/core/errors.js';
import { MemoryStorage } from '../../storage/raft/core/log-storage.js';
import type { Logger } from '../../storage/raft/core/logger.js';
import {
  EMPTY_CONF_STATE,
  EntryType,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Snapshot,
} from '../../storage/raft/core/messages.js';
import { SeededRandom } from '../../storage/raft/core/random.js';
import { ReadOnlyOption } from '../../storage/raft/core/read-only.js';
import { RawNode, type Ready } from '../../storage/raft/core/raw-node.js';
import { SafetyChecker, type Violation } from './checker.js';
import { EventQueue } from './event-queue.js';
import { stateHash } from './hash.js';
import { CALM_LINKS, SimNetwork } from './network.js';

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
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
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
  };
}

/** What a run exercised, to show the faults actually bite. */
export interface SimStats {
  /** Distinct terms in which some member became leader. */
  leaderTerms: number;
  crashes: number;
  /** Readies lost to a crash before they were persisted. */
  lostReadies: number;
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
    lostReadies: 0,
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
  readonly log?: (line: string) => void;
}

type SimEvent =
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'persist'; readonly id: NodeId; readonly gen: number }
  | { readonly kind: 'restart'; readonly id: NodeId; readonly gen: number }
  | { readonly kind: 'crash'; readonly id: NodeId; readonly gen: number }
  | { readonly kind: 'shutdown'; readonly id: NodeId };

class SimNode {
  readonly storage = new MemoryStorage();
  raw: RawNode | undefined = undefined;
  /** Bumped on every crash, to void events meant for the previous incarnation. */
  gen = 0;
  /** A Ready waiting for a slow disk. */
  pending: Ready | undefined = undefined;
  /** Persist latency in time units (0 = immediate). */
  diskDelay = 0;
  appIndex = 0;
  appHash = 0;
  confState: ConfState = EMPTY_CONF_STATE;
  persistedCommit = 0;
  /** Client proposals submitted here and not yet applied here (lost on crash). */
  readonly proposals = new Set<number>();
  /** Outstanding reads: context key -> highest acknowledged write when issued. */
  readonly reads = new Map<number, number>();
  /** Removed from the cluster and stopped for good. */
  shutDown = false;
  restartScheduled = false;
  /** The last term in which this member's first commit as leader was considered for a crash. */
  commitCrashTerm = -1;

  constructor(readonly id: NodeId) {}

  get isUp(): boolean {
    return this.raw !== undefined;
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

export function runSimulation(config: SimConfig, options: SimOptions = {}): SimResult {
  return new Simulation(config, options).run();
}

class Simulation {
  private readonly rng: SeededRandom;
  private readonly checker = new SafetyChecker();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly network: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  private now = 0;
  private tickNo = 0;
  private steps = 0;
  private nextNodeId: bigint;
  private nextProposalId = 1;
  private nextReadId = 1;
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

  constructor(
    private readonly config: SimConfig,
    options: SimOptions,
  ) {
    this.rng = new SeededRandom(config.seed);
    this.profile = profileFor(config.mix);
    this.verbose = options.verbose ?? false;
    this.log = options.log ?? ((line) => console.log(line));
    this.network = new SimNetwork(this.rng, (at, message) => this.queue.push(at, { kind: 'deliver', message }));
    this.nextNodeId = BigInt(config.size + 1);
  }

  private say(line: string): void {
    if (this.verbose) this.log(`[t=${this.tickNo} step=${this.steps}] ${line}`);
  }

  run(): SimResult {
    const founders: NodeId[] = [];
    for (let i = 1; i <= this.config.size; i++) founders.push(BigInt(i));
    for (const id of founders) {
      const node = new SimNode(id);
      this.nodes.set(id, node);
      this.startNode(node);
      node.raw?.bootstrap(founders);
    }
    this.say(`start: ${JSON.stringify({ ...this.config })}`);
    for (const node of this.nodes.values()) this.drive(node);

    let livenessFailure: string | undefined;
    const maxTicks = this.config.faultTicks + LIVENESS_BOUND_TICKS + CATCH_UP_BOUND_TICKS + 10;
    for (this.tickNo = 0; this.tickNo < maxTicks && this.checker.ok; this.tickNo++) {
      const tickEnd = (this.tickNo + 1) * TICK;
      while (this.queue.peekTime() < tickEnd && this.checker.ok) {
        const event = this.queue.pop();
        if (event === undefined) break;
        this.now = event.at;
        this.beginStep();
        this.handle(event.item);
        this.checkStep();
      }
      if (!this.checker.ok) break;
      this.now = tickEnd;

      this.beginStep();
      for (const node of this.nodes.values()) {
        if (node.raw === undefined) continue;
        this.guard(node, () => node.raw?.tick());
      }
      if (!this.healed) {
        this.injectFaults();
        this.clientLoad();
        if (this.tickNo + 1 >= this.config.faultTicks) this.heal();
      } else {
        const verdict = this.livenessStep();
        if (verdict === 'done') {
          for (const node of this.nodes.values()) this.drive(node);
          this.checkStep();
          break;
        }
        if (verdict !== undefined) {
          livenessFailure = verdict;
          break;
        }
      }
      for (const node of this.nodes.values()) this.drive(node);
      this.checkStep();
    }
    if (this.checker.ok && livenessFailure === undefined && this.probeAckTick < 0) {
      livenessFailure = 'the run ended before a new proposal committed';
    }
    if (this.checker.ok && livenessFailure === undefined) this.finalChecks();
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

  // ---- members ------------------------------------------------------------------------

  private startNode(node: SimNode): void {
    const logger: Logger | undefined = this.verbose
      ? { info: (msg) => this.say(`  core ${msg}`), warn: (msg) => this.say(`  core warn ${msg}`) }
      : undefined;
    node.raw = new RawNode({
      id: node.id,
      storage: node.storage,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      random: new SeededRandom(this.rng.next32()),
      preVote: this.config.preVote,
      checkQuorum: this.config.checkQuorum,
      readOnlyOption: this.config.readOnlyOption,
      maxSizePerMsg: this.config.maxSizePerMsg,
      maxInflightMsgs: this.config.maxInflightMsgs,
      logger,
    });
    // The application restarts from the persisted snapshot; the core replays the rest.
    const snap = node.storage.snapshot();
    const state = decodeSnapshotData(snap);
    node.appIndex = snap.metadata.index;
    node.appHash = state.hash;
    node.confState = snap.metadata.confState;
    node.persistedCommit = node.storage.getHardState().commit;
    this.checker.startApplying(node.id, node.appIndex, node.appHash);
  }

  private crash(node: SimNode, why: string): void {
    if (node.raw === undefined) return;
    this.say(`crash ${node.id} (${why})${node.pending !== undefined ? ', losing an unpersisted Ready' : ''}`);
    this.stats.crashes++;
    if (node.pending !== undefined) this.stats.lostReadies++;
    node.raw = undefined;
    node.pending = undefined;
    node.gen++;
    node.proposals.clear();
    node.reads.clear();
  }

  private restart(node: SimNode): void {
    node.restartScheduled = false;
    if (node.raw !== undefined || node.shutDown) return;
    this.say(`restart ${node.id}`);
    this.startNode(node);
  }

  private shutDown(node: SimNode): void {
    if (node.shutDown) return;
    this.say(`shut down removed member ${node.id}`);
    node.shutDown = true;
    node.raw = undefined;
    node.pending = undefined;
    node.gen++;
  }

  /** Runs fn against a member's core; a throw is a broken invariant (or a simulator bug). */
  private guard(node: SimNode, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.checker.coreFailure(node.id, err);
      node.raw = undefined;
    }
  }

  // ---- events -------------------------------------------------------------------------

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const m = event.message;
        const node = this.nodes.get(m.to);
        if (node === undefined || node.raw === undefined || this.network.isBlocked(m.from, m.to)) return;
        this.guard(node, () => node.raw?.step(m));
        this.drive(node);
        return;
      }
      case 'persist': {
        const node = this.nodes.get(event.id);
        if (node === undefined || node.gen !== event.gen || node.pending === undefined) return;
        const rd = node.pending;
        this.guard(node, () => this.completeReady(node, rd));
        this.drive(node);
        return;
      }
      case 'restart': {
        const node = this.nodes.get(event.id);
        if (node === undefined || node.gen !== event.gen) return;
        this.restart(node);
        this.drive(node);
        return;
      }
      case 'crash': {
        const node = this.nodes.get(event.id);
        // Faults stop at healing, including crashes scheduled before it.
        if (node === undefined || node.gen !== event.gen || this.healed) return;
        this.crashAndScheduleRestart(node, 'at a critical moment');
        return;
      }
      case 'shutdown': {
        const node = this.nodes.get(event.id);
        if (node !== undefined) this.shutDown(node);
        return;
      }
    }
  }

  /** Takes and handles Readies until the member has none or waits for its disk. */
  private drive(node: SimNode): void {
    for (let rounds = 0; ; rounds++) {
      if (rounds > 1000) {
        this.checker.coreFailure(node.id, new Error('Ready loop does not settle (1000 Readies in one step)'));
        return;
      }
      const raw = node.raw;
      if (raw === undefined || node.pending !== undefined || !this.checker.ok) return;
      let rd: Ready | undefined;
      this.guard(node, () => {
        if (raw.hasReady()) rd = raw.ready();
      });
      if (rd === undefined) return;
      const ready: Ready = rd;
      const needsDisk = ready.entries.length > 0 || ready.hardState !== undefined || ready.snapshot !== undefined;
      if (node.diskDelay > 0 && needsDisk) {
        node.pending = ready;
        this.queue.push(this.now + 1 + this.rng.intn(node.diskDelay), { kind: 'persist', id: node.id, gen: node.gen });
        return;
      }
      node.pending = ready;
      this.guard(node, () => this.completeReady(node, ready));
    }
  }

  /** Persist, then send, then apply, then advance: the driver's contract. */
  private completeReady(node: SimNode, rd: Ready): void {
    const raw = node.raw;
    if (raw === undefined) return;
    const id = node.id;
    // 1. Persist.
    if (rd.snapshot !== undefined) {
      node.storage.applySnapshot(rd.snapshot);
      const { index, term } = rd.snapshot.metadata;
      this.checker.persistSnapshot(id, index, term, decodeSnapshotData(rd.snapshot).chain);
    }
    if (rd.entries.length > 0) {
      node.storage.append(rd.entries);
      this.checker.persistEntries(id, rd.entries);
    }
    if (rd.hardState !== undefined) {
      const votedNow = rd.hardState.vote !== node.storage.getHardState().vote && rd.hardState.vote !== 0n;
      node.storage.setHardState(rd.hardState);
      const commitMoved = rd.hardState.commit > node.persistedCommit;
      node.persistedCommit = rd.hardState.commit;
      this.checker.persistCommit(id, rd.hardState.commit, rd.hardState.term);
      // Crash a new leader just after its first commit (which may cover entries of earlier
      // terms): its successor must keep them.
      const firstCommitOfTerm = commitMoved && raw.raft.state === 'leader' && node.commitCrashTerm !== raw.raft.term;
      if (firstCommitOfTerm) node.commitCrashTerm = raw.raft.term;
      if (firstCommitOfTerm && !this.healed && this.rng.chance(this.profile.crashAfterCommit)) {
        this.queue.push(this.now + this.rng.intn(2 * TICK), { kind: 'crash', id, gen: node.gen });
      }
      if (votedNow && !this.healed && this.rng.chance(this.profile.crashAfterVote)) {
        this.queue.push(this.now + this.rng.intn(3 * TICK), { kind: 'crash', id, gen: node.gen });
      }
    }
    // 2. Send.
    for (const m of rd.messages) this.network.send(this.now, m);
    // 3. Apply.
    if (rd.snapshot !== undefined) {
      const state = decodeSnapshotData(rd.snapshot);
      node.appIndex = rd.snapshot.metadata.index;
      node.appHash = state.hash;
      node.confState = rd.snapshot.metadata.confState;
      this.checker.startApplying(id, node.appIndex, node.appHash);
      this.stats.snapshotsInstalled++;
    }
    for (const entry of rd.committedEntries) this.applyEntry(node, raw, entry);
    for (const rs of rd.readStates) {
      const key = decodeId(rs.requestCtx);
      const required = node.reads.get(key);
      if (required === undefined) continue;
      node.reads.delete(key);
      if (this.config.readOnlyOption === ReadOnlyOption.Safe) {
        this.checker.readState(id, required, rs.index);
        this.stats.readsChecked++;
      }
    }
    // 4. Advance.
    raw.advance();
    node.pending = undefined;
    this.maybeSnapshot(node);
  }

  private applyEntry(node: SimNode, raw: RawNode, entry: Entry): void {
    node.appHash = stateHash(node.appHash, entry);
    node.appIndex = entry.index;
    this.checker.apply(node.id, entry, node.appHash, node.persistedCommit);
    if (entry.type === EntryType.ConfChange) {
      const cc = decodeConfChange(entry.data);
      node.confState = raw.applyConfChange(cc);
      if (!this.confIndexesSeen.has(entry.index)) {
        this.confIndexesSeen.add(entry.index);
        this.stats.confChangesApplied++;
        this.say(`conf change ${cc.type} ${cc.nodeId} applied at ${entry.index}: voters ${node.confState.voters.join(',')} learners ${node.confState.learners.join(',')}`);
      }
      if (cc.type === ConfChangeType.RemoveNode) this.memberRemoved(cc.nodeId);
      return;
    }
    if (entry.data.byteLength !== 8) return;
    const proposalId = decodeId(entry.data);
    if (node.proposals.delete(proposalId)) {
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
    const node = this.nodes.get(id);
    if (node === undefined || node.shutDown) return;
    const delay = this.healed ? 0 : this.rng.intn(30 * TICK);
    this.queue.push(this.now + delay, { kind: 'shutdown', id });
  }

  private maybeSnapshot(node: SimNode): void {
    const storage = node.storage;
    const snapIndex = storage.snapshot().metadata.index;
    if (node.appIndex - snapIndex < this.config.snapshotEvery) return;
    const chain = this.checker.chainAt(node.id, node.appIndex);
    if (chain === undefined) return;
    storage.createSnapshot(node.appIndex, node.confState, encodeSnapshotData(node.appHash, chain));
    // Keep a few entries behind the snapshot so slightly lagging followers need no snapshot.
    const compactTo = node.appIndex - this.rng.intn(4);
    if (compactTo > storage.firstIndex() - 1) {
      storage.compact(compactTo);
      this.checker.compact(node.id, compactTo);
    }
  }

  // ---- faults -------------------------------------------------------------------------

  private upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raw !== undefined);
  }

  private allIds(): NodeId[] {
    return [...this.nodes.values()].filter((n) => !n.shutDown).map((n) => n.id);
  }

  /** The up member that is leader in the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      const r = node.raw?.raft;
      if (r === undefined || r.state !== 'leader') continue;
      if (best === undefined || r.term > (best.raw?.raft.term ?? 0)) best = node;
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
      const node = rng.pick([...this.nodes.values()]);
      node.diskDelay = rng.chance(0.5) ? 0 : 1 + rng.intn(4 * TICK);
      this.say(`disk of ${node.id}: delay ${node.diskDelay}`);
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
    const up = this.upNodes();
    if (up.length === 0) return;
    const node = this.rng.chance(0.5) ? (this.leader() ?? this.rng.pick(up)) : this.rng.pick(up);
    this.crashAndScheduleRestart(node, 'random');
  }

  private crashAndScheduleRestart(node: SimNode, why: string): void {
    this.crash(node, why);
    if (this.healed || node.shutDown) return;
    node.restartScheduled = true;
    this.queue.push(this.now + (1 + this.rng.intn(30)) * TICK, { kind: 'restart', id: node.id, gen: node.gen });
  }

  private membershipFaults(rate: number): void {
    const rng = this.rng;
    if (!rng.chance(rate)) return;
    const leader = this.leader();
    if (leader === undefined || leader.raw === undefined) return;
    const conf = leader.raw.raft.prs.confState();
    const voters = conf.voters;
    const learners = conf.learners;
    // Propose through the leader, or through another member to exercise forwarding.
    const up = this.upNodes();
    const via = rng.chance(0.7) ? leader : rng.pick(up);
    const choice = rng.intn(10);
    let cc: ConfChange | undefined;
    if (choice < 3 && voters.length + learners.length < 7) {
      const id = this.nextNodeId++;
      const node = new SimNode(id);
      this.nodes.set(id, node);
      this.startNode(node);
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
      this.guard(leader, () => leader.raw?.transferLeader(target));
      this.stats.leaderTransfers++;
      return;
    }
    const raw = via.raw;
    if (raw === undefined) return;
    try {
      raw.proposeConfChange(cc);
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
    const up = this.upNodes();
    if (up.length === 0) return;
    if (rng.chance(0.6)) {
      // Mostly to a leader, any leader (a deposed one that has not noticed grows a divergent
      // tail), else to any member (forwarding).
      const leaders = up.filter((n) => n.raw?.raft.state === 'leader');
      const target = rng.chance(0.7) && leaders.length > 0 ? rng.pick(leaders) : rng.pick(up);
      const n = rng.chance(0.2) ? 1 + rng.intn(5) : 1;
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(this.nextProposalId++);
      this.propose(target, ids);
    }
    if (rng.chance(0.15)) {
      const target = rng.pick(up);
      const key = this.nextReadId++;
      target.reads.set(key, this.checker.maxAckedIndex);
      try {
        target.raw?.readIndex(encodeId(key));
      } catch (err) {
        if (!(err instanceof RaftError && err.code === RaftErrorCode.ReadIndexDropped)) throw err;
        target.reads.delete(key);
      }
    }
  }

  private propose(node: SimNode, ids: readonly number[]): boolean {
    const raw = node.raw;
    if (raw === undefined) return false;
    for (const id of ids) node.proposals.add(id);
    try {
      raw.proposeBatch(ids.map(encodeId));
      return true;
    } catch (err) {
      if (!(err instanceof RaftError && err.code === RaftErrorCode.ProposalDropped)) {
        this.checker.coreFailure(node.id, err);
      }
      for (const id of ids) node.proposals.delete(id);
      return false;
    }
  }

  // ---- healing and liveness -----------------------------------------------------------

  private heal(): void {
    this.healed = true;
    this.healTick = this.tickNo;
    this.say('HEAL: links calm, partitions gone, disks fast, crashed members restarting');
    this.flapping = undefined;
    this.network.healPartitions();
    this.network.faults = CALM_LINKS;
    for (const node of this.nodes.values()) {
      node.diskDelay = 0;
      if (node.raw === undefined && !node.shutDown) {
        node.gen++;
        this.restart(node);
      }
    }
    // Members whose removal was applied somewhere are shut down now.
    for (const id of this.removedIds) {
      const node = this.nodes.get(id);
      if (node !== undefined) this.shutDown(node);
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
        if (this.propose(leader, [id])) {
          this.probeIds.add(id);
          this.lastProbeTick = this.tickNo;
          this.say(`probe proposal ${id} via leader ${leader.id}`);
        }
      }
      return undefined;
    }
    // A new proposal committed; now every live member of the leader's configuration must
    // apply it.
    const leader = this.leader();
    const members = leader?.raw?.raft.prs.confState();
    const lagging: NodeId[] = [];
    if (members === undefined) {
      lagging.push(0n);
    } else {
      for (const id of [...members.voters, ...members.learners]) {
        const node = this.nodes.get(id);
        if (node === undefined || node.shutDown) continue;
        if (node.appIndex < this.probeIndex) lagging.push(id);
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
    const raw = leader?.raw;
    if (leader === undefined || raw === undefined) return;
    const log = raw.raft.raftLog;
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
    for (const node of this.nodes.values()) {
      const r = node.raw?.raft;
      if (r === undefined || r.state !== 'leader') continue;
      this.checker.observeLeader(node.id, r.term);
      if (!this.leaderTermsSeen.has(r.term)) {
        this.leaderTermsSeen.add(r.term);
        this.stats.leaderTerms++;
        this.say(`${node.id} is leader of term ${r.term}`);
        // Cut a new leader off before its first appends land: its successor may then hold
        // a tail the old leader never saw (the setting of the paper's Figure 8).
        if (!this.healed && this.flapping === undefined && this.rng.chance(this.profile.isolateNewLeader)) {
          this.network.healPartitions();
          this.network.partition([[node.id], this.allIds().filter((x) => x !== node.id)]);
          this.say(`new leader ${node.id} isolated`);
        }
      }
      this.checker.checkLeaderCompleteness(node.id, r.term, r.raftLog.firstIndex(), (i) => r.raftLog.term(i));
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
