// Raft's safety properties, checked as the simulated cluster runs. The cluster reports what
// each member persists, commits, applies and acknowledges; the checker keeps global records
// and flags any contradiction:
//
// - election safety: at most one leader per term;
// - log matching: two persisted logs holding an entry with the same index and term agree on
//   every entry up to it (checked with a hash chain over each member's log);
// - leader completeness: a leader of term T holds every entry committed in a term before T;
// - state machine safety: every member applies the same command at each index (checked
//   with a hash of the applied sequence), applies in order without gaps, and only applies
//   committed entries;
// - acknowledged proposals survive: every proposal reported to its client is in the final
//   log at the index it was acknowledged at;
// - reads: a confirmed ReadIndex is at least the index of every write acknowledged before
//   the read was issued.

import type { Entry, NodeId } from '../../storage/raft/core/messages.js';
import { chainHash } from './hash.js';

export const ViolationKind = {
  ElectionSafety: 'election-safety',
  LogMatching: 'log-matching',
  LeaderCompleteness: 'leader-completeness',
  StateMachineSafety: 'state-machine-safety',
  ApplyBeforeCommit: 'apply-before-commit',
  LostAck: 'lost-acknowledged-proposal',
  StaleRead: 'stale-read',
  Invariant: 'core-invariant',
} as const;
export type ViolationKind = (typeof ViolationKind)[keyof typeof ViolationKind];

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  /** The simulator step at which it was seen. */
  readonly step: number;
}

/** A member's persisted log as hash chains: chain[k] covers index base + 1 + k. */
class LogMirror {
  base = 0;
  baseChain = 0;
  baseTerm = 0;
  chains: number[] = [];
  terms: number[] = [];
  /** The persisted commit index already checked against the global record. */
  checkedCommit = 0;

  chainAt(index: number): number | undefined {
    if (index === this.base) return this.baseChain;
    return this.chains[index - this.base - 1];
  }

  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    return this.terms[index - this.base - 1];
  }

  lastIndex(): number {
    return this.base + this.chains.length;
  }
}

/** The key of an (index, term) pair in the checker's record of log hash chains. */
function chainKey(index: number, term: number): number {
  return index * 0x100000 + term;
}

/** Prefix maximum over terms (a Fenwick tree): the highest index committed in a term up to T. */
class PrefixMax {
  private values: number[] = [];
  private tree = new Array<number>(256).fill(0);

  update(term: number, index: number): void {
    if (term < 1 || (this.values[term] ?? 0) >= index) return;
    this.values[term] = index;
    if (term >= this.tree.length) {
      let size = this.tree.length;
      while (term >= size) size *= 2;
      this.tree = new Array<number>(size).fill(0);
      this.values.forEach((v, t) => this.insert(t, v));
    } else {
      this.insert(term, index);
    }
  }

  private insert(term: number, index: number): void {
    for (let i = term; i < this.tree.length; i += i & -i) {
      if ((this.tree[i] as number) < index) this.tree[i] = index;
    }
  }

  /** The maximum over terms 1..term. */
  query(term: number): number {
    let best = 0;
    for (let i = Math.min(term, this.tree.length - 1); i > 0; i -= i & -i) best = Math.max(best, this.tree[i] as number);
    return best;
  }
}

export class SafetyChecker {
  readonly violations: Violation[] = [];
  /** Bumped by the simulator before each step. */
  step = 0;

  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryChains = new Map<number, number>();
  private readonly committedChain = new Map<number, number>();
  private readonly committedTerm = new Map<number, number>();
  private readonly appliedState = new Map<number, number>();
  private readonly committedBefore = new PrefixMax();
  private readonly mirrors = new Map<NodeId, LogMirror>();
  private readonly applyCursor = new Map<NodeId, { index: number; hash: number }>();
  /** Acknowledged proposals: proposal id -> log index. */
  readonly acked = new Map<number, number>();
  /** The highest index of any acknowledged proposal. */
  maxAckedIndex = 0;

  private flag(kind: ViolationKind, message: string): void {
    this.violations.push({ kind, message, step: this.step });
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  private mirror(id: NodeId): LogMirror {
    let m = this.mirrors.get(id);
    if (m === undefined) {
      m = new LogMirror();
      this.mirrors.set(id, m);
    }
    return m;
  }

  /** The hash chain value of a member's persisted log at `index`, for snapshots. */
  chainAt(id: NodeId, index: number): number | undefined {
    return this.mirror(id).chainAt(index);
  }

  // ---- roles --------------------------------------------------------------------------

  /** A member is leader of `term` right now. */
  observeLeader(id: NodeId, term: number): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) this.leaderOfTerm.set(term, id);
    else if (known !== id) this.flag(ViolationKind.ElectionSafety, `term ${term} has two leaders: ${known} and ${id}`);
  }

  /**
   * A leader of `term` whose log has `termAt(index)` (undefined if absent) and whose first
   * log index is `firstIndex` must hold every entry committed in an earlier term.
   */
  checkLeaderCompleteness(id: NodeId, term: number, firstIndex: number, termAt: (index: number) => number | undefined): void {
    const required = this.committedBefore.query(term - 1);
    if (required === 0 || required < firstIndex - 1) return; // nothing required, or compacted away
    const expected = this.committedTerm.get(required);
    const actual = termAt(required);
    if (expected !== undefined && actual !== expected) {
      this.flag(
        ViolationKind.LeaderCompleteness,
        `leader ${id} of term ${term} has term ${actual} at committed index ${required} (committed with term ${expected})`,
      );
    }
  }

  // ---- persistence --------------------------------------------------------------------

  /** A member persisted a snapshot whose log hash at its index is `chain`. */
  persistSnapshot(id: NodeId, index: number, term: number, chain: number): void {
    const m = this.mirror(id);
    this.recordEntryChain(id, index, term, chain);
    m.base = index;
    m.baseChain = chain;
    m.baseTerm = term;
    m.chains = [];
    m.terms = [];
    if (m.checkedCommit < index) m.checkedCommit = index;
  }

  /** A member compacted its persisted log up to `index` (it keeps the hash there). */
  compact(id: NodeId, index: number): void {
    const m = this.mirror(id);
    if (index <= m.base) return;
    const chain = m.chainAt(index);
    const term = m.termAt(index);
    if (chain === undefined || term === undefined) return;
    m.chains = m.chains.slice(index - m.base);
    m.terms = m.terms.slice(index - m.base);
    m.base = index;
    m.baseChain = chain;
    m.baseTerm = term;
  }

  /**
   * A member restarted after a crash with the log that survived it: `start` is the entry
   * before its first (its snapshot's or compaction point's; index 0 if none), then `entries`,
   * and the commit index it persisted in `term`. Its mirror is rebuilt from these, so the
   * writes it lost are forgotten and whatever it writes in their place is checked afresh.
   */
  restartLog(id: NodeId, start: { readonly index: number; readonly term: number }, entries: readonly Entry[], commit: number, term: number): void {
    const m = new LogMirror();
    if (start.index > 0) {
      const chain = this.entryChains.get(chainKey(start.index, start.term));
      if (chain === undefined) {
        this.flag(ViolationKind.LogMatching, `member ${id} restarted from entry ${start.index} term ${start.term}, which it never persisted`);
        return;
      }
      m.base = start.index;
      m.baseChain = chain;
      m.baseTerm = start.term;
      m.checkedCommit = start.index;
    }
    this.mirrors.set(id, m);
    this.persistEntries(id, entries);
    this.persistCommit(id, commit, term);
  }

  /** A member persisted entries (overwriting any persisted entries from the first one on). */
  persistEntries(id: NodeId, entries: readonly Entry[]): void {
    const m = this.mirror(id);
    for (const entry of entries) {
      const pos = entry.index - m.base - 1;
      if (pos < 0) continue; // covered by the snapshot
      if (pos > m.chains.length) {
        this.flag(ViolationKind.LogMatching, `member ${id} persisted entry ${entry.index} after a gap (last ${m.lastIndex()})`);
        return;
      }
      if (pos < m.chains.length) {
        m.chains.length = pos;
        m.terms.length = pos;
      }
      const prev = pos === 0 ? m.baseChain : (m.chains[pos - 1] as number);
      const chain = chainHash(prev, entry);
      m.chains.push(chain);
      m.terms.push(entry.term);
      this.recordEntryChain(id, entry.index, entry.term, chain);
    }
  }

  private recordEntryChain(id: NodeId, index: number, term: number, chain: number): void {
    const key = chainKey(index, term);
    const known = this.entryChains.get(key);
    if (known === undefined) this.entryChains.set(key, chain);
    else if (known !== chain) {
      this.flag(ViolationKind.LogMatching, `member ${id}: logs differ before or at index ${index} term ${term}`);
    }
  }

  /**
   * A member persisted a commit index while in `term` (as leader or follower). Everything up
   * to it must agree with what others committed.
   */
  persistCommit(id: NodeId, commit: number, term: number): void {
    const m = this.mirror(id);
    if (commit > m.lastIndex()) {
      this.flag(ViolationKind.StateMachineSafety, `member ${id} persisted commit ${commit} past its log end ${m.lastIndex()}`);
      return;
    }
    for (let i = Math.max(m.checkedCommit + 1, m.base); i <= commit; i++) {
      const chain = m.chainAt(i) as number;
      const known = this.committedChain.get(i);
      if (known === undefined) {
        this.committedChain.set(i, chain);
        this.committedTerm.set(i, m.termAt(i) as number);
      } else if (known !== chain) {
        this.flag(ViolationKind.StateMachineSafety, `member ${id} committed a different log at index ${i}`);
        return;
      }
    }
    if (commit > m.checkedCommit) m.checkedCommit = commit;
    if (commit > 0) this.committedBefore.update(term, commit);
  }

  // ---- application --------------------------------------------------------------------

  /** A member (re)starts its state machine at `index` with state hash `hash` (0, 0 when empty). */
  startApplying(id: NodeId, index: number, hash: number): void {
    this.applyCursor.set(id, { index, hash });
    if (index > 0) this.recordAppliedState(id, index, hash);
  }

  /** A member applied `entry`, reaching state hash `hash`; `commit` is its persisted commit index. */
  apply(id: NodeId, entry: Entry, hash: number, commit: number): void {
    const cursor = this.applyCursor.get(id) ?? { index: 0, hash: 0 };
    if (entry.index !== cursor.index + 1) {
      this.flag(ViolationKind.StateMachineSafety, `member ${id} applied ${entry.index} after ${cursor.index}`);
    }
    if (entry.index > commit) {
      this.flag(ViolationKind.ApplyBeforeCommit, `member ${id} applied ${entry.index} with commit ${commit}`);
    }
    this.applyCursor.set(id, { index: entry.index, hash });
    this.recordAppliedState(id, entry.index, hash);
  }

  private recordAppliedState(id: NodeId, index: number, hash: number): void {
    const known = this.appliedState.get(index);
    if (known === undefined) this.appliedState.set(index, hash);
    else if (known !== hash) {
      this.flag(ViolationKind.StateMachineSafety, `member ${id} applied a different sequence up to index ${index}`);
    }
  }

  /** The proposal `proposalId` was reported to its client as committed at `index`. */
  ack(proposalId: number, index: number): void {
    this.acked.set(proposalId, index);
    if (index > this.maxAckedIndex) this.maxAckedIndex = index;
  }

  /** A ReadIndex issued when `requiredIndex` was the highest acknowledged write returned `index`. */
  readState(id: NodeId, requiredIndex: number, index: number): void {
    if (index < requiredIndex) {
      this.flag(ViolationKind.StaleRead, `member ${id} got read index ${index} below acknowledged write ${requiredIndex}`);
    }
  }

  /**
   * At the end: every acknowledged proposal must be in the leader's log at its index, unless
   * compacted into the leader's snapshot (whose state is covered by the applied-state check).
   */
  checkAcknowledged(leader: NodeId, firstIndex: number, entryAt: (index: number) => Entry | undefined, decode: (e: Entry) => number | undefined): void {
    for (const [proposalId, index] of this.acked) {
      if (index < firstIndex) continue;
      const entry = entryAt(index);
      if (entry === undefined || decode(entry) !== proposalId) {
        this.flag(ViolationKind.LostAck, `proposal ${proposalId} acknowledged at ${index} is missing from leader ${leader}'s log`);
      }
    }
  }

  /** Records a core invariant failure (the core threw). */
  coreFailure(id: NodeId, error: unknown): void {
    this.flag(ViolationKind.Invariant, `member ${id}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

